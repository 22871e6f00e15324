"""rolling.yml's order when the Consul leadership moves during the run.

The lab proof (test_operations.py) runs rolling.yml on a real cluster, but Consul 1.8
cannot be told to move its leadership, so whether an earlier turn moves it is luck.
Here the real rolling.yml (and preflight.yml) runs on three local hosts against a
stand-in for the one Consul endpoint it reads, /v1/status/leader, whose answer moves
when a given node's turn ends; each node's turn (tasks/rolling-node.yml) is replaced
by a recorder that tells the stand-in. So the playbook's choices are checked for a
leadership that moves as scripted: the leader of each turn's moment goes last.
"""

from __future__ import annotations

import json
import shutil
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from lab_view import ROOT, ansible_playbook

ADDRESSES = {"alpha": "10.9.0.1", "bravo": "10.9.0.2", "charlie": "10.9.0.3"}

# What one turn does, for the order only: mark the turn taken (as rolling-node.yml's
# first task does) and tell the stand-in.
RECORDER = """\
---
- name: Mark the node's turn as taken
  ansible.builtin.set_fact:
    rolling_turn_taken: true

- name: Tell the stand-in this node's turn
  ansible.builtin.uri:
    url: "{{ day2_consul_api }}/turn/{{ inventory_hostname }}"
    method: POST
    status_code: 204
"""


class Leadership:
    """The leader the stand-in reports, moved to `moves[node]` when `node`'s turn ends."""

    def __init__(self, leader: str, moves: dict[str, str]):
        self.leader, self.moves = leader, moves
        self.turns: list[tuple[str, str]] = []  # (node, leader when its turn came)

    def turn(self, node: str) -> None:
        self.turns.append((node, self.leader))
        self.leader = self.moves.get(node, self.leader)


def serve(leadership: Leadership) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            assert self.path == "/v1/status/leader", self.path
            body = json.dumps(f"{ADDRESSES[leadership.leader]}:8300").encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_POST(self):
            leadership.turn(self.path.removeprefix("/turn/"))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def inventory(path: Path) -> Path:
    hosts = {name: {"private_address": address} for name, address in ADDRESSES.items()}
    path.write_text(
        json.dumps(
            {
                "all": {
                    "vars": {
                        "ansible_connection": "local",
                        "ansible_python_interpreter": sys.executable,
                        "floating_ip": "10.9.0.100",
                        "public_port": 8081,
                        "app_placement": "static",
                        **{
                            name: "test-value"
                            for name in (
                                "vault_s3_access_key",
                                "vault_s3_secret_key",
                                "vault_broker_url",
                                "vault_haproxy_stats_password",
                                "vault_vrrp_password",
                            )
                        },
                    },
                    "children": {
                        "cluster": {"hosts": hosts},
                        "consul_servers": {"hosts": dict.fromkeys(ADDRESSES)},
                        "load_balancers": {"hosts": dict.fromkeys(ADDRESSES)},
                    },
                }
            }
        )
    )
    return path


@pytest.mark.parametrize(
    ("leader", "moves", "expected"),
    [
        # The leader stays: it goes last.
        ("alpha", {}, ["bravo", "charlie", "alpha"]),
        # bravo's turn hands the leadership to charlie, still waiting: charlie is put
        # off and goes after alpha.
        ("alpha", {"bravo": "charlie"}, ["bravo", "alpha", "charlie"]),
        # The leadership moves to a node already done: the order is kept.
        ("charlie", {"alpha": "alpha"}, ["alpha", "bravo", "charlie"]),
    ],
    ids=["leader-stays", "moves-to-a-waiting-node", "moves-to-a-done-node"],
)
def test_the_leader_of_each_turns_moment_goes_last(tmp_path, leader, moves, expected):
    playbooks = shutil.copytree(ROOT / "playbooks", tmp_path / "playbooks")
    (playbooks / "tasks/rolling-node.yml").write_text(RECORDER)
    leadership = Leadership(leader, moves)
    server = serve(leadership)
    try:
        run = ansible_playbook(
            str(playbooks / "rolling.yml"),
            "-e",
            f"day2_consul_api=http://127.0.0.1:{server.server_address[1]}",
            inventory=inventory(tmp_path / "hosts.json"),
            timeout=300,
        )
    finally:
        server.shutdown()
    assert run.returncode == 0, run.stdout[-4000:]
    assert [node for node, _ in leadership.turns] == expected, leadership.turns
    # No node went while it led and another still waited.
    for position, (node, leader_then) in enumerate(leadership.turns[:-1]):
        assert node != leader_then, f"turn {position + 1}: {leadership.turns}"
