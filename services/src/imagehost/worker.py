"""The Celery worker: `celery -A imagehost.worker worker`.

One task per upload: download the original once, render every size (resize.py), store
each with its Content-Type. Late acknowledgement and reject-on-worker-lost put a task
back on the queue when its worker dies; the task is idempotent (same id, same keys, same
bytes), so running it twice is harmless. Storage errors are retried with exponential
backoff; an original that cannot be decoded is marked failed and never retried.

Work that never finishes ends as `failed` with a reason, never `pending` for ever: a
task delivered TASK_MAX_DELIVERIES times (its process died each time), one over its
soft or hard time limit, one whose storage retries ran out, one that raised.
"""

import logging
import os
import time
from functools import cache

from imagehost import metrics

metrics.use_multiprocess_dir("imagehost-worker")

from botocore.exceptions import BotoCoreError, ClientError  # noqa: E402
from celery import Task, signals  # noqa: E402
from celery.exceptions import Reject, SoftTimeLimitExceeded, TimeLimitExceeded  # noqa: E402
from PIL import Image  # noqa: E402
from prometheus_client import Counter, Histogram, start_http_server  # noqa: E402

from imagehost.backoff import backoff_seconds  # noqa: E402
from imagehost.celery_app import RESIZE_TASK, make_celery  # noqa: E402
from imagehost.config import Config  # noqa: E402
from imagehost.logs import log_json_lines  # noqa: E402
from imagehost.resize import CorruptImage, render_sizes  # noqa: E402
from imagehost.sizes import ORIGINAL, object_key  # noqa: E402
from imagehost.storage import Storage  # noqa: E402

log = logging.getLogger(__name__)
config = Config.from_env()
app = make_celery(config)
Image.MAX_IMAGE_PIXELS = config.max_image_pixels

TASKS = Counter(
    "imagehost_worker_tasks_total",
    "Resize tasks by outcome (success, corrupt, failed, missing, retry, timeout, poison, error)",
    ["outcome"],
)
TASK_SECONDS = Histogram(
    "imagehost_worker_task_duration_seconds",
    "Time to produce every size of one upload",
    ["outcome"],
    buckets=(0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60),
)


@cache
def storage() -> Storage:
    # One client per pool process, made after the fork.
    return Storage(config)


def deliveries_key(image_id: str) -> str:
    return f"deliveries/{image_id}"


class ResizeTask(Task):
    def on_failure(self, exc, task_id, args, kwargs, einfo) -> None:
        """The task gave up (storage retries exhausted, hard time limit, an exception):
        say so in the status. Runs in the pool process, or in the worker's main process
        when the pool process was killed at the hard time limit."""
        if not args:
            return
        if isinstance(exc, TimeLimitExceeded):
            reason = f"processing took longer than {config.task_time_limit:g} s"
        elif isinstance(exc, (BotoCoreError, ClientError)):
            reason = f"storage unavailable after {config.task_max_retries} retries"
        else:
            reason = "the image could not be processed"
        give_up(args[0], reason)


def give_up(image_id: str, reason: str) -> None:
    log.error("upload %s failed: %s", image_id, reason)
    try:
        storage().mark_failed(image_id, reason)
    except (BotoCoreError, ClientError) as error:
        # The reconciler (imagehost.reconcile) finds it again once storage is back.
        log.error("cannot mark %s failed: %s", image_id, error)


