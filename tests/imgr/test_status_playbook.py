"""playbooks/status.yml and its summary, on this machine: a node without Consul, and
a node that cannot be reached. (The healthy lab: tests/platform/test_imgr_cli.py.)"""

from __future__ import annotations

import json

import pytest
from tiny_run import write

import imgr.runner
from imgr.cli import main
from imgr.status import cluster_status, format_status


@pytest.fixture(autouse=True)
def runner_dir(tmp_path, monkeypatch):
    monkeypatch.setattr(imgr.runner, "RUNNER_DIR", tmp_path / "imgr-runner")


@pytest.fixture
def inventory(tmp_path):
    """A node that is this machine, and one that cannot be reached. Nothing listens
    on 127.0.0.1:8500 here, so no Consul agent answers."""
    return lab_like(tmp_path, floating_ip="127.0.0.1")  # loopback's: this machine holds it


def lab_like(tmp_path, floating_ip: str):
    return write(
        tmp_path / "hosts.yml",
        f"""\
        all:
          vars:
            floating_ip: {floating_ip}
            public_port: 8081
          children:
            cluster:
              hosts:
                here:
                  ansible_connection: local
                  ansible_python_interpreter: "{{{{ ansible_playbook_python }}}}"
                ghost:
                  ansible_host: 127.0.0.1
                  ansible_port: 1
                  ansible_ssh_common_args: -o ConnectTimeout=3 -o StrictHostKeyChecking=no
        """,
    )


def test_a_degraded_cluster_is_reported_as_such(inventory):
    status = cluster_status(inventory)
    assert not status["healthy"]
    nodes = {n["name"]: n for n in status["nodes"]}
    assert nodes["here"]["reachable"] and nodes["here"]["consul_agent"] is False
    assert nodes["here"]["holds_floating_ip"]
    assert not nodes["ghost"]["reachable"] and nodes["ghost"]["error"]
    assert status["floating_ip"] == {"address": "127.0.0.1", "holders": ["here"]}
    assert status["url"] == "http://127.0.0.1:8081"
    assert status["consul"]["seen_from"] is None
    problems = "\n".join(status["problems"])
    assert "ghost: not reachable" in problems
    assert "here: its Consul agent does not answer" in problems
    assert "no Consul agent answers" in problems
    text = format_status(status)
    assert "DEGRADED" in text and "<- floating IP 127.0.0.1" in text


def test_status_json_is_one_document_and_exits_1_when_degraded(inventory, capsys):
    assert main(["status", "-i", str(inventory), "--json"]) == 1
    status = json.loads(capsys.readouterr().out)
    assert [n["name"] for n in status["nodes"]] == ["ghost", "here"]


def test_a_floating_ip_nobody_reachable_holds_is_a_problem(tmp_path):
    status = cluster_status(lab_like(tmp_path, floating_ip="192.0.2.250"))
    assert status["floating_ip"]["holders"] == []
    assert "floating IP 192.0.2.250 held by no reachable node" in status["problems"]
