"""Run a playbook through ansible-runner's Python API, with progress and an event log.

    from imgr.runner import run_playbook
    result = run_playbook("site.yml", "inventory/lab")
    if not result.ok:
        print(result.failures)

Every event ansible-runner reports goes, as one JSON line, to a log file under
var/imgr-runner/logs/ (`result.log_path`); ansible-runner itself hides no_log'd
results from events, and nothing else is written there. The number of tasks each
host ran is remembered per playbook and inventory, so the next run's progress
bars have a total.
"""

from __future__ import annotations

import json
import os
import shlex
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import ansible_runner

from imgr.progress import (
    Failure,
    HostCounts,
    NullDisplay,
    RunState,
    default_display,
    summary_lines,
)

# The checkout the package is installed from (editable, by scripts/bootstrap.sh).
ROOT = Path(os.environ.get("IMGR_ROOT") or Path(__file__).resolve().parents[2])
DEFAULT_INVENTORY = ROOT / "inventory" / "lab"
RUNNER_DIR = ROOT / "var" / "imgr-runner"


@dataclass
class RunResult:
    """How a playbook run ended."""

    playbook: str
    ok: bool
    rc: int
    status: str
    seconds: float
    hosts: dict[str, HostCounts]
    failures: list[Failure]
    log_path: Path
    summary: list[str] = field(default_factory=list)


def resolve(path: str | Path, base: Path = ROOT) -> Path:
    """A path as given (absolute, or relative to the current directory if it exists
    there), else relative to the checkout: `imgr` works from any directory."""
    path = Path(path)
    if path.is_absolute() or path.exists():
        return path.resolve()
    return (base / path).resolve()


def _history_key(playbook: Path, inventory: Path, check: bool) -> str:
    return f"{playbook}|{inventory}|{'check' if check else 'run'}"


def _load_expected(key: str) -> dict[str, int]:
    try:
        return json.loads((RUNNER_DIR / "history.json").read_text())[key]
    except (OSError, ValueError, KeyError):
        return {}


def _save_expected(key: str, hosts: dict[str, HostCounts]) -> None:
    path = RUNNER_DIR / "history.json"
    try:
        history = json.loads(path.read_text())
    except (OSError, ValueError):
        history = {}
    history[key] = {host: counts.done for host, counts in hosts.items()}
    path.write_text(json.dumps(history, indent=1, sort_keys=True) + "\n")


def _cmdline(check: bool, extravars: dict | None) -> str | None:
    args = ["--check"] if check else []
    if extravars:
        args += ["-e", shlex.quote(json.dumps(extravars))]
    return " ".join(args) or None


def run_playbook(
    playbook: str | Path,
    inventory: str | Path = DEFAULT_INVENTORY,
    *,
    check: bool = False,
    extravars: dict | None = None,
    tags: str | None = None,
    display=None,
    on_event: Callable[[dict], None] | None = None,
    title: str | None = None,
) -> RunResult:
    """Run `playbook` on `inventory` and return how it ended; never raises on a failed play.

    extravars: Ansible's -e; tags: --tags (comma-separated).

    display: where progress goes (default: a bar per host on a terminal, plain lines
    otherwise; `imgr.progress.NullDisplay()` for none). on_event: called with every
    ansible-runner event too (e.g. to read a task's result).
    """
    playbook = resolve(playbook)
    inventory = resolve(inventory)
    if not playbook.is_file():
        raise FileNotFoundError(f"no playbook {playbook}")
    if not inventory.exists():
        raise FileNotFoundError(f"no inventory {inventory}")
    display = display if display is not None else default_display()
    key = _history_key(playbook, inventory, check) + (f"|{tags}" if tags else "")
    state = RunState(title=title or playbook.name, expected=_load_expected(key))

    # ansible-runner keeps a run's cmdline and extravars in env/, and a later run that
    # gives none would read them again (a day-2 run's node=... in the next playbook).
    for leftover in ("cmdline", "extravars"):
        (RUNNER_DIR / "env" / leftover).unlink(missing_ok=True)
    logs = RUNNER_DIR / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    stamp = time.strftime("%Y%m%dT%H%M%S")
    log_path = logs / f"{stamp}-{playbook.stem}.jsonl"
    # Bin first: the venv's ansible-playbook even when the venv is not activated.
    path = os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")])

    with log_path.open("w") as log:

        def handle(event: dict) -> bool:
            log.write(json.dumps(event, default=str) + "\n")
            log.flush()
            failure = state.feed(event)
            display.update(state, event, failure)
            if on_event:
                on_event(event)
            return False  # the JSON lines above are the log: no per-event artifact files

        display.start(state)
        try:
            runner = ansible_runner.run(
                private_data_dir=str(RUNNER_DIR),
                project_dir=str(ROOT),  # ansible.cfg, roles/ and collections/ are found from here
                playbook=str(playbook),
                inventory=str(inventory),
                cmdline=_cmdline(check, extravars),
                tags=tags,
                envvars={"PATH": path, "ANSIBLE_FORCE_COLOR": "0"},
                event_handler=handle,
                quiet=True,
                rotate_artifacts=5,
            )
        finally:
            display.stop(state)

    ok = runner.rc == 0 and runner.status == "successful"
    if ok:
        _save_expected(key, state.hosts)
    failures = state.final_failures()
    if not ok and not failures:
        # The playbook never ran a task (a syntax error, a missing role): say what Ansible said.
        stdout = runner.stdout.read() if runner.stdout else ""
        message = " ".join(stdout.split())[-2000:] or f"ansible-runner status {runner.status}"
        failures = [Failure(host="-", play="-", task="(before any task)", message=message)]
        state.failures = failures
    result = RunResult(
        playbook=str(playbook),
        ok=ok,
        rc=runner.rc if runner.rc is not None else 1,
        status=runner.status,
        seconds=state.elapsed,
        hosts=state.hosts,
        failures=failures,
        log_path=log_path,
    )
    result.summary = summary_lines(state, ok, log_path)
    if not state.final_failures() and failures:
        result.summary.extend(f"FAILED: {f}" for f in failures)
    return result


__all__ = [
    "DEFAULT_INVENTORY",
    "ROOT",
    "NullDisplay",
    "RunResult",
    "resolve",
    "run_playbook",
]