@app.task(name=RESIZE_TASK, bind=True, base=ResizeTask, acks_late=True, reject_on_worker_lost=True)
def resize(self, image_id: str) -> str:
    started = time.perf_counter()
    outcome = "error"
    try:
        if not delivery_allowed(self.request, image_id):
            outcome = "poison"
            return outcome
        slow_down_for_tests(self.request)
        outcome = render_and_store(image_id)
        if (self.request.delivery_info or {}).get("redelivered"):
            storage().delete(deliveries_key(image_id))  # done: forget the count
        return outcome
    except SoftTimeLimitExceeded:
        outcome = "timeout"
        give_up(image_id, f"processing took longer than {config.task_soft_time_limit:g} s")
        return outcome
    except (BotoCoreError, ClientError) as error:
        if self.request.retries >= config.task_max_retries:
            raise
        outcome = "retry"
        delay = backoff_seconds(self.request.retries)
        log.warning("storage error for %s, retry in %.1f s: %s", image_id, delay, error)
        try:
            raise self.retry(exc=error, countdown=delay, max_retries=config.task_max_retries)
        except Reject as unqueued:
            # The retry could not be queued (the broker is away too), and Celery would
            # drop this delivery. Give it back instead: requeued, or, while the broker
            # cannot even hear that, left unacknowledged for its visibility timeout.
            log.warning("cannot queue the retry of %s, giving the task back", image_id)
            raise Reject(unqueued.reason, requeue=True) from error
    finally:
        TASKS.labels(outcome).inc()
        TASK_SECONDS.labels(outcome).observe(time.perf_counter() - started)


def delivery_allowed(request, image_id: str) -> bool:
    """False once a task has been delivered `task_max_deliveries` times: each earlier
    delivery killed its process (a decoder crash, an out-of-memory kill), and this one
    would too. Counted in the bucket, only for redeliveries (a first one costs nothing)."""
    if not (request.delivery_info or {}).get("redelivered"):
        return True
    key = deliveries_key(image_id)
    redeliveries = int(storage().read(key) or 0) + 1
    if redeliveries >= config.task_max_deliveries:
        give_up(
            image_id,
            f"its processing stopped {redeliveries} times (crash or out of memory)",
        )
        storage().delete(key)
        return False
    storage().put(key, str(redeliveries).encode(), "text/plain")
    return True


def render_and_store(image_id: str) -> str:
    original = storage().read(object_key(ORIGINAL, image_id))
    if original is None:
        log.warning("no original for %s: nothing to do", image_id)
        return "missing"
    try:
        renditions = render_sizes(original)
    except CorruptImage as error:
        log.warning("upload %s cannot be decoded: %s", image_id, error)
        storage().mark_failed(image_id, str(error))
        return "corrupt"
    except SoftTimeLimitExceeded:
        raise
    except Exception:
        # A bug, not bad input or storage: retrying would fail the same way, and the
        # client would poll a "pending" upload forever. Say it failed.
        log.exception("upload %s could not be resized", image_id)
        storage().mark_failed(image_id, "the image could not be processed")
        return "failed"
    for rendition in renditions:
        storage().put(object_key(rendition.name, image_id), rendition.body, rendition.content_type)
    log.info("resized %s into %d sizes", image_id, len(renditions))
    return "success"


def slow_down_for_tests(request) -> None:
    """Test knob: hold a task's first delivery this long, so a test can kill its worker
    mid-task and see the task delivered again (and then run at once)."""
    delay = float(os.environ.get("WORKER_TEST_DELAY_SECONDS", "0"))
    # ...or every delivery, for a test of a task that kills its process every time.
    every = os.environ.get("WORKER_TEST_DELAY_EVERY_DELIVERY") == "1"
    redelivered = (request.delivery_info or {}).get("redelivered")
    if delay > 0 and (every or not redelivered):
        log.info("test delay: holding the task for %g s", delay)
        time.sleep(delay)


@signals.setup_logging.connect
def json_logs(loglevel=None, **_) -> None:
    """Every process's records (Celery's own included) as JSON lines, like the backend's."""
    log_json_lines(logging.getLogger(), loglevel or logging.INFO)


@signals.worker_init.connect
def serve_metrics(**_) -> None:
    """Worker's main process: expose every pool process's metrics."""
    metrics.clear_multiprocess_dir()
    if config.worker_metrics_port:
        start_http_server(config.worker_metrics_port, registry=metrics.registry())


@signals.worker_process_shutdown.connect
def forget_pool_process(pid: int | None = None, **_) -> None:
    metrics.process_exited(pid or os.getpid())
