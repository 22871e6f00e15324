"""`imgr status` on the local lab: the cluster as the command reports it, checked
against what the lab's containers show (lab_view). Read-only: it changes nothing
the later platform tests rely on."""

from __future__ import annotations

import json
import subprocess
import time

import pytest
from lab_view import FLOATING_IP, NODES, ROOT, alive_members, vip_holder

pytestmark = pytest.mark.lab

IMGR = str(ROOT / ".venv/bin/imgr")


def imgr(*args: str) -> tuple[subprocess.CompletedProcess, float]:
    start = time.monotonic()
    done = subprocess.run(
        [IMGR, *args], cwd=ROOT, capture_output=True, text=True, timeout=300, check=False
    )
    return done, time.monotonic() - start


def test_status_json_reports_the_healthy_lab(lab, record_property):
    done, seconds = imgr("status", "--json")
    assert done.returncode == 0, done.stdout + done.stderr
    status = json.loads(done.stdout)
    record_property("notes", [f"MEASURED imgr status --json on the lab in {seconds:.1f} s"])
    assert status["healthy"] and status["problems"] == []
    assert status["url"] == "http://localhost:8081"
    assert [n["name"] for n in status["nodes"]] == sorted(NODES)
    assert all(n["reachable"] and n["consul_agent"] for n in status["nodes"])

    members = status["consul"]["members"]
    assert sorted(m["name"] for m in members if m["status"] == "alive") == sorted(NODES)
    assert all(m["server"] for m in members)
    assert status["consul"]["leader"] in NODES
    # The same members as the Consul API read inside a node container.
    assert alive_members(status["consul"]["seen_from"]) == sorted(NODES)

    assert status["floating_ip"]["address"] == FLOATING_IP
    assert status["floating_ip"]["holders"] == [vip_holder()]

    assert set(status["services"]) == {"backend", "frontend", "worker"}
    for service, instances in status["services"].items():
        assert sorted(i["node"] for i in instances) == sorted(NODES), service
        assert all(i["status"] == "passing" for i in instances), (service, instances)


def test_status_text_is_for_people(lab):
    done, _ = imgr("status")
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.startswith(f"imgr on {ROOT / 'inventory/lab'}: healthy")
    assert f"<- floating IP {FLOATING_IP}" in done.stdout
    assert "URL: http://localhost:8081" in done.stdout
