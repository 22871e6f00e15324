"""The Nomad placement (roles/app, app_placement: nomad), checked without Nomad.

No Nomad binary can be obtained in this environment, so nothing here submits the
jobs. What is checked: the jobs rendered by Ansible itself (the role's templates,
defaults and filters) and parsed with python-hcl2 (the application's service job
and the reconciler's periodic job), their structure against the issue's
requirements and the other roles' settings; the deploy policy the nomad role
writes; the role's Nomad task files loaded by ansible-playbook, run against an
API stand-in, and linted.
"""

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import hcl2
import pytest
import yaml
from nomad_api_stand_in import nomad_stand_in

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
BIN = Path(sys.executable).parent
ROLE = ROOT / "roles" / "app"


def defaults(role: str) -> dict:
    return yaml.safe_load((ROOT / "roles" / role / "defaults" / "main.yml").read_text())


APP_DEFAULTS = defaults("app")
NOMAD_DEFAULTS = defaults("nomad")
HAPROXY_DEFAULTS = defaults("haproxy")
GUNICORN_CONF = ROOT / "services" / "src" / "imagehost" / "backend" / "gunicorn_conf.py"

# Recognisable values that must never appear in a rendered job; a quote in each
# checks that quoting cannot smuggle them in either.
SECRETS = {
    "app_s3_access_key": "TESTACCESS-7f3a'x",
    "app_s3_secret_key": 'TESTSECRET-9b2c"y',
    "app_broker_url": "amqp://imgr:TESTBROKER-5d1e@broker.example/%2f",
}
SECRETS_INDEX = 4242
GROUPS = ("backend", "worker", "frontend")
RECONCILE_JOB = "imgr-reconcile"


