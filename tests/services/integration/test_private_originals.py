"""Issue 9: the original was served with its GPS location and camera serial numbers."""

import io

import pytest
import requests
from PIL import Image
from samples import SERIALS, jpeg_with_private_metadata
from stack import backend

pytestmark = pytest.mark.integration


def upload_and_fetch(url: str, data: bytes) -> tuple[str, bytes]:
    response = requests.post(url + "/image", files={"file": ("p.jpg", data)}, timeout=30)
    assert response.status_code == 201, response.text
    image_id = response.json()["id"]
    original = requests.get(f"{url}/image/{image_id}", timeout=30)
    assert original.status_code == 200
    return image_id, original.content


def test_served_original_has_no_location_serials_or_maker_notes(stack):
    data = jpeg_with_private_metadata(size=(320, 200))
    image_id, served = upload_and_fetch(stack.backend_url, data)
    for secret in SERIALS:
        assert secret not in served
    image = Image.open(io.BytesIO(served))
    assert image.getexif().get_ifd(0x8825) == {}
    assert image.getexif()[0x0112] == 6
    assert image.tobytes() == Image.open(io.BytesIO(data)).tobytes()  # pixels untouched
    # The kept orientation still turns the sizes upright (200x320 once rotated).
    stack.wait_for_status(image_id)
    big = requests.get(f"{stack.backend_url}/image/{image_id}/big", timeout=30).content
    assert Image.open(io.BytesIO(big)).size == (200, 320)


def test_keep_switch_stores_originals_byte_exact(stack):
    data = jpeg_with_private_metadata(size=(64, 48))
    workdir = stack.workdir / "keep-metadata-backend"  # not beside the session backend's log
    workdir.mkdir(exist_ok=True)
    with backend({**stack.env, "ORIGINAL_METADATA": "keep"}, workdir, workers=1) as url:
        _, served = upload_and_fetch(url, data)
    assert served == data
