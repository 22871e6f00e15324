"""Merge the nodes' raft_watch.py samples into one timeline of the rolling restart.

Runs on the controller. For every node: its restarts (one per new systemd
InvocationID), each as a window from the first sample in which the old agent no
longer answered healthy to the first in which the new agent knew a leader and all
raft peers. For the cluster: the spans in which no agent claimed to be the leader
(an agent whose /v1/status/leader is its own address). Times are seconds since
the moment every watcher was running. Prints one JSON object; the playbook asserts.
"""

import argparse
import itertools
import json


def load(path):
    with open(path, encoding="utf-8") as lines:
        return [json.loads(line) for line in lines if line.strip()]


def restart_windows(samples, peers):
    """The node's restarts, in order: {"down": t, "back": t or None}."""
    windows, unit, down = [], samples[0]["unit"], None
    for sample in samples:
        healthy = bool(sample["leader"]) and sample["peers"] == peers
        if sample["unit"] and sample["unit"] != unit:
            unit = sample["unit"]
            windows.append({"down": sample["t"] if down is None else down, "back": None})
        if not healthy and down is None:
            down = sample["t"]
        if healthy and down is not None:
            if windows and windows[-1]["back"] is None:
                windows[-1]["back"] = sample["t"]
            down = None  # also the end of a blip without restart (an election)
    return windows


def claims_leadership(sample, address):
    """Whether the agent at `address` answered that it is the leader itself."""
    return (sample["leader"] or "").rsplit(":", 1)[0] == address


def leaderless_spans(nodes, start, end):
    """Spans in [start, end] in which no agent's latest sample claimed the leadership."""
    events = sorted(
        ((s["t"], name, s) for name, node in nodes.items() for s in node["samples"]),
        key=lambda event: event[0],
    )
    latest, spans, since = {}, [], None
    for t, name, sample in events:
        latest[name] = sample
        if t < start or t > end:
            continue
        led = any(
            claims_leadership(sample, nodes[other]["address"]) for other, sample in latest.items()
        )
        if not led and since is None:
            since = t
        elif led and since is not None:
            spans.append((since, t))
            since = None
    if since is not None:
        spans.append((since, end))
    return spans


def leader_at(nodes, t):
    """The node that claimed the leadership in its first sample at or after t."""
    for name, node in nodes.items():
        first = next(s for s in node["samples"] if s["t"] >= t)
        if claims_leadership(first, node["address"]):
            return name
    return None


def leader_just_before(nodes, t):
    """The node that claimed the leadership in its last sample before t."""
    for name, node in nodes.items():
        last = next((s for s in reversed(node["samples"]) if s["t"] < t), None)
        if last is not None and claims_leadership(last, node["address"]):
            return name
    return None


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--peers", type=int, required=True, help="raft peers when all is well")
    parser.add_argument(
        "--node", nargs=3, action="append", required=True, metavar=("NAME", "ADDRESS", "SAMPLES")
    )
    args = parser.parse_args()

    nodes = {name: {"address": address, "samples": load(path)} for name, address, path in args.node}
    start = max(node["samples"][0]["t"] for node in nodes.values())
    end = min(node["samples"][-1]["t"] for node in nodes.values())

    def rel(t):
        return None if t is None else round(t - start, 2)

    windows = sorted(
        (
            {
                "node": name,
                "down": rel(w["down"]),
                "back": rel(w["back"]),
                "seconds": None if w["back"] is None else round(w["back"] - w["down"], 2),
                # Who led as this node went down: "leader last" is about this one.
                "leader": leader_just_before(nodes, w["down"]),
            }
            for name, node in nodes.items()
            for w in restart_windows(node["samples"], args.peers)
        ),
        key=lambda w: w["down"],
    )
    spans = [(rel(a), round(b - a, 2)) for a, b in leaderless_spans(nodes, start, end)]
    print(
        json.dumps(
            {
                "samples": {name: len(node["samples"]) for name, node in nodes.items()},
                "watched_seconds": rel(end),
                "leader_before": leader_at(nodes, start),
                "leader_after": leader_at(nodes, end),
                "restarts": {name: sum(w["node"] == name for w in windows) for name in nodes},
                "windows": windows,
                # Time from one node being back to the next going down; < 0 is an overlap.
                "gaps": [
                    round(b["down"] - a["back"], 2) if a["back"] is not None else None
                    for a, b in itertools.pairwise(windows)
                ],
                "rolling_seconds": (
                    round(windows[-1]["back"] - windows[0]["down"], 2)
                    if windows and windows[-1]["back"] is not None
                    else None
                ),
                "restarted_while_leading": [w["node"] for w in windows if w["leader"] == w["node"]],
                "leaderless": [{"at": at, "seconds": seconds} for at, seconds in spans],
                "longest_leaderless": max((seconds for _, seconds in spans), default=0),
            }
        )
    )


if __name__ == "__main__":
    main()
