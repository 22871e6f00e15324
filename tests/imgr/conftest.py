"""Real ansible-runner events, recorded once per session from tiny playbooks on localhost."""

from __future__ import annotations

import os
import sys
import textwrap
from pathlib import Path

import ansible_runner
import pytest

SECRET = "s3cr3t-never-shown"

# Every outcome the progress display handles: ok, changed, a loop, skipped, no_log,
# an ignored failure, a rescued failure, a real failure; and a host that cannot be reached.
PLAYBOOK = f"""\
- name: Tiny
  hosts: all
  gather_facts: false
  tasks:
    - name: Say hello
      ansible.builtin.debug:
        msg: hello
    - name: Change something
      ansible.builtin.command: "true"
    - name: Handle a secret
      ansible.builtin.debug:
        msg: "{SECRET}"
      no_log: true
    - name: Loop twice
      ansible.builtin.debug:
        msg: "{{{{ item }}}}"
      loop: [1, 2]
    - name: Never run
      ansible.builtin.debug:
        msg: skipped
      when: false
    - name: Fail but carry on
      ansible.builtin.fail:
        msg: ignored failure
      ignore_errors: true
    - name: Recover
      block:
        - name: Fail inside a block
          ansible.builtin.fail:
            msg: rescued failure
      rescue:
        - name: Rescue it
          ansible.builtin.debug:
            msg: rescued
    - name: Fail for real
      ansible.builtin.fail:
        msg: "it broke, not {SECRET[:2]}"
    - name: Never reached
      ansible.builtin.debug:
        msg: after
"""

INVENTORY = """\
all:
  hosts:
    localhost:
      ansible_connection: local
      ansible_python_interpreter: "{{ ansible_playbook_python }}"
    ghost:
      # Nothing listens on port 1: unreachable at once.
      ansible_host: 127.0.0.1
      ansible_port: 1
      ansible_ssh_common_args: -o ConnectTimeout=3 -o StrictHostKeyChecking=no
"""


def write(path: Path, text: str) -> Path:
    path.write_text(textwrap.dedent(text))
    return path


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
