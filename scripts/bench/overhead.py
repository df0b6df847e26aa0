#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""pmtrace-bpf default-mode cost, measured (run as root; results go in docs/performance.md).

For each present path of scripts/bench/present_loop.py, runs alternate:
  bare     the loop alone;
  floor    the loop with ONE bare uprobe on the instruction where the tool puts
           its probe (a BPF program that returns at once, on a uprobe_multi
           link like the tool's): the cost of any design with a probe there;
  default  the loop under `pmtrace-bpf` in launch mode, default options.
Each run times --frames frames after the tool has attached (the loop waits),
as the loop thread's own CPU time (time.thread_time_ns); the medians over
--reps runs give: extra CPU per frame of the floor and of the default mode,
their ratio (target <= 1.5), and the probe-program runs per frame the kernel
counted (kernel.bpf_stats_enabled=1; bpftool run counts).

Then, unless --no-attach: the time from the command's start to the `attached`
record and from the `final` record to the tool's exit, attaching to a 60 fps
loop; the profiler's own CPU at 60 fps.

--games: real Debian pygame games (solarwolf and others installed), each run
--game-seconds bare, with the floor probe (which also counts its frames) and
under the tool, alternately: the game's main thread's CPU time per frame
(/proc/PID/task/TID/schedstat), medians.
"""
import argparse
import ctypes
import json
import os
import shutil
import signal
import statistics
import struct
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from present_loop import run_counts  # noqa: E402
ROOT = os.path.dirname(os.path.dirname(HERE))
TOOL = os.environ.get("PMT_TOOL") or os.path.join(ROOT, "build", "pmtrace-bpf")
LOOP = os.path.join(HERE, "present_loop.py")
DEBIAN_PY = "/usr/bin/python3"
PATHS = ["sdl-surface", "sdl-rects", "sdl-renderer", "pygame-flip", "pygame-update",
         "pygame-mixed", "sdl-gl", "glx", "egl", "gc-syscalls"]
X_PATHS = {"sdl-gl", "glx"}

# ---- a bare uprobe: raw bpf(), like the tool's uprobe_multi links ----------

NR_BPF = 321
libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long


def bpf(cmd, attr):
    r = libc.syscall(ctypes.c_long(NR_BPF), ctypes.c_int(cmd), ctypes.byref(attr),
                     ctypes.c_uint(ctypes.sizeof(attr)))
    if r < 0:
        raise OSError(ctypes.get_errno(), os.strerror(ctypes.get_errno()))
    return r


class FloorProbe(object):
    """A BPF program that returns 0, on one uprobe_multi link per site:
    the same probes the tool keeps (pygame: display.flip and .update)."""

    def __init__(self, sites, pid):
        self.parts = [FloorProbe1(path, off, pid) for path, off in sites]
        self.prog = self.parts[0].prog

    def close(self):
        for p in self.parts:
            p.close()


class FloorProbe1(object):
    """A BPF program that returns 0, on one uprobe_multi link."""

    def __init__(self, path, offset, pid):
        insns = (ctypes.c_uint64 * 2)(0xb7, 0x95)  # r0 = 0; exit
        lic = ctypes.create_string_buffer(b"GPL")
        attr = (ctypes.c_uint8 * 128)()
        struct.pack_into("<IIQQ", attr, 0, 2, 2, ctypes.addressof(insns), ctypes.addressof(lic))
        attr[48:57] = b"pmt_floor"
        struct.pack_into("<I", attr, 68, 48)  # expected_attach_type BPF_TRACE_UPROBE_MULTI
        self.prog = bpf(5, attr)  # BPF_PROG_LOAD
        cpath = ctypes.create_string_buffer(path.encode())
        offs = (ctypes.c_uint64 * 1)(offset)
        la = (ctypes.c_uint8 * 128)()
        struct.pack_into("<IIII", la, 0, self.prog, 0, 48, 0)
        struct.pack_into("<QQQQII I", la, 16, ctypes.addressof(cpath), ctypes.addressof(offs), 0, 0,
                         1, 0, pid)
        self.keep = (insns, lic, cpath, offs)
        self.link = bpf(28, la)  # BPF_LINK_CREATE

    def close(self):
        os.close(self.link)
        os.close(self.prog)


# ---- runs ------------------------------------------------------------------------

def loop_cmd(py, path, frames, tmp, extra=()):
    return [py, LOOP, "--path", path, "--frames", str(frames), "--ready", tmp("ready"),
            "--go", tmp("go")] + list(extra)


def wait_file(p, timeout, proc=None):
    end = time.time() + timeout
    while not os.path.exists(p):
        if time.time() > end or (proc and proc.poll() is not None):
            return False
        time.sleep(0.02)
    return True


def attached_record(path):
    try:
        with open(path) as f:
            for line in f:
                if '"type":"attached"' in line:
                    return json.loads(line)
    except (OSError, ValueError):
        pass
    return None


class Tmp(object):
    def __init__(self):
        self.d = tempfile.mkdtemp(prefix="pmt-bench-")

    def __call__(self, name):
        return os.path.join(self.d, name)

    def reset(self):
        for n in os.listdir(self.d):
            os.unlink(os.path.join(self.d, n))

    def cleanup(self):
        shutil.rmtree(self.d, ignore_errors=True)


def finish(proc, timeout=120):
    out, err = proc.communicate(timeout=timeout)
    for line in out.splitlines():
        if line.startswith("{\"path\""):
            return json.loads(line)
    raise RuntimeError("no result: %s %s" % (out[-300:], err[-500:]))


def run_bare(py, path, frames, env, tmp, site=None):
    tmp.reset()
    count = ["--count-pid", str(os.getpid())] if site else []
    proc = subprocess.Popen(loop_cmd(py, path, frames, tmp, count), env=env, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    probe = None
    try:
        if not wait_file(tmp("ready"), 30, proc):
            raise RuntimeError("loop not ready: %s" % proc.stderr.read()[-500:])
        if site:
            probe = FloorProbe(site, proc.pid)
        open(tmp("go"), "w").close()
        res = finish(proc)
    finally:
        if probe:
            probe.close()
        if proc.poll() is None:
            proc.kill()
    return res


def run_tool(py, path, frames, env, tmp, args=()):
    tmp.reset()
    cmd = [TOOL, "--quiet", "--interval", "0", "--json", tmp("out.jsonl")] + list(args) + ["--"] + \
        loop_cmd(py, path, frames, tmp, ["--count-pid", "0"])
    proc = subprocess.Popen(cmd, env=env, text=True, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)
    try:
        if not wait_file(tmp("ready"), 60, proc):
            raise RuntimeError("tool run not ready: %s" % proc.stderr.read()[-800:])
        end = time.time() + 30
        while not attached_record(tmp("out.jsonl")) and time.time() < end:
            time.sleep(0.02)
        # Steady state: the other candidates' probes are gone, and a trace
        # window the start-up's memory spike opened is over.
        time.sleep(2.0)
        att = attached_record(tmp("out.jsonl"))
        open(tmp("go"), "w").close()
        res = finish(proc)
    finally:
        if proc.poll() is None:
            proc.kill()
    res["attached"] = att
    frames = prof = 0
    with open(tmp("out.jsonl")) as f:
        for line in f:
            if '"type":"frame"' in line:
                frames += 1
                if '"profiler":{' in line:
                    r = json.loads(line)
                    prof += res["timed_from_ns"] <= r["ts_ns"] <= res["timed_to_ns"]
    res["tool_frames"] = frames
    res["profiler_frames_timed"] = prof  # frames of a trace window among the timed ones
    return res


def probe_site(att):
    """Every probe the tool keeps: [(file, offset)]."""
    return [(p["library"], p["offset"]) for p in att["frame_marker"]["probes"]]


def bench_path(py, path, frames, reps, env, args=()):
    tmp = Tmp()
    try:
        first = run_tool(py, path, frames, env, tmp, args)
        site = probe_site(first["attached"])
        runs = {"bare": [], "floor": [], "default": [first]}
        for r in range(reps):
            runs["bare"].append(run_bare(py, path, frames, env, tmp))
            runs["floor"].append(run_bare(py, path, frames, env, tmp, site))
            if r:
                runs["default"].append(run_tool(py, path, frames, env, tmp, args))
    finally:
        tmp.cleanup()
    med = {k: statistics.median(x["cpu_ns_per_frame"] for x in v) for k, v in runs.items()}
    floor = med["floor"] - med["bare"]
    extra = med["default"] - med["bare"]
    hits = statistics.median(x["bpf"].get("pmt_marker", {}).get("runs_per_frame", 0)
                             for x in runs["default"])
    fm = first["attached"]["frame_marker"]
    return {"path": path, "tool_args": list(args), "python": py, "runs": reps,
            "frames_per_run": frames,
            "bare_ns": round(med["bare"]), "floor_extra_ns": round(floor),
            "default_extra_ns": round(extra),
            "ratio": round(extra / floor, 2) if floor > 0 else None,
            "marker_runs_per_frame": hits,
            "profiler_frames_timed": [x.get("profiler_frames_timed") for x in runs["default"]],
            "floor_runs_per_frame": statistics.median(
                x["bpf"].get("pmt_floor", {}).get("runs_per_frame", 0) for x in runs["floor"]),
            "other_probe_runs_per_frame": {k: round(v["runs_per_frame"], 4) for k, v in
                                           runs["default"][-1]["bpf"].items()
                                           if k != "pmt_marker" and not k.startswith("pmt_fault")
                                           and "map" not in k and "brk" not in k},
            "game_calls": fm["function"], "counts_also": fm["counts_also"],
            "probes": [(p["function"], p["instruction"]) for p in fm["probes"]]}


# ---- attach, detach, the profiler's own cost --------------------------------------

def attach_detach(py, reps, env):
    """Command start to the `attached` record, and `final` to exit, attaching
    to a 60 fps loop; with the tool's own CPU time and its time waiting for
    a CPU (schedstat) up to `attached`: what the machine's load adds."""
    game = subprocess.Popen([py, LOOP, "--path", "sdl-surface", "--frames", "100000000",
                             "--fps", "60"], env=env, stdout=subprocess.DEVNULL)
    time.sleep(1.0)
    att, det, cpu, wait = [], [], [], []
    try:
        for _ in range(reps):
            t0 = time.monotonic()
            tool = subprocess.Popen([TOOL, "-p", str(game.pid), "--json", "-", "-q",
                                     "--duration", "3"], stdout=subprocess.PIPE,
                                    stderr=subprocess.DEVNULL, text=True)
            tf = None
            for line in tool.stdout:
                if '"type":"attached"' in line:
                    att.append(time.monotonic() - t0)
                    try:
                        with open("/proc/%d/schedstat" % tool.pid) as f:
                            c, w = f.read().split()[:2]
                        cpu.append(int(c) / 1e9)
                        wait.append(int(w) / 1e9)
                    except (OSError, ValueError):
                        pass
                if '"type":"final"' in line:
                    tf = time.monotonic()
            tool.wait()
            if tf:
                det.append(time.monotonic() - tf)
    finally:
        game.kill()
        game.wait()

    def ms(v):
        return round(statistics.median(v) * 1000, 1) if v else None
    return {"attach_median_ms": ms(att), "attach_max_ms": round(max(att) * 1000, 1) if att else None,
            "attach_tool_cpu_median_ms": ms(cpu), "attach_runqueue_wait_median_ms": ms(wait),
            "final_to_exit_median_ms": ms(det),
            "final_to_exit_max_ms": round(max(det) * 1000, 1) if det else None,
            "attaches": len(att)}


def profiler_cost(py, seconds, env):
    game = subprocess.Popen([py, LOOP, "--path", "sdl-surface", "--frames", "100000000",
                             "--fps", "60"], env=env, stdout=subprocess.DEVNULL)
    time.sleep(1.0)
    try:
        tool = subprocess.Popen([TOOL, "-p", str(game.pid), "-q", "--interval", "5",
                                 "--json", "/dev/null"], stdout=subprocess.DEVNULL)

        def cpu_now():
            with open("/proc/%d/stat" % tool.pid) as f:
                fields = f.read().rsplit(")", 1)[1].split()
            return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

        time.sleep(2.0)
        start = cpu_now()
        time.sleep(seconds)
        cpu = cpu_now() - start
        try:
            with open("/proc/%d/status" % tool.pid) as f:
                hwm = [l for l in f if l.startswith("VmHWM")][0].split()[1]
        except (OSError, IndexError):
            hwm = "0"  # the tool is gone (it says why on stderr)
        tool.terminate()
        tool.wait()
    finally:
        game.kill()
        game.wait()
    return {"cpu_percent_of_core": round(100 * cpu / seconds, 2), "peak_rss_kib": int(hwm)}


# ---- real games ----------------------------------------------------------------------

GAMES = {
    "solarwolf": ["/usr/games/solarwolf"],
    "pathological": ["/usr/games/pathological"],
    "angrydd": ["/usr/games/angrydd"],
}


def main_thread_cpu_ns(pid):
    with open("/proc/%d/task/%d/schedstat" % (pid, pid)) as f:
        return int(f.read().split()[0])


def game_run(name, cmd, seconds, mode, env, site=None):
    """One run of a real game: its main thread's CPU per second over
    @seconds, after 3 s of start-up; frames per second from the tool's
    records (default) or the floor probe's run count (floor)."""
    tmp = Tmp()
    att = None
    try:
        json_out = tmp("g.jsonl")
        if mode == "default":
            proc = subprocess.Popen([TOOL, "-q", "--interval", "0", "--json", json_out, "--"] +
                                    cmd, env=env, stdout=subprocess.DEVNULL,
                                    stderr=subprocess.DEVNULL, start_new_session=True)
            end = time.time() + 30
            while not attached_record(json_out) and time.time() < end:
                time.sleep(0.05)
            att = attached_record(json_out)
            gpid = att["pid"]
        else:
            proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL,
                                    stderr=subprocess.DEVNULL, start_new_session=True)
            gpid = proc.pid
        time.sleep(3.0)  # the game's start-up, and the tool's detection
        probe = FloorProbe(site, gpid) if mode == "floor" else None
        prog_ids = [probe_id(p.prog) for p in probe.parts] if probe else []
        r0 = sum(runs_of(i) for i in prog_ids)
        k0 = run_counts(proc.pid) if mode == "default" else {}
        c0, t0 = main_thread_cpu_ns(gpid), time.monotonic()
        time.sleep(seconds)
        c1, t1 = main_thread_cpu_ns(gpid), time.monotonic()
        r1 = sum(runs_of(i) for i in prog_ids)
        k1 = run_counts(proc.pid) if mode == "default" else {}
        if probe:
            probe.close()
        for pid, sig in ((proc.pid, signal.SIGINT if mode == "default" else signal.SIGKILL),):
            try:
                os.killpg(pid, sig)
            except ProcessLookupError:
                pass
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        try:
            os.kill(gpid, signal.SIGKILL)  # a game that outlived its tool
        except ProcessLookupError:
            pass
        # Frames: the presents the kernel counted (one probe hit a present,
        # checked by tests/integration/test_markers.py), not the JSON lines
        # (the tool writes them through a buffer).
        marker = k1.get("pmt_marker", (0, 0))[0] - k0.get("pmt_marker", (0, 0))[0]
        frames = marker if mode == "default" else r1 - r0 if mode == "floor" else None
        # Uprobe programs' runs per frame (tracepoints run for every process).
        hits = {k: round((v[0] - k0.get(k, (0, 0))[0]) / frames, 3) for k, v in k1.items()
                if frames and v[0] > k0.get(k, (0, 0))[0] and "fault" not in k and
                "map" not in k and "brk" not in k}
        return {"cpu_ns_per_s": (c1 - c0) / (t1 - t0), "attached": att,
                "frames_per_s": frames / (t1 - t0) if frames else None, "hits": hits}
    finally:
        tmp.cleanup()


