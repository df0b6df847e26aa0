# SPDX-License-Identifier: BSD-2-Clause
"""python_heap against the interpreter's own count: a workload creates 40 MiB
of small objects at a known frame and drops them later, and before each
marker call records sys._debugmallocstats()'s "arenas allocated current".
The tool's python_heap_bytes for that frame must equal arenas x arena size,
exactly: the workload sleeps after each marker call while the tool reads, and
allocates nothing between its measurement and the marker call. Launch mode on
Debian's python3 and every pyenv CPython 3.8-3.13, attach mode once, and a
budget counting python_heap that is exceeded at the known frame."""
import json
import os
import time
import unittest

import pmt_it as it

WORKLOAD = os.path.join(it.WORKLOADS, "pyheap_sdl.py")
FRAMES, ALLOC, FREE, MIB = 30, 10, 20, 40
BUDGET_EXIT = 10


def tool_frame(frames, t):
    """The tool's frame record ending at the workload's marker call of truth
    frame t (matched by CLOCK_MONOTONIC), or None."""
    for r in frames:
        if t["ts_ns"] <= r["ts_ns"] <= t["ts_after_ns"]:
            return r
    return None


class PyHeapTest(unittest.TestCase):
    maxDiff = None

    def workload_args(self, truth, extra=()):
        return [WORKLOAD, "--frames", str(FRAMES), "--alloc-frame", str(ALLOC),
                "--free-frame", str(FREE), "--mib", str(MIB), "--frame-sleep", "0.2",
                "--truth", truth] + list(extra)

    def compare(self, out, truth_path):
        self.assertTrue(os.path.exists(truth_path), "the workload wrote no truth file")
        with open(truth_path) as f:
            truth = json.load(f)
        recs = it.load_jsonl(out)
        frames = it.records_of(recs, "frame")
        size = truth["arena_size"]
        self.assertIn(size, (256 << 10, 1 << 20), truth)
        matched = []
        for t in truth["per_frame"]:
            r = tool_frame(frames, t)
            if r is None:
                continue
            self.assertIsNotNone(t["arenas"], "no arena count in the workload's stats")
            self.assertEqual(r["python_heap_bytes"], t["arenas"] * size,
                             "Python %s, workload frame %d (tool frame %d): %d arenas of "
                             "%d bytes" % (truth["version"], t["frame"], r["frame"],
                                           t["arenas"], size))
            matched.append(t["frame"])
        # Every frame but the first (which only starts the tool's frame 0).
        for want in (1, ALLOC - 1, ALLOC, FREE - 1, FREE, FRAMES - 1):
            self.assertIn(want, matched, "workload frame %d has no tool frame" % want)
        by = {t["frame"]: t["arenas"] for t in truth["per_frame"]}
        self.assertGreaterEqual((by[ALLOC] - by[ALLOC - 1]) * size, MIB << 20,
                                "the planted objects did not take %d MiB of arenas" % MIB)
        self.assertLess(by[FREE], by[ALLOC])
        return truth, recs

    def launch(self, py, tag):
        if not it.has_sdl2():
            self.skipTest("libSDL2 not found")
        tmp = it.Tmp("pyheap-" + tag)
        self.addCleanup(tmp.cleanup)
        out, truth = tmp("out.jsonl"), tmp("truth.json")
        cmd = [it.TOOL, "--quiet", "--json", out, "--", py] + self.workload_args(truth)
        rc, sout, serr = it.run(cmd, timeout=120)
        self.assertEqual(rc, 0, "%s\n%s" % (" ".join(cmd), it.describe(rc, sout, serr)))
        self.compare(out, truth)

    def test_attach_debian_python3(self):
        if not os.access(it.DEBIAN_PY, os.X_OK):
            self.skipTest("%s absent" % it.DEBIAN_PY)
        if not it.has_sdl2():
            self.skipTest("libSDL2 not found")
        tmp = it.Tmp("pyheap-attach")
        self.addCleanup(tmp.cleanup)
        out, truth = tmp("out.jsonl"), tmp("truth.json")
        game = it.spawn([it.DEBIAN_PY] + self.workload_args(truth, ["--start-delay", "2"]),
                        env=dict(os.environ, **it.WORKLOAD_ENV))
        self.addCleanup(it.stop, game)
        time.sleep(0.5)
        cmd = [it.TOOL, "-p", str(game.pid), "--quiet", "--json", out]
        rc, sout, serr = it.run(cmd, timeout=60)
        self.assertEqual(rc, 0, it.describe(rc, sout, serr))
        truth_d, recs = self.compare(out, truth)
        self.assertEqual(recs[0].get("mode"), "attach")
        peak = max(r["python_heap_bytes"] or 0 for r in it.records_of(recs, "frame"))
        plat = it.records_of(recs, "platforms")
        self.assertEqual(len(plat), 1)
        self.assertEqual(plat[0]["python_heap_peak_bytes"], peak)
        self.assertEqual(peak, max(t["arenas"] for t in truth_d["per_frame"][1:])
                         * truth_d["arena_size"])

    def test_budget_python_heap(self):
        if not os.access(it.DEBIAN_PY, os.X_OK):
            self.skipTest("%s absent" % it.DEBIAN_PY)
        if not it.has_sdl2():
            self.skipTest("libSDL2 not found")
        tmp = it.Tmp("pyheap-budget")
        self.addCleanup(tmp.cleanup)
        out, truth, ini = tmp("out.jsonl"), tmp("truth.json"), tmp("b.ini")
        with open(ini, "w") as f:
            f.write("[objects]\nlimit = 24MiB\nwarn = 95%\ncategories = python_heap\n")
        cmd = [it.TOOL, "--quiet", "--json", out, "--budget", ini, "--fail-on-violation",
               "--", it.DEBIAN_PY] + self.workload_args(truth)
        rc, sout, serr = it.run(cmd, timeout=120)
        self.assertEqual(rc, BUDGET_EXIT, it.describe(rc, sout, serr))
        with open(truth) as f:
            t = json.load(f)
        recs = it.load_jsonl(out)
        frames = it.records_of(recs, "frame")
        per = {p["frame"]: p for p in t["per_frame"]}
        at_alloc = tool_frame(frames, per[ALLOC])["frame"]
        at_free = tool_frame(frames, per[FREE])["frame"]
        viol = it.records_of(recs, "budget_violation")
        exceeded = [v for v in viol if v["state"] == "exceeded"]
        self.assertEqual(len(exceeded), 1, viol)
        self.assertEqual(exceeded[0]["budget"], "objects")
        self.assertLessEqual(abs(exceeded[0]["frame"] - at_alloc), 1, (exceeded, at_alloc))
        self.assertEqual(exceeded[0]["usage_bytes"], per[ALLOC]["arenas"] * t["arena_size"])
        back = [v for v in viol if v["state"] == "ok"]
        self.assertEqual(len(back), 1, viol)
        self.assertLessEqual(abs(back[0]["frame"] - at_free), 1, (back, at_free))
        self.assertIn("pmtrace: budget objects exceeded at frame", sout)


def _add_tests():
    def debian(self):
        if not os.access(it.DEBIAN_PY, os.X_OK):
            self.skipTest("%s absent" % it.DEBIAN_PY)
        self.launch(it.DEBIAN_PY, "debian")
    PyHeapTest.test_launch_debian_python3 = debian

    found = it.pyenv_pythons()
    for m in range(8, 14):
        v = "3.%d" % m

        def test(self, v=v, exe=found.get(v)):
            if not exe:
                self.skipTest("pyenv CPython %s not installed (pyenv root: %s)"
                              % (v, it.pyenv_root()))
            self.launch(exe, "pyenv" + v)
        setattr(PyHeapTest, "test_launch_pyenv_%s" % v.replace(".", "_"), test)


_add_tests()
