# SPDX-License-Identifier: BSD-2-Clause
"""Frame markers: one probe hit per present on every path, every present
call a frame, the function the game calls named; the profiler's own cost
never reported as the game's.

The workload is scripts/bench/present_loop.py: it counts its own present
calls, stamps each (CLOCK_MONOTONIC before and after), and reads the
kernel's run counts of the tool's BPF programs (bpftool, with
kernel.bpf_stats_enabled=1) before and after its timed frames, while the
loop is paused between two presents: the marker program's runs over those
frames must equal the presents made, exactly.
"""
import json
import os
import shutil
import statistics
import subprocess
import time
import unittest

import pmt_it as it

LOOP = os.path.join(it.REPO, "scripts", "bench", "present_loop.py")
FRAMES = 300
WARMUP = 60

# path -> the function the loop calls, as `attached` must name it
PATHS = {
    "sdl-surface": "SDL_UpdateWindowSurface",
    "sdl-rects": "SDL_UpdateWindowSurfaceRects",
    "sdl-renderer": "SDL_RenderPresent",
    "egl": "eglSwapBuffers",
    "pygame-flip": "pygame.display.flip",
    "pygame-update": "pygame.display.update",
    "sdl-gl": "SDL_GL_SwapWindow",
    "glx": "glXSwapBuffers",
}
X_PATHS = ("sdl-gl", "glx")


def setUpModule():
    subprocess.run(["sysctl", "-qw", "kernel.bpf_stats_enabled=1"])


class Xvfb(object):
    proc = None
    display = None

    @classmethod
    def get(cls):
        if cls.display:
            return cls.display
        if not shutil.which("Xvfb"):
            return None
        for n in range(150, 200):
            if os.path.exists("/tmp/.X%d-lock" % n):
                continue
            p = subprocess.Popen(["Xvfb", ":%d" % n, "-screen", "0", "320x240x24",
                                  "-nolisten", "tcp"], stdout=subprocess.DEVNULL,
                                 stderr=subprocess.DEVNULL)
            time.sleep(1.0)
            if p.poll() is None:
                cls.proc, cls.display = p, ":%d" % n
                return cls.display
        return None

    @classmethod
    def stop(cls):
        if cls.proc:
            cls.proc.terminate()
            cls.proc.wait()
            cls.proc = cls.display = None


def tearDownModule():
    Xvfb.stop()


def run_loop(case, path, extra_tool=(), frames=FRAMES, env=None, extra_loop=()):
    """Launch the loop under the tool; returns (records, loop result, truth)."""
    tmp = it.Tmp("mk-" + path)
    case.addCleanup(tmp.cleanup)
    py = it.DEBIAN_PY
    cmd = [it.TOOL, "--quiet", "--interval", "0", "--json", tmp("out.jsonl")] + \
        list(extra_tool) + ["--", py, LOOP, "--path", path, "--frames", str(frames),
                            "--warmup", str(WARMUP), "--ready", tmp("ready"), "--go",
                            tmp("go"), "--count-pid", "0", "--truth", tmp("truth.json")] + \
        list(extra_loop)
    with open(tmp("stdout"), "w") as out, open(tmp("stderr"), "w") as err:
        proc = subprocess.Popen(cmd, stdout=out, stderr=err, env=env, start_new_session=True)
        try:
            ok = it.wait_for(lambda: os.path.exists(tmp("ready")) and
                             it.has_attached(tmp("out.jsonl")) or proc.poll() is not None, 60)
            if proc.poll() is not None or not ok:
                case.fail("the loop never got ready: %s" % open(tmp("stderr")).read()[-1500:])
            time.sleep(0.5)  # the nested candidates' probes are gone
            open(tmp("go"), "w").close()
            rc = proc.wait(120)
        finally:
            it.kill_group(proc)
    stdout, stderr = open(tmp("stdout")).read(), open(tmp("stderr")).read()
    case.assertEqual(rc, 0, it.describe(rc, stdout, stderr))
    res = [json.loads(l) for l in stdout.splitlines() if l.startswith('{"path"')]
    case.assertTrue(res, "no result line from the loop:\n" + it.describe(rc, stdout, stderr))
    with open(tmp("truth.json")) as f:
        truth = json.load(f)
    return it.load_jsonl(tmp("out.jsonl")), res[0], truth


