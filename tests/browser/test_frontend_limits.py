"""The UI takes the upload limit from /config.json, and restores a large gallery without a
burst of status requests (HAProxy's rate limit would refuse the burst)."""

from __future__ import annotations

import json

import pytest
from frontend_container import running_frontend

pytestmark = [pytest.mark.browser, pytest.mark.timeout(240)]

GALLERY_KEY = "imgr.uploads.v1"


def test_upload_limit_comes_from_config_json(browser, stack, frontend_image_tag):
    with running_frontend(frontend_image_tag, stack.backend_url, MAX_UPLOAD_BYTES="1000") as url:
        page = browser.new_page()
        try:
            posts: list[str] = []
            page.on("request", lambda request: request.method == "POST" and posts.append(url))
            page.goto(url)
            page.wait_for_selector("body[data-ready=true]")
            page.set_input_files(
                "#file-input",
                [{"name": "big.jpg", "mimeType": "image/jpeg", "buffer": b"\xff" * 2000}],
            )
            card = page.locator(".card", has_text="big.jpg")
            card.and_(page.locator("[data-state=rejected]")).wait_for(timeout=5_000)
            assert "the limit is 1000 B" in card.locator(".card-status").inner_text()
            assert posts == []  # refused in the browser, nothing sent
        finally:
            page.close()


def test_restoring_a_large_gallery_polls_a_few_at_a_time(browser, frontend_url):
    entries = [
        {
            "id": f"Gone{n:04d}",
            "name": f"old-{n}.jpg",
            "bytes": 1000,
            "uploadedAt": "2026-01-01T00:00:00Z",
            "urls": {"original": f"/image/Gone{n:04d}"}
            | {size: f"/image/Gone{n:04d}/{size}" for size in ("big", "medium", "small", "tiny")},
        }
        for n in range(40)
    ]
    context = browser.new_context()
    page = context.new_page()
    try:
        page.goto(frontend_url)
        page.evaluate(
            "([key, value]) => localStorage.setItem(key, value)",
            [GALLERY_KEY, json.dumps(entries)],
        )
        in_flight, peak, answered = set(), [0], []

        def started(request):
            if request.url.endswith("/status"):
                in_flight.add(request.url)
                peak[0] = max(peak[0], len(in_flight))

        def finished(request):
            if request.url.endswith("/status"):
                in_flight.discard(request.url)
                answered.append(request.url)

        page.on("request", started)
        # Not "requestfinished": Chromium sends none for these 404 answers.
        page.on("response", lambda response: finished(response.request))
        page.on("requestfailed", finished)
        page.reload()
        page.wait_for_selector("body[data-ready=true]")
        # Unknown ids answer 404: each card ends failed after one poll.
        page.wait_for_function(
            "n => document.querySelectorAll('.card[data-state=failed]').length === n",
            arg=len(entries),
            timeout=60_000,
        )
        print(f"\n{len(answered)} status requests, at most {peak[0]} at once")
        assert len(answered) == len(entries)
        assert 1 <= peak[0] <= 4
    finally:
        context.close()
