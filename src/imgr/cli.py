"""`imgr`: the platform's command line, on ansible-runner.

Exit status: 0 done (status: healthy), 1 a play failed (status: degraded or
unknown), 2 bad usage, 130 interrupted.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence

from imgr.operations import (
    LAB_URL,
    StepFailed,
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
  imgr upgrade 0.2.0                  roll the application to 0.2.0, node by node
  imgr maintain borie --reboot        take borie out, reboot it, bring it back
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
    "upgrade": (
        "the application to another version, one node at a time, health-gated",
        """\
Load the images <prefix>/{backend,worker,frontend}:VERSION onto the nodes, then
replace the application one node at a time (playbooks/upgrade.yml): the node
leaves service, its instances are replaced, every check must pass and each
backend must report VERSION at /version. If not, the node and every node already
upgraded go back to the version they ran, and the command fails saying so; the
service keeps running throughout. With Nomad: its rolling update and auto_revert.
Afterwards set app_version: VERSION in the inventory, so `imgr deploy` keeps it.

examples:
  IMGR_VERSION=0.2.0 scripts/build-images.sh backend worker frontend
  imgr upgrade 0.2.0
  imgr upgrade 0.2.0 -i inventory/prod""",
    ),
    "maintain": (
        "planned maintenance of a node: out of service, packages, reboot, back",
        """\
Take NODE out of service without failing a request (playbooks/maintain.yml): the
floating IP handed over first if it holds it, Consul maintenance mode, Nomad
drain; upgrade its packages (apt), reboot it if asked; start its services, wait
until every check passes and it is a VRRP peer again. Several nodes (a,b,c) are
done one after the other; one that does not come back healthy stops the command.

examples:
  imgr maintain borie
  imgr maintain borie,republique --reboot
  imgr maintain wacken --no-packages --reboot""",
    ),
    "add-node": (
        "a node appended to the inventory joins the cluster",
        """\
First append NODE to the inventory (the cluster group, and app and load_balancers
if it serves). Then this converges the cluster (playbooks/add-node.yml, site.yml
inside): NODE gets Docker, joins Consul as a client (and Nomad), gets application
instances and becomes a VRRP peer; the others reload Keepalived. It ends by
checking NODE is a live member and healthy. On the lab, its container is made first.

examples:
  imgr add-node kleber""",
    ),
    "remove-node": (
        "a node leaves the cluster cleanly",
        """\
NODE leaves service as for maintenance, its instances stop, it leaves Consul
gracefully and is pruned from the member list, and the other load balancers
reload Keepalived without it (playbooks/remove-node.yml). Consul and Nomad
servers are refused (the servers must stay an odd number). Then delete NODE from
the inventory.

examples:
  imgr remove-node kleber""",
    ),
    "backup": (
        "what the cluster cannot regenerate, in one private archive",
        """\
A Consul snapshot (KV, ACL policies and tokens, catalog), Nomad's when it places
the application, and the inventory's generated secrets (.secrets), packed into
DIR/<inventory>-<UTC time>.tar.gz, mode 0600 (playbooks/backup.yml). The archive
holds secrets: store it as such. Its path is printed.

examples:
  imgr backup
  imgr backup -i inventory/prod --dir /srv/backups/imgr""",
    ),
    "restore": (
        "a backup into a rebuilt cluster",
        """\
Put the backup's secrets back into the inventory (refused if different ones are
there), converge the cluster with them (site.yml; on the lab its containers are
made first), then restore the Consul snapshot (and Nomad's): KV and ACL tokens
come back (playbooks/restore.yml).

examples:
  imgr lab down && imgr restore backups/lab-20261128T230000Z.tar.gz""",
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

    upgrade_parser = command("upgrade")
    upgrade_parser.add_argument("version", help="the image tag to run, e.g. 0.2.0")
    _inventory_option(upgrade_parser)

    maintain_parser = command("maintain")
    maintain_parser.add_argument("node", help="inventory name(s), comma-separated")
    maintain_parser.add_argument("--reboot", action="store_true", help="reboot the node")
    maintain_parser.add_argument(
        "--no-packages", action="store_true", help="skip the apt-get upgrade"
    )
    _inventory_option(maintain_parser)

    for name in ("add-node", "remove-node"):
        node_parser = command(name)
        node_parser.add_argument("node", help="the node's inventory name")
        _inventory_option(node_parser)

    backup_parser = command("backup")
    backup_parser.add_argument(
        "--dir", default=None, help="where the archive goes (default: backups/ of the checkout)"
    )
    _inventory_option(backup_parser)

    restore_parser = command("restore")
    restore_parser.add_argument("archive", help="a .tar.gz made by imgr backup")
    _inventory_option(restore_parser)

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
        if args.command == "upgrade":
            return _finish(upgrade(args.version, args.inventory))
        if args.command == "maintain":
            return _finish(
                maintain(
                    args.node,
                    args.inventory,
                    reboot=args.reboot,
                    upgrade_packages=not args.no_packages,
                )
            )
        if args.command == "add-node":
            return _finish(add_node(args.node, args.inventory))
        if args.command == "remove-node":
            return _finish(remove_node(args.node, args.inventory))
        if args.command == "backup":
            result, archive = backup(args.inventory, *([args.dir] if args.dir else []))
            code = _finish(result)
            if code == 0:
                print(f"\nBackup: {archive} (it holds secrets: keep it safe)")
            return code
        if args.command == "restore":
            return _finish(restore(args.archive, args.inventory))
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