class PresentPaths(unittest.TestCase):
    def check_path(self, path, env=None):
        recs, res, truth = run_loop(self, path, env=env)
        att = it.records_of(recs, "attached")[0]["frame_marker"]
        self.assertEqual(att["function"], PATHS[path], "attached names %r, the loop calls %s"
                         % (att["function"], PATHS[path]))
        self.assertTrue(att["probes"], "no probe listed")
        # Probe hits: exactly one per present over the timed frames.
        runs = res["bpf"].get("pmt_marker", {}).get("runs_per_frame", 0) * res["frames"]
        self.assertEqual(round(runs), res["timed_presents"],
                         "%s: %s marker program runs for %d presents (bpf: %s)"
                         % (path, runs, res["timed_presents"], res["bpf"]))
        check_frames(self, recs, truth)

    def test_paths(self):
        for path in PATHS:
            with self.subTest(path=path):
                env = None
                if path.startswith("pygame") and not it.has_pygame():
                    print("    (skip %s: no pygame for %s)" % (path, it.DEBIAN_PY))
                    continue
                if path in X_PATHS:
                    disp = Xvfb.get()
                    if not disp:
                        print("    (skip %s: no Xvfb)" % path)
                        continue
                    env = dict(os.environ, DISPLAY=disp)
                if path == "egl" and not os.path.exists("/usr/lib/x86_64-linux-gnu/libEGL.so.1"):
                    print("    (skip egl: no libEGL.so.1)")
                    continue
                self.check_path(path, env)

    def test_mixed_presents(self):
        """flip and update(rects) every 10 frames, update([]) every 7th frame,
        two presents within 0.5 ms every 13th: every call one frame."""
        if not it.has_pygame():
            self.skipTest("no pygame for %s" % it.DEBIAN_PY)
        recs, res, truth = run_loop(self, "pygame-mixed", frames=400)
        att = it.records_of(recs, "attached")[0]["frame_marker"]
        names = {att["function"]} | set(att["counts_also"])
        self.assertEqual(names, {"pygame.display.flip", "pygame.display.update"})
        runs = res["bpf"].get("pmt_marker", {}).get("runs_per_frame", 0) * res["frames"]
        self.assertEqual(round(runs), res["timed_presents"])
        self.assertGreater(res["timed_presents"], res["frames"], "no double presents made")
        close = [b[0] - a[1] for a, b in zip(truth["calls"], truth["calls"][1:])
                 if b[0] - a[1] < 500000]
        self.assertTrue(close, "no two presents within 0.5 ms")
        check_frames(self, recs, truth)


def check_frames(case, recs, truth):
    """Every present call is one frame boundary: frames = calls - 1, and
    frame i ends inside call i + 1 (CLOCK_MONOTONIC both sides)."""
    frames = it.records_of(recs, "frame")
    calls = truth["calls"]
    case.assertEqual(len(frames), len(calls) - 1, "%d frames for %d present calls"
                     % (len(frames), len(calls)))
    case.assertEqual([f["frame"] for f in frames], list(range(len(frames))))
    case.assertFalse([f["frame"] for f in frames if f["partial"]], "partial frames")
    bad = [(f["frame"], f["ts_ns"], calls[f["frame"] + 1]) for f in frames
           if not calls[f["frame"] + 1][0] <= f["ts_ns"] <= calls[f["frame"] + 1][1]]
    case.assertFalse(bad, "frames not stamped inside their present call: %s" % bad[:5])
    final = it.records_of(recs, "final")[0]
    case.assertEqual(final["frames"], len(calls) - 1)


