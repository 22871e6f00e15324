"""The platform's operations, as the CLI runs them and as Python code can call them.

    from imgr.operations import deploy, lab_up, upgrade
    results = lab_up()            # the images, the lab's containers, site.yml
    result = deploy("inventory/prod")
    result = upgrade("0.2.0", "inventory/prod")
    result.ok, result.summary, result.log_path

Each returns the RunResult of its last playbook (or stops at the first that failed).
The day-2 operations run the playbooks of the same name in playbooks/; on the lab,
those that need a node container to exist (add-node, restore) create it first.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

from imgr.runner import DEFAULT_INVENTORY, ROOT, RunResult, resolve, run_playbook

SITE = ROOT / "site.yml"
PLAYBOOKS = ROOT / "playbooks"
BACKUPS = ROOT / "backups"
LAB_INVENTORY = ROOT / "inventory" / "lab"
# inventory/lab/group_vars/all/lab.yml: lab_url (the provider publishes it on loopback).
LAB_URL = "http://localhost:8081/"
# What the lab needs on this machine before its containers: cached after the first run.
LAB_IMAGE_STEPS = (
    ("scripts/ensure-node-image.sh",),
    ("scripts/build-images.sh", "backend", "worker", "frontend", "provider"),
    ("scripts/fetch-consul.sh",),
)


class StepFailed(RuntimeError):
    """A preparation step (a script) failed; the message says which and how."""


def _step(text: str) -> None:
    print(f"\n==> {text}", file=sys.stderr, flush=True)


def deploy(
    inventory: str | Path = DEFAULT_INVENTORY, check: bool = False, display=None
) -> RunResult:
    """Converge the whole cluster of `inventory` (site.yml); `check`: --check, change nothing."""
    return run_playbook(SITE, inventory, check=check, display=display)


def prepare_lab_images() -> None:
    """The node image, the application and provider images, Consul: as scripts/lab.sh does."""
    for argv in LAB_IMAGE_STEPS:
        done = subprocess.run(
            [str(ROOT / argv[0]), *argv[1:]],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode != 0:
            tail = (done.stdout + done.stderr)[-4000:]
            raise StepFailed(f"{' '.join(argv)} exited {done.returncode}:\n{tail}")


def lab_up(display=None) -> RunResult:
    """The local three-node lab, like `scripts/lab.sh up`: images, containers (lab.yml),
    then site.yml. Idempotent: on a running lab it changes nothing."""
    _step("Images: the node image, the application and the provider (cached after the first run)")
    prepare_lab_images()
    _step("Lab containers: provider and three nodes (playbooks/lab.yml)")
    result = run_playbook(ROOT / "playbooks" / "lab.yml", LAB_INVENTORY, display=display)
    if not result.ok:
        return result
    print("\n".join(result.summary), flush=True)
    _step("Converging the nodes (site.yml): the first run takes several minutes")
    return run_playbook(SITE, LAB_INVENTORY, display=display)


def lab_down(display=None) -> RunResult:
    """Remove the lab and everything it created (playbooks/lab-destroy.yml)."""
    return run_playbook(ROOT / "playbooks" / "lab-destroy.yml", LAB_INVENTORY, display=display)


def _is_lab(inventory: str | Path) -> bool:
    return resolve(inventory) == LAB_INVENTORY.resolve()


def _lab_containers(display=None) -> RunResult:
    """The lab's containers for every node of its inventory (playbooks/lab.yml)."""
    return run_playbook(PLAYBOOKS / "lab.yml", LAB_INVENTORY, display=display)


def upgrade(version: str, inventory: str | Path = DEFAULT_INVENTORY, display=None) -> RunResult:
    """The application to `version`, one node at a time, rolled back if its checks fail."""
    extravars = {"upgrade_version": version}
    return run_playbook(PLAYBOOKS / "upgrade.yml", inventory, extravars=extravars, display=display)


def maintain(
    node: str,
    inventory: str | Path = DEFAULT_INVENTORY,
    *,
    reboot: bool = False,
    upgrade_packages: bool = True,
    display=None,
) -> RunResult:
    """Planned maintenance of `node` (a name or a comma-separated list, one at a time)."""
    extravars = {
        "node": node,
        "maintenance_reboot": reboot,
        "maintenance_upgrade_packages": upgrade_packages,
    }
    return run_playbook(PLAYBOOKS / "maintain.yml", inventory, extravars=extravars, display=display)


def add_node(node: str, inventory: str | Path = DEFAULT_INVENTORY, display=None) -> RunResult:
    """A node already appended to the inventory joins the cluster (on the lab, its
    container is created first)."""
    if _is_lab(inventory):
        result = _lab_containers(display)
        if not result.ok:
            return result
    return run_playbook(
        PLAYBOOKS / "add-node.yml", inventory, extravars={"node": node}, display=display
    )


def remove_node(node: str, inventory: str | Path = DEFAULT_INVENTORY, display=None) -> RunResult:
    """`node` leaves the cluster cleanly; delete it from the inventory afterwards."""
    return run_playbook(
        PLAYBOOKS / "remove-node.yml", inventory, extravars={"node": node}, display=display
    )


def backup(
    inventory: str | Path = DEFAULT_INVENTORY, directory: str | Path = BACKUPS, display=None
) -> tuple[RunResult, Path]:
    """A Consul (and Nomad) snapshot and the secrets, in one 0600 archive; returns its path."""
    directory = Path(directory).resolve()
    name = f"{resolve(inventory).name}-{time.strftime('%Y%m%dT%H%M%SZ', time.gmtime())}"
    result = run_playbook(
        PLAYBOOKS / "backup.yml",
        inventory,
        extravars={"backup_dir": str(directory), "backup_name": name},
        display=display,
    )
    return result, directory / f"{name}.tar.gz"


def restore(
    archive: str | Path, inventory: str | Path = DEFAULT_INVENTORY, display=None
) -> RunResult:
    """A backup into a rebuilt cluster: secrets, site.yml, then the snapshots. On the lab,
    `lab_up` replaces site.yml (its containers first; lab.yml makes the secrets that are
    missing, so the restored ones must be there before it)."""
    extravars = {"backup": str(Path(archive).resolve())}
    if not _is_lab(inventory):
        return run_playbook(
            PLAYBOOKS / "restore.yml", inventory, extravars=extravars, display=display
        )
    result = run_playbook(
        PLAYBOOKS / "restore-secrets.yml", inventory, extravars=extravars, display=display
    )
    if result.ok:
        result = lab_up(display)
    if not result.ok:
        return result
    return run_playbook(
        PLAYBOOKS / "restore-snapshot.yml", inventory, extravars=extravars, display=display
    )
