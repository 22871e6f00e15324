"""Fixtures shared by every test folder. The servers themselves live in `stack.py`."""

import sys
from pathlib import Path

import pytest

# `import stack` and `import samples` (test images) from any test folder, whatever
# pytest's rootdir handling is.
sys.path.insert(0, str(Path(__file__).parent))
sys.path.insert(0, str(Path(__file__).parent / "services"))

import time_budget
from stack import Stack, require_binaries, running_stack


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Stack:
    """The whole service on loopback with a Redis broker and one worker, for the session.

    Exposes `backend_url`, `s3` (boto3 client), `bucket`, `broker_url`, `s3_endpoint`,
    `env` (for extra processes, e.g. `stack.start_worker()`), `workdir` (logs).
    """
    require_binaries("redis-server")
    with running_stack(tmp_path_factory.mktemp("stack"), broker="redis", workers=1) as running:
        yield running


def pytest_terminal_summary(terminalreporter):
    """At the end, whether the tests passed or failed: what the scenarios and
    end-to-end tests measured or skipped, then where the run's time went."""
    measured_and_skipped(terminalreporter)
    time_budget.report(terminalreporter)


def measured_and_skipped(terminalreporter):
    """The `notes` property of every test that has one."""
    lines = [
        f"{report.nodeid.split('::')[-1]}: {line}"
        for reports in terminalreporter.stats.values()
        for report in reports
        if getattr(report, "when", None) == "call"
        for name, notes in getattr(report, "user_properties", [])
        if name == "notes"
        for line in notes
    ]
    if lines:
        terminalreporter.write_sep("=", "Measured and skipped")
        for line in lines:
            terminalreporter.write_line(line)
