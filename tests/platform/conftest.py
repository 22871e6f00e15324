"""The lab, shared by every platform test module that needs it."""

import subprocess
import time

import pytest
from lab_view import ROOT


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