def ansible_playbook(*args: str) -> subprocess.CompletedProcess:
    """ansible-playbook from this venv, in the project (its ansible.cfg, roles path)."""
    command = BIN / "ansible-playbook"
    if not command.exists():
        pytest.skip(f"not installed: {command} (scripts/bootstrap.sh installs the venv)")
    return subprocess.run(
        [str(command), "-i", "localhost,", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )


def render(workdir: Path, **values) -> tuple[str, dict, dict]:
    """Render the job and the deploy policy; return the job's text, the job, the policy."""
    workdir.mkdir(parents=True, exist_ok=True)
    extra = workdir / "values.json"
    extra.write_text(json.dumps({"render_dir": str(workdir), **values}))
    result = ansible_playbook(str(HERE / "render-nomad-job.yml"), "-e", f"@{extra}")
    assert result.returncode == 0, result.stdout + result.stderr
    text = (workdir / "imgr.nomad.hcl").read_text()
    policy = plain(hcl2.loads((workdir / "deploy-policy.hcl").read_text()))
    return text, plain(hcl2.loads(text)), policy


def reconcile_job(workdir: Path) -> tuple[str, dict]:
    """The reconciler's job as `render` left it in `workdir`: its text and its body."""
    text = (workdir / f"{RECONCILE_JOB}.nomad.hcl").read_text()
    (jobs,) = plain(hcl2.loads(text))["job"]
    assert list(jobs) == [RECONCILE_JOB]
    return text, jobs[RECONCILE_JOB]


def plain(value):
    """python-hcl2's tree as plain data: quotes, block markers and comments dropped
    (molecule/nomad's hcl_parse does the same, but not for heredocs and comments)."""
    if isinstance(value, dict):
        return {
            plain(k): plain(v)
            for k, v in value.items()
            if k not in ("__is_block__", "__comments__")
        }
    if isinstance(value, list):
        return [plain(v) for v in value]
    if isinstance(value, str) and len(value) >= 2 and value[0] == value[-1] == '"':
        inner = value[1:-1]
        return inner if inner.startswith("<<") else json.loads(value)
    return value


def walk(value, path=("job",)):
    """Every (path, value) of a parsed tree, depth first."""
    yield path, value
    if isinstance(value, dict):
        for key, child in value.items():
            yield from walk(child, (*path, key))
    elif isinstance(value, list):
        for child in value:
            yield from walk(child, path)


def labelled(blocks: list[dict]) -> dict:
    """[{label: body}, ...] (HCL blocks with a label) as {label: body}."""
    return {label: body for block in blocks for label, body in block.items()}


def seconds(duration: str) -> float:
    """A Nomad duration ("10s", "3m", "1h") in seconds."""
    match = re.fullmatch(r"(\d+(?:\.\d+)?)(ms|s|m|h)", duration)
    assert match, f"not a duration: {duration!r}"
    number, unit = match.groups()
    return float(number) * {"ms": 0.001, "s": 1, "m": 60, "h": 3600}[unit]


@pytest.fixture(scope="module")
def render_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("nomad-job")


@pytest.fixture(scope="module")
def rendered(render_dir) -> tuple[str, dict, dict]:
    return render(render_dir, **SECRETS, app_nomad_secrets_index=SECRETS_INDEX)


@pytest.fixture(scope="module")
def reconcile(rendered, render_dir) -> tuple[str, dict]:
    return reconcile_job(render_dir)


@pytest.fixture(scope="module")
def job(rendered) -> dict:
    _, parsed, _ = rendered
    (jobs,) = parsed["job"]
    assert list(jobs) == [APP_DEFAULTS["app_nomad_job"]]
    return jobs[APP_DEFAULTS["app_nomad_job"]]


@pytest.fixture(scope="module")
def groups(job) -> dict:
    groups = labelled(job["group"])
    assert sorted(groups) == sorted(GROUPS)
    return groups


def task_of(groups: dict, name: str) -> dict:
    (task,) = groups[name]["task"]
    return task[name]


def test_counts_images_and_resources_come_from_the_variables(groups):
    for name in GROUPS:
        group, task = groups[name], task_of(groups, name)
        assert group["count"] == APP_DEFAULTS["app_counts"][name]
        assert task["driver"] == "docker"
        config = task["config"][0]
        assert config["image"] == f"imgr/{name}:{APP_DEFAULTS['app_version']}"
        assert config["force_pull"] is False
        resources = task["resources"][0]
        assert resources == APP_DEFAULTS["app_resources"][name]


def test_ports_are_mapped_on_the_nodes_address(groups):
    ports = APP_DEFAULTS["app_ports"]
    expected = {
        "backend": ("http", ports["backend"]),
        "worker": ("metrics", ports["worker_metrics"]),
        "frontend": ("http", ports["frontend"]),
    }
    for name, (label, inside) in expected.items():
        (network,) = groups[name]["network"]
        assert network.get("mode", "host") == "host"
        assert labelled(network["port"]) == {label: {"to": inside}}  # dynamic host port
        assert task_of(groups, name)["config"][0]["ports"] == [label]


def test_instances_are_spread_over_nodes_without_distinct_hosts(job):
    assert job["spread"] == [{"attribute": "${node.unique.id}"}]
    # No constraint anywhere in the job (distinct_hosts or any other).
    assert not [path for path, _ in walk(job) if path[-1] in ("constraint", "distinct_hosts")]


def test_updates_and_migrations_go_one_at_a_time_by_health_checks(job):
    (update,) = job["update"]
    (migrate,) = job["migrate"]
    for block in (update, migrate):
        assert block["max_parallel"] == 1
        assert block["health_check"] == "checks"
        assert seconds(block["min_healthy_time"]) < seconds(block["healthy_deadline"])
    assert update["auto_revert"] is True
    assert seconds(update["healthy_deadline"]) < seconds(update["progress_deadline"])
    # The play waits at least as long as Nomad may take to fail a deployment.
    assert APP_DEFAULTS["app_nomad_deploy_timeout"] > seconds(update["progress_deadline"])


def test_consul_services_and_their_http_checks(groups):
    expected = {
        "backend": (APP_DEFAULTS["app_services"]["backend"], "http", "/ready"),
        "frontend": (APP_DEFAULTS["app_services"]["frontend"], "http", "/config.json"),
        "worker": ("worker", "metrics", "/metrics"),
    }
    # HAProxy's backends look these names up in Consul.
    haproxy_services = {b["consul_service"] for b in HAPROXY_DEFAULTS["haproxy_backends"]}
    assert {expected["backend"][0], expected["frontend"][0]} <= haproxy_services
    for name, (service_name, port, path) in expected.items():
        (service,) = task_of(groups, name)["service"]
        assert service["provider"] == "consul"
        assert service["name"] == service_name
        assert service["port"] == port
        checks = service["check"]
        assert checks[0]["type"] == "http"
        assert checks[0]["path"] == path
        for check in checks:
            assert seconds(check["timeout"]) < seconds(check["interval"])


def test_instances_keep_serving_longer_than_haproxy_holds_obsolete_answers(groups):
    hold = seconds(HAPROXY_DEFAULTS["haproxy_consul_hold_obsolete"])
    assert hold == 5
    for name in ("backend", "frontend"):
        delay = task_of(groups, name)["shutdown_delay"]
        assert delay == APP_DEFAULTS["app_shutdown_delay"]
        assert seconds(delay) > hold


def test_stop_timeouts_cover_a_task_and_fit_the_clients_limit(groups):
    limit = seconds(NOMAD_DEFAULTS["nomad_max_kill_timeout"])
    worker = seconds(task_of(groups, "worker")["kill_timeout"])
    assert worker > APP_DEFAULTS["app_worker_time_limit"] == 60
    graceful = int(re.search(r"^graceful_timeout = (\d+)$", GUNICORN_CONF.read_text(), re.M)[1])
    assert seconds(task_of(groups, "backend")["kill_timeout"]) > graceful
    for name in GROUPS:
        assert seconds(task_of(groups, name)["kill_timeout"]) <= limit  # Nomad caps it there


def test_secrets_never_appear_in_the_jobs(rendered, reconcile):
    for text in (rendered[0], reconcile[0]):
        for name, value in SECRETS.items():
            for fragment in {value, value[:14], json.dumps(value)[1:-1]}:
                assert fragment not in text, f"{name} leaks into a job file"
        assert "TEST" not in text


def test_secrets_come_from_the_nomad_variable(groups, job):
    path = f"nomad/jobs/{APP_DEFAULTS['app_nomad_job']}"
    secret_names = ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "CELERY_BROKER_URL"]
    for name in ("backend", "worker"):
        task = task_of(groups, name)
        (template,) = task["template"]
        assert template["destination"] == "secrets/app.env"
        assert template["env"] is True
        assert template["change_mode"] == "noop"  # the job's meta rolls them out instead
        data = template["data"]
        assert f'nomadVar "{path}"' in data
        assert re.findall(r"^\s*(\w+)=", data, re.M) == secret_names
        assert not set(secret_names) & set(task["env"][0])
    assert job["meta"][0]["secrets_index"] == str(SECRETS_INDEX)
    (frontend,) = groups["frontend"]["task"]
    assert "template" not in frontend["frontend"]


