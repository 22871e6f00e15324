"""The worker under failure: killed mid-task, corrupt originals, storage errors, re-runs."""

import io
import os
import re
import signal
from pathlib import Path

import pytest
import redis
import requests
from imagehost.celery_app import RESIZE_TASK, make_celery
from imagehost.config import Config
from imagehost.sizes import SIZES
from PIL import Image
from samples import expected_size, photo
from stack import backend, free_port, require_binaries, running_stack, wait_until

pytestmark = pytest.mark.integration


def send_resize(env: dict[str, str], image_id: str) -> None:
    """Enqueue the task as the backend does, bypassing its validation."""
    celery = make_celery(Config.from_env(env))
    try:
        celery.send_task(RESIZE_TASK, args=[image_id])
    finally:
        celery.close()


def broker_state(broker_url: str) -> dict:
    """Where the task is, for a failure message (Redis only: kombu's bookkeeping keys)."""
    if not broker_url.startswith("redis://"):
        return {}
    client = redis.Redis.from_url(broker_url)
    return {
        "queue length": client.llen("imagehost"),
        "unacked": client.hkeys("unacked"),
        "unacked_index": client.zrange("unacked_index", 0, -1, withscores=True),
        "restore lock ttl": client.ttl("unacked_mutex"),
    }


@pytest.mark.parametrize("broker", ["redis", "rabbitmq"])
def test_worker_killed_mid_task_still_ends_with_every_size(broker, tmp_path):
    require_binaries("redis-server" if broker == "redis" else "rabbitmq-server")
    with running_stack(tmp_path, broker=broker, workers=0, backend_workers=1) as stack:
        doomed = stack.start_worker(WORKER_TEST_DELAY_SECONDS="60")
        image_id = stack.upload(photo((2000, 1500)))["id"]
        wait_until(lambda: "received" in doomed.log(), "the task to reach the worker", 30)
        doomed.kill()
        status = requests.get(f"{stack.backend_url}/image/{image_id}/status", timeout=10).json()
        assert status["state"] == "pending"

        metrics_port = free_port()
        survivor = stack.start_worker(WORKER_METRICS_PORT=str(metrics_port))
        # Redis hands the task back after CELERY_VISIBILITY_TIMEOUT (5 s here); AMQP at once.
        try:
            stack.wait_for_status(image_id, "ready", timeout=90)
        except TimeoutError as error:
            raise TimeoutError(f"{error}\nbroker: {broker_state(stack.broker_url)}") from None
        for size, longest_side in SIZES.items():
            body = requests.get(f"{stack.backend_url}/image/{image_id}/{size}", timeout=10)
            assert Image.open(io.BytesIO(body.content)).size == expected_size(
                (2000, 1500), longest_side
            )
        assert f"resized {image_id}" in survivor.log()

        worker_metrics = requests.get(f"http://127.0.0.1:{metrics_port}/metrics", timeout=10).text
        assert re.search(r'imagehost_worker_tasks_total\{outcome="success"\} [1-9]', worker_metrics)
        assert "imagehost_worker_task_duration_seconds_bucket" in worker_metrics


def test_a_killed_pool_process_gives_its_task_back(stack):
    # Its own Redis database (queue), so the session's worker cannot take the task.
    broker_url = stack.broker_url.rsplit("/", 1)[0] + "/6"
    worker = stack.start_worker(CELERY_BROKER_URL=broker_url, WORKER_TEST_DELAY_SECONDS="60")
    image_id = "P00lDie1"
    stack.s3.put_object(Bucket=stack.bucket, Key=f"original/{image_id}", Body=photo((600, 400)))
    try:
        send_resize({**stack.env, "CELERY_BROKER_URL": broker_url}, image_id)
        # Killed once the task runs in the pool process ("received" comes earlier: a pool
        # process killed before it took the job leaves the job stuck until shutdown).
        wait_until(lambda: "test delay: holding" in worker.log(), "the task to run", 30)
        (pool_process,) = Path(f"/proc/{worker.pid}/task/{worker.pid}/children").read_text().split()
        os.kill(int(pool_process), signal.SIGKILL)
        # The worker's main process puts the task back; its new pool process runs it.
        wait_until(lambda: f"resized {image_id}" in worker.log(), "the task to run again", 30)
        assert "WorkerLostError" in worker.log()
        assert worker.alive()
    finally:
        worker.stop()
        stack.workers.remove(worker)
    stack.wait_for_status(image_id, "ready", timeout=10)


