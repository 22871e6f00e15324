"""run_playbook: ansible-runner's API, the JSON-lines event log, totals from the last run."""

from __future__ import annotations

import io
import json

import pytest
from tiny_run import SECRET, write

import imgr.runner
from imgr.progress import PlainDisplay
from imgr.runner import run_playbook


@pytest.fixture(autouse=True)
def runner_dir(tmp_path, monkeypatch):
    """Runs, logs and history in the test's own directory, not the checkout's var/."""
    monkeypatch.setattr(imgr.runner, "RUNNER_DIR", tmp_path / "imgr-runner")
    return tmp_path / "imgr-runner"


def test_a_failed_run_names_the_failure_and_keeps_every_event(tiny, runner_dir):
    out = io.StringIO()
    result = run_playbook(tiny["playbook"], tiny["inventory"], display=PlainDisplay(out))
    assert not result.ok and result.rc != 0
    assert {(f.host, f.task) for f in result.failures} == {
        ("localhost", "Fail for real"),
        ("ghost", "Change something"),
    }
    assert result.summary[0].startswith("tiny.yml: FAILED")
    assert f"Event log: {result.log_path}" in result.summary
    events = [json.loads(line) for line in result.log_path.read_text().splitlines()]
    assert events[0]["event"] == "playbook_on_start"
    assert events[-1]["event"] == "playbook_on_stats"
    assert len(events) == len(tiny["events"])
    # Nothing written anywhere by the run shows the no_log'd value.
    for path in runner_dir.rglob("*"):
        if path.is_file():
            assert SECRET not in path.read_text(errors="replace"), path


def test_a_successful_run_gives_the_next_one_its_totals(tmp_path):
    playbook = write(
        tmp_path / "ok.yml",
        """\
        - name: Two tasks
          hosts: localhost
          gather_facts: false
          tasks:
            - name: One
              ansible.builtin.debug: {msg: one}
            - name: Two
              ansible.builtin.debug: {msg: two}
        """,
    )
    inventory = write(
        tmp_path / "hosts.yml", "all: {hosts: {localhost: {ansible_connection: local}}}\n"
    )
    first = run_playbook(playbook, inventory, display=PlainDisplay(io.StringIO()))
    assert first.ok and first.rc == 0 and not first.failures
    assert first.hosts["localhost"].ok == 2
    out = io.StringIO()
    second = run_playbook(playbook, inventory, display=PlainDisplay(out))
    assert second.ok
    assert "Two tasks | Two  (localhost 1/2)" in out.getvalue()


def test_a_playbook_that_cannot_start_says_why(tmp_path):
    playbook = write(
        tmp_path / "bad.yml", "- name: Broken\n  hosts: all\n  tasks: [{nonsense_module: {}}]\n"
    )
    inventory = write(
        tmp_path / "hosts.yml", "all: {hosts: {localhost: {ansible_connection: local}}}\n"
    )
    result = run_playbook(playbook, inventory, display=PlainDisplay(io.StringIO()))
    assert not result.ok
    assert result.failures[0].task == "(before any task)"
    assert "nonsense_module" in result.failures[0].message
    assert result.summary[-1].startswith("FAILED: - failed at [-] (before any task): ")


def test_missing_files_are_refused_before_running(tmp_path):
    with pytest.raises(FileNotFoundError, match="no playbook"):
        run_playbook(tmp_path / "nope.yml", tmp_path)
    with pytest.raises(FileNotFoundError, match="no inventory"):
        run_playbook(imgr.runner.ROOT / "site.yml", tmp_path / "nope")


def test_extra_vars_reach_one_run_only(tmp_path):
    """A day-2 run's -e (node=borie) must not leak into the next playbook, where `node`
    may mean something else (playbooks/lab.yml's loop variable)."""
    playbook = write(
        tmp_path / "echo.yml",
        """\
        - name: Echo
          hosts: localhost
          gather_facts: false
          tasks:
            - name: Say node
              ansible.builtin.debug: {msg: "node={{ node | default('unset') }}"}
        """,
    )
    inventory = write(
        tmp_path / "hosts.yml", "all: {hosts: {localhost: {ansible_connection: local}}}\n"
    )
    said = []

    def node_said(event):
        message = ((event.get("event_data") or {}).get("res") or {}).get("msg", "")
        if isinstance(message, str) and message.startswith("node="):
            said.append(message)

    for extravars in ({"node": 'borie\'s, "quoted"'}, None):
        result = run_playbook(
            playbook,
            inventory,
            extravars=extravars,
            display=PlainDisplay(io.StringIO()),
            on_event=node_said,
        )
        assert result.ok
    assert said == ['node=borie\'s, "quoted"', "node=unset"]
