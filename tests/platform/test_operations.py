"""Day-2 operations on the lab, each through `imgr`'s Python functions (what the CLI
calls), each under a bounded stream of uploads and reads on the loopback URL.

In order (after test_lab.py): planned maintenance of the floating-IP holder, with a
reboot; a fourth node joins, then leaves; an upgrade to a new version; a broken
version rolled back; a backup restored into a rebuilt lab (last: it rebuilds the lab).
"""

from __future__ import annotations

import base64
import json
import os
import subprocess
import time
import tomllib

import pytest
import requests
from lab_view import (
    INVENTORY,
    NODES,
    ROOT,
    SECRETS,
    URL,
    alive_members,
    consul,
    container,
    critical_checks,
    management_token,
    node_containers,
    node_exec,
    note,
    run,
    upload,
    vip_holder,
    wait_all_ready,
    wait_until,
)
from load import Load
from samples import photo

from imgr.operations import add_node, backup, lab_down, maintain, remove_node, restore, upgrade
from imgr.progress import NullDisplay
from imgr.runner import RunResult

pytestmark = pytest.mark.lab

# The fourth node: appended to the lab's inventory as a file of its own.
NEW_NODE = "kleber"
NEW_NODE_ADDRESS = "172.29.10.40"
NEW_NODE_INVENTORY = f"""\
---
all:
  children:
    cluster:
      hosts:
        {NEW_NODE}: {{private_address: {NEW_NODE_ADDRESS}, ansible_port: 2204}}
      children:
        app: {{hosts: {{{NEW_NODE}: {{}}}}}}
        load_balancers: {{hosts: {{{NEW_NODE}: {{}}}}}}
"""


def under_load(read_ids: list[str], operation) -> tuple[RunResult, dict, list[str], float]:
    """Run `operation()` while one uploader and three readers use the lab's URL;
    return its result, the load's report, the accepted ids, and its duration."""
    with Load(uploaders=1, readers=3, seconds=900, read_ids=read_ids) as load:
        time.sleep(2)
        start = time.monotonic()
        result = operation()
        seconds = time.monotonic() - start
        time.sleep(2)
        load.stop()
    return result, load.report(), list(load.accepted), seconds


def figures(name: str, report: dict, seconds: float) -> str:
    return (
        f"{name}: {seconds:.0f} s, {report['requests']} requests during it, "
        f"{report['failed']} failed {report['failures']}, max latency "
        f"{report['max_latency_s']} s, {report['accepted_uploads']} uploads accepted"
    )


def failed(result: RunResult) -> str:
    return "\n".join(result.summary)


def assert_none_lost(accepted: list[str]) -> None:
    unready = wait_all_ready(accepted, 180)
    assert not unready.ids, f"{len(unready.ids)} accepted uploads never became ready"


def started_at(node: str) -> str:
    return run("docker", "inspect", "-f", "{{.State.StartedAt}}", container(node)).stdout


def backend_images() -> dict[str, str]:
    """The image each node's backend container runs."""
    return {
        node: node_exec(node, "docker", "inspect", "-f", "{{.Config.Image}}", "imgr-backend")
        .strip()
        .rsplit(":", 1)[1]
        for node in NODES
    }


def reported_versions(count: int = 24) -> set[str]:
    """The versions /version reports through the floating IP (HAProxy spreads the requests)."""
    return {requests.get(URL + "/version", timeout=5).json()["version"] for _ in range(count)}


def test_maintenance_of_the_floating_ip_holder_fails_no_request(ready_ids, record_property):
    holder = vip_holder()
    booted = started_at(holder)
    result, report, accepted, seconds = under_load(
        ready_ids,
        lambda: maintain(holder, reboot=True, upgrade_packages=False, display=NullDisplay()),
    )
    what = f"maintenance of the floating-IP holder {holder} with a reboot"
    note(record_property, figures(what, report, seconds))
    assert result.ok, failed(result)
    assert started_at(holder) != booted, "the node was not rebooted"
    assert vip_holder() not in (None, holder)
    wait_until(lambda: alive_members(holder) == sorted(NODES), 30, what="all members alive")
    wait_until(lambda: not critical_checks(holder), 30, what="every check passing")
    assert_none_lost(accepted)
    # A planned handoff fails no request (HAProxy's old worker closes a keep-alive
    # connection after its next response: option idle-close-on-response).
    assert report["failed"] == 0, report


def keepalived_peers(node: str) -> str:
    return node_exec(node, "cat", "/etc/keepalived/keepalived.conf")


@pytest.mark.timeout(1800)  # site.yml with a bare node in it, then its removal
def test_a_fourth_node_joins_then_leaves(ready_ids, record_property):
    extra = INVENTORY / f"{NEW_NODE}.yml"
    extra.write_text(NEW_NODE_INVENTORY)
    try:
        added, report, accepted, seconds = under_load(
            ready_ids, lambda: add_node(NEW_NODE, display=NullDisplay())
        )
        note(record_property, figures(f"add-node {NEW_NODE}", report, seconds))
        assert added.ok, failed(added)
        assert report["failed"] == 0, report
        everyone = sorted([*NODES, NEW_NODE])
        assert alive_members("borie") == everyone
        assert {"imgr-backend", "imgr-worker", "imgr-frontend"} <= set(node_containers(NEW_NODE))
        assert not critical_checks("borie")
        assert all(NEW_NODE_ADDRESS in keepalived_peers(node) for node in NODES)

        removed, report, more, seconds = under_load(
            ready_ids, lambda: remove_node(NEW_NODE, display=NullDisplay())
        )
        note(record_property, figures(f"remove-node {NEW_NODE}", report, seconds))
        assert removed.ok, failed(removed)
        assert report["failed"] == 0, report
        members = [m["Name"] for m in consul("borie", "/v1/agent/members")]
        assert sorted(members) == sorted(NODES), "the node was not pruned"
        peers = consul("borie", "/v1/operator/raft/configuration")["Servers"]
        assert len(peers) == len(NODES)
        assert not any(NEW_NODE_ADDRESS in keepalived_peers(node) for node in NODES)
        assert vip_holder() in NODES
        assert_none_lost(accepted + more)
    finally:
        extra.unlink(missing_ok=True)
        run("docker", "rm", "-f", container(NEW_NODE), check=False)
        run("docker", "volume", "rm", f"{container(NEW_NODE)}-docker", check=False)


