"""Work that never finishes ends as `failed` with a reason, never `pending` for ever."""

import os
import secrets
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests
from imagehost.celery_app import RESIZE_TASK, make_celery
from imagehost.config import Config
from samples import photo
from stack import backend, start_worker, wait_until

pytestmark = pytest.mark.integration


@pytest.fixture
def isolated(stack):
    """Its own bucket and Redis database (queue), so the session's worker takes nothing
    and the session's uploads are not seen; yields that environment."""
    database = 8 + secrets.randbelow(7)
    bucket = f"unfinished-{secrets.token_hex(3)}"
    stack.s3.create_bucket(Bucket=bucket)
    broker_url = stack.broker_url.rsplit("/", 1)[0] + f"/{database}"
    return {**stack.env, "CELERY_BROKER_URL": broker_url, "S3_BUCKET_NAME": bucket}


@pytest.fixture
def worker(stack, isolated):
    started = []

    def start(**env):
        server = stack.start_worker(**{**isolated, **env})
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()
        stack.workers.remove(server)


def put_original(stack, env, image_id: str, **extra) -> None:
    body = photo((600, 400))
    stack.s3.put_object(
        Bucket=env["S3_BUCKET_NAME"], Key=f"original/{image_id}", Body=body, **extra
    )


def send_resize(env, image_id: str) -> None:
    celery = make_celery(Config.from_env(env))
    try:
        celery.send_task(RESIZE_TASK, args=[image_id])
    finally:
        celery.close()


def failure(stack, env, image_id: str) -> str | None:
    try:
        body = stack.s3.get_object(Bucket=env["S3_BUCKET_NAME"], Key=f"failed/{image_id}")
    except stack.s3.exceptions.NoSuchKey:
        return None
    return body["Body"].read().decode()


def wait_for_failure(stack, env, image_id: str, timeout: float = 60) -> str:
    wait_until(lambda: failure(stack, env, image_id), f"{image_id} to be marked failed", timeout)
    return failure(stack, env, image_id)


def pool_process(worker) -> int:
    children = Path(f"/proc/{worker.pid}/task/{worker.pid}/children").read_text().split()
    assert len(children) == 1, children
    return int(children[0])


def test_a_task_that_kills_its_process_every_time_ends_failed(stack, isolated, worker):
    """Before: redelivered for ever (acks_late + reject_on_worker_lost), `pending` for ever."""
    server = worker(
        WORKER_TEST_DELAY_SECONDS="60",
        WORKER_TEST_DELAY_EVERY_DELIVERY="1",
        TASK_MAX_DELIVERIES="3",
    )
    image_id = "P0ison01"
    put_original(stack, isolated, image_id)
    send_resize(isolated, image_id)
    for delivery in (1, 2, 3):
        # Killed once the task runs in the pool process, as a decoder crash would.
        wait_until(
            lambda n=delivery: server.log().count("test delay: holding") >= n,
            f"delivery {delivery} to run",
            30,
        )
        os.kill(pool_process(server), signal.SIGKILL)
    reason = wait_for_failure(stack, isolated, image_id)
    assert "stopped 3 times" in reason
    assert server.log().count("WorkerLostError") >= 3
    assert f"resized {image_id}" not in server.log()


def test_soft_time_limit_marks_the_upload_failed(stack, isolated, worker):
    worker(TASK_SOFT_TIME_LIMIT="1", TASK_TIME_LIMIT="20", WORKER_TEST_DELAY_SECONDS="30")
    image_id = "S0ftLim1"
    put_original(stack, isolated, image_id)
    send_resize(isolated, image_id)
    assert "longer than 1 s" in wait_for_failure(stack, isolated, image_id, timeout=20)


def test_hard_time_limit_marks_the_upload_failed(stack, isolated, worker):
    # No soft limit: the pool process is killed and the main process records the failure.
    server = worker(TASK_SOFT_TIME_LIMIT="0", TASK_TIME_LIMIT="2", WORKER_TEST_DELAY_SECONDS="30")
    image_id = "H4rdLim1"
    put_original(stack, isolated, image_id)
    send_resize(isolated, image_id)
    assert "longer than 2 s" in wait_for_failure(stack, isolated, image_id, timeout=20)
    assert "Hard time limit" in server.log()


