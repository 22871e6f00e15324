"""The upstream HTTP contract, on real processes: gunicorn, Celery, Redis, moto's S3."""

import importlib.metadata
import io
import json

import pytest
import requests
from imagehost.sizes import SIZES
from PIL import Image
from samples import animated_gif, expected_size, photo

pytestmark = pytest.mark.integration


def get(stack, path: str, **kwargs) -> requests.Response:
    return requests.get(stack.backend_url + path, timeout=30, **kwargs)


def test_index_lists_the_url_templates(stack):
    response = get(stack, "/")
    assert response.status_code == 200
    assert response.json() == {
        "upload_url": "/image",
        "original_image_url": "/image/{id}",
        "big_image_url": "/image/{id}/big",
        "medium_image_url": "/image/{id}/medium",
        "small_image_url": "/image/{id}/small",
        "tiny_image_url": "/image/{id}/tiny",
    }


def test_health(stack):
    response = get(stack, "/health")
    assert (response.status_code, response.text) == (200, "ok")


def test_version_is_the_installed_package_s_without_an_image(stack):
    # In an image, IMGR_VERSION (set by scripts/build-images.sh) takes precedence;
    # the lab's upgrade tests check that path.
    response = get(stack, "/version")
    assert response.status_code == 200
    assert response.json() == {"version": importlib.metadata.version("imagehost")}


def test_ready_checks_s3_and_broker(stack):
    response = get(stack, "/ready")
    assert response.status_code == 200
    assert response.json()["checks"] == {"s3": "ok", "broker": "ok"}


def test_upload_produces_every_size_with_the_right_dimensions(stack):
    original = photo((3000, 2000))
    # The client's name and type are ignored: the content decides.
    response = requests.post(
        stack.backend_url + "/image",
        files={"file": ("notes.txt", original, "text/plain")},
        timeout=30,
    )
    assert response.status_code == 201
    body = response.json()
    image_id = body["id"]
    assert body == {
        "id": image_id,
        "original": f"/image/{image_id}",
        **{size: f"/image/{image_id}/{size}" for size in SIZES},
        "status": f"/image/{image_id}/status",
        # Extra: what the worker will make, so a UI can lay the page out at once.
        "dimensions": {
            "original": {"width": 3000, "height": 2000},
            "big": {"width": 1024, "height": 683},
            "medium": {"width": 512, "height": 341},
            "small": {"width": 256, "height": 171},
            "tiny": {"width": 128, "height": 85},
        },
    }
    status = stack.wait_for_status(image_id)
    assert status == {
        "id": image_id,
        "state": "ready",
        "sizes": dict.fromkeys(SIZES, "ready"),
        "error": None,
        "dimensions": body["dimensions"],
    }

    stored = get(stack, body["original"])
    assert stored.content == original
    assert stored.headers["Content-Type"] == "image/jpeg"
    assert stored.headers["Cache-Control"].startswith("public")
    for size, longest_side in SIZES.items():
        served = get(stack, body[size])
        assert served.status_code == 200
        image = Image.open(io.BytesIO(served.content))
        assert image.size == expected_size((3000, 2000), longest_side), size
        assert served.headers["Content-Type"] == "image/jpeg"
        assert served.headers["Cache-Control"] == "public, max-age=31536000, immutable"
        assert int(served.headers["Content-Length"]) == len(served.content)
        assert served.headers["ETag"] and served.headers["Last-Modified"]
    assert {f"{key}/{image_id}" for key in ["original", *SIZES]} <= stack.object_keys()


@pytest.mark.parametrize(
    ("data", "size", "served_type"),
    [
        (photo((100, 60), "PNG"), (100, 60), "image/png"),
        (photo((300, 900), "WEBP"), (300, 900), "image/webp"),
        (animated_gif((300, 200)), (300, 200), "image/png"),
    ],
    ids=["small-png-never-enlarged", "portrait-webp", "animated-gif-first-frame"],
)
def test_other_formats(stack, data, size, served_type):
    image_id = stack.upload(data, "upload.bin")["id"]
    stack.wait_for_status(image_id)
    for name, longest_side in SIZES.items():
        served = get(stack, f"/image/{image_id}/{name}")
        assert served.headers["Content-Type"] == served_type
        assert Image.open(io.BytesIO(served.content)).size == expected_size(size, longest_side)


