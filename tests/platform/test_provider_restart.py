"""The provider (S3 and the broker) restarts under load on the lab's loopback URL.

The public entry is a container of its own, so clients keep reaching the cluster while
the storage and broker are away: an upload then must get a clear 503 (not a hang), and
every upload that got a 201, before, during or after, must end with all its sizes.
"""

import hashlib
import time

import pytest
import requests
from lab_view import SIZES, URL, note, run, wait_all_ready, wait_until
from load import Load
from stack import wait_healthy

PROVIDER = "imgr-lab-provider"
# A task whose acknowledgement was lost with the broker comes back after the broker's
# visibility timeout (90 s in the lab), then takes seconds to run.
REDELIVERY_BOUND_S = 180


def served(ids: list[str]) -> dict[str, str]:
    """SHA-256 of each original and size of these uploads, as the lab serves them."""
    digests = {}
    for image_id in ids:
        for path in (f"/image/{image_id}", *(f"/image/{image_id}/{size}" for size in SIZES)):
            response = requests.get(URL + path, timeout=10)
            assert response.status_code == 200, (path, response.status_code)
            digests[path] = hashlib.sha256(response.content).hexdigest()
    return digests


def accepted_since(load: Load, moment: float) -> float | None:
    """When the first upload sent after `moment` was accepted, if one was."""
    return min(
        (r.end for r in list(load.results) if r.kind == "upload" and r.ok and r.start > moment),
        default=None,
    )


@pytest.mark.timeout(900)
def test_provider_restart_loses_no_accepted_upload(lab, ready_ids, record_property):
    before = served(ready_ids)
    with Load(uploaders=2, readers=3, seconds=180, read_ids=ready_ids) as load:
        time.sleep(10)
        restarted_at = time.monotonic()
        run("docker", "restart", PROVIDER, timeout=60)
        wait_healthy(PROVIDER, 120)
        healthy_after = time.monotonic() - restarted_at
        # Until an upload is accepted again (after the restart began), then a little more.
        wait_until(lambda: accepted_since(load, restarted_at), 90, 0.5, "an upload accepted again")
        time.sleep(5)
        load.stop()
    report = load.report()
    serving_after = accepted_since(load, restarted_at) - restarted_at
    unready = wait_all_ready(load.accepted, REDELIVERY_BOUND_S)
    note(
        record_property,
        f"provider (S3 + broker) restart under 2 uploaders + 3 readers: healthy after "
        f"{healthy_after:.1f} s, uploads accepted again after {serving_after:.1f} s; "
        f"{report['requests']} requests, {report['failed']} failed {report['failures']}, "
        f"longest client-visible outage {report['longest_outage_s']} s, max latency "
        f"{report['max_latency_s']} s; {report['accepted_uploads']} uploads accepted, "
        f"{len(unready.ids)} lost (all sizes within {unready.waited:.0f} s)",
    )
    # During the outage a request gets an answer, and that answer is 503: no timeout,
    # no reset connection, no 500.
    assert set(report["failures"]) <= {"503"}, report
    assert report["max_latency_s"] < load.timeout, report
    assert report["accepted_uploads"] > 0
    assert not unready.ids, f"accepted uploads without all sizes: {unready.ids}"
    # What was stored before the restart is still there, byte for byte.
    assert served(ready_ids) == before
