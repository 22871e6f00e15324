"""The consul role's agent configuration, rendered through Ansible for Consul
versions that cannot run here (only 1.8.7 can), parsed and checked key by key.

Consul 1.12 moved the TLS settings into a `tls {}` block and deprecated the
top-level keys; 1.9 replaced `ui` with `ui_config`. The default version
(roles/consul/defaults/main.yml) takes the new branches, the lab's 1.8.7 the old.
The TLS verification switches live in their own file, tls.json (a reload applies
them; consul.json changes need a restart); Consul merges the files, and so do
these checks.
"""

import json
import subprocess
from pathlib import Path

import pytest
import yaml

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
BIN = ROOT / ".venv" / "bin"
CONSUL = ROOT / "build" / "consul" / "consul"
DEFAULT_VERSION = yaml.safe_load((ROOT / "roles/consul/defaults/main.yml").read_text())[
    "consul_version"
]
SERVERS = ["consul-1", "consul-2", "consul-3"]
NODE = {
    "consul_node_name": "consul-1",
    "consul_advertise_address": "10.0.0.11",
    "consul_retry_join": ["10.0.0.12", "10.0.0.13"],
    "consul_server_hosts": SERVERS,
    "consul_secret_agent_token": "11111111-1111-4111-8111-111111111111",
    "consul_secret_dns_token": "22222222-2222-4222-8222-222222222222",
    "consul_acl_management_token": "33333333-3333-4333-8333-333333333333",
    "consul_secret_gossip_key": "dGVzdC1nb3NzaXAta2V5LW5vdC1hLXNlY3JldCEhIQ==",
    "consul_config_extra": {
        "telemetry": {"disable_hostname": True},
        "performance": {"leave_drain_time": "5s"},
    },
}
CASES = [
    {"name": "default", "version": DEFAULT_VERSION, "tls": True, "ui": True, "server": True},
    {"name": "v1.12.0", "version": "1.12.0", "tls": True, "ui": True, "server": False},
    {"name": "v1.11.9", "version": "1.11.9", "tls": True, "ui": True, "server": True},
    {"name": "v1.8.7", "version": "1.8.7", "tls": True, "ui": True, "server": True},
    {"name": "plain", "version": DEFAULT_VERSION, "tls": False, "ui": False, "server": True},
    {"name": "plain-1.8.7", "version": "1.8.7", "tls": False, "ui": False, "server": False},
    # The step of the switch-over: files and port as enforce, nothing verified.
    {
        "name": "offer",
        "version": DEFAULT_VERSION,
        "tls": True,
        "stage": "offer",
        "ui": True,
        "server": True,
    },
    {
        "name": "offer-1.8.7",
        "version": "1.8.7",
        "tls": True,
        "stage": "offer",
        "ui": True,
        "server": True,
    },
]
TLS_FILES = {
    "ca_file": "/etc/consul.d/tls/ca.pem",
    "cert_file": "/etc/consul.d/tls/agent.pem",
    "key_file": "/etc/consul.d/tls/agent-key.pem",
}
LEGACY_TLS_KEYS = set(TLS_FILES) | {
    "verify_incoming_rpc",
    "verify_outgoing",
    "verify_server_hostname",
}


