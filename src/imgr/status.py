"""The cluster at a glance, from the live APIs, through Ansible (playbooks/status.yml).

    from imgr.status import cluster_status
    status = cluster_status("inventory/lab")
    status["healthy"], status["consul"]["leader"], status["floating_ip"]["holders"]

Each node reports what it sees; the cluster view (members, leader, instances) is
taken from the first node whose Consul agent answered, and every disagreement a
client would feel becomes a line in `problems`.
"""

from __future__ import annotations

from pathlib import Path

from imgr.progress import NullDisplay
from imgr.runner import DEFAULT_INVENTORY, ROOT, RunResult, resolve, run_playbook

STATUS_PLAYBOOK = ROOT / "playbooks" / "status.yml"
SERVICES = ("backend", "frontend", "worker")
# Consul's serf member states.
MEMBER_STATES = {0: "none", 1: "alive", 2: "leaving", 3: "left", 4: "failed"}
CHECK_ORDER = ("passing", "warning", "critical")


def _reports(run: RunResult, events: list[dict]) -> tuple[dict[str, dict], dict[str, str]]:
    """The per-node reports of status.yml, and the nodes that never reported (why)."""
    reports = {}
    for event in events:
        data = event.get("event_data") or {}
        msg = (data.get("res") or {}).get("msg")
        if event.get("event") == "runner_on_ok" and isinstance(msg, dict) and "imgr_status" in msg:
            reports[data["host"]] = msg["imgr_status"]
    silent = {f.host: f.message for f in run.failures if f.host not in reports}
    for host in run.hosts:
        if host not in reports and host not in silent:
            silent[host] = "no report"
    return reports, silent


def _answers(report: dict, agent: str = "consul") -> dict[str, tuple[int, object, str]]:
    """What one agent (consul or nomad) answered this node: path -> (code, JSON, error)."""
    return {
        path: (code, answer, error)
        for path, code, answer, error in zip(
            report.get(f"{agent}_paths", []),
            report.get(f"{agent}_codes", []),
            report.get(f"{agent}_answers", []),
            report.get(f"{agent}_errors", []),
            strict=True,
        )
    }


def _nomad(reports: dict[str, dict], problems: list[str]) -> dict | None:
    """Nomad's members, leader and the job's allocations, as the first answering agent sees
    them; None when the application is not placed by Nomad."""
    if not any(r.get("placement") == "nomad" for r in reports.values()):
        return None
    viewer = next(
        (
            n
            for n, r in sorted(reports.items())
            if _answers(r, "nomad").get("/v1/agent/members", (0,))[0] == 200
        ),
        None,
    )
    nomad = {"seen_from": viewer, "members": [], "leader": None, "allocations": []}
    if not viewer:
        problems.append("no Nomad agent answers")
        return nomad
    answers = _answers(reports[viewer], "nomad")
    members = (answers["/v1/agent/members"][1] or {}).get("Members") or []
    nomad["members"] = sorted(
        (
            {
                "name": m.get("Name", "").split(".")[0],
                "address": m.get("Addr", ""),
                "status": m.get("Status", ""),
            }
            for m in members
        ),
        key=lambda m: m["name"],
    )
    leader = (answers["/v1/status/leader"][1] or "").rpartition(":")[0]
    nomad["leader"] = next((m["name"] for m in nomad["members"] if m["address"] == leader), None)
    code, allocations, error = next(
        (answer for path, answer in answers.items() if path.endswith("/allocations")), (0, [], "")
    )
    nomad["allocations"] = sorted(
        (
            {
                "node": a.get("NodeName", ""),
                "group": a.get("TaskGroup", ""),
                "status": a.get("ClientStatus", ""),
                "healthy": (a.get("DeploymentStatus") or {}).get("Healthy"),
            }
            for a in allocations or []
            if a.get("DesiredStatus", "run") == "run"
        ),
        key=lambda a: (a["group"], a["node"]),
    )
    for member in nomad["members"]:
        if member["status"] != "alive":
            problems.append(f"Nomad server {member['name']} is {member['status']}")
    if not nomad["leader"]:
        problems.append("Nomad has no leader")
    if code != 200:
        problems.append(f"Nomad job allocations: no answer ({error})")
    for allocation in nomad["allocations"]:
        if allocation["status"] != "running":
            problems.append(
                f"Nomad {allocation['group']} on {allocation['node']}: {allocation['status']}"
            )
    return nomad


def _instances(entries: list[dict]) -> list[dict]:
    """Consul health entries of one service: where each instance runs and its worst check."""
    instances = []
    for entry in entries:
        checks = [
            {
                "name": c.get("Name", ""),
                "status": c.get("Status", ""),
                "output": c.get("Output", ""),
            }
            for c in entry.get("Checks") or []
        ]
        worst = max(
            (c["status"] for c in checks),
            key=lambda s: CHECK_ORDER.index(s) if s in CHECK_ORDER else len(CHECK_ORDER),
            default="passing",
        )
        service = entry.get("Service") or {}
        instances.append(
            {
                "node": (entry.get("Node") or {}).get("Node", ""),
                "id": service.get("ID", ""),
                "address": service.get("Address", ""),
                "port": service.get("Port"),
                "status": worst,
                "checks": checks,
            }
        )
    return sorted(instances, key=lambda i: (i["node"], i["id"]))


