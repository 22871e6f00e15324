"""The event handler: real ansible-runner events into progress lines, a summary, failures."""

from __future__ import annotations

import io
import json

from tiny_run import SECRET

from imgr.progress import HIDDEN, PlainDisplay, RichDisplay, RunState, summary_lines


def replay(events: list[dict], display=None) -> RunState:
    state = RunState(title="tiny.yml")
    for event in events:
        failure = state.feed(event)
        if display:
            display.update(state, event, failure)
    return state


def test_counts_match_ansibles_recap(tiny):
    state = replay(tiny["events"])
    assert state.stats_seen
    local = state.hosts["localhost"]
    # Ansible's ok: hello, change, secret, loop, the ignored failure, the rescue.
    assert (local.ok, local.changed, local.skipped, local.ignored) == (6, 1, 1, 1)
    assert local.failed == 1 and local.rescued == 1
    # One result per task and host, loop items not counted twice.
    assert local.done == 9
    # debug runs on the controller: the ghost is found unreachable at the first command.
    ghost = state.hosts["ghost"]
    assert (ghost.ok, ghost.unreachable, ghost.done) == (1, 1, 2)


def test_failures_name_host_task_and_message(tiny):
    state = replay(tiny["events"])
    failures = {f.host: f for f in state.final_failures()}
    assert set(failures) == {"localhost", "ghost"}
    assert failures["localhost"].task == "Fail for real"
    assert failures["localhost"].message == "it broke, not s3"
    assert (
        str(failures["localhost"]) == "localhost failed at [Tiny] Fail for real: it broke, not s3"
    )
    assert failures["ghost"].unreachable and failures["ghost"].task == "Change something"
    assert (
        "Connection refused" in failures["ghost"].message or "port 1" in failures["ghost"].message
    )
    # Neither the ignored nor the rescued failure is why the run failed.
    assert [f.task for f in state.failures if f.host == "localhost"] == [
        "Fail inside a block",
        "Fail for real",
    ]


def test_plain_lines_show_each_task_and_failures_as_they_happen(tiny):
    out = io.StringIO()
    replay(tiny["events"], PlainDisplay(out))
    lines = out.getvalue().splitlines()
    tasks = [line for line in lines if line.startswith("[")]
    assert tasks[0].endswith("Tiny | Say hello")
    assert any("Tiny | Fail for real" in line and "localhost 8" in line for line in tasks)
    assert "  ! localhost failed at [Tiny] Fail for real: it broke, not s3" in lines
    assert any(
        line.startswith("  ! ghost unreachable at [Tiny] Change something") for line in lines
    )


def test_progress_shows_totals_known_from_a_previous_run(tiny):
    state = RunState(title="tiny.yml", expected={"localhost": 9})
    for event in tiny["events"][:12]:
        state.feed(event)
    assert "localhost " in state.progress_line() and "/9" in state.progress_line()


def test_summary_has_a_line_per_host_the_log_and_the_failure(tiny):
    state = replay(tiny["events"])
    lines = summary_lines(state, ok=False, log_path="/x/run.jsonl")
    assert lines[0].startswith("tiny.yml: FAILED in ")
    assert lines[1].split() == ["host", "ok", "changed", "failed", "unreachable", "skipped"]
    assert lines[2].split() == ["ghost", "1", "0", "0", "1", "0"]
    assert lines[3].split() == ["localhost", "6", "1", "1", "0", "1"]
    assert "Event log: /x/run.jsonl" in lines
    assert lines[-1] == "FAILED: localhost failed at [Tiny] Fail for real: it broke, not s3"


def test_no_log_results_stay_hidden(tiny):
    out = io.StringIO()
    state = replay(tiny["events"], PlainDisplay(out))
    secret_events = [
        e
        for e in tiny["events"]
        if e["event"] == "runner_on_ok" and e["event_data"].get("task") == "Handle a secret"
    ]
    assert secret_events and "censored" in secret_events[0]["event_data"]["res"]
    assert SECRET not in json.dumps(tiny["events"])
    assert SECRET not in out.getvalue() + "\n".join(summary_lines(state, False, "-"))


def test_a_failed_no_log_task_says_its_output_is_hidden():
    event = {
        "event": "runner_on_failed",
        "event_data": {"host": "h", "task": "t", "play": "p", "res": {"censored": "..."}},
    }
    failure = RunState(title="x").feed(event)
    assert failure and failure.message == HIDDEN


def test_the_terminal_display_draws_a_row_per_host_and_prints_failures(tiny):
    out = io.StringIO()
    display = RichDisplay(out)
    state = RunState(title="tiny.yml", expected={"localhost": 9})
    display.start(state)
    for event in tiny["events"]:
        display.update(state, event, state.feed(event))
    table = display.progress.make_tasks_table(display.progress.tasks)
    display.stop(state)
    assert [t.description.strip() for t in display.progress.tasks] == ["localhost", "ghost"]
    assert [(t.completed, t.total) for t in display.progress.tasks] == [(9, 9), (2, None)]
    assert table.row_count == 2
    assert "! localhost failed at [Tiny] Fail for real: it broke, not s3" in out.getvalue()
