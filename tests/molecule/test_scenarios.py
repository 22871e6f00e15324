"""Every Molecule scenario, run in full (create, converge, idempotence, verify, destroy).

Each scenario boots real systemd nodes as containers, so this is the slow part
of the suite. One scenario's failure shows its whole Molecule output.
"""

import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCENARIOS = sorted(p.parent.name for p in (ROOT / "molecule").glob("*/molecule.yml"))


@pytest.mark.molecule
@pytest.mark.parametrize("scenario", SCENARIOS)
def test_scenario(scenario, record_property):
    if shutil.which("docker") is None:
        pytest.fail("docker CLI missing: run `make nodes` (scripts/ensure-docker.sh)")
    # Plain text, and wide: molecule wraps its output at the terminal's width.
    env = {**os.environ, "ANSIBLE_FORCE_COLOR": "0", "NO_COLOR": "1", "PY_COLORS": "0"}
    env["COLUMNS"] = "1000"
    run = subprocess.run(
        ["molecule", "test", "-s", scenario],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=1800,
        check=False,
    )
    output = run.stdout + run.stderr
    # Scenarios print their measurements (failover times) and what they could not run:
    # tests/conftest.py shows these lines at the end of the session.
    notes = [
        line[line.index(marker) :].strip().rstrip('"')
        for line in output.splitlines()
        for marker in ("MEASURED", "SKIPPED:")
        if marker in line
    ]
    record_property("notes", notes)
    assert run.returncode == 0, output[-20000:]