def test_non_secret_environment(groups):
    common = {
        "S3_ENDPOINT_URL": APP_DEFAULTS["app_s3_endpoint_url"],
        "S3_BUCKET_NAME": APP_DEFAULTS["app_s3_bucket"],
        "AWS_REGION_NAME": APP_DEFAULTS["app_s3_region"],
        "MAX_UPLOAD_BYTES": str(APP_DEFAULTS["app_max_upload_bytes"]),
        "MAX_IMAGE_PIXELS": str(APP_DEFAULTS["app_max_image_pixels"]),
        "CELERY_VISIBILITY_TIMEOUT": str(APP_DEFAULTS["app_broker_visibility_timeout"]),
    }
    backend = task_of(groups, "backend")["env"][0]
    assert backend == {
        **common,
        "PORT": str(APP_DEFAULTS["app_ports"]["backend"]),
        "WEB_CONCURRENCY": str(APP_DEFAULTS["app_backend_processes"]),
        "TRUSTED_PROXY_HOPS": "1",
    }
    worker = task_of(groups, "worker")
    assert worker["env"][0] == {
        **common,
        "WORKER_METRICS_PORT": str(APP_DEFAULTS["app_ports"]["worker_metrics"]),
        "WORKER_CONCURRENCY": str(APP_DEFAULTS["app_worker_concurrency"]),
        "TASK_TIME_LIMIT": str(APP_DEFAULTS["app_worker_time_limit"]),
        "TASK_SOFT_TIME_LIMIT": str(APP_DEFAULTS["app_worker_time_limit"] - 10),
    }
    assert task_of(groups, "frontend")["env"][0] == {"BACKEND_ENDPOINT": ""}


def test_extra_environment_and_host_network(tmp_path):
    """app_env_extra reaches backend and worker, and no value can become an HCL expression."""
    _, parsed, _ = render(
        tmp_path,
        **SECRETS,
        app_nomad_secrets_index=1,
        app_env_extra={"LOG_LEVEL": "debug", "ODD": 'a "${node.unique.id}" %{ if x }'},
        app_nomad_host_network="private",
    )
    groups = labelled(parsed["job"][0]["imgr"]["group"])
    for name in ("backend", "worker"):
        env = task_of(groups, name)["env"][0]
        assert env["LOG_LEVEL"] == "debug"
        # Escaped for HCL: Nomad reads the literal characters back.
        assert env["ODD"] == 'a "$${node.unique.id}" %%{ if x }'
    for name in GROUPS:
        (network,) = groups[name]["network"]
        (port,) = labelled(network["port"]).values()
        assert port["host_network"] == "private"
    assert "LOG_LEVEL" not in task_of(groups, "frontend")["env"][0]