class GcTiming(unittest.TestCase):
    """The GC timing probes cost at most ~1 % of the game's time: a loop that
    collects every frame (gc.collect(0), timed by the loop itself) uncapped
    gets them in short periods only; the same loop at 60 fps keeps them in."""

    def gc_frames(self, recs, truth):
        frames = it.records_of(recs, "frame")
        self.assertEqual(len(frames), len(truth["calls"]) - 1)
        self.assertEqual(len(truth["gc"]), len(truth["calls"]))
        for f in frames:
            if f["partial"] or f["gc_collections"] is None:
                continue
            # the work before present call i + 1 collected once (gc.collect(0))
            self.assertGreaterEqual(sum(f["gc_collections"]), 1, "frame %d: %r" % (f["frame"], f))
        return frames

    def check_times(self, frames, truth):
        """A timed frame's gc_ns is its own collection, inside the loop's call."""
        ratios = []
        for f in frames:
            if f["gc_ns"] is None or f["partial"] or sum(f["gc_collections"] or [9]) != 1:
                continue
            t0, t1 = truth["gc"][f["frame"] + 1]
            self.assertGreater(f["gc_ns"], 0, "frame %d: a timed collection took 0 ns" % f["frame"])
            self.assertLessEqual(f["gc_ns"], t1 - t0, "frame %d: gc_ns %d, longer than the %d ns "
                                 "gc.collect(0) call" % (f["frame"], f["gc_ns"], t1 - t0))
            ratios.append(f["gc_ns"] / (t1 - t0))
        self.assertTrue(ratios, "no timed frame")
        # The call's own time includes the probes' traps around the collection
        # (a few µs each here, as long as a young collection of a small heap).
        self.assertGreater(statistics.median(ratios), 0.05, "gc_ns is a tiny part of the calls")
        return len(ratios)

    def test_uncapped_governed(self):
        recs, res, truth = run_loop(self, "gc-syscalls", frames=150000)
        frames = self.gc_frames(recs, truth)
        timed = [f for f in frames if f["gc_ns"] is not None]
        self.check_times(frames, truth)
        runs = res["bpf"].get("pmt_gc_enter", {}).get("runs_per_frame", 0)
        self.assertGreater(runs, 0, "the GC probes never ran in the timed frames")
        self.assertLess(runs, 0.35, "GC probes hit %.2f times a frame: not governed" % runs)
        # Timed frames are those the probes were in for: over the loop's timed
        # frames, every timed frame's collection hit the probe, and the other
        # hits are in frames while the probes went in (placing them) or out
        # (the kernel removes them up to a grace period or two after the tool
        # asked: allow 100 ms).
        lo, hi = res["timed_from_ns"], res["timed_to_ns"]
        inside = [f for f in frames if lo < f["ts_ns"] - f["duration_ns"] and f["ts_ns"] < hi]
        n_timed = sum(1 for f in inside if f["gc_ns"] is not None)
        edges = [b["ts_ns"] for a, b in zip(inside, inside[1:])
                 if (a["gc_ns"] is None) != (b["gc_ns"] is None)]
        near = sum(1 for f in inside if f["gc_ns"] is None and
                   any(-20e6 < f["ts_ns"] - e < 100e6 for e in edges))
        enter_runs = round(runs * res["frames"])
        self.assertGreaterEqual(enter_runs, n_timed - 2, "%d timed frames, %d GC probe runs"
                                % (n_timed, enter_runs))
        self.assertLessEqual(enter_runs, n_timed + near + 4,
                             "%d timed frames, %d GC probe runs, %d untimed frames near the %d "
                             "edges" % (n_timed, enter_runs, near, len(edges)))
        self.assertGreaterEqual(len(edges), 1, "the probes never went out")
        fin = it.records_of(recs, "final")[0]["summary"]
        self.assertEqual(fin["gc_timed_frames"], len(timed))
        self.assertEqual(fin["gc_ns"], sum(f["gc_ns"] for f in timed))

    def test_paced_all_timed(self):
        recs, res, truth = run_loop(self, "gc-syscalls", frames=150, extra_loop=["--fps", "60"])
        frames = self.gc_frames(recs, truth)
        n = self.check_times(frames, truth)
        # Every frame after the probes went in (the first frames may precede them).
        untimed = [f["frame"] for f in frames if f["gc_ns"] is None]
        self.assertFalse([i for i in untimed if i > WARMUP], "frames left untimed: %s" % untimed)
        self.assertGreater(n, 150 - 5)
        runs = res["bpf"].get("pmt_gc_enter", {}).get("runs_per_frame", 0)
        self.assertAlmostEqual(runs, 1.0, delta=0.02, msg="GC probe runs a frame at 60 fps")


class ExplicitMarker(unittest.TestCase):
    def test_never_called_is_named(self):
        if not it.has_sdl2():
            self.skipTest("libSDL2 not found")
        marker = "libSDL2-2.0.so.0:SDL_RenderPresent"
        py = it.spawn([it.DEBIAN_PY, it.PLANTED_SDL, "--frames", "0"])
        self.addCleanup(it.stop, py)
        it.wait_for(lambda: "libSDL2" in open("/proc/%d/maps" % py.pid).read(), 15)
        rc, out, err = it.run([it.TOOL, "--pid", str(py.pid), "--frame-marker", marker,
                               "--marker-timeout", "1"], timeout=60)
        self.assertEqual(rc, it.EXIT["no_marker"], it.describe(rc, out, err))
        self.assertIn(marker, err, "the error does not name the marker given:\n%s" % err)
        self.assertNotIn("eglSwapBuffers", err, "the error lists the auto candidates:\n%s" % err)
        self.assertIsNone(py.poll(), "the target died")


