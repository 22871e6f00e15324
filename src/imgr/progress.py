"""What a playbook run looks like while it runs: ansible-runner events in, progress out.

`RunState` turns the events ansible-runner hands its `event_handler` into counters
per host, the current task and the failures; a display (`RichDisplay` on a
terminal, `PlainDisplay` otherwise) shows them. Results are never shown beyond
their `msg`: ansible-runner already replaces a no_log'd result by `censored`.
"""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass, field
from typing import TextIO

# The events that close one task on one host (loop items have their own events).
RESULT_EVENTS = {
    "runner_on_ok": "ok",
    "runner_on_failed": "failed",
    "runner_on_skipped": "skipped",
    "runner_on_unreachable": "unreachable",
}
HIDDEN = "(output hidden: no_log)"


@dataclass
class HostCounts:
    """Tasks done on one host, by outcome (ok counts changed ones too, as Ansible does)."""

    ok: int = 0
    changed: int = 0
    failed: int = 0
    unreachable: int = 0
    skipped: int = 0
    rescued: int = 0
    ignored: int = 0
    done: int = 0


@dataclass
class Failure:
    """A task that failed (not ignored) or a host that could not be reached."""

    host: str
    play: str
    task: str
    message: str
    unreachable: bool = False

    def __str__(self) -> str:
        what = "unreachable" if self.unreachable else "failed"
        return f"{self.host} {what} at [{self.play}] {self.task}: {self.message}"


def result_message(res: object) -> str:
    """The one line worth showing of a task result: its msg, else stderr, else stdout."""
    if not isinstance(res, dict):
        return str(res or "")
    if "censored" in res:
        return HIDDEN
    for item in res.get("results") or []:
        if isinstance(item, dict) and item.get("failed"):
            return result_message(item)
    for key in ("msg", "stderr", "stdout", "reason"):
        value = res.get(key)
        if value:
            text = value if isinstance(value, str) else repr(value)
            return " ".join(text.split())[:2000]
    return ""


@dataclass
class RunState:
    """Everything known about a run so far, fed one ansible-runner event at a time."""

    title: str
    expected: dict[str, int] = field(default_factory=dict)
    hosts: dict[str, HostCounts] = field(default_factory=dict)
    play: str = ""
    task: str = ""
    failures: list[Failure] = field(default_factory=list)
    stats_seen: bool = False
    started: float = field(default_factory=time.monotonic)

    def feed(self, event: dict) -> Failure | None:
        """Account for one event; return the failure it reports, if any."""
        kind = event.get("event", "")
        data = event.get("event_data") or {}
        if kind == "playbook_on_play_start":
            self.play = data.get("play", "")
        elif kind == "playbook_on_task_start":
            self.task = data.get("task", "")
        elif kind in RESULT_EVENTS and data.get("host"):
            return self._result(RESULT_EVENTS[kind], data)
        elif kind == "playbook_on_stats":
            self._stats(data)
        return None

    def _result(self, outcome: str, data: dict) -> Failure | None:
        counts = self.hosts.setdefault(data["host"], HostCounts())
        counts.done += 1
        res = data.get("res") or {}
        if outcome == "failed" and data.get("ignore_errors"):
            counts.ignored += 1
            return None
        setattr(counts, outcome, getattr(counts, outcome) + 1)
        if outcome == "ok" and isinstance(res, dict) and res.get("changed"):
            counts.changed += 1
        if outcome not in ("failed", "unreachable"):
            return None
        failure = Failure(
            host=data["host"],
            play=data.get("play", self.play),
            task=data.get("task", self.task),
            message=result_message(res),
            unreachable=outcome == "unreachable",
        )
        self.failures.append(failure)
        return failure

    def _stats(self, data: dict) -> None:
        """Ansible's own recap is the truth for the summary (it knows about rescues)."""
        self.stats_seen = True
        names = {
            "ok": "ok",
            "changed": "changed",
            "failures": "failed",
            "dark": "unreachable",
            "skipped": "skipped",
            "rescued": "rescued",
            "ignored": "ignored",
        }
        for key, attr in names.items():
            for host, count in (data.get(key) or {}).items():
                setattr(self.hosts.setdefault(host, HostCounts()), attr, count)

    @property
    def elapsed(self) -> float:
        return time.monotonic() - self.started

    @property
    def failed_hosts(self) -> list[str]:
        return sorted(h for h, c in self.hosts.items() if c.failed or c.unreachable)

    def final_failures(self) -> list[Failure]:
        """The last failure of each host still failed at the end (a rescued one is not)."""
        last = {f.host: f for f in self.failures}
        return [last[h] for h in self.failed_hosts if h in last]

    def progress_line(self) -> str:
        """One line: where the run is, for logs and non-terminals."""
        hosts = " ".join(
            f"{host} {c.done}/{self.expected[host]}"
            if host in self.expected
            else f"{host} {c.done}"
            for host, c in sorted(self.hosts.items())
        )
        return f"[{fmt_duration(self.elapsed)}] {self.play} | {self.task}" + (
            f"  ({hosts})" if hosts else ""
        )


