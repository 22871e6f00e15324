"""The local lab as the platform tests see it: its URL, its containers, its cluster.

Everything here acts on the containers `scripts/lab.sh up` created (nodes
`imgr-lab-<name>` and the provider) and sends traffic only to the lab's loopback
URL or to those containers.
"""

from __future__ import annotations

import json
import re
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[2]
INVENTORY = ROOT / "inventory" / "lab"
SECRETS = INVENTORY / ".secrets"
URL = "http://127.0.0.1:8081"
# The same through TLS, terminated by the nodes' HAProxy with the lab's self-signed certificate.
TLS_URL = "https://127.0.0.1:8443"
NODES = ("borie", "republique", "wacken")
FLOATING_IP = "172.29.10.100"
SIZES = ("big", "medium", "small", "tiny")


def note(record_property, text: str) -> None:
    """A figure for the end-of-run summary (tests/conftest.py prints them)."""
    record_property("notes", [f"MEASURED {text}"])
    print(f"MEASURED {text}")


def run(*argv: str, timeout: float = 120, check: bool = True) -> subprocess.CompletedProcess:
    return subprocess.run(argv, capture_output=True, text=True, timeout=timeout, check=check)


def ansible_playbook(
    *args: str, inventory: Path = INVENTORY, timeout: float = 1800
) -> subprocess.CompletedProcess:
    """Run a playbook (on the lab inventory by default); the result carries the whole output."""
    env_cmd = ["env", "ANSIBLE_FORCE_COLOR=0", "ANSIBLE_NOCOLOR=1"]
    return subprocess.run(
        [*env_cmd, str(ROOT / ".venv/bin/ansible-playbook"), "-i", str(inventory), *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def recap(output: str) -> dict[str, dict[str, int]]:
    """PLAY RECAP counters by host: {'borie': {'ok': 98, 'changed': 0, ...}}."""
    counters = {}
    for host, fields in re.findall(r"^(\S+)\s+:\s+(ok=.*)$", output, re.MULTILINE):
        counters[host] = {k: int(v) for k, v in re.findall(r"(\w+)=(\d+)", fields)}
    return counters


def changed_tasks(output: str) -> list[str]:
    """'task name: host' for every task a playbook run reported changed."""
    changed, task = [], ""
    for line in output.splitlines():
        if line.startswith("TASK ["):
            task = line[6 : line.rindex("]")]
        elif line.startswith("changed: ["):
            changed.append(f"{task}: {line[10 : line.index(']')]}")
    return changed


def container(node: str) -> str:
    return f"imgr-lab-{node}"


def node_exec(node: str, *argv: str, timeout: float = 30, check: bool = True) -> str:
    return run("docker", "exec", container(node), *argv, timeout=timeout, check=check).stdout


def is_running(node: str) -> bool:
    state = run("docker", "inspect", "-f", "{{.State.Running}}", container(node), check=False)
    return state.stdout.strip() == "true"


def vip_holder() -> str | None:
    """The node whose interface carries the floating IP now."""
    for node in NODES:
        if is_running(node) and FLOATING_IP in node_exec(
            node, "ip", "-4", "addr", "show", check=False
        ):
            return node
    return None


def management_token() -> str:
    return (SECRETS / "consul-management.token").read_text().strip()


def consul(node: str, path: str) -> object:
    """GET the Consul HTTP API of the agent on `node`, as the management token."""
    out = node_exec(
        node,
        "curl",
        "-fsS",
        "--max-time",
        "5",
        "-H",
        f"X-Consul-Token: {management_token()}",
        f"http://127.0.0.1:8500{path}",
    )
    return json.loads(out)


def alive_members(node: str) -> list[str]:
    return sorted(m["Name"] for m in consul(node, "/v1/agent/members") if m["Status"] == 1)


def critical_checks(node: str) -> list[str]:
    checks = consul(node, "/v1/health/state/any")
    return sorted(f"{c['Node']}:{c['Name']}" for c in checks if c["Status"] != "passing")


def node_containers(node: str) -> list[str]:
    out = node_exec(node, "docker", "ps", "--format", "{{.Names}} {{.Status}}", check=False)
    return sorted(line.split()[0] for line in out.splitlines() if "Up" in line)


def container_logs(node: str, name: str, since: float = 0) -> list[str]:
    """The log lines of an application container on a node (stdout and stderr),
    from `since` (a Unix time) on."""
    logs = run(
        "docker",
        "exec",
        container(node),
        "docker",
        "logs",
        "--since",
        f"{since:.3f}",
        name,
        check=False,
    )
    return (logs.stdout + logs.stderr).splitlines()


def _task_ids(node: str, event: str, since: float) -> set[str]:
    """Celery task ids in the node's worker log with this event (received, succeeded...)."""
    text = "\n".join(container_logs(node, "imgr-worker", since))
    return set(re.findall(rf"\[([0-9a-f-]{{36}})\] (?:{event})", text))


def tasks_finished(node: str, since: float) -> set[str]:
    return _task_ids(node, "succeeded|raised|retry", since)


def tasks_in_progress(node: str, since: float) -> set[str]:
    """Celery task ids the node's worker received since then and has not finished."""
    return _task_ids(node, "received", since) - tasks_finished(node, since)


def upload(data: bytes, name: str = "photo.jpg", timeout: float = 30) -> requests.Response:
    return requests.post(URL + "/image", files={"file": (name, data)}, timeout=timeout)


def status(image_id: str) -> dict:
    response = requests.get(f"{URL}/image/{image_id}/status", timeout=10)
    response.raise_for_status()
    return response.json()


def wait_until(predicate, timeout: float, interval: float = 1.0, what: str = "condition"):
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        try:
            last = predicate()
            if last:
                return last
        except (
            requests.RequestException,
            subprocess.SubprocessError,
            ValueError,
            KeyError,
        ) as error:
            last = error
        time.sleep(interval)
    raise AssertionError(f"{what}: not true after {timeout:.0f} s (last: {last!r})")


@dataclass
class Unready:
    """Uploads whose sizes are not all stored yet, after waiting."""

    ids: list[str]
    waited: float


def wait_all_ready(ids: list[str], timeout: float) -> Unready:
    """Wait until every upload has all four sizes; return those that never did."""
    start = time.monotonic()
    pending = list(ids)
    while pending and time.monotonic() - start < timeout:
        still = []
        for image_id in pending:
            try:
                if status(image_id)["state"] != "ready":
                    still.append(image_id)
            except requests.RequestException:
                still.append(image_id)
        pending = still
        if pending:
            time.sleep(2)
    return Unready(pending, time.monotonic() - start)
