"""imgr: the platform's operations on ansible-runner, for the `imgr` command and for Python.

    from imgr import cluster_status, deploy, lab_up, run_playbook

See src/imgr/README.md.
"""

from imgr.operations import deploy, lab_down, lab_up
from imgr.runner import RunResult, run_playbook
from imgr.status import cluster_status, format_status

__all__ = [
    "RunResult",
    "cluster_status",
    "deploy",
    "format_status",
    "lab_down",
    "lab_up",
    "run_playbook",
]