def fmt_duration(seconds: float) -> str:
    minutes, secs = divmod(int(seconds), 60)
    return f"{minutes}m{secs:02d}s" if minutes else f"{secs}s"


def summary_lines(state: RunState, ok: bool, log_path: object) -> list[str]:
    """The end of a run: outcome and duration, a recap per host, the log, the failures."""
    outcome = "done" if ok else "FAILED"
    lines = [f"{state.title}: {outcome} in {fmt_duration(state.elapsed)}"]
    width = max([len("host"), *(len(h) for h in state.hosts)])
    columns = ("ok", "changed", "failed", "unreachable", "skipped")
    lines.append(f"  {'host':<{width}}  " + "  ".join(f"{c:>{len(c)}}" for c in columns))
    for host, counts in sorted(state.hosts.items()):
        values = "  ".join(f"{getattr(counts, c):>{len(c)}}" for c in columns)
        lines.append(f"  {host:<{width}}  {values}")
    lines.append(f"Event log: {log_path}")
    lines.extend(f"FAILED: {failure}" for failure in state.final_failures())
    return lines


class PlainDisplay:
    """Plain lines, one per task started, and each failure as it happens (CI logs, pipes)."""

    def __init__(self, stream: TextIO | None = None):
        self.stream = stream or sys.stderr
        self.last_task = None

    def start(self, state: RunState) -> None:
        print(f"==> {state.title}", file=self.stream, flush=True)

    def update(self, state: RunState, event: dict, failure: Failure | None) -> None:
        if failure:
            print(f"  ! {failure}", file=self.stream, flush=True)
        if event.get("event") == "playbook_on_task_start" and state.task != self.last_task:
            self.last_task = state.task
            print(state.progress_line(), file=self.stream, flush=True)

    def stop(self, state: RunState) -> None:
        pass


class RichDisplay:
    """The current task on one line, under it a bar per host (tasks done, out of the
    last successful run's count when there was one)."""

    def __init__(self, stream: TextIO | None = None):
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn
        from rich.text import Text

        class TaskAndHosts(Progress):
            state: RunState | None = None

            def get_renderables(self):
                # Redrawn ten times a second: the clock moves during a long task too.
                state = self.state
                if state:
                    clock = fmt_duration(state.elapsed)
                    header = f"{state.title} [{clock}] {state.play} | {state.task}"
                    yield Text(header, no_wrap=True, overflow="ellipsis")
                yield self.make_tasks_table(self.tasks)

        self.console = Console(file=stream or sys.stderr)
        self.progress = TaskAndHosts(
            TextColumn("{task.description}"),
            BarColumn(bar_width=30),
            MofNCompleteColumn(),
            TextColumn("{task.fields[detail]}"),
            console=self.console,
            transient=True,
        )
        self.rows: dict[str, int] = {}

    def start(self, state: RunState) -> None:
        self.progress.state = state
        self.progress.start()

    def update(self, state: RunState, event: dict, failure: Failure | None) -> None:
        if failure:
            self.console.print(f"! {failure}", style="red", markup=False, highlight=False)
        for host, counts in state.hosts.items():
            if host not in self.rows:
                self.rows[host] = self.progress.add_task(f"  {host}", total=None, detail="")
            total = state.expected.get(host)
            self.progress.update(
                self.rows[host],
                completed=counts.done,
                total=max(total, counts.done) if total else None,
                detail=f"changed {counts.changed}, failed {counts.failed + counts.unreachable}",
            )

    def stop(self, state: RunState) -> None:
        self.progress.stop()


class NullDisplay:
    """Nothing while it runs (for callers that only want the result)."""

    def start(self, state: RunState) -> None:
        pass

    def update(self, state: RunState, event: dict, failure: Failure | None) -> None:
        pass

    def stop(self, state: RunState) -> None:
        pass


def default_display(stream: TextIO | None = None) -> RichDisplay | PlainDisplay:
    """Rich on a terminal, plain lines otherwise."""
    stream = stream or sys.stderr
    return RichDisplay(stream) if stream.isatty() else PlainDisplay(stream)