def test_reconciler_is_a_periodic_batch_job_that_never_overlaps(reconcile, job):
    _, periodic_job = reconcile
    assert periodic_job["type"] == "batch"
    for key in ("namespace", "datacenters"):
        assert periodic_job[key] == job[key]
    (periodic,) = periodic_job["periodic"]
    # app_reconcile_interval (10min) as a cron schedule: once per interval for the cluster.
    assert APP_DEFAULTS["app_reconcile_interval"] == "10min"
    assert periodic == {"crons": ["*/10 * * * *"], "prohibit_overlap": True, "time_zone": "UTC"}
    ((name, group),) = labelled(periodic_job["group"]).items()
    assert name == "reconcile"
    assert group["count"] == 1
    # A failed run waits for the next one: no restart, no rescheduling in between.
    assert group["restart"] == [{"attempts": 0, "mode": "fail"}]
    assert group["reschedule"] == [{"attempts": 0, "unlimited": False}]
    assert not [path for path, _ in walk(periodic_job) if path[-1] in ("service", "update")]


def test_reconciler_runs_its_command_like_the_worker(reconcile, groups):
    """The worker's image, environment and secrets template; the reconciler's own
    command, with arguments its parser accepts."""
    _, periodic_job = reconcile
    (group,) = periodic_job["group"]
    (task,) = group["reconcile"]["task"]
    task = task["reconcile"]
    worker = task_of(groups, "worker")
    assert task["driver"] == "docker"
    config = task["config"][0]
    assert (
        config["image"]
        == worker["config"][0]["image"]
        == f"imgr/worker:{APP_DEFAULTS['app_version']}"
    )
    assert config["force_pull"] is False
    assert config["command"] == "python"
    grace = str(APP_DEFAULTS["app_reconcile_grace_seconds"])
    requeues = str(APP_DEFAULTS["app_reconcile_max_requeues"])
    assert config["args"] == [
        "-m",
        "imagehost.reconcile",
        "--grace-seconds",
        grace,
        "--max-requeues",
        requeues,
    ]
    usage = subprocess.run(
        [sys.executable, *config["args"][:2], "--help"], capture_output=True, text=True, timeout=60
    )
    assert usage.returncode == 0, usage.stderr
    assert "--grace-seconds" in usage.stdout and "--max-requeues" in usage.stdout
    # The worker's environment but its metrics port (the reconciler serves nothing).
    worker_env = dict(worker["env"][0])
    del worker_env["WORKER_METRICS_PORT"]
    assert task["env"][0] == worker_env
    # The worker's template, reading the reconciler's own Variable.
    (template,) = task["template"]
    (worker_template,) = worker["template"]
    app_variable = f"nomad/jobs/{APP_DEFAULTS['app_nomad_job']}"
    assert template == {
        **worker_template,
        "data": worker_template["data"].replace(
            f'nomadVar "{app_variable}"', f'nomadVar "nomad/jobs/{RECONCILE_JOB}"'
        ),
    }
    assert f'nomadVar "nomad/jobs/{RECONCILE_JOB}"' in template["data"]
    assert task["resources"][0] == APP_DEFAULTS["app_resources"]["reconcile"]


@pytest.mark.parametrize(
    ("interval", "cron"),
    [("5min", "*/5 * * * *"), ("30 minutes", "*/30 * * * *"), ("2h", "0 */2 * * *")],
)
def test_reconciler_schedule_follows_the_interval(tmp_path, interval, cron):
    render(tmp_path, **SECRETS, app_nomad_secrets_index=1, app_reconcile_interval=interval)
    (periodic,) = reconcile_job(tmp_path)[1]["periodic"]
    assert periodic["crons"] == [cron]


