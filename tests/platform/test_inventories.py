"""site.yml's preflight refuses, with a clear message and before touching any node, what
could not end well. It connects to nothing, so these run without the lab."""

from lab_view import ROOT, ansible_playbook


def test_preflight_refuses_a_partial_cluster():
    result = ansible_playbook("playbooks/preflight.yml", "--limit", "borie")
    assert result.returncode != 0
    assert "this run leaves out" in result.stdout and "republique" in result.stdout


def test_preflight_refuses_example_secrets_in_the_seed_inventory():
    result = ansible_playbook("playbooks/preflight.yml", inventory=ROOT / "inventory/seed")
    assert result.returncode != 0
    assert "vault_s3_secret_key is missing or still an example value" in result.stdout
