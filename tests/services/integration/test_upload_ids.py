"""Ids never overwrite: an id whose original exists is drawn again (real S3, in-process app)."""

import io

import pytest
from imagehost.backend import create_app
from imagehost.backend import images as image_routes
from imagehost.config import Config
from imagehost.storage import Storage
from samples import photo

pytestmark = pytest.mark.integration


def test_conditional_put_refuses_an_existing_key(stack):
    storage = Storage(Config.from_env(stack.env))
    assert storage.put_new("original/Once1234", b"first", "image/jpeg")
    assert not storage.put_new("original/Once1234", b"second", "image/jpeg")
    assert storage.read("original/Once1234") == b"first"


def test_upload_draws_another_id_when_one_is_taken(stack, monkeypatch):
    taken = "Taken123"
    stack.s3.put_object(Bucket=stack.bucket, Key=f"original/{taken}", Body=b"someone else's")
    drawn = iter([taken, "Fresh123"])
    monkeypatch.setattr(image_routes, "new_id", lambda: next(drawn))
    client = create_app(Config.from_env(stack.env)).test_client()

    response = client.post("/image", data={"file": (io.BytesIO(photo((32, 32))), "a.jpg")})

    assert response.status_code == 201
    assert response.json["id"] == "Fresh123"
    body = stack.s3.get_object(Bucket=stack.bucket, Key=f"original/{taken}")["Body"].read()
    assert body == b"someone else's"
    stack.wait_for_status("Fresh123")
