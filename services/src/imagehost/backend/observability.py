"""One JSON log line per request, and the Prometheus metrics of the backend."""

import logging
import sys
import time

from flask import Flask, Response, g, request
from prometheus_client import Counter, Histogram

from imagehost.logs import JsonLines

REQUESTS = Counter("imagehost_http_requests_total", "HTTP requests", ["method", "route", "status"])
LATENCY = Histogram(
    "imagehost_http_request_duration_seconds",
    "Time to answer an HTTP request",
    ["method", "route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
UPLOAD_BYTES = Histogram(
    "imagehost_upload_bytes",
    "Size of accepted uploads",
    buckets=tuple(2**power for power in range(10, 26)),  # 1 KiB .. 32 MiB
)
# Label values come from fixed sets: a client sending made-up methods or paths must not
# grow /metrics (every new value adds a counter and a whole histogram).
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"})
OTHER = "other"
REJECTIONS = Counter("imagehost_upload_rejections_total", "Refused requests", ["reason"])

app_log = logging.getLogger("imagehost")
access_log = logging.getLogger("imagehost.access")


def count_rejection(reason: str) -> None:
    REJECTIONS.labels(reason).inc()


def count_upload(size: int) -> None:
    UPLOAD_BYTES.observe(size)


def body_bytes(response: Response) -> int | None:
    # HEAD and 304 still carry the Content-Length of the body they do not send.
    if request.method == "HEAD" or response.status_code == 304:
        return 0
    return response.content_length


def install(app: Flask) -> None:
    if not app_log.handlers:
        handler = logging.StreamHandler(sys.stdout)
        handler.setFormatter(JsonLines())
        app_log.addHandler(handler)
        app_log.setLevel(logging.INFO)
        app_log.propagate = False

    @app.before_request
    def start_clock() -> None:
        g.started = time.perf_counter()

    @app.after_request
    def record(response: Response) -> Response:
        seconds = time.perf_counter() - g.get("started", time.perf_counter())
        # The route's pattern, not the path: ids must not explode the label set.
        route = request.url_rule.rule if request.url_rule else OTHER
        method = request.method if request.method in METHODS else OTHER
        REQUESTS.labels(method, route, str(response.status_code)).inc()
        LATENCY.labels(method, route).observe(seconds)
        access_log.info(
            {
                "ts": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                "method": request.method,
                "path": request.path,
                "route": route,
                "status": response.status_code,
                "duration_ms": round(seconds * 1000, 2),
                "bytes": body_bytes(response),
                "remote": request.remote_addr,
                "user_agent": request.user_agent.string or None,
            }
        )
        return response