def test_exhausted_storage_retries_mark_the_upload_failed(stack, isolated, worker):
    """Before: the task failed silently and the status said `pending` for ever."""
    server = worker(TASK_MAX_RETRIES="2")
    image_id = "Ret1ries"
    # An archived object cannot be read (InvalidObjectState): a storage error every time.
    put_original(stack, isolated, image_id, StorageClass="GLACIER")
    send_resize(isolated, image_id)
    reason = wait_for_failure(stack, isolated, image_id, timeout=30)
    assert "after 2 retries" in reason
    assert server.log().count(f"storage error for {image_id}") == 2


@pytest.mark.parametrize(
    "broken", ["render_sizes", "render_and_store"], ids=["while-resizing", "in-the-task"]
)
def test_an_unexpected_exception_marks_the_upload_failed_once(stack, isolated, broken):
    """A bug (no input reaches this path): the client sees `failed` with a reason, the
    original stays, and the task is not run again (it would fail the same way)."""
    name = f"faulty-{secrets.token_hex(2)}"
    here = str(Path(__file__).parent)
    env = {**isolated, "FAULTY_FUNCTION": broken}
    env["PYTHONPATH"] = os.pathsep.join((here, isolated["PYTHONPATH"]))
    server = start_worker(env, stack.workdir, name, app="faulty_worker")
    workdir = stack.workdir / name
    workdir.mkdir()
    try:
        with backend(isolated, workdir, workers=1) as url:
            response = requests.post(url + "/image", files={"file": photo((600, 400))}, timeout=30)
            assert response.status_code == 201, response.text
            image_id = response.json()["id"]
            status_url = f"{url}/image/{image_id}/status"
            wait_until(
                lambda: requests.get(status_url, timeout=5).json()["state"] != "pending",
                f"{image_id} to leave pending",
                30,
            )
            # Long enough for an unacknowledged task to come back (visibility timeout 5 s).
            time.sleep(8)
            status = requests.get(status_url, timeout=5).json()
            original = requests.get(f"{url}/image/{image_id}", timeout=5)
    finally:
        server.stop()
    assert status["state"] == "failed"
    assert status["error"] == "the image could not be processed"  # no internals leak
    assert set(status["sizes"].values()) == {"failed"}
    assert original.status_code == 200  # an accepted upload is not lost
    log = server.log()
    assert f"RuntimeError: a bug in {broken}" in log  # the traceback, for the operator
    assert log.count(f"Task {RESIZE_TASK}[") and log.count("] received") == 1  # run once


def reconcile(env, *args: str) -> str:
    result = subprocess.run(
        [sys.executable, "-m", "imagehost.reconcile", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return result.stdout


def test_reconciler_queues_an_upload_nobody_queued(stack, isolated, worker):
    """The backend died between storing the original and queueing its task."""
    lost, recent = "L0stTask", "Rec3ntUp"
    put_original(stack, isolated, lost)
    assert "0 queued again" in reconcile(isolated, "--grace-seconds", "600")
    put_original(stack, isolated, recent)
    server = worker()
    # Grace 0 here stands for "older than the grace period": both are queued once...
    assert "2 queued again" in reconcile(isolated, "--grace-seconds", "0")
    for image_id in (lost, recent):
        wait_until(lambda i=image_id: f"resized {i}" in server.log(), f"{image_id} resized", 30)
    # ...and, once done, never again.
    assert "0 queued again" in reconcile(isolated, "--grace-seconds", "0")


def test_reconciler_marks_failed_after_max_requeues(stack, isolated):
    image_id = "N0W0rker"  # no worker consumes this queue
    put_original(stack, isolated, image_id)
    assert "1 queued again" in reconcile(isolated, "--grace-seconds", "0", "--max-requeues", "2")
    assert "1 queued again" in reconcile(isolated, "--grace-seconds", "0", "--max-requeues", "2")
    assert "1 marked failed" in reconcile(isolated, "--grace-seconds", "0", "--max-requeues", "2")
    assert "queued again 2 times" in failure(stack, isolated, image_id)
    assert "0 marked failed" in reconcile(isolated, "--grace-seconds", "0", "--max-requeues", "2")
