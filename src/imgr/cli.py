"""`imgr`: the platform's command line, on ansible-runner.

Exit status: 0 done (status: healthy), 1 a play failed (status: degraded or
unknown), 2 bad usage, 130 interrupted.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence

from imgr.operations import LAB_URL, StepFailed, deploy, lab_down, lab_up
from imgr.runner import DEFAULT_INVENTORY, ROOT, RunResult
from imgr.status import cluster_status, format_status

DESCRIPTION = """\
Run and inspect the imgr platform (Ansible, through ansible-runner).

While plays run: a bar per host on a terminal (plain lines otherwise), then a
summary per host; every Ansible event is kept as JSON lines in a file under
var/imgr-runner/logs/ whose path is printed. A failure names its host, task and
message, and the command exits 1.
"""

EPILOG = """\
examples:
  imgr lab up                         the local three-node lab, then its URL
  imgr deploy -i inventory/prod       converge a real cluster (site.yml)
  imgr status                         the lab at a glance
  imgr status -i inventory/prod --json | jq .floating_ip.holders
"""

COMMANDS = {
    "lab": (
        "the local three-node lab (containers on this machine)",
        """\
imgr lab up: build what the lab needs (the node image, the application and
provider images, Consul), create the provider and three node containers
(playbooks/lab.yml), converge them (site.yml), print the URL. A second run
changes nothing. imgr lab down: remove the lab and everything it created
(playbooks/lab-destroy.yml).

examples:
  imgr lab up
  imgr lab down""",
    ),
    "deploy": (
        "converge a cluster: site.yml on an inventory",
        """\
Run site.yml on the inventory: preflight checks, the nodes (Docker, Consul,
Nomad), the images, the application, the edge (HAProxy, Keepalived), a smoke
test through the floating IP. Safe to repeat: a converged cluster stays as it is.

examples:
  imgr deploy                          the lab (inventory/lab)
  imgr deploy -i inventory/prod
  imgr deploy -i inventory/prod --check   show what would change, change nothing""",
    ),
    "status": (
        "the cluster at a glance, from the live APIs",
        """\
Ask every node (playbooks/status.yml, read-only, over Ansible's connection):
whether it is reachable and holds the floating IP, and what its Consul agent
sees: members, leader, the instances of backend, frontend and worker and their
health checks. Exit 0 when all is healthy, 1 otherwise (the problems are listed).

examples:
  imgr status
  imgr status -i inventory/prod --json""",
    ),
}


def _inventory_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "-i",
        "--inventory",
        default=str(DEFAULT_INVENTORY),
        metavar="INVENTORY",
        help="Ansible inventory, file or directory (default: "
        f"{DEFAULT_INVENTORY.relative_to(ROOT)})",
    )


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of `imgr` (every command, with its help and examples)."""
    parser = argparse.ArgumentParser(
        prog="imgr",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def command(name: str) -> argparse.ArgumentParser:
        summary, details = COMMANDS[name]
        return commands.add_parser(
            name,
            help=summary,
            description=details,
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )

    lab = command("lab")
    lab.add_argument("action", choices=("up", "down"), help="up: create or converge; down: remove")

    deploy_parser = command("deploy")
    _inventory_option(deploy_parser)
    deploy_parser.add_argument(
        "--check", action="store_true", help="Ansible's check mode: report, change nothing"
    )

    status = command("status")
    _inventory_option(status)
    status.add_argument("--json", action="store_true", help="one JSON document on stdout")
    return parser


def _finish(result: RunResult) -> int:
    print("\n".join(result.summary), flush=True)
    return 0 if result.ok else 1


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `imgr` console script."""
    args = build_parser().parse_args(argv)
    try:
        if args.command == "lab" and args.action == "up":
            result = lab_up()
            code = _finish(result)
            if code == 0:
                print(f"\nimgr runs on the lab (borie, republique, wacken): {LAB_URL}")
                print("Stop and remove it: imgr lab down (or make down).")
            return code
        if args.command == "lab":
            return _finish(lab_down())
        if args.command == "deploy":
            return _finish(deploy(args.inventory, check=args.check))
        status = cluster_status(args.inventory)
        print(json.dumps(status, indent=2) if args.json else format_status(status))
        return 0 if status["healthy"] else 1
    except (FileNotFoundError, StepFailed, RuntimeError) as error:
        print(f"imgr: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("imgr: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
