#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""pmtrace-bpf default-mode cost, measured (run as root; results go in docs/performance.md).

1. Overhead per frame on an uncapped frame loop: bare runs and profiled runs
   (launch mode) alternate; each run reports the mean wall time of a frame;
   the medians over the runs give the extra microseconds per frame and the
   ratio to the bare run.
2. Time from the command's start to the `attached` record, attaching to a
   running 60 fps game (median of several attaches).
3. The profiler's own CPU (share of one core, in steady state: from 2 s
   after attaching) and peak RSS while profiling a 60 fps game.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
TOOL = os.path.join(ROOT, "build", "pmtrace-bpf")
LOOP = os.path.join(HERE, "frame_loop.py")


def run_loop(py, frames, profiled):
    cmd = [py, LOOP, "--frames", str(frames)]
    if profiled:
        cmd = [TOOL, "--quiet", "--interval", "0", "--"] + cmd
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    for line in out.splitlines():
        if line.startswith("{\"frames\""):
            return json.loads(line)
    raise RuntimeError("no result from the frame loop: " + out[-400:])


def overhead(py, frames, reps):
    runs = {"bare": [], "profiled": []}
    for _ in range(reps):
        runs["bare"].append(run_loop(py, frames, False))
        runs["profiled"].append(run_loop(py, frames, True))
    res = {"runs": reps, "frames_per_run": frames}
    for stat in ("mean_ns", "median_ns"):
        b = statistics.median(r[stat] for r in runs["bare"])
        p = statistics.median(r[stat] for r in runs["profiled"])
        res["frame_" + stat[:-3]] = {"bare_ns": round(b), "profiled_ns": round(p),
                                     "extra_us": round((p - b) / 1000, 2),
                                     "ratio": round(p / b, 4)}
    return res


def attach_latency(py, reps):
    game = subprocess.Popen([py, LOOP, "--frames", "1000000", "--fps", "60"],
                            stdout=subprocess.DEVNULL)
    time.sleep(1.0)
    lat = []
    try:
        for _ in range(reps):
            t0 = time.monotonic()
            tool = subprocess.Popen([TOOL, "-p", str(game.pid), "--json", "-", "-q",
                                     "--duration", "0.5"], stdout=subprocess.PIPE,
                                    stderr=subprocess.DEVNULL, text=True)
            for line in tool.stdout:
                if '"type":"attached"' in line:
                    lat.append(time.monotonic() - t0)
                    break
            tool.wait()
    finally:
        game.kill()
        game.wait()
    return {"median_ms": round(statistics.median(lat) * 1000, 1),
            "max_ms": round(max(lat) * 1000, 1), "attaches": len(lat)}


def profiler_cost(py, seconds):
    game = subprocess.Popen([py, LOOP, "--frames", "1000000", "--fps", "60"],
                            stdout=subprocess.DEVNULL)
    time.sleep(1.0)
    try:
        tool = subprocess.Popen([TOOL, "-p", str(game.pid), "-q", "--interval", "5",
                                 "--json", "/dev/null"], stdout=subprocess.DEVNULL)

        def cpu_now():
            with open(f"/proc/{tool.pid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

        time.sleep(2.0)  # steady state: attach and set-up excluded (reported apart)
        start = cpu_now()
        time.sleep(seconds)
        cpu = cpu_now() - start
        setup = start
        with open(f"/proc/{tool.pid}/status") as f:
            hwm = [l for l in f if l.startswith("VmHWM")][0].split()[1]
        tool.terminate()
        tool.wait()
    finally:
        game.kill()
        game.wait()
    return {"cpu_percent_of_core": round(100 * cpu / seconds, 2), "peak_rss_kib": int(hwm),
            "seconds": seconds, "first_2s_cpu_seconds": round(setup, 3)}


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--python", default="/usr/bin/python3")
    ap.add_argument("--frames", type=int, default=20000)
    ap.add_argument("--reps", type=int, default=5)
    a = ap.parse_args()
    if os.geteuid() != 0:
        sys.exit("overhead: run as root")
    res = {"python": a.python,
           "overhead": overhead(a.python, a.frames, a.reps),
           "attach": attach_latency(a.python, 5),
           "profiler_at_60fps": profiler_cost(a.python, 10)}
    print(json.dumps(res, indent=2))


if __name__ == "__main__":
    main()
