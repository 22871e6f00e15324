"""Which node holds the floating IP, how long it takes to move, whether it serves.

Runs on the controller and looks into the nodes with `docker exec`. The nodes are
containers sharing the host's clock, so the moment a node sees the address arrive
(taken inside the node) compares directly with the moment the failure was caused
(taken here). Every wait is bounded. Prints one JSON object.
"""

import argparse
import json
import os
import subprocess
import sys
import time
import urllib.request

POLL_SECONDS = 0.05


def holders(vip, nodes):
    """The nodes that have the floating IP on an interface right now."""
    held = []
    for node in nodes:
        run = subprocess.run(
            ["docker", "exec", node, "ip", "-4", "-o", "addr", "show"],
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        )
        if f" {vip}/" in run.stdout:
            held.append(node)
    return held


def wait_one(vip, nodes, expect, timeout):
    """Wait until one node (the expected one, if given) alone holds the VIP, 3 polls in a row."""
    deadline = time.monotonic() + timeout
    streak, seen = 0, []
    while time.monotonic() < deadline:
        seen = holders(vip, nodes)
        settled = len(seen) == 1 and (expect is None or seen[0] == expect)
        streak = streak + 1 if settled else 0
        if streak == 3:
            return {"holder": seen[0]}, 0
        time.sleep(0.2)
    return {"holder": None, "holders": seen}, 1


def failover(vip, watch, action, timeout):
    """Cause the failure with `action`; report which watched node took the VIP, and when."""
    # Inside each node: a loop bounded in time that prints when the VIP appeared.
    loop = (
        f"echo ready; end=$(($(date +%s) + {int(timeout)})); "
        f"while [ $(date +%s) -lt $end ]; do "
        f"if ip -4 -o addr show | grep -q ' {vip}/'; then date +%s.%N; exit 0; fi; "
        f"sleep {POLL_SECONDS}; done; exit 1"
    )
    watchers = {
        node: subprocess.Popen(
            ["docker", "exec", node, "sh", "-c", loop], stdout=subprocess.PIPE, text=True
        )
        for node in watch
    }
    for watcher in watchers.values():
        watcher.stdout.readline()  # "ready": the loop runs before the failure starts
    started = time.time()
    failure = subprocess.Popen(action, stdout=subprocess.DEVNULL)
    holder, arrived = None, None
    deadline = time.monotonic() + timeout + 5
    while holder is None and watchers and time.monotonic() < deadline:
        for node, watcher in list(watchers.items()):
            if watcher.poll() is None:
                continue
            del watchers[node]
            if watcher.returncode == 0:
                holder, arrived = node, float(watcher.stdout.read().strip())
                break
        time.sleep(0.02)
    for watcher in watchers.values():
        watcher.kill()  # the loop inside the node ends on its own deadline
        watcher.wait()
    failure.wait(timeout=60)
    if holder is None:
        return {"holder": None, "seconds": None, "action_rc": failure.returncode}, 1
    seconds = round(arrived - started, 2)
    return {"holder": holder, "seconds": seconds, "action_rc": failure.returncode}, 0


def probe(vip, port, stop_file, interval, max_seconds):
    """GET http://VIP:port/ on a new connection every `interval` s until `stop_file`
    appears (at most `max_seconds`); count the answers that are not 200."""
    # Straight to the VIP: never through a proxy from the environment.
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    deadline = time.monotonic() + max_seconds
    sent, failures = 0, []
    while not os.path.exists(stop_file):
        if time.monotonic() > deadline:
            return {"requests": sent, "failed": len(failures), "timed_out": True}, 1
        at = time.time()
        try:
            with opener.open(f"http://{vip}:{port}/", timeout=1) as response:
                error = None if response.status == 200 else f"status {response.status}"
        except OSError as failed:  # refused, reset, timed out, HTTP errors
            error = str(failed)
        sent += 1
        if error:
            failures.append({"at": round(at, 3), "error": error})
        time.sleep(interval)
    return {"requests": sent, "failed": len(failures), "failures": failures[:10]}, 0


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--vip", required=True)
    parser.add_argument("--timeout", type=float, default=30)
    commands = parser.add_subparsers(dest="command", required=True)
    one = commands.add_parser("wait-one", help="wait until exactly one node holds the VIP")
    one.add_argument("--expect", help="the node that must be the holder")
    one.add_argument("nodes", nargs="+")
    move = commands.add_parser("failover", help="cause a failure, time the VIP's move")
    move.add_argument("--watch", nargs="+", required=True, help="nodes that may take the VIP")
    move.add_argument("action", nargs="+", help="the command causing the failure (after --)")
    serve = commands.add_parser("probe", help="request the VIP until a stop file appears")
    serve.add_argument("--port", type=int, required=True)
    serve.add_argument("--stop-file", required=True)
    serve.add_argument("--interval", type=float, default=0.1)
    args = parser.parse_args()
    if args.command == "wait-one":
        result, code = wait_one(args.vip, args.nodes, args.expect, args.timeout)
    elif args.command == "probe":
        result, code = probe(args.vip, args.port, args.stop_file, args.interval, args.timeout)
    else:
        result, code = failover(args.vip, args.watch, args.action, args.timeout)
    print(json.dumps(result))
    sys.exit(code)


if __name__ == "__main__":
    main()