def test_conditional_requests_get_304(stack):
    image_id = stack.upload(photo((400, 300)))["id"]
    stack.wait_for_status(image_id)
    for path in (f"/image/{image_id}", f"/image/{image_id}/small"):
        first = get(stack, path)
        etag, modified = first.headers["ETag"], first.headers["Last-Modified"]
        by_etag = get(stack, path, headers={"If-None-Match": etag})
        assert (by_etag.status_code, by_etag.content) == (304, b"")
        assert by_etag.headers["ETag"] == etag
        by_date = get(stack, path, headers={"If-Modified-Since": modified})
        assert by_date.status_code == 304
        changed = get(stack, path, headers={"If-None-Match": '"something-else"'})
        assert (changed.status_code, changed.content) == (200, first.content)


def test_head_gives_headers_without_body(stack):
    image_id = stack.upload(photo((400, 300)))["id"]
    stack.wait_for_status(image_id)
    full = get(stack, f"/image/{image_id}/medium")
    head = requests.head(f"{stack.backend_url}/image/{image_id}/medium", timeout=30)
    assert (head.status_code, head.content) == (200, b"")
    for header in ("Content-Type", "Content-Length", "ETag", "Last-Modified", "Cache-Control"):
        assert head.headers[header] == full.headers[header]


@pytest.mark.parametrize(
    "path",
    ["/image/abc", "/image/abcdefghij", "/image/abc-defg", "/image/abc/big", "/image/abc/status"],
)
def test_malformed_id_is_400(stack, path):
    response = get(stack, path)
    assert response.status_code == 400
    assert response.json()["reason"] == "bad_id"


@pytest.mark.parametrize(
    "path", ["/image/Zz9Zz9Zz", "/image/Zz9Zz9Zz/big", "/image/Zz9Zz9Zz/status", "/nowhere"]
)
def test_unknown_is_404(stack, path):
    response = get(stack, path)
    assert response.status_code == 404
    assert response.json()["reason"] == "not_found"


def test_size_not_yet_made_is_404_and_status_pending(stack, tmp_path):
    # An original stored by hand, with no task: exactly what a client sees before the worker.
    image_id = "Pend1ngX"
    stack.s3.put_object(
        Bucket=stack.bucket,
        Key=f"original/{image_id}",
        Body=photo((50, 50)),
        ContentType="image/jpeg",
    )
    assert get(stack, f"/image/{image_id}/big").status_code == 404
    status = get(stack, f"/image/{image_id}/status").json()
    assert status["state"] == "pending"
    assert set(status["sizes"].values()) == {"pending"}


def test_unknown_size_is_404(stack):
    image_id = stack.upload(photo((40, 40)))["id"]
    assert get(stack, f"/image/{image_id}/huge").status_code == 404


def test_cors_everywhere(stack):
    origin = {"Origin": "http://ui.example"}
    preflight = requests.options(
        stack.backend_url + "/image",
        headers={**origin, "Access-Control-Request-Method": "POST"},
        timeout=30,
    )
    assert preflight.status_code == 200
    assert preflight.headers["Access-Control-Allow-Origin"] == "*"
    assert "POST" in preflight.headers["Access-Control-Allow-Methods"]
    for path in ("/", "/image/bad", "/image/Zz9Zz9Zz/status"):
        assert get(stack, path, headers=origin).headers["Access-Control-Allow-Origin"] == "*"
    refused = requests.post(stack.backend_url + "/image", headers=origin, timeout=30)
    assert refused.status_code == 400
    assert refused.headers["Access-Control-Allow-Origin"] == "*"


def test_metrics_count_requests_uploads_and_rejections(stack):
    requests.post(stack.backend_url + "/image", files={"file": ("a", b"")}, timeout=30)
    stack.upload(photo((64, 64)))
    text = get(stack, "/metrics").text
    assert 'imagehost_http_requests_total{method="POST",route="/image",status="201"}' in text
    assert 'imagehost_upload_rejections_total{reason="empty_file"}' in text
    assert "imagehost_upload_bytes_count" in text
    assert "imagehost_http_request_duration_seconds_bucket" in text