@pytest.fixture(scope="module")
def rendered(tmp_path_factory) -> dict[str, dict]:
    """Every case rendered in one ansible-playbook run, parsed as JSON."""
    command = BIN / "ansible-playbook"
    if not command.exists():
        pytest.skip(f"not installed: {command} (scripts/bootstrap.sh installs the venv)")
    workdir = tmp_path_factory.mktemp("consul-config")
    values = workdir / "values.json"
    values.write_text(json.dumps({"render_dir": str(workdir), "render_cases": CASES, **NODE}))
    result = subprocess.run(
        [
            str(command),
            "-i",
            "localhost,",
            str(HERE / "render-consul-config.yml"),
            "-e",
            f"@{values}",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    names = [f"{case['name']}{suffix}" for case in CASES for suffix in ("", "-tls", "-tokens")]
    return {name: json.loads((workdir / f"{name}.json").read_text()) for name in names}


def merge(base: dict, more: dict) -> dict:
    """Consul's merge of two configuration files: nested objects key by key."""
    out = dict(base)
    for key, value in more.items():
        both = isinstance(value, dict) and isinstance(out.get(key), dict)
        out[key] = merge(out[key], value) if both else value
    return out


def agent(rendered, name) -> dict:
    """What the agent runs with: consul.json and tls.json together."""
    return merge(rendered[name], rendered[f"{name}-tls"])


def test_default_version_is_new_enough_for_the_new_branches():
    assert tuple(int(p) for p in DEFAULT_VERSION.split(".")[:2]) >= (1, 12)


@pytest.mark.parametrize("name", ["default", "v1.12.0"])
def test_tls_block_from_1_12(rendered, name):
    config = agent(rendered, name)
    assert config["tls"] == {
        "defaults": {**TLS_FILES, "verify_incoming": False, "verify_outgoing": True},
        "internal_rpc": {"verify_incoming": True, "verify_server_hostname": True},
    }
    assert not LEGACY_TLS_KEYS & set(config), "deprecated top-level TLS keys next to tls {}"
    assert config["ports"] == {"https": 8501}


@pytest.mark.parametrize("name", ["v1.11.9", "v1.8.7"])
def test_top_level_tls_keys_before_1_12(rendered, name):
    config = agent(rendered, name)
    assert "tls" not in config
    assert {key: config[key] for key in TLS_FILES} == TLS_FILES
    assert config["verify_incoming_rpc"] is True
    assert config["verify_outgoing"] is True
    assert config["verify_server_hostname"] is True
    assert "verify_incoming" not in config, "HTTPS clients would need certificates"
    assert config["ports"] == {"https": 8501}


@pytest.mark.parametrize("name", ["plain", "plain-1.8.7"])
def test_no_tls_settings_when_tls_is_off(rendered, name):
    config = rendered[name]
    assert not ({"tls", "ports"} | LEGACY_TLS_KEYS) & set(config)
    assert "ui" not in config and "ui_config" not in config
    assert rendered[f"{name}-tls"] == {}


@pytest.mark.parametrize(
    "name", ["default", "v1.12.0", "v1.11.9", "v1.8.7", "offer", "offer-1.8.7"]
)
def test_verification_only_in_tls_json(rendered, name):
    """consul.json (restart) holds the files and the port, tls.json (reload) the switches."""
    restart_part = json.dumps(rendered[name])
    assert "verify_" not in restart_part
    assert "ca_file" not in json.dumps(rendered[f"{name}-tls"])


def test_offer_stage_verifies_nothing_from_1_12(rendered):
    config = agent(rendered, "offer")
    assert config["tls"] == {
        "defaults": {**TLS_FILES, "verify_incoming": False, "verify_outgoing": False},
        "internal_rpc": {"verify_incoming": False, "verify_server_hostname": False},
    }
    assert config["ports"] == {"https": 8501}


def test_offer_stage_verifies_nothing_before_1_12(rendered):
    config = agent(rendered, "offer-1.8.7")
    assert {key: config[key] for key in TLS_FILES} == TLS_FILES
    assert {key: config[key] for key in LEGACY_TLS_KEYS - set(TLS_FILES)} == dict.fromkeys(
        LEGACY_TLS_KEYS - set(TLS_FILES), False
    )
    assert config["ports"] == {"https": 8501}


@pytest.mark.parametrize(
    ("name", "key"), [("default", "ui_config"), ("v1.11.9", "ui_config"), ("v1.8.7", "ui")]
)
def test_ui_key_follows_the_version(rendered, name, key):
    config = rendered[name]
    assert config[key] == ({"enabled": True} if key == "ui_config" else True)
    assert ({"ui", "ui_config"} - {key}).isdisjoint(config)


def test_servers_and_clients(rendered):
    assert rendered["default"]["server"] is True
    assert rendered["default"]["bootstrap_expect"] == len(SERVERS)
    assert rendered["v1.12.0"]["server"] is False
    assert "bootstrap_expect" not in rendered["v1.12.0"]


@pytest.mark.parametrize("name", [case["name"] for case in CASES])
def test_common_settings(rendered, name):
    config = rendered[name]
    assert config["bind_addr"] == config["advertise_addr"] == NODE["consul_advertise_address"]
    assert config["retry_join"] == NODE["consul_retry_join"]
    assert config["encrypt"] == NODE["consul_secret_gossip_key"]
    assert config["client_addr"] == "127.0.0.1"
    assert config["acl"]["default_policy"] == "deny"
    assert config["acl"]["enabled"] is True
    # consul_config_extra merges recursively: raft_multiplier stays next to the extra key.
    assert config["performance"] == {"raft_multiplier": 1, "leave_drain_time": "5s"}
    assert config["telemetry"] == {"disable_hostname": True}


@pytest.mark.parametrize("name", ["v1.8.7", "plain-1.8.7", "offer-1.8.7"])
def test_consul_1_8_7_accepts_its_configuration(rendered, name, tmp_path):
    """The one version that runs here checks its own branch with `consul validate`,
    consul.json and tls.json together, as in the configuration directory."""
    if not CONSUL.exists():
        pytest.skip(f"not built: {CONSUL} (scripts/fetch-consul.sh)")
    config = dict(rendered[name], data_dir=str(tmp_path / "data"))
    if "ca_file" in config:
        for key in TLS_FILES:
            config[key] = str(tmp_path / Path(TLS_FILES[key]).name)
            Path(config[key]).write_text("")
    config_dir = tmp_path / "consul.d"
    config_dir.mkdir()
    (config_dir / "consul.json").write_text(json.dumps(config))
    (config_dir / "tls.json").write_text(json.dumps(rendered[f"{name}-tls"]))
    result = subprocess.run(
        [str(CONSUL), "validate", str(config_dir)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize(
    ("name", "key"),
    [
        ("default-tokens", "initial_management"),
        ("v1.11.9-tokens", "initial_management"),
        ("v1.8.7-tokens", "master"),
    ],
)
def test_given_management_token_is_the_servers_initial_one(rendered, name, key):
    """The first leader bootstraps the ACL system with it (1.11 renamed master)."""
    assert rendered[name]["acl"]["tokens"] == {
        "agent": NODE["consul_secret_agent_token"],
        "default": NODE["consul_secret_dns_token"],
        key: NODE["consul_acl_management_token"],
    }


def test_clients_never_get_the_management_token(rendered):
    assert set(rendered["v1.12.0-tokens"]["acl"]["tokens"]) == {"agent", "default"}
