"""The platform's operations, as the CLI runs them and as Python code can call them.

    from imgr.operations import deploy, lab_up
    results = lab_up()            # the images, the lab's containers, site.yml
    result = deploy("inventory/prod")
    result.ok, result.summary, result.log_path

Each returns the RunResult of its last playbook (or stops at the first that failed).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from imgr.runner import DEFAULT_INVENTORY, ROOT, RunResult, run_playbook

SITE = ROOT / "site.yml"
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
