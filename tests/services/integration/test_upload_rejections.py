"""Every refused upload gets its JSON error and leaves the bucket as it was."""

import pytest
import requests
from http_raw import multipart, post_raw
from samples import (
    jpeg_magic_then_garbage,
    photo,
    png_claiming,
    png_from_rows,
    png_with_bad_crc,
    png_with_bad_filter,
    png_with_garbage_data,
    png_with_short_data,
    truncated,
    truncated_jpeg,
)
from stack import backend

pytestmark = pytest.mark.integration

MIB = 1024 * 1024
LIMIT = 20 * MIB  # the default MAX_UPLOAD_BYTES


def ids_in(keys: set[str]) -> set[str]:
    return {key.rsplit("/", 1)[-1] for key in keys}


@pytest.fixture
def bucket_unchanged(stack):
    """Fails the test if a refused upload wrote anything: no new id may appear.
    (Ids, not keys: the worker may still be writing sizes of earlier uploads.)"""
    before = stack.object_keys()
    yield
    assert ids_in(stack.object_keys()) - ids_in(before) == set()


def assert_refused(response: requests.Response, status: int, reason: str) -> dict:
    assert response.status_code == status, response.text
    body = response.json()
    assert body["reason"] == reason
    assert body["error"]
    return body


def post(stack, **kwargs) -> requests.Response:
    return requests.post(stack.backend_url + "/image", timeout=60, **kwargs)


def test_missing_file_field(stack, bucket_unchanged):
    body = assert_refused(
        post(stack, files={"picture": ("a.jpg", photo((10, 10)))}), 400, "missing_file"
    )
    assert body["error"] == "missing file"  # upstream's text
    assert_refused(post(stack), 400, "missing_file")
    assert_refused(post(stack, data={"file": "not a file"}), 400, "missing_file")


def test_empty_file(stack, bucket_unchanged):
    assert_refused(post(stack, files={"file": ("a.jpg", b"")}), 400, "empty_file")


@pytest.mark.parametrize(
    "data",
    [b"just some text", b"<svg xmlns='http://www.w3.org/2000/svg'/>", photo((16, 16), "BMP")],
    ids=["text", "svg", "bmp"],
)
def test_unsupported_format(stack, bucket_unchanged, data):
    # Claiming to be a JPEG changes nothing.
    files = {"file": ("photo.jpg", data, "image/jpeg")}
    assert_refused(post(stack, files=files), 415, "unsupported_format")


@pytest.mark.parametrize(
    "data",
    [
        truncated_jpeg(),
        jpeg_magic_then_garbage(),
        png_with_bad_crc(),
        png_with_garbage_data(),
        png_with_short_data(),
        png_with_bad_filter(),
        truncated(photo((300, 200), "GIF")),
        truncated(photo((300, 200), "WEBP")),
    ],
    ids=[
        "truncated-jpeg",
        "jpeg-magic-garbage",
        "png-bad-crc",
        "png-valid-crcs-garbage-zlib",
        "png-valid-crcs-short-data",
        "png-valid-crcs-bad-filter",
        "truncated-gif",
        "truncated-webp",
    ],
)
def test_corrupt_image(stack, bucket_unchanged, data):
    assert_refused(post(stack, files={"file": ("x.jpg", data)}), 422, "corrupt_image")


@pytest.mark.parametrize(
    "data",
    [png_claiming(8000, 7000), png_claiming(60000, 60000)],
    ids=["56-megapixels", "decompression-bomb"],
)
def test_too_many_pixels(stack, bucket_unchanged, data):
    assert_refused(post(stack, files={"file": ("x.png", data)}), 422, "too_many_pixels")


def test_file_just_over_the_limit(stack, bucket_unchanged):
    data = b"\xff\xd8\xff" + b"\0" * (LIMIT - 2)
    assert_refused(post(stack, files={"file": ("big.jpg", data)}), 413, "too_large")


def test_declared_oversized_body_is_refused_before_it_is_sent(stack, bucket_unchanged):
    content_type, head, tail = multipart("file", "huge.jpg")
    declared = len(head) + 30 * MIB + len(tail)
    headers = {"Content-Type": content_type, "Content-Length": str(declared)}
    # Only 1 MiB of the 30 is ever sent: an answer proves nothing waited for the rest.
    status, response = post_raw(stack.backend_url + "/image", headers, [head, b"\0" * MIB])
    assert status == 413
    assert b'"reason":"too_large"' in response


def test_chunked_oversized_body_is_cut_off_while_streaming(stack, bucket_unchanged):
    content_type, head, tail = multipart("file", "endless.jpg")
    headers = {"Content-Type": content_type, "Transfer-Encoding": "chunked"}

    def chunks():
        block = b"\xff" * MIB
        yield b"%x\r\n%s\r\n" % (len(head), head)
        for _ in range(40):  # would be 40 MiB; the server stops reading at its limit
            yield b"%x\r\n%s\r\n" % (len(block), block)
        yield b"%x\r\n%s\r\n0\r\n\r\n" % (len(tail), tail)

    status, response = post_raw(stack.backend_url + "/image", headers, chunks())
    assert status == 413
    assert b'"reason":"too_large"' in response


def test_max_image_pixels_above_pillows_own_refusal_is_honoured(stack, tmp_path):
    """MAX_IMAGE_PIXELS governs the backend too: 190 megapixels is past twice Pillow's
    default limit, where Pillow refuses to open an image whatever the caller wants."""
    width, height = 20_000, 9_500
    data = png_from_rows(width, height, bytes(height * (width + 1)))
    env = {**stack.env, "MAX_IMAGE_PIXELS": "200000000"}
    with backend(env, tmp_path, workers=1) as url:
        response = requests.post(url + "/image", files={"file": ("big.png", data)}, timeout=60)
    assert response.status_code == 201, response.text