class ProfilerFrames(unittest.TestCase):
    """A 60 fps game with a planted memory spike (traced after it, by
    default) and a planted slow frame."""

    def test_profiler_cost_apart(self):
        if not it.has_pygame():
            self.skipTest("no pygame for %s" % it.DEBIAN_PY)
        tmp = it.Tmp("prof")
        self.addCleanup(tmp.cleanup)
        plan = "alloc:60:48,slow:200:40"
        rc, out, err = it.run([it.TOOL, "--quiet", "--interval", "0", "--json",
                               tmp("out.jsonl"), "--", it.DEBIAN_PY, it.PLANTED_PYGAME,
                               "--frames", "300", "--fps", "60", "--plan", plan, "--truth",
                               tmp("truth.json")], timeout=120)
        self.assertEqual(rc, 0, it.describe(rc, out, err))
        recs = it.load_jsonl(tmp("out.jsonl"))
        truth = json.load(open(tmp("truth.json")))
        frames = it.records_of(recs, "frame")
        tf = truth["per_frame"]
        self.assertEqual(len(frames), truth["frames"] - 1)
        planted = {p["frame"] - 1 for p in truth["plan"]}
        warmup = set(range(truth.get("warmup_frames", 1) + 1))
        period = 1e9 / 60

        def own(i):  # the workload's own duration of tool frame i, call start to call start
            return tf[i + 1]["ts_ns"] - tf[i]["ts_ns"]

        trecs = it.records_of(recs, "trace")
        traced = [r["frame"] for r in trecs]
        # A window's frames: from the frame after the spike that opened it
        # (probes placed) to the frame after its last traced one (removed).
        windows = [((r.get("spike_frame") if r.get("spike_frame") is not None else r["frame"] - 5)
                    + 1, r["frame"] + 2) for r in trecs]
        summary = it.records_of(recs, "trace_summary")[0]
        self.assertTrue(traced or summary["skipped_no_room"],
                        "the planted spike was neither traced nor skipped for room")
        normal = statistics.median(own(i) for i in range(len(frames))
                                   if i not in planted and i not in warmup)
        bad = []
        for f in frames:
            i, p = f["frame"], f["profiler"]
            if i in traced:
                if not p or not p["traced"]:
                    bad.append("traced frame %d not marked traced: %r" % (i, p))
                elif abs(p["cost_ns"] - max(0, own(i) - normal)) > 2e6:
                    bad.append("traced frame %d: cost_ns %d, the workload's own timing says "
                               "%d" % (i, p["cost_ns"], own(i) - normal))
            game_drop = f["dropped"] and f["cause"] != "profiler"
            game_slow = f["spike_kind"] in ("time", "memory+time")
            if p and (f["cause"] not in ("profiler", None) or game_slow):
                bad.append("frame %d: the profiler's frame reported as the game's: %r" % (i, f))
            if (game_drop or game_slow) and i not in planted and i not in warmup:
                # Only frames the game itself made slow: slow in its own clock,
                # and with no trace window near (placing probes, tracing or
                # removing them must be marked, not blamed on the game).
                near = [w for w in windows if w[0] <= i <= w[1]]
                if near or own(i) < 1.25 * period:
                    bad.append("frame %d reported as the game's %s (own duration %.1f ms, "
                               "traced frames near: %s)" % (i, "drop" if game_drop else "spike",
                                                            own(i) / 1e6, near))
        if bad or os.environ.get("PMT_IT_VERBOSE"):
            for f in frames:
                if f["profiler"] or f["dropped"]:
                    print("    frame %d: %.1f ms (own %.1f), dropped %s cause %s, profiler %s"
                          % (f["frame"], f["duration_ns"] / 1e6, own(f["frame"]) / 1e6,
                             f["dropped"], f["cause"], f["profiler"]))
        fin = it.records_of(recs, "final")[0]["summary"]
        game_drops = sum(1 for f in frames if f["dropped"] and f["cause"] != "profiler")
        prof = sum(1 for f in frames if f["profiler"])
        if fin["dropped"] != game_drops:
            bad.append("final dropped %d, the game's drops %d" % (fin["dropped"], game_drops))
        if fin["profiler"]["frames"] != prof:
            bad.append("final profiler.frames %d, frames marked %d"
                       % (fin["profiler"]["frames"], prof))
        self.assertFalse(bad, "\n".join(bad[:15]))


if __name__ == "__main__":
    unittest.main()
