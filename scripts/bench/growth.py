#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""What growth sites cost a page fault, measured (run as root; results go in
docs/performance.md).

growth_loop.py touches --pages fresh pages a frame from a Python frame
--depth deep. Runs alternate: bare, under pmtrace-bpf --no-growth-sites
(fault tracepoints count, no stack walk) and under pmtrace-bpf (default:
a Python stack walk per fault); each run reports its median time per
touched page; the medians over the runs give the cost of a fault in each
mode, and the difference is what the stack walk adds to a fault.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
TOOL = os.path.join(ROOT, "build", "pmtrace-bpf")
LOOP = os.path.join(HERE, "growth_loop.py")
MODES = {"bare": None, "no_growth_sites": ["--no-growth-sites"], "growth_sites": []}


def run(py, mode, a):
    cmd = [py, LOOP, "--frames", str(a.frames), "--pages", str(a.pages),
           "--depth", str(a.depth)]
    if MODES[mode] is not None:
        cmd = [TOOL, "--quiet", "--interval", "0", "--no-assets"] + MODES[mode] + ["--"] + cmd
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    for line in out.splitlines():
        if line.startswith("{\"frames\""):
            return json.loads(line)
    raise RuntimeError("no result from the loop: " + out[-400:])


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--python", default="/usr/bin/python3")
    ap.add_argument("--frames", type=int, default=2000)
    ap.add_argument("--pages", type=int, default=256)
    ap.add_argument("--depth", type=int, default=10)
    ap.add_argument("--reps", type=int, default=5)
    a = ap.parse_args()
    if os.geteuid() != 0:
        sys.exit("growth: run as root")
    runs = {m: [] for m in MODES}
    for _ in range(a.reps):
        for m in MODES:
            runs[m].append(run(a.python, m, a))
    res = {"python": a.python, "runs": a.reps, "frames_per_run": a.frames,
           "pages_per_frame": a.pages, "python_depth": a.depth}
    for m in MODES:
        res[m] = {"page_ns": statistics.median(r["page_median_ns"] for r in runs[m]),
                  "frame_ns": statistics.median(r["frame_median_ns"] for r in runs[m])}
    res["walk_ns_per_fault"] = round(res["growth_sites"]["page_ns"] -
                                     res["no_growth_sites"]["page_ns"], 1)
    res["counting_ns_per_fault"] = round(res["no_growth_sites"]["page_ns"] -
                                         res["bare"]["page_ns"], 1)
    print(json.dumps(res, indent=2))


if __name__ == "__main__":
    main()
