#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""Benchmark of the reports (docs/performance.md, "Reports").

1. What the live outputs cost: a 60 fps SDL2 loop (frame_loop.py) profiled
   for --seconds with --json only, then with --html, --perfetto and
   --prometheus too (scraped every second, as Prometheus would), alternately,
   --reps runs each. Measured: the profiler's CPU (% of a core) and peak RSS,
   and the game thread's own CPU time per frame (/proc/PID/task/PID/stat).
2. A synthetic 1-hour run (216,000 frames, tests/integration/synth_run.py):
   `pmtrace-bpf report -o` (wall and CPU time, page size), and the page in
   headless chromium: navigation to first drawing, data inflate, page
   build, a redraw at 64x zoom. Medians of --reps loads.

Prints one JSON object. Needs root for part 1 (it is skipped otherwise).
"""
import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
TOOL = os.path.join(REPO, "build", "pmtrace-bpf")
LOOP = os.path.join(HERE, "frame_loop.py")
sys.path.insert(0, os.path.join(REPO, "tests", "integration"))
import cdp  # noqa: E402
import synth_run  # noqa: E402

TCK = os.sysconf("SC_CLK_TCK")


def cpu_of(path):
    with open(path) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TCK


def live_run(py, seconds, outputs, tmp):
    game = subprocess.Popen([py, LOOP, "--frames", "100000000", "--fps", "60"],
                            stdout=subprocess.DEVNULL)
    time.sleep(1.0)
    cmd = [TOOL, "-p", str(game.pid), "-q", "--interval", "5", "--json", "/dev/null"]
    if outputs:
        cmd += ["--html", os.path.join(tmp, "live.html"), "--perfetto",
                os.path.join(tmp, "live.trace.json"), "--prometheus", "127.0.0.1:0"]
    log = open(os.path.join(tmp, "tool.out"), "w+")
    tool = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT)
    stop = threading.Event()
    try:
        time.sleep(2.0)
        if outputs:
            log.seek(0)
            port = int([l for l in log.read().splitlines() if "metrics at" in l][0]
                       .rsplit(":", 1)[1].split("/")[0])

            def scrape():
                while not stop.wait(1.0):
                    urllib.request.urlopen("http://127.0.0.1:%d/metrics" % port, timeout=5).read()
            threading.Thread(target=scrape, daemon=True).start()
        t0, c0 = time.time(), cpu_of("/proc/%d/stat" % tool.pid)
        g0 = cpu_of("/proc/%d/task/%d/stat" % (game.pid, game.pid))
        time.sleep(seconds)
        c1, g1 = cpu_of("/proc/%d/stat" % tool.pid), cpu_of("/proc/%d/task/%d/stat" % (game.pid, game.pid))
        span = time.time() - t0
        with open("/proc/%d/status" % tool.pid) as f:
            hwm = int([l for l in f if l.startswith("VmHWM")][0].split()[1])
    finally:
        stop.set()
        tool.terminate()
        tool.wait()
        game.kill()
        game.wait()
    return {"tool_cpu_pct": 100 * (c1 - c0) / span, "tool_hwm_mib": hwm / 1024.0,
            "game_cpu_us_per_frame": (g1 - g0) / (span * 60) * 1e6}


def live(py, seconds, reps):
    out = {"json only": [], "json+html+perfetto+prometheus": []}
    with tempfile.TemporaryDirectory() as tmp:
        for _ in range(reps):
            out["json only"].append(live_run(py, seconds, False, tmp))
            out["json+html+perfetto+prometheus"].append(live_run(py, seconds, True, tmp))
    return {mode: {k: round(statistics.median(r[k] for r in runs), 2) for k in runs[0]}
            for mode, runs in out.items()}


def html(reps):
    res = {}
    with tempfile.TemporaryDirectory() as tmp:
        jsonl, page = os.path.join(tmp, "run.jsonl"), os.path.join(tmp, "run.html")
        synth_run.write(jsonl, 216000)
        res["jsonl_mb"] = round(os.path.getsize(jsonl) / 1e6, 1)
        walls, cpus = [], []
        for _ in range(reps):
            r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
            t0 = time.time()
            subprocess.run([TOOL, "report", "-q", "-o", page, jsonl], check=True)
            walls.append(time.time() - t0)
            r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
            cpus.append(r1.ru_utime + r1.ru_stime - r0.ru_utime - r0.ru_stime)
        res["report_wall_s"] = round(statistics.median(walls), 2)
        res["report_cpu_s"] = round(statistics.median(cpus), 2)
        res["html_mb"] = round(os.path.getsize(page) / 1e6, 2)
        loads = []
        with cdp.Browser() as b:
            p = b.open()
            for _ in range(reps):
                p.navigate("file://" + page, 300)
                p.wait("window.PMT && window.PMT.ready", 300)
                m = p.eval("({ready: PMT.readyMs, load: PMT.loadMs, build: PMT.buildMs, "
                           "draw: PMT.drawMs})")
                p.eval("PMT.select(100000)")
                for _ in range(6):
                    p.eval("PMT.zoomAt(0.5, 0.5)")
                p.eval("new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")
                m["zoomed_draw"] = p.eval("PMT.drawMs")
                loads.append(m)
        for k in loads[0]:
            res["page_%s_ms" % k] = round(statistics.median(m[k] for m in loads))
        res["page_ready_max_ms"] = round(max(m["ready"] for m in loads))
    return res


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--python", default="/usr/bin/python3")
    ap.add_argument("--seconds", type=float, default=20)
    ap.add_argument("--reps", type=int, default=3)
    a = ap.parse_args()
    out = {"date": time.strftime("%Y-%m-%d"), "load_avg": os.getloadavg()}
    if os.geteuid() == 0:
        out["live"] = live(a.python, a.seconds, a.reps)
    else:
        out["live"] = "skipped: needs root"
    out["html_216k"] = html(max(a.reps, 5))
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
