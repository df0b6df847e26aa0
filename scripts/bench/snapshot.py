#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""Heap snapshot cost, measured (run as root; results go in
docs/performance.md).

For each interpreter and heap size, snapshot_heap.py builds a heap of about
--sizes objects and runs a 60 fps frame loop; `pmtrace-bpf snapshot --pid`
(the one-shot command: a fresh process, so every snapshot also pays the
tool's first touches of its memory) is run --reps times, a second apart.
Per size: medians of the snapshot's wall time, the tool's CPU time for it,
the objects it counted and the cost per object; the tool's peak RSS above
its RSS for a tiny heap, per object; and the game's frames: wall time and
thread CPU time of the frames that started while a snapshot was being taken
against the others (the game is never stopped: any difference is CPU
contention on the machine's cores).
"""
import argparse
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
TOOL = os.path.join(ROOT, "build", "pmtrace-bpf")
HEAP = os.path.join(HERE, "snapshot_heap.py")


def start(py, objects, out):
    p = subprocess.Popen([py, HEAP, "--objects", str(objects), "--out", out],
                         stdout=subprocess.PIPE, text=True)
    line = p.stdout.readline()
    if not line.startswith("ready"):
        raise RuntimeError("the heap did not build: %r" % line)
    return p


def snapshot(pid):
    """One one-shot snapshot: (record, peak RSS in KiB)."""
    with tempfile.NamedTemporaryFile("r") as tf:
        cmd = ["/usr/bin/time", "-f", "%M", "-o", tf.name, TOOL, "snapshot", "--pid", str(pid),
               "--json", "-", "--quiet", "--snapshot-budget", "600000"]
        out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
        rss = int(tf.read().split()[-1])
    return json.loads(out.splitlines()[0]), rss


def med(v):
    return statistics.median(v) if v else float("nan")


def pct(v, q):
    if not v:
        return float("nan")
    v = sorted(v)
    return v[min(len(v) - 1, int(q * len(v)))]


def measure(py, objects, reps, base_rss):
    with tempfile.TemporaryDirectory() as d:
        out = os.path.join(d, "frames.json")
        game = start(py, objects, out)
        time.sleep(2)
        snaps = []
        try:
            for _ in range(reps):
                snaps.append(snapshot(game.pid))
                time.sleep(1)
        finally:
            game.send_signal(signal.SIGTERM)
            game.wait(60)
        with open(out) as f:
            fr = json.load(f)
    windows = [(r["ts_ns"], r["ts_ns"] + r["duration_ns"]) for r, _ in snaps]
    during, outside = [], []
    for s, c, w in zip(fr["start"], fr["cpu"], fr["wall"]):
        inside = any(a - w <= s <= b for a, b in windows)
        (during if inside else outside).append((w, c))
    recs = [r for r, _ in snaps]
    n = med([r["objects"] for r in recs])
    res = {
        "python": py, "objects": int(n), "tracked": int(med([r["tracked"] for r in recs])),
        "partial": sum(r["partial"] for r in recs), "reps": reps,
        "wall_ms": med([r["duration_ns"] / 1e6 for r in recs]),
        "cpu_ms": med([r["cpu_ns"] / 1e6 for r in recs]),
        "walk_ms": med([r["walk_ns"] / 1e6 for r in recs]),
        "copied_mib": med([r["reads"]["copied_bytes"] / 2**20 for r in recs]),
        "tool_rss_mib": med([rss / 1024 for _, rss in snaps]),
        "tool_bytes_per_object": (med([rss for _, rss in snaps]) - base_rss) * 1024 / n,
        "skipped": med([r["reads"]["skipped"] for r in recs]),
        "frames_during": len(during), "frames_outside": len(outside),
        "frame_wall_ms_during": med([w / 1e6 for w, _ in during]),
        "frame_wall_ms_outside": med([w / 1e6 for w, _ in outside]),
        "frame_wall_ms_p99_during": pct([w / 1e6 for w, _ in during], 0.99),
        "frame_wall_ms_p99_outside": pct([w / 1e6 for w, _ in outside], 0.99),
        "frame_cpu_ms_during": med([c / 1e6 for _, c in during]),
        "frame_cpu_ms_outside": med([c / 1e6 for _, c in outside]),
    }
    res["cpu_us_per_object"] = res["cpu_ms"] * 1000 / n
    res["wall_us_per_object"] = res["wall_ms"] * 1000 / n
    return res


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--python", action="append",
                    help="interpreter (repeatable; default /usr/bin/python3)")
    ap.add_argument("--sizes", default="10000,100000,1000000")
    ap.add_argument("--reps", type=int, default=7)
    a = ap.parse_args()
    if os.geteuid() != 0:
        sys.exit("run as root (sudo): the tool reads another process's memory")
    pys = a.python or ["/usr/bin/python3"]
    for py in pys:
        base = measure(py, 1000, 3, 0)["tool_rss_mib"] * 1024
        print("# %s: tool peak RSS for a tiny heap %.1f MiB" % (py, base / 1024), flush=True)
        for n in (int(x) for x in a.sizes.split(",")):
            r = measure(py, n, a.reps if n < 1000000 else max(3, a.reps // 2), base)
            print(json.dumps(r), flush=True)


if __name__ == "__main__":
    main()
