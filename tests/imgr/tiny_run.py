"""A tiny playbook that does a bit of everything, and where to write it (tests/imgr)."""

from __future__ import annotations

import textwrap
from pathlib import Path

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
