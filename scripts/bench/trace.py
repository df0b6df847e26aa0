#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""Trace mode's cost, measured (run as root; results go in docs/performance.md).

On alloc_loop.py (N small objects made and N freed a frame, 60 fps), runs
alternate between modes; each run reports the game's CPU time per frame and
the median wall time of a frame's allocation work. Medians over the runs:

  default       pmtrace attached, trace mode off (--trace-on-spike 0)
  idle probes   every allocator probe in place, nothing counted
                (PMT_BENCH_TRACE_IDLE=1 --trace-all): the bare uprobe hits
  no stacks     --trace-all --trace-depth 0: counted, sizes, addresses, churn
  full          --trace-all: the same with 32-deep Python stacks

Per allocation: (mode - default) / N, with the probe hits per allocation
from the trace records. Then frame_loop-style pacing with --trace-every 60
(governor on, and off with --max-overhead 100): the game's average CPU per
frame against the default mode.
"""
import argparse
import json
import os
import statistics
import subprocess
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
TOOL = os.path.join(ROOT, "build", "pmtrace-bpf")
LOOP = os.path.join(HERE, "alloc_loop.py")

MODES = {
    "default": ([], {}),
    "idle_probes": (["--trace-all"], {"PMT_BENCH_TRACE_IDLE": "1"}),
    "no_stacks": (["--trace-all", "--trace-depth", "0"], {}),
    "full": (["--trace-all"], {}),
    "every60": (["--trace-every", "60"], {}),
    "every60_ungoverned": (["--trace-every", "60", "--max-overhead", "100"], {}),
}


def run(py, mode, frames, allocs):
    args, env = MODES[mode]
    with tempfile.NamedTemporaryFile(suffix=".jsonl") as js:
        cmd = [TOOL, "--quiet", "--interval", "0", "--trace-on-spike", "0", "--json", js.name] \
            + args + ["--", py, LOOP, "--frames", str(frames), "--allocs", str(allocs)]
        e = dict(os.environ)
        e.update(env)
        out = subprocess.run(cmd, capture_output=True, text=True, check=True, env=e).stdout
        res = None
        for line in out.splitlines():
            if line.startswith("{\"frames\""):
                res = json.loads(line)
        if res is None:
            raise RuntimeError("no result: " + out[-400:])
        traces = [json.loads(l) for l in open(js.name) if '"type":"trace"' in l]
    if traces:
        res["traced_frames"] = len(traces)
        res["hits_per_alloc"] = statistics.median(
            t["probe_hits"] / max(1, t["allocs"]) for t in traces)
        res["prog_ns_per_alloc"] = statistics.median(
            t["probe_ns"] / max(1, t["allocs"]) for t in traces)
    return res


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--python", default="/usr/bin/python3")
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--frames", type=int, default=300)
    ap.add_argument("--allocs", type=int, default=2000)
    a = ap.parse_args()
    runs = {m: [] for m in MODES}
    for _ in range(a.reps):
        for m in MODES:
            runs[m].append(run(a.python, m, a.frames, a.allocs))
    med = {m: {k: statistics.median(r[k] for r in rs) for k in rs[0] if k != "frames"}
           for m, rs in runs.items()}
    base = med["default"]["cpu_per_frame_ns"]
    n = a.allocs
    res = {"python": a.python, "reps": a.reps, "frames_per_run": a.frames,
           "allocs_per_frame": n,
           "cpu_per_frame_us": {m: round(v["cpu_per_frame_ns"] / 1000, 1) for m, v in med.items()},
           "per_alloc_ns": {
               "idle_probe_hits": round((med["idle_probes"]["cpu_per_frame_ns"] - base) / n),
               "counted_no_stacks": round((med["no_stacks"]["cpu_per_frame_ns"] - base) / n),
               "counted_full": round((med["full"]["cpu_per_frame_ns"] - base) / n),
               "stack_capture": round((med["full"]["cpu_per_frame_ns"]
                                       - med["no_stacks"]["cpu_per_frame_ns"]) / n)},
           "hits_per_alloc": med["full"].get("hits_per_alloc"),
           "bpf_prog_ns_per_alloc": round(med["full"].get("prog_ns_per_alloc", 0)),
           "every60": {m: {"extra_cpu_per_frame_us":
                           round((med[m]["cpu_per_frame_ns"] - base) / 1000, 1),
                           "extra_pct_of_frame_budget":
                           round(100 * (med[m]["cpu_per_frame_ns"] - base) / (1e9 / 60), 2),
                           "traced_frames": med[m].get("traced_frames", 0)}
                       for m in ("every60", "every60_ungoverned")}}
    print(json.dumps(res, indent=1))


if __name__ == "__main__":
    main()
