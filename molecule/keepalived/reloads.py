"""When each node reloaded HAProxy and Keepalived, and whether the reloads went one at a time.

Runs on the controller and reads each node's journal with `docker exec` (the nodes share
the host's clock). A node's reload window opens at systemd's "Reloading <unit>" line and
closes when the node serves again:
- HAProxy: the master's "Loading success." (its new worker is ready, the old one told to stop);
- Keepalived: "Reload complete" plus --settle seconds, the time its HAProxy check needs to
  judge the new configuration (a changed check keeps its old result until `fall` checks
  have failed; a settled BACKUP logs nothing).
One at a time: every node reloaded each unit once, and each window opened only after the
previous one closed. Prints one JSON object: the windows, MEASURED lines and the problems.
"""

import argparse
import itertools
import json
import subprocess
import sys

# (unit, the line that opens a window, the line that closes it)
UNITS = (
    ("haproxy", "systemd[1]: Reloading haproxy.service", ": Loading success."),
    ("keepalived", "systemd[1]: Reloading keepalived.service", "]: Reload complete"),
)


def journal(node, since):
    """(timestamp, text) of the node's haproxy and keepalived lines since `since` (epoch s)."""
    command = ["journalctl", "--unit", "haproxy", "--unit", "keepalived", "--no-pager"]
    run = subprocess.run(
        ["docker", "exec", node, *command, "--since", f"@{int(since)}", "--output", "short-unix"],
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )
    lines = []
    for line in run.stdout.splitlines():
        stamp, _, text = line.partition(" ")
        try:
            lines.append((float(stamp), text))
        except ValueError:
            continue  # "-- No entries --" and the like
    return sorted(lines)


def windows(lines, opens, closes, settle):
    """Each reload window in these lines: [open, close]; close is None when it never closed."""
    found = []
    for stamp, text in lines:
        if opens in text:
            found.append([stamp, None])
        elif closes in text and found and found[-1][1] is None:
            found[-1][1] = stamp + settle
    return found


def one_at_a_time(unit, spans, measured, problems):
    """Each window must close before the next opens; record the timings."""
    first = spans[0]["start"]
    for span in spans:
        if span["end"] is None:
            problems.append(f"{unit} on {span['node']}: reloaded, never served again")
            continue
        started, took = span["start"] - first, span["end"] - span["start"]
        measured.append(
            f"MEASURED rolling reload {unit} {span['node']}: started +{started:.2f} s,"
            f" serving again after {took:.2f} s"
        )
    for before, after in itertools.pairwise(spans):
        if before["end"] is None:
            continue
        gap = after["start"] - before["end"]
        measured.append(
            f"MEASURED rolling reload {unit}: {after['node']} started {gap:.2f} s"
            f" after {before['node']} served again"
        )
        if gap < 0:
            problems.append(
                f"{unit}: {after['node']} reloaded {-gap:.2f} s"
                f" before {before['node']} served again"
            )
    if spans[-1]["end"] is not None:
        total = spans[-1]["end"] - first
        measured.append(f"MEASURED rolling reload {unit}: {len(spans)} nodes in {total:.2f} s")


def check(nodes, since, settle):
    measured, problems, report = [], [], {}
    lines = {node: journal(node, since) for node in nodes}
    for unit, opens, closes in UNITS:
        spans = []
        for node in nodes:
            found = windows(lines[node], opens, closes, settle if unit == "keepalived" else 0)
            if len(found) != 1:
                problems.append(f"{unit} on {node}: {len(found)} reloads, expected 1")
            spans += [{"node": node, "start": start, "end": end} for start, end in found]
        spans.sort(key=lambda span: span["start"])
        report[unit] = spans
        if spans:
            one_at_a_time(unit, spans, measured, problems)
    return {"windows": report, "measured": measured, "problems": problems}


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--since", type=float, required=True, help="epoch s before the change")
    parser.add_argument("--settle", type=float, required=True, help="check interval x fall (s)")
    parser.add_argument("nodes", nargs="+")
    args = parser.parse_args()
    result = check(args.nodes, args.since, args.settle)
    print(json.dumps(result))
    sys.exit(1 if result["problems"] else 0)


if __name__ == "__main__":
    main()
