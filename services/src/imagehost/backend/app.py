"""The Flask application factory: configuration, services, routes, error handling."""

import logging

from botocore.exceptions import BotoCoreError, ClientError
from flask import Flask, jsonify
from PIL import Image
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge
from werkzeug.middleware.proxy_fix import ProxyFix

from imagehost import errors
from imagehost.backend import cors, images, observability, probes
from imagehost.backend.deadline import BodyDeadline, gevent_is_active
from imagehost.backend.services import EXTENSION, Services, services
from imagehost.celery_app import make_celery
from imagehost.config import Config
from imagehost.storage import Storage

# Multipart framing around the file (boundaries, part headers, other small fields).
MULTIPART_OVERHEAD = 64 * 1024

log = logging.getLogger(__name__)


def create_app(config: Config | None = None) -> Flask:
    config = config or Config.from_env()
    # Pillow refuses images over twice its own limit on open: MAX_IMAGE_PIXELS, not
    # Pillow's default, decides here as in the worker.
    Image.MAX_IMAGE_PIXELS = config.max_image_pixels
    app = Flask(__name__)
    # Werkzeug refuses a longer declared body before reading it, and stops reading a
    # chunked one at this limit: an oversized upload is never buffered whole.
    app.config["MAX_CONTENT_LENGTH"] = config.max_upload_bytes + MULTIPART_OVERHEAD
    app.json.sort_keys = False
    shared = Services(config, Storage(config), make_celery(config))
    app.extensions[EXTENSION] = shared
    observability.install(app)
    cors.install(app)
    app.register_blueprint(images.blueprint)
    app.register_blueprint(probes.blueprint)
    register_error_handlers(app)
    install_middleware(app, config)
    try:
        shared.storage.ensure_bucket()
    except (BotoCoreError, ClientError) as error:
        # Not fatal: /ready reports it until S3 is reachable.
        log.warning("cannot check or create bucket %s: %s", config.bucket, error)
    return app


def install_middleware(app: Flask, config: Config) -> None:
    if gevent_is_active():
        app.wsgi_app = BodyDeadline(app.wsgi_app, config.request_body_timeout)
    if config.trusted_proxy_hops:
        # The client address and scheme as the last N proxies saw them (HAProxy in
        # front): logged and used instead of the proxy's own address.
        hops = config.trusted_proxy_hops
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(errors.Rejection)
    def rejected(rejection: errors.Rejection):
        observability.count_rejection(rejection.reason)
        response = jsonify(rejection.body())
        if rejection.status == 404:
            # A size not made yet (or an id not uploaded yet) may exist in a moment.
            response.headers["Cache-Control"] = "no-store"
        return response, rejection.status

    @app.errorhandler(RequestEntityTooLarge)
    def too_large(_error):
        return rejected(errors.too_large(services().config.max_upload_bytes))

    @app.errorhandler(BotoCoreError)
    @app.errorhandler(ClientError)
    def storage_unavailable(error):
        log.error("storage error: %s", error)
        return rejected(errors.unavailable())

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        if error.code == 404:
            return rejected(errors.Rejection("not_found", 404, "not found"))
        reason = (error.name or "error").lower().replace(" ", "_")
        response = jsonify(error=error.description, reason=reason)
        # Keep what the error says beside its body, e.g. a 405's Allow header.
        for name, value in error.get_headers():
            if name.lower() != "content-type":
                response.headers[name] = value
        return response, error.code

    @app.errorhandler(Exception)
    def internal_error(error: Exception):
        log.exception("unhandled error: %s", error)
        return jsonify(error="internal error", reason="internal"), 500
