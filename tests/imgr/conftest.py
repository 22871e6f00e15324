"""Real ansible-runner events, recorded once per session from a tiny playbook on localhost."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import ansible_runner
import pytest
from tiny_run import INVENTORY, PLAYBOOK, write


@pytest.fixture(scope="session")
def tiny(tmp_path_factory) -> dict:
    """The playbook, its inventory, and the events ansible-runner reported running it."""
    root = tmp_path_factory.mktemp("tiny")
    playbook = write(root / "tiny.yml", PLAYBOOK)
    inventory = write(root / "hosts.yml", INVENTORY)
    (root / "runner").mkdir()
    events: list[dict] = []
    run = ansible_runner.run(
        private_data_dir=str(root / "runner"),
        playbook=str(playbook),
        inventory=str(inventory),
        event_handler=lambda event: events.append(event) or True,
        quiet=True,
        # The venv's ansible-playbook, whether or not the venv is activated.
        envvars={"PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"},
    )
    assert run.rc != 0 and events, "the tiny playbook must fail on purpose"
    return {"playbook": playbook, "inventory": inventory, "events": events, "root": root}
