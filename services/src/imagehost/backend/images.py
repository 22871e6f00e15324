"""The upstream contract: index, upload, serving every size; plus the status endpoint."""

import json
import logging
import tempfile
from typing import BinaryIO

from flask import Blueprint, Response, jsonify, request
from kombu.exceptions import OperationalError
from werkzeug.datastructures import FileStorage

from imagehost import errors
from imagehost.backend.observability import count_upload
from imagehost.backend.services import services
from imagehost.celery_app import RESIZE_TASK
from imagehost.config import MIB
from imagehost.ids import is_valid_id, new_id
from imagehost.metadata import strip_private_metadata
from imagehost.sizes import ORIGINAL, SIZES, dimensions, object_key
from imagehost.status import compute_status
from imagehost.validate import validate_image

blueprint = Blueprint("images", __name__)
log = logging.getLogger(__name__)

# Resized sizes never change once written (ids are never reused).
SIZE_CACHE_CONTROL = "public, max-age=31536000, immutable"
ORIGINAL_CACHE_CONTROL = "public, max-age=86400"
ID_ATTEMPTS = 5
JSON = "application/json"
PUBLISH_RETRY = {"max_retries": 3, "interval_start": 0, "interval_step": 0.5}


def links(image_id: str) -> dict[str, str]:
    urls = {ORIGINAL: f"/image/{image_id}"}
    urls.update({size: f"/image/{image_id}/{size}" for size in SIZES})
    return urls


@blueprint.get("/")
def index():
    templates = {f"{key}_image_url": url for key, url in links("{id}").items()}
    return jsonify(upload_url="/image", **templates)


@blueprint.post("/image")
def upload():
    config = services().config
    upload_file = request.files.get("file")
    if upload_file is None:
        raise errors.missing_file()
    size = file_size(upload_file)
    if size == 0:
        raise errors.empty_file()
    if size > config.max_upload_bytes:
        raise errors.too_large(config.max_upload_bytes)
    info = validate_image(upload_file.stream, config.max_image_pixels)
    stored = upload_file.stream
    if config.original_metadata == "strip":
        stored = without_private_metadata(stored, info.format)
    try:
        image_id = store_original(stored, info.content_type)
    finally:
        if stored is not upload_file.stream:
            stored.close()
    count_upload(size)
    sizes = dimensions(info.upright)
    # Before the task is queued: the status may be asked as soon as the client has the id.
    services().storage.put(dimensions_key(image_id), json.dumps(sizes).encode(), JSON)
    enqueue_resize(image_id)
    log.info("stored %s: %s %dx%d, %d bytes", image_id, info.format, info.width, info.height, size)
    body = {"id": image_id, **links(image_id), "status": f"/image/{image_id}/status"}
    return jsonify({**body, "dimensions": sizes}), 201


def dimensions_key(image_id: str) -> str:
    return f"dimensions/{image_id}"


def stored_dimensions(image_id: str) -> dict | None:
    body = services().storage.read(dimensions_key(image_id))
    return None if body is None else json.loads(body)


def enqueue_resize(image_id: str) -> None:
    """Queue the upload's task; without a broker, take the original back and answer 503
    (a stored original nobody will ever resize would stay "pending" forever)."""
    try:
        services().celery.send_task(
            RESIZE_TASK, args=[image_id], retry=True, retry_policy=PUBLISH_RETRY
        )
    except OperationalError as error:
        log.error("cannot queue %s, withdrawing the upload: %s", image_id, error)
        services().storage.delete(object_key(ORIGINAL, image_id))
        raise errors.unavailable() from error


def file_size(upload_file: FileStorage) -> int:
    stream = upload_file.stream
    stream.seek(0, 2)
    return stream.tell()


def without_private_metadata(stream: BinaryIO, image_format: str) -> BinaryIO:
    """The upload without location, serials and maker notes (metadata.py); the same
    stream when it had none. Spooled to disk past 1 MiB, as the upload itself is."""
    stream.seek(0)
    data = stream.read()
    stripped = strip_private_metadata(data, image_format)
    if stripped is data:
        return stream
    spooled = tempfile.SpooledTemporaryFile(max_size=MIB)  # noqa: SIM115 - the caller closes it
    spooled.write(stripped)
    return spooled


def store_original(body: BinaryIO, content_type: str) -> str:
    """A fresh id whose original did not exist; the store refuses to overwrite."""
    for _ in range(ID_ATTEMPTS):
        image_id = new_id()
        body.seek(0)
        key = object_key(ORIGINAL, image_id)
        if services().storage.put_new(key, body, content_type):
            return image_id
        log.warning("id collision on %s, drawing another", image_id)
    raise RuntimeError(f"no free id after {ID_ATTEMPTS} attempts")


@blueprint.get("/image/<image_id>")
def original(image_id: str):
    return serve(image_id, ORIGINAL)


@blueprint.get("/image/<image_id>/<size>")
def resized(image_id: str, size: str):
    if size not in SIZES:
        raise errors.not_found()
    return serve(image_id, size)


@blueprint.get("/image/<image_id>/status")
def status(image_id: str):
    if not is_valid_id(image_id):
        raise errors.bad_id()
    storage = services().storage
    present = storage.present_keys(image_id)
    failure = None if all(size in present for size in SIZES) else storage.failure(image_id)
    document = compute_status(image_id, present, failure)
    if document is None:
        raise errors.not_found()
    document["dimensions"] = stored_dimensions(image_id)
    response = jsonify(document)
    response.headers["Cache-Control"] = "no-store"
    return response


def serve(image_id: str, size: str) -> Response:
    """The stored bytes; HEAD and conditional requests are answered from metadata alone."""
    if not is_valid_id(image_id):
        raise errors.bad_id()
    storage = services().storage
    key = object_key(size, image_id)
    conditional = request.if_none_match or request.if_modified_since
    if request.method == "HEAD" or conditional:
        meta = storage.head(key)
        if meta is None:
            raise errors.not_found()
        response = image_response(meta, size)
        response.make_conditional(request)
        if request.method == "HEAD" or response.status_code == 304:
            return response
    obj = storage.get(key)
    if obj is None:
        raise errors.not_found()
    response = image_response(obj, size)
    response.response = obj["Body"].iter_chunks(64 * 1024)
    response.direct_passthrough = True
    return response


def image_response(meta: dict, size: str) -> Response:
    response = Response(content_type=meta.get("ContentType") or "application/octet-stream")
    response.headers["Content-Length"] = str(meta["ContentLength"])
    response.set_etag(meta["ETag"].strip('"'))
    response.last_modified = meta["LastModified"]
    response.headers["Cache-Control"] = (
        ORIGINAL_CACHE_CONTROL if size == ORIGINAL else SIZE_CACHE_CONTROL
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
