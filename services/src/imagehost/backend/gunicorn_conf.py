"""gunicorn settings: `gunicorn -c python:imagehost.backend.gunicorn_conf ...`.

Every setting can still be overridden on the command line or in GUNICORN_CMD_ARGS.
"""

import os

from imagehost import metrics

# Before any worker imports prometheus_client: workers share one metrics directory.
metrics.use_multiprocess_dir("imagehost-backend")

bind = [f"0.0.0.0:{os.environ.get('PORT', '8080')}"]
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
# gevent: a connection costs a greenlet, not a thread, so dozens of slow or stalled
# uploaders cannot take every worker away from /health and the other clients (with
# gthread, 2 x 4 of them did). REQUEST_BODY_TIMEOUT (backend/deadline.py) then cuts
# them off. CPU work (validating an upload) still runs one at a time per process.
worker_class = "gevent"
worker_connections = int(os.environ.get("GUNICORN_WORKER_CONNECTIONS", "1000"))
timeout = 60
graceful_timeout = 20
# Heartbeat files in memory: a slow disk (overlayfs) must not get workers killed.
SHARED_MEMORY = "/dev/shm"  # noqa: S108 - a fixed system mount, not a temp file
worker_tmp_dir = SHARED_MEMORY if os.path.isdir(SHARED_MEMORY) else None
errorlog = "-"
# The control socket defaults to one path per user: two instances on a host would clash.
control_socket_disable = True
loglevel = "info"


def on_starting(server) -> None:
    metrics.clear_multiprocess_dir()


def child_exit(server, worker) -> None:
    metrics.process_exited(worker.pid)