def probe_id(fd):
    with open("/proc/self/fdinfo/%d" % fd) as f:
        for line in f:
            if line.startswith("prog_id:"):
                return int(line.split()[1])
    return None


def runs_of(prog_id):
    if prog_id is None:
        return 0
    out = subprocess.run(["bpftool", "-j", "prog", "show", "id", str(prog_id)],
                         stdout=subprocess.PIPE, universal_newlines=True).stdout
    return json.loads(out).get("run_cnt", 0)


def bench_game(name, cmd, seconds, reps, env):
    first = game_run(name, cmd, seconds, "default", env)
    site = probe_site(first["attached"])
    game_fn = first["attached"]["frame_marker"]["function"]
    runs = {"bare": [], "floor": [], "default": [first]}
    for r in range(reps):
        runs["bare"].append(game_run(name, cmd, seconds, "bare", env))
        runs["floor"].append(game_run(name, cmd, seconds, "floor", env, site))
        if r:
            runs["default"].append(game_run(name, cmd, seconds, "default", env))
    fps = statistics.median(x["frames_per_s"] for x in runs["floor"] if x["frames_per_s"])
    fps_tool = statistics.median(x["frames_per_s"] for x in runs["default"] if x["frames_per_s"])
    # CPU per frame: each run's CPU per second over its own frame rate (the
    # bare runs cannot count their frames: the floor runs' rate stands in).
    per = {k: statistics.median(x["cpu_ns_per_s"] / (x["frames_per_s"] or fps) for x in v)
           for k, v in runs.items()}
    floor = per["floor"] - per["bare"]
    extra = per["default"] - per["bare"]
    return {"game": name, "runs": reps, "seconds": seconds, "fps": round(fps, 1),
            "fps_under_tool": round(fps_tool, 1), "game_calls": game_fn,
            "probe_runs_per_frame": runs["default"][-1].get("hits"),
            "bare_ns_per_frame": round(per["bare"]), "floor_extra_ns": round(floor),
            "default_extra_ns": round(extra),
            "ratio": round(extra / floor, 2) if floor > 0 else None}


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--python", default=DEBIAN_PY, help="for the ctypes paths")
    ap.add_argument("--paths", default=",".join(PATHS))
    ap.add_argument("--frames", type=int, default=20000)
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--no-attach", action="store_true")
    ap.add_argument("--games", default="", help="comma-separated: " + ",".join(GAMES))
    ap.add_argument("--game-seconds", type=float, default=10)
    ap.add_argument("--game-reps", type=int, default=3)
    a = ap.parse_args()
    if os.geteuid() != 0:
        sys.exit("overhead: run as root")
    subprocess.run(["sysctl", "-qw", "kernel.bpf_stats_enabled=1"])
    env = dict(os.environ, SDL_VIDEODRIVER="dummy", SDL_AUDIODRIVER="dummy",
               PYGAME_HIDE_SUPPORT_PROMPT="1")
    xvfb = None
    res = {"paths": [], "games": []}
    try:
        for path in a.paths.split(","):
            if not path:
                continue
            penv = dict(env)
            if path in X_PATHS:
                if not xvfb:
                    xvfb, disp = start_xvfb()
                penv["DISPLAY"] = disp
            py = DEBIAN_PY if path.startswith("pygame") else a.python
            # The GC loop times 10x the frames (~6 s): the GC timing governor
            # samples collections in periods seconds apart.
            frames = a.frames * 10 if path == "gc-syscalls" else a.frames
            r = bench_path(py, path, frames, a.reps, penv)
            print(json.dumps(r), flush=True)
            res["paths"].append(r)
            if path == "gc-syscalls":  # what the GC timing probes cost
                r = bench_path(py, path, frames, a.reps, penv, ["--no-gc-timing"])
                print(json.dumps(r), flush=True)
                res["paths"].append(r)
        if not a.no_attach:
            res["attach"] = attach_detach(a.python, 5, env)
            print(json.dumps({"attach": res["attach"]}), flush=True)
            res["profiler_at_60fps"] = profiler_cost(a.python, 10, env)
            print(json.dumps({k: res[k] for k in ("attach", "profiler_at_60fps")}), flush=True)
        for g in a.games.split(","):
            if not g:
                continue
            if not os.path.exists(GAMES[g][0]):
                print(json.dumps({"game": g, "skipped": "not installed"}), flush=True)
                continue
            r = bench_game(g, GAMES[g], a.game_seconds, a.game_reps, env)
            print(json.dumps(r), flush=True)
            res["games"].append(r)
    finally:
        if xvfb:
            xvfb.terminate()
            xvfb.wait()
    print(json.dumps(res, indent=1))


def start_xvfb():
    for n in range(90, 140):
        if os.path.exists("/tmp/.X%d-lock" % n):
            continue
        p = subprocess.Popen(["Xvfb", ":%d" % n, "-screen", "0", "320x240x24", "-nolisten", "tcp"],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(1.0)
        if p.poll() is None:
            return p, ":%d" % n
    raise RuntimeError("no Xvfb display")


if __name__ == "__main__":
    main()
