# SPDX-License-Identifier: BSD-2-Clause
"""Launch mode against planted workloads, one test per interpreter:
Debian's python3 + pygame, every pyenv CPython 3.8+ + ctypes SDL2. The tool's
frames are compared with the ground truth the workload recorded itself.
Older pyenv CPythons (2.7, 3.6, 3.7) must be refused with exit 5."""
import json
import os
import re
import unittest

import pmt_it as it

FRAMES = 200


def _version_key(v):
    return tuple(int(x) for x in v.split("."))


class LaunchTest(unittest.TestCase):
    maxDiff = None

    def launch(self, py, workload, tag):
        tmp = it.Tmp("launch-" + tag)
        self.addCleanup(tmp.cleanup)
        out, truth_path = tmp("out.jsonl"), tmp("truth.json")
        cmd = [it.TOOL, "--quiet", "--json", out, "--", py, workload,
               "--frames", str(FRAMES), "--truth", truth_path, "--plan", it.PLAN]
        rc, sout, serr = it.run(cmd, timeout=120)
        self.assertEqual(rc, 0, "%s\n%s" % (" ".join(cmd), it.describe(rc, sout, serr)))
        self.assertTrue(os.path.exists(truth_path), "the workload wrote no truth file")
        with open(truth_path) as f:
            truth = json.load(f)
        recs = it.load_jsonl(out)
        self.check(recs, truth)

    def check(self, recs, truth):
        self.assertTrue(recs, "empty JSON output")
        self.assertEqual(recs[0]["type"], "attached", "first record: %r" % recs[0])
        att = recs[0]
        self.assertEqual(att.get("mode"), "launch")
        self.assertEqual(att.get("pid"), truth["pid"], "attached.pid is not the python's pid")
        mm = ".".join(truth["python"]["version"].split(".")[:2])
        self.assertTrue(str((att.get("python") or {}).get("version", "")).startswith(mm),
                        "attached.python.version %r, workload runs %s"
                        % ((att.get("python") or {}).get("version"), truth["python"]["version"]))
        self.assertTrue(att.get("gc_state"), "gc_state false: GC stats not located")

        finals = it.records_of(recs, "final")
        self.assertEqual(len(finals), 1, "final records: %d" % len(finals))
        self.assertEqual(recs[-1]["type"], "final", "last record is not final")
        final = finals[0]
        calls = truth["frames"]  # marker calls the workload made
        self.assertEqual(calls, FRAMES, "workload did not run all its frames")
        self.assertEqual(final.get("exit_reason"), "target_exited")
        self.assertEqual(final.get("target_exit_code"), 0)
        tool = it.records_of(recs, "frame")
        tf = truth["per_frame"]
        # A frame is the work between two marker calls: the tool's frame i
        # starts at the workload's marker call i and ends at call i + 1, so
        # the workload's loop frame f (ending with call f) is tool frame f - 1.
        n = calls - 1
        planted = {p["frame"] - 1: p["kind"] for p in truth["plan"]}
        warmup = truth.get("warmup_frames", 1) - 1
        bad = []

        if len(tool) != n:
            bad.append("%d frame records for %d marker calls (expected %d)"
                       % (len(tool), calls, n))
        if final.get("frames") != n:
            bad.append("final.frames %r for %d marker calls" % (final.get("frames"), calls))
        if [f.get("frame") for f in tool] != list(range(len(tool))):
            bad.append("frame numbers are not 0..%d" % (len(tool) - 1))
        frames = {i: tool[i] for i in range(min(n, len(tool)))}
        nothing = {}

        def at(i):
            return frames.get(i, nothing)

        def end(i):  # the truth read just before the call ending tool frame i
            return tf[i + 1]

        # GC: per-frame deltas of gc.get_stats(), exact
        for i in range(n):
            want = end(i)["gc_collections_delta"]
            have = at(i).get("gc_collections")
            if have != want:
                bad.append("frame %d: gc_collections %r, truth %r" % (i, have, want))
            want_c = sum(end(i)["gc_collected_delta"])
            if at(i).get("gc_collected") != want_c:
                bad.append("frame %d: gc_collected %r, truth %r"
                           % (i, at(i).get("gc_collected"), want_c))
        # Both clocks are CLOCK_MONOTONIC: the tool stamps the marker call,
        # which the truth brackets between ts_ns (read just before the call)
        # and ts_after_ns (read when it returns).
        slack = 500000
        stalls = []
        for i in range(n):
            lo, hi = end(i)["ts_ns"], end(i)["ts_after_ns"]
            if hi - lo > 5000000:
                stalls.append("%d (%.1f ms)" % (i, (hi - lo) / 1e6))
            if i not in frames:
                continue  # reported above
            have = at(i).get("ts_ns")
            if not isinstance(have, int) or not lo - slack <= have <= hi + slack:
                bad.append("frame %d: ts_ns %r outside the marker call [%d, %d]"
                           % (i, have, lo, hi))
            lo, hi = tf[i + 1]["ts_ns"] - tf[i]["ts_after_ns"], \
                tf[i + 1]["ts_after_ns"] - tf[i]["ts_ns"]
            have = at(i).get("duration_ns")
            if not isinstance(have, int) or not lo - slack <= have <= hi + slack:
                bad.append("frame %d: duration_ns %r outside [%d, %d]" % (i, have, lo, hi))
        if stalls:
            print("    (marker calls that took over 5 ms in frames %s)" % ", ".join(stalls[:10]))
        for i in sorted(frames):
            want, have = end(i)["rss_bytes"], at(i).get("rss_bytes")
            if not isinstance(have, int) or abs(have - want) > 0.02 * want:
                bad.append("frame %d: rss_bytes %r, truth %d (off by more than 2 %%)"
                           % (i, have, want))

        # Spikes only on planted frames; except time-only spikes on frames
        # that really took long (a stall of the VM): shown, not failed.
        period = 1e9 / truth["fps"] if truth.get("fps") else 0
        spikes = {i for i, f in frames.items() if f.get("spike")}
        unplanned = sorted(spikes - set(planted) - set(range(warmup)))
        # A time spike is right when the frame really was slow: the workload's
        # own clock, from the return of the marker call that started the frame
        # to the return of the one that ended it (a stall of the VM can land
        # anywhere, inside the marker call too: such calls are listed above).
        excused = [i for i in unplanned if period and at(i).get("spike_kind") == "time"
                   and end(i)["ts_after_ns"] - tf[i]["ts_after_ns"] > 1.5 * period]
        if excused:
            print("    (time spikes on unplanned frames that took over 1.5 frame periods "
                  "in the truth too: %s)" % excused)
        unplanned = [i for i in unplanned if i not in excused]
        if unplanned:
            bad.append("spikes on unplanned frames %s (planted: %s)%s" % (
                unplanned[:20], sorted(planted), "".join(
                    "\n    frame %d: spike_kind %r, duration_ns %r, rss_delta_bytes %r"
                    % (i, at(i).get("spike_kind"), at(i).get("duration_ns"),
                       at(i).get("rss_delta_bytes")) for i in unplanned[:5])))

        for fr, kind in sorted(planted.items()):
            f = at(fr)
            desc = "%s frame %d (%s)" % (kind, fr, {k: f.get(k) for k in (
                "duration_ns", "spike", "spike_kind", "dropped", "cause", "gc_generation",
                "rss_delta_bytes", "minflt", "gc_ns")})
            if kind == "alloc":
                if not f.get("spike") or "memory" not in (f.get("spike_kind") or ""):
                    bad.append("%s: not a memory spike" % desc)
                if f.get("dropped") and f.get("cause") not in ("heap_growth", "page_faults"):
                    bad.append("%s: dropped with cause %r" % (desc, f.get("cause")))
                if not isinstance(f.get("rss_delta_bytes"), int) or \
                        f["rss_delta_bytes"] < 60 << 20:
                    bad.append("%s: rss_delta_bytes under 60 MiB" % desc)
            elif kind == "gc":
                if not f.get("dropped") or f.get("cause") != "gc":
                    bad.append("%s: expected dropped with cause gc" % desc)
                if f.get("gc_generation") != 2:
                    bad.append("%s: gc_generation %r, expected 2" % (desc, f.get("gc_generation")))
                took = end(fr).get("planted_ns") or 0
                if not isinstance(f.get("gc_ns"), int) or f["gc_ns"] < took // 2:
                    bad.append("%s: gc_ns under half the %d ns gc.collect() took"
                               % (desc, took))
            elif kind == "slow":
                if not f.get("dropped") or f.get("cause") is not None:
                    bad.append("%s: expected dropped with cause null" % desc)

        # page faults: all the tool's frames against the truth's counters
        # read at the first and the last marker call
        ours = sum(at(i).get("minflt") or 0 for i in range(n))
        theirs = tf[-1]["minflt"] - tf[0]["minflt"]
        if abs(ours - theirs) > 0.05 * theirs + 200:
            bad.append("minflt over frames 0..%d: %d, truth %d" % (n - 1, ours, theirs))

        if bad:
            self.fail("%d mismatches with the ground truth:\n  %s"
                      % (len(bad), "\n  ".join(bad[:25])))

    def refused(self, py, version):
        tmp = it.Tmp("unsupported-" + version)
        self.addCleanup(tmp.cleanup)
        cmd = [it.TOOL, "--quiet", "--json", tmp("out.jsonl"), "--", py, it.PLANTED_SDL,
               "--frames", str(FRAMES), "--plan", it.PLAN]
        rc, sout, serr = it.run(cmd, timeout=60)
        self.assertEqual(rc, it.EXIT["unsupported"],
                         "Python %s: expected exit 5\n%s" % (version, it.describe(rc, sout, serr)))
        lines = it.stderr_lines(serr)
        self.assertEqual(len(lines), 1, "expected a one-line error, got:\n%s" % serr)
        self.assertTrue(re.search(r"\b%s\b" % re.escape(version), lines[0]),
                        "the error does not name version %s: %s" % (version, lines[0]))