@pytest.fixture(scope="module")
def versions() -> dict[str, str]:
    """The version the lab runs (the checkout's), a next one (built as a release is:
    scripts/build-images.sh with IMGR_VERSION), and a broken one: a backend that exits."""
    base = tomllib.loads((ROOT / "services/pyproject.toml").read_text())["project"]["version"]
    assert reported_versions(4) == {base}, "the lab does not run the checkout's version"
    next_version, broken = f"{base}-next", f"{base}-broken"
    build = subprocess.run(
        [str(ROOT / "scripts/build-images.sh"), "backend", "worker", "frontend"],
        env={**os.environ, "IMGR_VERSION": next_version},
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    assert build.returncode == 0, build.stderr[-3000:]
    dockerfile = f'FROM imgr/backend:{next_version}\nENV IMGR_VERSION={broken}\nCMD ["false"]\n'
    subprocess.run(
        ["docker", "build", "-q", "-t", f"imgr/backend:{broken}", "-"],
        input=dockerfile,
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    for part in ("worker", "frontend"):
        run("docker", "tag", f"imgr/{part}:{next_version}", f"imgr/{part}:{broken}")
    return {"current": base, "next": next_version, "broken": broken}


def test_upgrade_fails_no_request_and_every_instance_runs_it(versions, ready_ids, record_property):
    result, report, accepted, seconds = under_load(
        ready_ids, lambda: upgrade(versions["next"], display=NullDisplay())
    )
    note(record_property, figures(f"upgrade to {versions['next']}", report, seconds))
    assert result.ok, failed(result)
    assert report["failed"] == 0, report
    assert set(backend_images().values()) == {versions["next"]}
    assert reported_versions() == {versions["next"]}
    assert_none_lost(accepted)


def test_a_broken_version_is_rolled_back_while_the_service_runs(
    versions, ready_ids, record_property
):
    result, report, accepted, seconds = under_load(
        ready_ids, lambda: upgrade(versions["broken"], display=NullDisplay())
    )
    note(record_property, figures("upgrade to a broken version, rolled back", report, seconds))
    assert not result.ok, "the broken version passed the health gate"
    assert any("put back on the version it ran before" in f.message for f in result.failures), (
        failed(result)
    )
    assert report["failed"] == 0, report
    assert set(backend_images().values()) == {versions["next"]}
    assert reported_versions() == {versions["next"]}
    assert not critical_checks("borie")
    assert_none_lost(accepted)


def consul_write(path: str, body: str) -> str:
    """PUT to the Consul API on borie, as the management token."""
    return node_exec(
        "borie",
        "curl",
        "-fsS",
        "--max-time",
        "5",
        "-X",
        "PUT",
        "-H",
        f"X-Consul-Token: {management_token()}",
        "--data",
        body,
        f"http://127.0.0.1:8500{path}",
    )


def consul_write_json(path: str, body: dict) -> dict:
    return json.loads(consul_write(path, json.dumps(body)))


@pytest.mark.timeout(2400)  # the lab removed and built again from bare nodes
def test_a_backup_restores_keys_and_tokens_into_a_rebuilt_lab(lab, record_property):
    marker = f"restored-{time.time_ns()}"
    assert consul_write("/v1/kv/imgr/backup-proof", marker).strip() == "true"
    created = consul_write_json(
        "/v1/acl/token", {"Description": marker, "Policies": [], "Local": False}
    )

    start = time.monotonic()
    made, archive = backup(display=NullDisplay())
    assert made.ok, failed(made)
    assert archive.stat().st_mode & 0o777 == 0o600
    backup_seconds = time.monotonic() - start

    down = lab_down(display=NullDisplay())
    assert down.ok, failed(down)
    assert not SECRETS.exists()

    start = time.monotonic()
    restored = restore(archive, display=NullDisplay())
    restore_seconds = time.monotonic() - start
    note(
        record_property,
        f"backup in {backup_seconds:.0f} s; lab rebuilt and restored in {restore_seconds:.0f} s",
    )
    assert restored.ok, failed(restored)
    value = consul("borie", "/v1/kv/imgr/backup-proof")[0]["Value"]
    assert base64.b64decode(value).decode() == marker
    back = consul("borie", f"/v1/acl/token/{created['AccessorID']}")
    assert back["Description"] == marker and back["SecretID"] == created["SecretID"]
    assert alive_members("borie") == sorted(NODES)
    response = upload(photo((640, 480)))
    assert response.status_code == 201, response.text
    assert not wait_all_ready([response.json()["id"]], 60).ids