def test_deploy_policy_reads_and_writes_job_variables_only(rendered):
    policy = rendered[2]
    namespaces = labelled(policy["namespace"])
    assert sorted(namespaces) == sorted(NOMAD_DEFAULTS["nomad_deploy_namespaces"])
    # The app's Variable path, as its defaults render it (nomad/jobs/<job>).
    app_variable = APP_DEFAULTS["app_nomad_variable_path"].replace(
        "{{ app_nomad_job }}", APP_DEFAULTS["app_nomad_job"]
    )
    for namespace in namespaces.values():
        assert namespace["policy"] == "read"
        assert sorted(namespace["capabilities"]) == [
            "list-jobs",
            "parse-job",
            "read-job",
            "submit-job",
        ]
        (variables,) = namespace["variables"]
        # Exact paths, no glob around them: read and write (check-and-set), no destroy.
        paths = labelled(variables["path"])
        assert app_variable in paths
        assert not [path for path in paths if "*" in path]
        for rule in paths.values():
            assert rule == {"capabilities": ["read", "write"]}
    assert app_variable == "nomad/jobs/imgr"
    assert set(policy) == {"namespace", "node"}


def test_deploy_policy_writes_the_reconcilers_variable(rendered):
    for namespace in labelled(rendered[2]["namespace"]).values():
        (variables,) = namespace["variables"]
        assert f"nomad/jobs/{RECONCILE_JOB}" in labelled(variables["path"])


def test_nomad_tasks_load_in_ansible():
    """--syntax-check, then --list-tasks: every imported task file of the placement loads."""
    playbook = str(HERE / "nomad-placement.yml")
    check = ansible_playbook("--syntax-check", playbook)
    assert check.returncode == 0, check.stdout + check.stderr
    listing = ansible_playbook("--list-tasks", playbook)
    assert listing.returncode == 0, listing.stdout + listing.stderr
    assert "app : Check the reconciler's interval makes a cron schedule" in listing.stdout
    # Once for the application's job, once for the reconciler's.
    for step in (
        "Write the Nomad Variable",
        "Parse the job specification",
        "Plan the job against the running version",
        "Register the job (the plan shows a difference)",
        "Wait until the deployment ends",
        "Stop with what happened to each instance that is not healthy",
    ):
        assert listing.stdout.count(f"app : {step}") == 2, step


