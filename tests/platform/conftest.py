"""The lab, shared by every platform test module that needs it."""

import subprocess
import time

import pytest
from lab_view import ROOT, upload, wait_all_ready
from samples import photo


@pytest.fixture(scope="session")
def lab() -> dict:
    """The lab, brought up once per run by the README's command if it is not up already
    (a no-change run when it is). `up_seconds` says how long that took."""
    start = time.monotonic()
    up = subprocess.run(
        [str(ROOT / "scripts/lab.sh"), "up"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=2400,
        check=False,
    )
    # stdout's end names the failed task; stderr is mostly docker build's warnings.
    assert up.returncode == 0, up.stdout[-6000:] + "\n--- stderr:\n" + up.stderr[-2000:]
    return {"up_seconds": time.monotonic() - start}


@pytest.fixture(scope="module")
def ready_ids(lab) -> list[str]:
    """A few uploads with every size stored, for readers to read."""
    ids = []
    for width in (640, 800, 1024):
        response = upload(photo((width, 480)))
        assert response.status_code == 201, response.text
        ids.append(response.json()["id"])
    assert not wait_all_ready(ids, 60).ids
    return ids
