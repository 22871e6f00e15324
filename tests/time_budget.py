"""Where a test run's time went: the set-up steps `make test` timed before pytest
(scripts/timed.sh, var/timings.tsv) and the slowest tests, as one table at the end of
the run, in Markdown so it can go into the README as it is."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

STEPS = Path(__file__).resolve().parents[1] / "var/timings.tsv"
# A test this slow gets a row of its own; the rest are summed per folder.
OWN_ROW_SECONDS = 60


def setup_steps(path: Path = STEPS) -> list[tuple[str, float]]:
    """The (step, seconds) lines scripts/timed.sh wrote, in order."""
    if not path.exists():
        return []
    steps = []
    for line in path.read_text().splitlines():
        name, _, seconds = line.rpartition("\t")
        if name:
            steps.append((name, float(seconds)))
    return steps


def seconds_per_test(reports) -> dict[str, float]:
    """Each test's set-up, call and tear-down time together (a session fixture's
    start-up is in the set-up of the first test that used it)."""
    seconds: dict[str, float] = defaultdict(float)
    for report in reports:
        if getattr(report, "when", None) in ("setup", "call", "teardown"):
            seconds[report.nodeid] += report.duration
    return seconds


def rows(steps: list[tuple[str, float]], tests: dict[str, float]) -> list[tuple[str, float]]:
    """Set-up steps first, then tests of their own row and the rest per folder,
    slowest first."""
    parts: dict[str, float] = defaultdict(float)
    for nodeid, seconds in tests.items():
        if seconds >= OWN_ROW_SECONDS:
            parts[nodeid] += seconds
        else:
            parts[f"{nodeid.split('::')[0].rsplit('/', 1)[0]}/ (the other tests)"] += seconds
    tested = sorted(parts.items(), key=lambda part: -part[1])
    return [(f"set-up: {name}", seconds) for name, seconds in steps] + tested


def table(parts: list[tuple[str, float]]) -> list[str]:
    total = sum(seconds for _, seconds in parts) or 1.0
    lines = ["| part | time | share |", "|---|---:|---:|"]
    for name, seconds in parts:
        lines.append(f"| {name} | {minutes(seconds)} | {seconds / total:.0%} |")
    lines.append(f"| **all of it** | **{minutes(total)}** | |")
    return lines


def minutes(seconds: float) -> str:
    whole = round(seconds)
    return f"{whole // 60} min {whole % 60:02d} s" if whole >= 60 else f"{whole} s"


def report(terminalreporter) -> None:
    reports = [r for group in terminalreporter.stats.values() for r in group]
    parts = rows(setup_steps(), seconds_per_test(reports))
    if parts:
        terminalreporter.write_sep("=", "Where the time went")
        for line in table(parts):
            terminalreporter.write_line(line)