def _add_tests():
    def debian(self):
        if not os.access(it.DEBIAN_PY, os.X_OK):
            self.skipTest("%s absent" % it.DEBIAN_PY)
        if not it.has_pygame():
            self.skipTest("pygame not importable by %s" % it.DEBIAN_PY)
        self.launch(it.DEBIAN_PY, it.PLANTED_PYGAME, "debian")
    LaunchTest.test_launch_debian_python3_pygame = debian

    found = it.pyenv_pythons()
    versions = set(found) | {"2.7", "3.6", "3.7"} | {"3.%d" % m for m in range(8, 14)}
    for v in sorted(versions, key=_version_key):
        exe = found.get(v)
        supported = _version_key(v) >= it.SUPPORTED_MIN

        def test(self, v=v, exe=exe, supported=supported):
            if not exe:
                self.skipTest("pyenv CPython %s not installed (pyenv root: %s)"
                              % (v, it.pyenv_root()))
            if not it.has_sdl2():
                self.skipTest("libSDL2 not found")
            if supported:
                self.launch(exe, it.PLANTED_SDL, "pyenv" + v)
            else:
                self.refused(exe, v)
        name = "test_%s_pyenv_%s_sdl" % ("launch" if supported else "unsupported",
                                         v.replace(".", "_"))
        setattr(LaunchTest, name, test)


_add_tests()

if __name__ == "__main__":
    unittest.main(verbosity=2)
