"""Issue 9: the original was served with its GPS location and camera serial numbers."""

import io

import pytest
import requests
from PIL import Image
from samples import (
    SERIALS,
    XMP_WITH_LOCATION,
    encoded,
    gif_with_extensions,
    gif_xmp,
    jpeg_with_private_metadata,
    private_exif,
)
from stack import backend

pytestmark = pytest.mark.integration


def upload_and_fetch(url: str, data: bytes, name: str = "p.jpg") -> tuple[str, bytes]:
    response = requests.post(url + "/image", files={"file": (name, data)}, timeout=30)
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


def gif_with_xmp() -> bytes:
    return gif_with_extensions(
        encoded(Image.linear_gradient("L").resize((60, 40)), "GIF"), gif_xmp()
    )


def avif_with_metadata() -> bytes:
    image = Image.merge("RGB", [Image.linear_gradient("L").resize((64, 48))] * 3)
    return encoded(image, "AVIF", exif=private_exif(), xmp=XMP_WITH_LOCATION)


@pytest.mark.parametrize("make", [gif_with_xmp, avif_with_metadata], ids=["gif", "avif"])
def test_gif_and_avif_originals_lose_their_xmp_and_gps(stack, make):
    data = make()
    assert b"BODY-SN-4711" in data and b"GPSLatitude" in data
    _, served = upload_and_fetch(stack.backend_url, data, "p." + make.__name__[:4])
    assert b"BODY-SN-4711" not in served and b"GPSLatitude" not in served
    assert Image.open(io.BytesIO(served)).tobytes() == Image.open(io.BytesIO(data)).tobytes()


def test_keep_switch_stores_originals_byte_exact(stack):
    data = jpeg_with_private_metadata(size=(64, 48))
    workdir = stack.workdir / "keep-metadata-backend"  # not beside the session backend's log
    workdir.mkdir(exist_ok=True)
    with backend({**stack.env, "ORIGINAL_METADATA": "keep"}, workdir, workers=1) as url:
        _, served = upload_and_fetch(url, data)
    assert served == data