def summarize(reports: dict[str, dict], silent: dict[str, str], inventory: str) -> dict:
    """The status document (`imgr status --json`) from what the nodes reported."""
    problems = []
    nodes = []
    for name in sorted({*reports, *silent}):
        report = reports.get(name)
        agent = None
        if report:
            code = _answers(report)["/v1/agent/members"][0]
            agent = code == 200
        nodes.append(
            {
                "name": name,
                "reachable": report is not None,
                "error": None if report else silent[name],
                "consul_agent": agent,
                "holds_floating_ip": bool(report and report["holds_floating_ip"]),
            }
        )
        if not report:
            problems.append(f"{name}: not reachable ({silent[name]})")
        elif not agent:
            error = _answers(report)["/v1/agent/members"][2]
            problems.append(f"{name}: its Consul agent does not answer ({error})")

    any_report = next(iter(reports.values()), {})
    holders = [n["name"] for n in nodes if n["holds_floating_ip"]]
    floating_ip = {"address": any_report.get("floating_ip", ""), "holders": holders}
    if not holders:
        unreachable = " reachable" if len(reports) < len(nodes) else ""
        problems.append(f"floating IP {floating_ip['address']} held by no{unreachable} node")
    elif len(holders) > 1:
        problems.append(
            f"floating IP {floating_ip['address']} held by {len(holders)} nodes: {holders}"
        )

    # The cluster as the first answering agent sees it.
    viewer = next(
        (n for n, r in sorted(reports.items()) if _answers(r)["/v1/agent/members"][0] == 200), None
    )
    consul = {"seen_from": viewer, "members": [], "leader": None, "leader_address": None}
    services: dict[str, list[dict]] = {}
    if viewer:
        answers = _answers(reports[viewer])
        members = [
            {
                "name": m.get("Name", ""),
                "address": m.get("Addr", ""),
                "status": MEMBER_STATES.get(m.get("Status"), str(m.get("Status"))),
                "server": (m.get("Tags") or {}).get("role") == "consul",
            }
            for m in answers["/v1/agent/members"][1] or []
        ]
        consul["members"] = sorted(members, key=lambda m: m["name"])
        leader_address = answers["/v1/status/leader"][1] or ""
        consul["leader_address"] = leader_address or None
        by_address = {m["address"]: m["name"] for m in members}
        consul["leader"] = (
            by_address.get(leader_address.rpartition(":")[0]) if leader_address else None
        )
        for member in consul["members"]:
            if member["status"] != "alive":
                problems.append(f"Consul member {member['name']} is {member['status']}")
        if not consul["leader"]:
            problems.append("Consul has no leader")
        for service in SERVICES:
            code, entries, error = answers[f"/v1/health/service/{service}"]
            services[service] = _instances(entries or []) if code == 200 else []
            if code != 200:
                problems.append(f"service {service}: Consul did not answer ({error})")
            elif not services[service]:
                problems.append(f"service {service}: no instance registered")
            for instance in services[service]:
                if instance["status"] != "passing":
                    problems.append(
                        f"service {service} on {instance['node']}: {instance['status']}"
                    )
    else:
        problems.append("no Consul agent answers")

    nomad = _nomad(reports, problems)
    return {
        "inventory": inventory,
        "url": any_report.get("url"),
        "healthy": not problems,
        "problems": problems,
        "nodes": nodes,
        "floating_ip": floating_ip,
        "consul": consul,
        "services": services,
        **({"nomad": nomad} if nomad is not None else {}),
    }


def cluster_status(inventory: str | Path = DEFAULT_INVENTORY, display=None) -> dict:
    """Ask the cluster of `inventory` how it is (read-only); see `summarize` for the shape.

    display: progress while status.yml runs (default none).
    """
    events: list[dict] = []
    run = run_playbook(
        STATUS_PLAYBOOK,
        inventory,
        display=display if display is not None else NullDisplay(),
        on_event=events.append,
        title="status",
    )
    reports, silent = _reports(run, events)
    if not reports and not silent:
        raise RuntimeError("; ".join(str(f) for f in run.failures) or "status.yml reported nothing")
    status = summarize(reports, silent, str(resolve(inventory)))
    status["event_log"] = str(run.log_path)
    return status


def format_status(status: dict) -> str:
    """The status document as a few lines for a person."""
    lines = [f"imgr on {status['inventory']}: {'healthy' if status['healthy'] else 'DEGRADED'}"]
    lines.append(f"URL: {status['url']}")
    holder = status["floating_ip"]["holders"]
    lines.append("Nodes:")
    for node in status["nodes"]:
        state = "reachable" if node["reachable"] else f"UNREACHABLE ({node['error']})"
        if node["reachable"]:
            state += ", consul agent " + ("up" if node["consul_agent"] else "DOWN")
        vip = (
            f"  <- floating IP {status['floating_ip']['address']}" if node["name"] in holder else ""
        )
        lines.append(f"  {node['name']:<12} {state}{vip}")
    consul = status["consul"]
    members = ", ".join(
        f"{m['name']} ({m['status']}{', server' if m['server'] else ''})" for m in consul["members"]
    )
    lines.append(f"Consul (seen from {consul['seen_from']}): leader {consul['leader']}")
    lines.append(f"  members: {members or 'unknown'}")
    nomad = status.get("nomad")
    if nomad:
        lines.append(f"Nomad (seen from {nomad['seen_from']}): leader {nomad['leader']}")
        servers = ", ".join(f"{m['name']} ({m['status']})" for m in nomad["members"])
        lines.append(f"  servers: {servers or 'unknown'}")
        running = ", ".join(f"{a['group']}@{a['node']} {a['status']}" for a in nomad["allocations"])
        lines.append(f"  allocations: {running or 'none'}")
    lines.append("Application:")
    for service, instances in status["services"].items():
        shown = ", ".join(f"{i['node']} {i['status']}" for i in instances) or "none"
        lines.append(f"  {service:<9} {shown}")
    if status["problems"]:
        lines.append("Problems:")
        lines.extend(f"  - {p}" for p in status["problems"])
    return "\n".join(lines)
