"""Liveness (`/health`, as upstream), readiness (`/ready`), `/version` and `/metrics`."""

import os
from importlib.metadata import version as package_version

from flask import Blueprint, Response, jsonify
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from imagehost import metrics
from imagehost.backend.services import services

blueprint = Blueprint("probes", __name__)


@blueprint.get("/health")
def health():
    return Response("ok", mimetype="text/plain")


@blueprint.get("/ready")
def ready():
    """200 when S3 and the broker both answer, else 503 with what failed."""
    shared = services()
    checks = {}
    try:
        shared.storage.check()
        checks["s3"] = "ok"
    except Exception as error:
        checks["s3"] = f"error: {type(error).__name__}"
    try:
        with shared.celery.connection_for_write() as connection:
            connection.ensure_connection(max_retries=1, timeout=3)
        checks["broker"] = "ok"
    except Exception as error:
        checks["broker"] = f"error: {type(error).__name__}"
    healthy = all(value == "ok" for value in checks.values())
    return jsonify(status="ready" if healthy else "unavailable", checks=checks), (
        200 if healthy else 503
    )


@blueprint.get("/version")
def version():
    """The version this instance runs: the image's (IMGR_VERSION, set at build time by
    scripts/build-images.sh), else the installed package's. Upgrades are checked with it."""
    return jsonify(version=os.environ.get("IMGR_VERSION") or package_version("imagehost"))


@blueprint.get("/metrics")
def prometheus_metrics():
    return Response(generate_latest(metrics.registry()), content_type=CONTENT_TYPE_LATEST)
