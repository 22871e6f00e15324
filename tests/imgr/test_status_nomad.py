"""The Nomad part of `imgr status`, from answers shaped as Nomad's HTTP API gives them
(no Nomad binary can run here: the lab places statically; see roles/app/README.md)."""

from __future__ import annotations

from imgr.status import format_status, summarize

CONSUL = {
    "/v1/agent/members": [
        {"Name": "borie", "Addr": "10.0.0.3", "Status": 1, "Tags": {"role": "consul"}}
    ],
    "/v1/status/leader": "10.0.0.3:8300",
    "/v1/health/service/backend": [],
    "/v1/health/service/frontend": [],
    "/v1/health/service/worker": [],
}


def report(nomad: dict[str, object], placement: str = "nomad") -> dict:
    return {
        "floating_ip": "10.0.0.100",
        "holds_floating_ip": True,
        "url": "http://10.0.0.100:8081",
        "consul_paths": list(CONSUL),
        "consul_codes": [200] * len(CONSUL),
        "consul_answers": list(CONSUL.values()),
        "consul_errors": [""] * len(CONSUL),
        "placement": placement,
        "nomad_paths": list(nomad),
        "nomad_codes": [200] * len(nomad),
        "nomad_answers": list(nomad.values()),
        "nomad_errors": [""] * len(nomad),
    }


def nomad_answers(member_status: str, allocation_status: str) -> dict[str, object]:
    return {
        "/v1/agent/members": {
            "Members": [
                {"Name": "borie.global", "Addr": "10.0.0.3", "Status": "alive"},
                {"Name": "wacken.global", "Addr": "10.0.0.32", "Status": member_status},
            ]
        },
        "/v1/status/leader": "10.0.0.3:4647",
        "/v1/job/imgr/allocations": [
            {
                "NodeName": "borie",
                "TaskGroup": "backend",
                "ClientStatus": "running",
                "DesiredStatus": "run",
                "DeploymentStatus": {"Healthy": True},
            },
            {
                "NodeName": "wacken",
                "TaskGroup": "worker",
                "ClientStatus": allocation_status,
                "DesiredStatus": "run",
            },
            {
                "NodeName": "wacken",
                "TaskGroup": "worker",
                "ClientStatus": "complete",
                "DesiredStatus": "stop",
            },
        ],
    }


def test_nomad_members_leader_and_allocations_are_reported():
    status = summarize({"borie": report(nomad_answers("alive", "running"))}, {}, "inv")
    nomad = status["nomad"]
    assert nomad["seen_from"] == "borie" and nomad["leader"] == "borie"
    assert [(m["name"], m["status"]) for m in nomad["members"]] == [
        ("borie", "alive"),
        ("wacken", "alive"),
    ]
    # A stopped allocation of an older version is not the job's state.
    assert [(a["group"], a["node"], a["status"]) for a in nomad["allocations"]] == [
        ("backend", "borie", "running"),
        ("worker", "wacken", "running"),
    ]
    assert not [p for p in status["problems"] if "Nomad" in p]
    text = format_status(status)
    assert "Nomad (seen from borie): leader borie" in text
    assert "worker@wacken running" in text


def test_a_failed_server_and_a_pending_allocation_are_problems():
    status = summarize({"borie": report(nomad_answers("failed", "pending"))}, {}, "inv")
    assert "Nomad server wacken is failed" in status["problems"]
    assert "Nomad worker on wacken: pending" in status["problems"]
    assert not status["healthy"]


def test_no_answering_nomad_agent_is_a_problem():
    answers = nomad_answers("alive", "running")
    broken = report(answers) | {"nomad_codes": [-1] * len(answers)}
    status = summarize({"borie": broken}, {}, "inv")
    assert "no Nomad agent answers" in status["problems"]


def test_static_placement_has_no_nomad_section():
    status = summarize({"borie": report({}, placement="static")}, {}, "inv")
    assert "nomad" not in status
