"""imgr: the platform's operations on ansible-runner, for the `imgr` command and for Python.

    from imgr import cluster_status, deploy, lab_up, run_playbook, upgrade

See src/imgr/README.md.
"""

from imgr.operations import (
    add_node,
    backup,
    deploy,
    lab_down,
    lab_up,
    maintain,
    remove_node,
    restore,
    upgrade,
)
from imgr.runner import RunResult, run_playbook
from imgr.status import cluster_status, format_status

__all__ = [
    "RunResult",
    "add_node",
    "backup",
    "cluster_status",
    "deploy",
    "format_status",
    "lab_down",
    "lab_up",
    "maintain",
    "remove_node",
    "restore",
    "run_playbook",
    "upgrade",
]
