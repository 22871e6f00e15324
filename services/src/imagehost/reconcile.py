"""Find uploads nobody is working on and queue them again: `python -m imagehost.reconcile`.

An original without its sizes and without a failure marker, older than a grace period,
is an upload whose task was lost: the backend died between storing the original and
queueing its task, the broker lost its queue, or an orphan original was left by a PUT
that botocore retried and then took for an id collision. Each is queued again, at most
`--max-requeues` times (counted in the bucket); after that it is marked failed.

Run it periodically (every few minutes; the worker image has it) with the worker's
environment. Cost per run: one listing of `original/`, `tiny/` (the last size written)
and `failed/`, then a few HEADs per candidate only.
"""

import argparse
import logging
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

from imagehost.celery_app import RESIZE_TASK, make_celery
from imagehost.config import Config
from imagehost.sizes import ORIGINAL, SIZES
from imagehost.storage import FAILED_PREFIX, Storage

log = logging.getLogger("imagehost.reconcile")
LAST_SIZE = list(SIZES)[-1]  # the worker writes the sizes in order


def requeues_key(image_id: str) -> str:
    return f"requeues/{image_id}"


def listing(storage: Storage, prefix: str) -> Iterator[tuple[str, datetime]]:
    """(id, last modified) of every object under `prefix/`."""
    pages = storage.client.get_paginator("list_objects_v2").paginate(
        Bucket=storage.bucket, Prefix=f"{prefix}/"
    )
    for page in pages:
        for obj in page.get("Contents", []):
            yield obj["Key"].split("/", 1)[1], obj["LastModified"]


def stuck_uploads(storage: Storage, grace: timedelta) -> list[str]:
    """Ids whose original is older than `grace` and that neither finished nor failed."""
    cutoff = datetime.now(UTC) - grace
    old = {image_id for image_id, modified in listing(storage, ORIGINAL) if modified <= cutoff}
    done = {image_id for image_id, _ in listing(storage, LAST_SIZE)}
    failed = {image_id for image_id, _ in listing(storage, FAILED_PREFIX)}
    candidates = sorted(old - done - failed)
    # The listings are not one snapshot: check each candidate's sizes themselves.
    return [i for i in candidates if not all(s in storage.present_keys(i) for s in SIZES)]


def reconcile(config: Config, grace: timedelta, max_requeues: int) -> dict[str, int]:
    storage = Storage(config)
    celery = make_celery(config)
    counts = {"requeued": 0, "failed": 0}
    try:
        for image_id in stuck_uploads(storage, grace):
            requeues = int(storage.read(requeues_key(image_id)) or 0)
            if requeues >= max_requeues:
                reason = f"never processed, although queued again {requeues} times"
                storage.mark_failed(image_id, reason)
                log.warning("upload %s failed: %s", image_id, reason)
                counts["failed"] += 1
                continue
            storage.put(requeues_key(image_id), str(requeues + 1).encode(), "text/plain")
            celery.send_task(RESIZE_TASK, args=[image_id])
            log.info("upload %s queued again (%d of %d)", image_id, requeues + 1, max_requeues)
            counts["requeued"] += 1
    finally:
        celery.close()
    return counts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m imagehost.reconcile", description=__doc__)
    parser.add_argument("--grace-seconds", type=float, default=600, help="default: 600")
    parser.add_argument("--max-requeues", type=int, default=3, help="default: 3")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s", stream=sys.stdout)
    counts = reconcile(Config.from_env(), timedelta(seconds=args.grace_seconds), args.max_requeues)
    log.info("reconciled: %(requeued)d queued again, %(failed)d marked failed", counts)
    return 0


if __name__ == "__main__":
    sys.exit(main())