def test_one_json_log_line_per_request(stack):
    marker = "/image/Lg0Lg0Lg"
    get(stack, marker)
    (log_path,) = stack.workdir.glob("backend-*.log")
    lines = [json.loads(line) for line in log_path.read_text().splitlines() if line.startswith("{")]
    (entry,) = [line for line in lines if line.get("path") == marker]
    assert entry["status"] == 404
    assert entry["method"] == "GET"
    assert entry["route"] == "/image/<image_id>"
    assert entry["duration_ms"] >= 0


def test_worker_logs_json_lines(stack):
    image_id = stack.upload(photo((64, 64)))["id"]
    stack.wait_for_status(image_id)
    (worker,) = stack.workers
    records = [json.loads(line) for line in worker.log().splitlines() if line.startswith("{")]
    (resized,) = [r for r in records if r["message"] == f"resized {image_id} into 4 sizes"]
    assert resized["level"] == "info"
    assert resized["logger"] == "imagehost.worker"
    assert any(r["logger"].startswith("celery") for r in records)  # Celery's own too


def test_not_found_is_not_cached_and_405_keeps_allow(stack):
    image_id = stack.upload(photo((64, 64)))["id"]
    stack.wait_for_status(image_id)
    # As before the worker made it: a size (or an id) missing now may exist in a moment.
    stack.s3.delete_object(Bucket=stack.bucket, Key=f"tiny/{image_id}")
    for path in (f"/image/{image_id}/tiny", "/image/N0tYet00", "/no/such/route"):
        response = get(stack, path)
        assert response.status_code == 404
        assert response.headers["Cache-Control"] == "no-store"
    refused = requests.delete(f"{stack.backend_url}/image/{image_id}", timeout=30)
    assert refused.status_code == 405
    assert set(refused.headers["Allow"].replace(" ", "").split(",")) >= {"GET", "HEAD"}
    assert refused.json()["reason"] == "method_not_allowed"


def test_dimensions_are_those_of_the_sizes_made_upright(stack):
    exif = Image.Exif()
    exif[0x0112] = 6  # a phone held upright: stored landscape, displayed portrait
    buffer = io.BytesIO()
    Image.new("RGB", (1500, 1000)).save(buffer, "JPEG", exif=exif)
    body = stack.upload(buffer.getvalue())
    assert body["dimensions"]["original"] == {"width": 1000, "height": 1500}
    status = stack.wait_for_status(body["id"])
    assert status["dimensions"] == body["dimensions"]
    for size in SIZES:
        made = Image.open(io.BytesIO(get(stack, body[size]).content)).size
        assert made == tuple(body["dimensions"][size].values()), size


def test_weak_list_and_head_conditional_requests(stack):
    image_id = stack.upload(photo((200, 100)))["id"]
    stack.wait_for_status(image_id)
    for path in (f"/image/{image_id}", f"/image/{image_id}/tiny"):
        etag = get(stack, path).headers["ETag"]
        for header in (f"W/{etag}", f'"someone-else", {etag}', "*"):
            assert get(stack, path, headers={"If-None-Match": header}).status_code == 304, header
        head = requests.head(stack.backend_url + path, headers={"If-None-Match": etag}, timeout=30)
        assert (head.status_code, head.content, head.headers["ETag"]) == (304, b"", etag)
        changed = get(stack, path, headers={"If-None-Match": '"someone-else"'})
        assert changed.status_code == 200 and changed.content


def test_concurrent_uploads_are_all_stored_and_queued(stack):
    # Many requests in one gevent process at once share its S3 client and broker pool.
    from concurrent.futures import ThreadPoolExecutor

    data = photo((320, 240))
    with ThreadPoolExecutor(10) as pool:
        ids = [body["id"] for body in pool.map(lambda _: stack.upload(data), range(20))]
    assert len(set(ids)) == 20
    for image_id in ids:
        stack.wait_for_status(image_id, timeout=120)