def test_nomad_placement_files_are_lint_clean():
    """ansible-lint (production profile) on the role: no finding in the Nomad placement's files."""
    lint = BIN / "ansible-lint"
    if not lint.exists() or shutil.which("git") is None:
        pytest.skip(f"not installed: {lint} or git (scripts/bootstrap.sh installs them)")
    result = subprocess.run(
        [str(lint), "--profile", "production", "--format", "json", "--nocolor", "roles/app"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    findings = json.loads(result.stdout or "[]")
    ours = [
        f"{f['location']['path']}:{f['location'].get('lines', {}).get('begin')}: {f['check_name']}"
        for f in findings
        if re.search(
            r"roles/app/(tasks/nomad[^/]*\.yml|defaults/|templates/nomad/)", f["location"]["path"]
        )
    ]
    assert not ours, "\n".join(ours)
    assert result.returncode in (0, 2), result.stderr


def run_placement(api, workdir: Path, *options: str, **values) -> tuple[int, str, int]:
    """The role's Nomad tasks (nomad-placement.yml) against the API stand-in, from
    localhost; returns the exit code, the output and the number of changed tasks."""
    token_file = workdir / "nomad-deploy.token"
    token_file.write_text(api.token)
    extra = workdir / "run.json"
    extra.write_text(
        json.dumps(
            {
                "ansible_connection": "local",
                "ansible_python_interpreter": sys.executable,
                "app_nomad_api_url": api.url,
                "app_nomad_ca_path": "",  # the stand-in speaks plain HTTP
                "app_nomad_token_file": str(token_file),
                **SECRETS,
                **values,
            }
        )
    )
    run = ansible_playbook(str(HERE / "nomad-placement.yml"), "-e", f"@{extra}", *options)
    output = run.stdout + run.stderr
    recap = re.search(r"localhost\s+: ok=\d+\s+changed=(\d+)", output)
    assert recap, output
    return run.returncode, output, int(recap[1])


def test_deploy_step_writes_and_registers_only_what_differs(tmp_path):
    """Against the API stand-in (tests/platform/nomad_api_stand_in.py): --check then the
    first deployment, a run with nothing to do, --check with new secrets, their rollout.
    Each job (the application's, then the reconciler's) has its own Variable."""
    app_var, reconcile_var = "nomad/jobs/imgr", f"nomad/jobs/{RECONCILE_JOB}"
    first_deploy = [
        ("PUT", f"/v1/var/{app_var}"),
        ("POST", "/v1/jobs"),
        ("PUT", f"/v1/var/{reconcile_var}"),
        ("POST", "/v1/jobs"),
    ]
    with nomad_stand_in(token="deploy-token-for-the-stand-in") as api:
        code, output, changed = run_placement(api, tmp_path, "--check")
        assert code == 0, output
        assert api.writes() == []
        assert changed == 4  # both Variables and both jobs would change
        assert "imgr: added; backend:" in output
        assert f"{RECONCILE_JOB}: added" in output

        code, output, changed = run_placement(api, tmp_path)
        assert code == 0, output
        assert api.writes() == first_deploy
        assert changed == 4
        for path in (app_var, reconcile_var):
            assert api.variables[path]["Items"] == {
                "AWS_ACCESS_KEY_ID": SECRETS["app_s3_access_key"],
                "AWS_SECRET_ACCESS_KEY": SECRETS["app_s3_secret_key"],
                "CELERY_BROKER_URL": SECRETS["app_broker_url"],
            }
        submitted = api.jobs["imgr"]["HCL"]
        assert f'secrets_index = "{api.variables[app_var]["ModifyIndex"]}"' in submitted
        assert '{{- with nomadVar "nomad/jobs/imgr" }}' in submitted  # not templated twice
        periodic = api.jobs[RECONCILE_JOB]
        assert plain(periodic["Periodic"]) == [
            {"crons": ["*/10 * * * *"], "prohibit_overlap": True, "time_zone": "UTC"}
        ]
        assert f'{{{{- with nomadVar "{reconcile_var}" }}}}' in periodic["HCL"]
        assert not [v for v in SECRETS.values() if v in json.dumps(api.jobs)]
        # The periodic job's registration starts no evaluation: only the app's is followed.
        evaluations = [p for m, p, _ in api.requests if p.startswith("/v1/evaluation/")]
        assert len(evaluations) == 1 and not evaluations[0].endswith("/")

        code, output, changed = run_placement(api, tmp_path)
        assert (code, changed) == (0, 0), output
        assert len(api.writes()) == 4

        new_key = {"app_s3_secret_key": "TESTSECRET-rotated"}
        code, output, changed = run_placement(api, tmp_path, "--check", **new_key)
        assert code == 0, output
        for path in (app_var, reconcile_var):
            assert f"would write the Nomad Variable {path}" in output
        assert changed == 2
        assert len(api.writes()) == 4
        assert "TESTSECRET-rotated" not in output

        code, output, changed = run_placement(api, tmp_path, **new_key)
        assert code == 0, output
        # The app's job changes with its Variable's index; the reconciler's runs read
        # the new value at their next launch, its job is unchanged.
        assert api.writes()[4:] == [
            ("PUT", f"/v1/var/{app_var}"),
            ("POST", "/v1/jobs"),
            ("PUT", f"/v1/var/{reconcile_var}"),
        ]
        assert (
            f'secrets_index = "{api.variables[app_var]["ModifyIndex"]}"' in api.jobs["imgr"]["HCL"]
        )
        assert (
            api.variables[reconcile_var]["Items"]["AWS_SECRET_ACCESS_KEY"] == "TESTSECRET-rotated"
        )
        assert "TESTSECRET-rotated" not in output


def test_deploy_step_refuses_an_interval_cron_cannot_express(tmp_path):
    with nomad_stand_in(token="x") as api:
        code, output, _ = run_placement(api, tmp_path, app_reconcile_interval="45min")
        assert code != 0
        assert "app_reconcile_interval is 45min: Nomad runs the reconciler on a cron" in output
        assert api.requests == []


def test_deploy_step_fails_with_the_task_events_of_unhealthy_instances(tmp_path):
    with nomad_stand_in(token="deploy-token-for-the-stand-in") as api:
        api.deployment_outcome = "failed"
        code, output, _ = run_placement(api, tmp_path)
    assert code != 0
    assert "failed. Failed due to unhealthy allocations - rolling back to job version 0" in output
    assert "backend instance 0123abcd on borie (failed), task backend dead, failed:" in output
    assert "Driver Failure: Failed to start container: no such image" in output
    assert "frontend instance" not in output  # healthy instances are not listed


def test_deploy_step_refuses_without_a_deploy_token(tmp_path):
    with nomad_stand_in(token="x") as api:
        code, output, _ = run_placement(
            api, tmp_path, app_nomad_token_file=str(tmp_path / "missing.token")
        )
        assert code != 0
        assert "No Nomad deploy token" in output
        assert api.requests == []
