"""A stand-in for the few Nomad HTTP API endpoints the app role's deploy step calls.

No Nomad binary can be obtained in this environment. This server answers on
loopback with the shapes Nomad's API documentation gives for these endpoints, and
keeps just enough state (Variables and jobs by path and ID, the last deployment)
to exercise the role's decisions: write a Variable only when it differs, register
a job only when its plan differs, wait for a service job's deployment (a periodic
job's registration starts none), report a failed one with its task events, and
never write in --check mode. It proves the tasks' logic and templating; that
Nomad itself accepts the job is not proven by it.
"""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import hcl2


@dataclass
class NomadStandIn:
    token: str
    # "successful" or "failed": how the next deployment ends.
    deployment_outcome: str = "successful"
    index: int = 100
    variables: dict[str, dict] = field(default_factory=dict)
    jobs: dict[str, dict] = field(default_factory=dict)
    job_modify_index: dict[str, int] = field(default_factory=dict)
    job_version: int = -1
    deployment: dict | None = None
    requests: list[tuple[str, str, dict | None]] = field(default_factory=list)
    url: str = ""

    def writes(self) -> list[tuple[str, str]]:
        return [(m, p) for m, p, _ in self.requests if m == "PUT" or p == "/v1/jobs"]

    def handle(self, method: str, path: str, query: dict, body: dict | None):
        if path.startswith("/v1/var/"):
            return self.var(method, path.removeprefix("/v1/var/"), query, body)
        if method == "POST" and path == "/v1/jobs/parse":
            return 200, self.parse(body["JobHCL"])
        if method == "POST" and path.endswith("/plan"):
            return 200, self.plan(path.split("/")[3], body["Job"])
        if method == "POST" and path == "/v1/jobs":
            return self.register(body)
        if path.startswith("/v1/evaluation/"):
            return 200, {"ID": path.rsplit("/", 1)[1], "Status": "complete", "FailedTGAllocs": None}
        if path.endswith("/deployment") and path.startswith("/v1/job/"):
            return 200, self.deployment
        if path.startswith("/v1/deployment/allocations/"):
            return 200, self.allocations()
        if path.startswith("/v1/deployment/"):
            return 200, self.deployment
        return 404, {"error": f"no such endpoint in the stand-in: {method} {path}"}

    def var(self, method, var_path, query, body):
        variable = self.variables.get(var_path)
        if method == "GET":
            return (200, variable) if variable else (404, "variable not found")
        current = variable["ModifyIndex"] if variable else 0
        if int(query["cas"][0]) != current:
            return 409, variable
        self.index += 1
        self.variables[var_path] = {
            "Namespace": query["namespace"][0],
            "Path": var_path,
            "Items": body["Items"],
            "ModifyIndex": self.index,
        }
        return 200, self.variables[var_path]

    def parse(self, hcl: str) -> dict:
        # Nomad returns the job as JSON; here the parsed HCL stands for it.
        tree = hcl2.loads(hcl)
        ((name, spec),) = tree["job"][0].items()
        return {
            "ID": json.loads(name),
            "Periodic": spec.get("periodic"),
            "Spec": json.dumps(tree, sort_keys=True),
            "HCL": hcl,
        }

    def plan(self, job_id: str, job: dict) -> dict:
        running = self.jobs.get(job_id)
        kind = "Added" if running is None else "None" if job == running else "Edited"
        updates = {} if kind == "None" else {"backend": {"DestructiveUpdate": 2, "Ignore": 0}}
        return {
            "Diff": {"Type": kind},
            "JobModifyIndex": self.job_modify_index.get(job_id, 0),
            "Annotations": {"DesiredTGUpdates": updates},
            "FailedTGAllocs": None,
        }

    def register(self, body: dict):
        job = body["Job"]
        if body.get("EnforceIndex") and body["JobModifyIndex"] != self.job_modify_index.get(
            job["ID"], 0
        ):
            return 500, "Enforcing job modify index: job exists with conflicting modify index"
        self.index += 1
        self.jobs[job["ID"]], self.job_modify_index[job["ID"]] = job, self.index
        if job["Periodic"]:
            # Nomad launches a periodic job's runs on schedule: no evaluation now.
            return 200, {"EvalID": "", "JobModifyIndex": self.index, "Warnings": ""}
        self.job_version += 1
        self.deployment = {
            "ID": str(uuid.uuid4()),
            "JobSpecModifyIndex": self.index,
            "JobVersion": self.job_version,
            "Status": self.deployment_outcome,
            "StatusDescription": (
                "Deployment completed successfully"
                if self.deployment_outcome == "successful"
                else "Failed due to unhealthy allocations - rolling back to job version 0"
            ),
        }
        return 200, {"EvalID": str(uuid.uuid4()), "JobModifyIndex": self.index, "Warnings": ""}

    def allocations(self) -> list[dict]:
        events = [
            {"Type": kind, "DisplayMessage": message}
            for kind, message in (
                ("Received", "Task received by client"),
                ("Driver Failure", "Failed to start container: no such image"),
                ("Not Restarting", "Exceeded allowed attempts 2 in interval 30m0s"),
            )
        ]
        return [
            {
                "ID": "0123abcd-0000-0000-0000-000000000000",
                "TaskGroup": "backend",
                "NodeName": "borie",
                "ClientStatus": "failed",
                "DeploymentStatus": {"Healthy": False},
                "TaskStates": {"backend": {"State": "dead", "Failed": True, "Events": events}},
            },
            {
                "ID": "4567efab-0000-0000-0000-000000000000",
                "TaskGroup": "frontend",
                "NodeName": "wacken",
                "ClientStatus": "running",
                "DeploymentStatus": {"Healthy": True},
                "TaskStates": {"frontend": {"State": "running", "Failed": False, "Events": []}},
            },
        ]


@contextmanager
def nomad_stand_in(token: str) -> Iterator[NomadStandIn]:
    """The stand-in on a free loopback port, for the duration of the block."""
    state = NomadStandIn(token=token)

    class Handler(BaseHTTPRequestHandler):
        def _serve(self):
            url = urlsplit(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            body = json.loads(self.rfile.read(length)) if length else None
            state.requests.append((self.command, url.path, body))
            if self.headers.get("X-Nomad-Token") != state.token:
                status, answer = 403, "Permission denied"
            else:
                status, answer = state.handle(self.command, url.path, parse_qs(url.query), body)
            data = json.dumps(answer).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_PUT = do_POST = _serve

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
