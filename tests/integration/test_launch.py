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
        n = truth["frames"]
        self.assertEqual(n, FRAMES, "workload did not run all its frames")
        frames = it.records_of(recs, "frame")
        self.assertEqual(len(frames), n, "frame records vs marker calls")
        self.assertEqual(final.get("frames"), n, "final.frames vs marker calls")
        self.assertEqual([f.get("frame") for f in frames], list(range(n)),
                         "frame numbers are not 0..N-1")
        self.assertEqual(final.get("exit_reason"), "target_exited")
        self.assertEqual(final.get("target_exit_code"), 0)

        tf = truth["per_frame"]
        planted = {p["frame"]: p["kind"] for p in truth["plan"]}
        warmup = truth.get("warmup_frames", 1)
        bad = []

        for i in range(1, n):
            want = tf[i]["gc_collections_delta"]
            have = frames[i].get("gc_collections")
            if have != want:
                bad.append("frame %d: gc_collections %r, truth %r" % (i, have, want))
            want_c = sum(tf[i]["gc_collected_delta"])
            if frames[i].get("gc_collected") != want_c:
                bad.append("frame %d: gc_collected %r, truth %r"
                           % (i, frames[i].get("gc_collected"), want_c))
        # both clocks are CLOCK_MONOTONIC: the truth is read a few µs before
        # the marker call the tool stamps (frame 0 of pygame: before set_mode)
        for i in range(1, n):
            have = frames[i].get("ts_ns")
            if not isinstance(have, int) or abs(have - tf[i]["ts_ns"]) > 2000000:
                bad.append("frame %d: ts_ns %r, truth %d (off by more than 2 ms)"
                           % (i, have, tf[i]["ts_ns"]))
            want = tf[i]["ts_ns"] - tf[i - 1]["ts_ns"]
            have = frames[i].get("duration_ns")
            if not isinstance(have, int) or abs(have - want) > 2000000:
                bad.append("frame %d: duration_ns %r, truth %d (off by more than 2 ms)"
                           % (i, have, want))
        for i in range(n):
            want, have = tf[i]["rss_bytes"], frames[i].get("rss_bytes")
            if not isinstance(have, int) or abs(have - want) > 0.02 * want:
                bad.append("frame %d: rss_bytes %r, truth %d (off by more than 2 %%)"
                           % (i, have, want))

        spikes = {f["frame"] for f in frames if f.get("spike")}
        unplanned = sorted(spikes - set(planted) - set(range(warmup)))
        if unplanned:
            bad.append("spikes on unplanned frames %s (planted: %s)"
                       % (unplanned[:20], sorted(planted)))

        for fr, kind in sorted(planted.items()):
            f = frames[fr]
            desc = "%s frame %d (%s)" % (kind, fr, {k: f.get(k) for k in (
                "duration_ns", "spike", "spike_kind", "dropped", "cause", "gc_generation",
                "rss_delta_bytes", "minflt", "fault_ns", "gc_ns")})
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
                took = tf[fr].get("planted_ns") or 0
                if not isinstance(f.get("gc_ns"), int) or f["gc_ns"] < took // 2:
                    bad.append("%s: gc_ns under half the %d ns gc.collect() took"
                               % (desc, took))
            elif kind == "slow":
                if not f.get("dropped") or f.get("cause") is not None:
                    bad.append("%s: expected dropped with cause null" % desc)

        ours = sum(f.get("minflt") or 0 for f in frames[1:])
        theirs = tf[-1]["minflt"] - tf[0]["minflt"]
        if abs(ours - theirs) > 0.05 * theirs + 200:
            bad.append("minflt over frames 1..%d: %d, truth %d" % (n - 1, ours, theirs))

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
