"""Record one node's view of the Consul cluster, every 0.2 s, until told to stop.

Runs on each node, in the background (async), while the role's rolling restart
goes on. The HTTP API listens on loopback only, so each node watches its own
agent. One JSON line per sample:

    {"t": wall clock, "unit": systemd InvocationID (new at every start),
     "leader": "ip:port" or "" (no leader known) or null (API down),
     "peers": number of raft peers or null}

The nodes are containers sharing the host's clock, so restart_timeline.py can
merge the three files into one timeline. Bounded: stops when the stop file
appears or after --max-seconds.
"""

import argparse
import json
import os
import subprocess
import time
import urllib.request

API = "http://127.0.0.1:8500"


def get(path):
    """A status endpoint's JSON answer, or None while the agent is down or starting."""
    try:
        with urllib.request.urlopen(API + path, timeout=0.5) as answer:  # noqa: S310 (fixed URL)
            return json.load(answer)
    except (OSError, ValueError):
        return None


def unit_invocation():
    run = subprocess.run(
        ["systemctl", "show", "consul", "--property=InvocationID", "--value"],
        capture_output=True,
        text=True,
        timeout=5,
        check=False,
    )
    return run.stdout.strip()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", required=True)
    parser.add_argument("--stop", required=True)
    parser.add_argument("--interval", type=float, default=0.2)
    parser.add_argument("--max-seconds", type=float, default=300)
    args = parser.parse_args()

    deadline = time.monotonic() + args.max_seconds
    with open(args.out, "w", encoding="utf-8") as out:
        while time.monotonic() < deadline:
            if os.path.exists(args.stop):
                break
            started = time.monotonic()
            now, unit = time.time(), unit_invocation()
            leader, peers = get("/v1/status/leader"), get("/v1/status/peers")
            count = len(peers) if isinstance(peers, list) else None
            sample = {"t": now, "unit": unit, "leader": leader, "peers": count}
            out.write(json.dumps(sample) + "\n")
            out.flush()
            time.sleep(max(0.0, args.interval - (time.monotonic() - started)))


if __name__ == "__main__":
    main()
