"""Upload through the web UI in Chromium against the real backend and worker, the UI served
by its real container (nginx, CSP, fingerprinted assets, read-only): progress, the four
thumbnails, the links, a rejected file's message, and a phone-sized layout."""

from __future__ import annotations

import io

import pytest
import requests
from imagehost.sizes import ALL_KEYS, SIZES
from PIL import Image, ImageDraw

pytestmark = [pytest.mark.browser, pytest.mark.timeout(240)]

PHONE = {"width": 375, "height": 812}
PHOTO_SIZE = (1600, 1200)
NOT_AN_IMAGE = b"Just some notes, saved with the wrong extension.\n" * 20
RECORD_PROGRESS = """
window.progressSteps = [];
new MutationObserver((changes) => {
  for (const change of changes) {
    if (change.target.matches("progress")) {
      window.progressSteps.push(Number(change.target.getAttribute("value")));
    }
  }
}).observe(document.body, { subtree: true, attributes: true, attributeFilter: ["value"] });
"""


def make_photo() -> bytes:
    image = Image.new("RGB", PHOTO_SIZE, (30, 90, 200))
    draw = ImageDraw.Draw(image)
    for x in range(0, PHOTO_SIZE[0], 16):
        draw.rectangle([x, 0, x + 15, PHOTO_SIZE[1]], fill=(x * 255 // PHOTO_SIZE[0], 110, 190))
    draw.ellipse([500, 300, 1100, 900], fill=(250, 200, 40))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=85)
    return out.getvalue()


def expected_dimensions(longest_side: int) -> tuple[int, int]:
    width, height = PHOTO_SIZE
    scale = longest_side / max(width, height)
    return round(width * scale), round(height * scale)


@pytest.fixture
def phone_page(browser, frontend_url, tmp_path):
    context = browser.new_context(
        viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True
    )
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=frontend_url)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    # The container's Content-Security-Policy must allow everything the UI does.
    page.on(
        "console",
        lambda message: "Content Security Policy" in message.text and errors.append(message.text),
    )
    page.goto(frontend_url)
    page.wait_for_selector("body[data-ready=true]")
    yield page, errors
    page.screenshot(path=str(tmp_path / "last-state.png"), full_page=True)
    context.close()


def test_upload_shows_progress_thumbnails_links_and_rejections(phone_page, stack, tmp_path):
    page, page_errors = phone_page
    assert page.title() == "imgr."
    # What the server says about the bad file is what the page must show.
    refused = requests.post(
        f"{stack.backend_url}/image", files={"file": ("notes.jpg", NOT_AN_IMAGE)}, timeout=30
    )
    assert refused.status_code in (415, 422), refused.text
    server_message = refused.json()["error"]

    # Slow uploads down so the bar has steps to show, and write down every step it shows.
    cdp = page.context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send(
        "Network.emulateNetworkConditions",
        {"offline": False, "latency": 0, "downloadThroughput": -1, "uploadThroughput": 100_000},
    )
    page.evaluate(RECORD_PROGRESS)
    posts: list[str] = []
    page.on("request", lambda request: request.method == "POST" and posts.append(request.url))
    page.set_input_files(
        "#file-input",
        [
            {"name": "photo.jpg", "mimeType": "image/jpeg", "buffer": make_photo()},
            {"name": "notes.jpg", "mimeType": "image/jpeg", "buffer": NOT_AN_IMAGE},
            {"name": "notes.txt", "mimeType": "text/plain", "buffer": NOT_AN_IMAGE},
        ],
    )

    rejected = page.locator(".card", has_text="notes.jpg")
    rejected.and_(page.locator("[data-state=rejected]")).wait_for(timeout=30_000)
    assert rejected.locator(".card-status").inner_text().strip() == server_message
    # An obvious non-image is turned down in the browser, without a request.
    prechecked = page.locator(".card", has_text="notes.txt")
    prechecked.and_(page.locator("[data-state=rejected]")).wait_for(timeout=5_000)
    assert "not an image" in prechecked.locator(".card-status").inner_text()

    card = page.locator(".card", has_text="photo.jpg")
    card.and_(page.locator("[data-state=ready]")).wait_for(timeout=90_000)
    assert card.locator("progress").evaluate("bar => bar.value") == 100
    assert sorted(url.rsplit("/", 1)[1] for url in posts) == ["image", "image"], posts
    steps = page.evaluate("window.progressSteps")
    print("progress steps:", steps)
    assert any(0 < step < 100 for step in steps), steps
    image_id = card.get_attribute("data-upload-id")
    assert image_id and len(image_id) == 8

    for name, longest_side in SIZES.items():
        tile = card.locator(f".size[data-size={name}]")
        tile.and_(page.locator("[data-loaded=true]")).wait_for(timeout=30_000)
        shown = tile.locator("img").evaluate("img => [img.naturalWidth, img.naturalHeight]")
        assert tuple(shown) == expected_dimensions(longest_side), name

    links = card.locator(".link-row a")
    assert links.count() == len(ALL_KEYS)
    for key in ALL_KEYS:
        href = card.locator(f".link-row[data-size={key}] a").get_attribute("href")
        suffix = "" if key == "original" else f"/{key}"
        assert href == f"{stack.backend_url}/image/{image_id}{suffix}"
        response = requests.get(href, timeout=30)
        assert response.status_code == 200, href
        assert response.headers["Content-Type"].startswith("image/"), href

    card.locator(".link-row[data-size=big] button").click()
    copied = page.evaluate("navigator.clipboard.readText()")
    assert copied == f"{stack.backend_url}/image/{image_id}/big"

    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"{overflow}px of horizontal scroll at {PHONE['width']}px"
    screenshot = tmp_path / "phone.png"
    page.screenshot(path=str(screenshot), full_page=True)
    print(f"screenshot: {screenshot}")

    # The gallery is this browser's: it survives a reload, the failed file does not.
    page.reload()
    page.wait_for_selector("body[data-ready=true]")
    kept = page.locator(f'.card[data-upload-id="{image_id}"]')
    kept.and_(page.locator("[data-state=ready]")).wait_for(timeout=30_000)
    assert page.locator(".card[data-state=rejected]").count() == 0
    assert page_errors == []
