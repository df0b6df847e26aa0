#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""The pool analyzer's cost to the game, measured (run as root; results go in
docs/performance.md).

On alloc_loop.py (N instances of a small class made and the previous frame's
N destroyed, every frame, 60 fps), runs alternate between modes; each run
reports the game's own CPU time per frame over the timed frames (uprobe hits
are handled in the game's context, so they show there). Medians over runs:

  default       pmtrace attached, --pools off
  unsampled     --pools with windows far apart: the timed frames are all
                outside windows (the first window falls in the warm-up)
  creations     one window covering every timed frame, creations probed only
                (PMT_BENCH_POOLS_ALLOC_ONLY=1): a return probe on
                PyType_GenericAlloc
  no_sites      every creation and destruction, no stack read (PMT_BENCH_POOLS_NO_STACKS=1)
  full          every creation and destruction with its site (the default)

Per event: creation = (creations - default) / N, destruction = (full -
creations) / N, site = (full - no_sites) / N; unsampled = unsampled - default.
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
WINDOW = ["--pools", "--pools-window", "1024", "--pools-every", "1", "--max-overhead", "100"]

MODES = {
    "default": ([], {}),
    "unsampled": (["--pools", "--pools-every", "100000000"], {}),
    "creations": (WINDOW, {"PMT_BENCH_POOLS_ALLOC_ONLY": "1"}),
    "no_sites": (WINDOW, {"PMT_BENCH_POOLS_NO_STACKS": "1"}),
    "full": (WINDOW, {}),
}


def run(py, mode, frames, allocs):
    args, env = MODES[mode]
    with tempfile.NamedTemporaryFile(suffix=".jsonl") as js:
        cmd = [TOOL, "--quiet", "--interval", "0", "--trace-on-spike", "0", "--json", js.name] \
            + args + ["--", py, LOOP, "--frames", str(frames), "--allocs", str(allocs),
                      "--warmup", "150"]
        e = dict(os.environ)
        e.update(env)
        out = subprocess.run(cmd, capture_output=True, text=True, check=True, env=e).stdout
        res = None
        for line in out.splitlines():
            if line.startswith("{\"frames\""):
                res = json.loads(line)
        if res is None:
            raise RuntimeError("no result: " + out[-400:])
        pools = [json.loads(l) for l in open(js.name) if '"type":"pools"' in l]
    if pools:
        p = pools[-1]
        res["windows"] = p["sampling"]["windows"]
        res["frames_sampled"] = p["sampling"]["frames_sampled"]
        hits = p["probes"]["hits"] if p["probes"] else 0
        events = sum((c["created"]["total"] if c["created"] else 0) + c["destroyed"]["total"]
                     for c in p["classes"])
        res["hits_per_event"] = hits / max(1, events)
        res["bpf_ns_per_hit"] = (p["probes"]["prog_ns"] / max(1, hits)) if p["probes"] else 0
    return res


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--python", default="/usr/bin/python3")
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--frames", type=int, default=300)
    ap.add_argument("--allocs", type=int, default=1000)
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
           "creations_and_destructions_per_frame": n,
           "cpu_per_frame_us": {m: round(v["cpu_per_frame_ns"] / 1000, 1) for m, v in med.items()},
           "unsampled_frame_extra_us": round((med["unsampled"]["cpu_per_frame_ns"] - base) / 1000,
                                             1),
           "per_event_ns": {
               "creation": round((med["creations"]["cpu_per_frame_ns"] - base) / n),
               "destruction": round((med["full"]["cpu_per_frame_ns"]
                                     - med["creations"]["cpu_per_frame_ns"]) / n),
               "site_of_a_creation": round((med["full"]["cpu_per_frame_ns"]
                                            - med["no_sites"]["cpu_per_frame_ns"]) / n)},
           "hits_per_event": round(med["full"].get("hits_per_event", 0), 2),
           "bpf_ns_per_hit": round(med["full"].get("bpf_ns_per_hit", 0))}
    print(json.dumps(res, indent=1))


if __name__ == "__main__":
    main()