def test_corrupt_original_marks_the_upload_failed_without_retrying(stack):
    image_id = "C0rruptX"
    stack.s3.put_object(
        Bucket=stack.bucket, Key=f"original/{image_id}", Body=b"\xff\xd8\xff" + b"garbage" * 50
    )
    send_resize(stack.env, image_id)
    status = stack.wait_for_status(image_id, "failed", timeout=30)
    assert set(status["sizes"].values()) == {"failed"}
    assert status["error"]
    (worker,) = stack.workers
    wait_until(lambda: f"{image_id} cannot be decoded" in worker.log(), "the failure log", 10)
    assert worker.log().count(f"{image_id} cannot be decoded") == 1
    assert f"storage error for {image_id}" not in worker.log()
    assert not any(
        key.endswith(image_id) and key.split("/")[0] in SIZES for key in stack.object_keys()
    )


def test_running_a_task_again_gives_the_same_objects(stack):
    image_id = stack.upload(photo((1200, 800)))["id"]
    stack.wait_for_status(image_id)

    def etags() -> dict[str, str]:
        return {
            size: stack.s3.head_object(Bucket=stack.bucket, Key=f"{size}/{image_id}")["ETag"]
            for size in SIZES
        }

    first = etags()
    send_resize(stack.env, image_id)
    (worker,) = stack.workers
    wait_until(lambda: worker.log().count(f"resized {image_id}") == 2, "the re-run", 30)
    assert etags() == first


def test_storage_errors_are_retried_with_backoff(stack, tmp_path):
    # A worker on its own Redis database (its own queue) whose bucket does not exist yet.
    late_bucket = "late-bucket"
    env = {
        **stack.env,
        "CELERY_BROKER_URL": stack.broker_url.rsplit("/", 1)[0] + "/5",
        "S3_BUCKET_NAME": late_bucket,
    }
    image_id = "RetryMe1"
    worker = stack.start_worker(**{k: env[k] for k in ("CELERY_BROKER_URL", "S3_BUCKET_NAME")})
    try:
        send_resize(env, image_id)
        wait_until(lambda: f"storage error for {image_id}" in worker.log(), "a storage error", 30)
        stack.s3.create_bucket(Bucket=late_bucket)
        stack.s3.put_object(Bucket=late_bucket, Key=f"original/{image_id}", Body=photo((600, 400)))
        wait_until(lambda: f"resized {image_id}" in worker.log(), "the retried task", 60, worker)
        stored = {obj["Key"] for obj in stack.s3.list_objects_v2(Bucket=late_bucket)["Contents"]}
        assert stored == {f"{size}/{image_id}" for size in ("original", *SIZES)}
    finally:
        worker.stop()
        stack.workers.remove(worker)


def test_without_a_broker_not_ready_and_uploads_refused_cleanly(stack, tmp_path):
    env = {**stack.env, "CELERY_BROKER_URL": f"redis://127.0.0.1:{free_port()}/0"}
    before = stack.object_keys()
    with backend(env, tmp_path, workers=1) as url:
        ready = requests.get(url + "/ready", timeout=30)
        upload = requests.post(url + "/image", files={"file": photo((64, 64))}, timeout=60)
    assert ready.status_code == 503
    assert ready.json()["checks"]["s3"] == "ok"
    assert ready.json()["checks"]["broker"].startswith("error")
    assert upload.status_code == 503
    assert upload.json()["reason"] == "unavailable"
    # The original was taken back: nobody would ever have resized it.
    new_originals = {key for key in stack.object_keys() - before if key.startswith("original/")}
    assert new_originals == set()
