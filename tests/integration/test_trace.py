# SPDX-License-Identifier: BSD-2-Clause
"""Trace mode against planted allocations, on every CPython present
(Debian's LTO-built python3, where most allocations happen in inlined copies
of pymalloc, and each pyenv build): a frame that makes exactly N objects of
a known class and M bytes objects of a known size, at known lines. The two
references are the planted numbers and tracemalloc's count and bytes for
those lines (the workload's --reference run). Also: --trace-frames traces
exactly the frames asked for, --trace-every spaces them, and a game that
stops presenting mid-trace loses its probes."""
import os
import unittest

import pmt_it as it

WORKLOAD = os.path.join(it.REPO, "tests", "integration", "workloads", "trace_alloc.py")
OBJECTS, BLOBS, BLOB_SIZE = 4000, 40, 3000


def site(rec, func, path, line, key="top_by_count"):
    want = "%s (%s:%d)" % (func, path, line)
    for s in rec[key]:
        if s["stack"] and s["stack"][0] == want:
            return s
    return None


class TraceTest(unittest.TestCase):
    pass


def _make(py, label):
    def test(self):
        if not it.has_sdl2():
            self.skipTest("libSDL2 not found")
        tmp = it.Tmp("trace_" + label)
        self.addCleanup(tmp.cleanup)
        truth_path, out = tmp("truth.json"), tmp("out.jsonl")
        args = ["--objects", str(OBJECTS), "--blobs", str(BLOBS), "--blob-size", str(BLOB_SIZE)]
        rc, sout, serr = it.run([py, WORKLOAD, "--reference", "--truth", truth_path] + args)
        self.assertEqual(rc, 0, it.describe(rc, sout, serr))
        with open(truth_path) as f:
            import json
            truth = json.load(f)
        lines = truth["lines"]
        # tracemalloc agrees with what was planted, or the reference is void
        self.assertEqual(lines["PLANT_OBJ"]["count"], OBJECTS)
        self.assertEqual(lines["PLANT_BLOB"]["count"], BLOBS)
        cmd = [it.TOOL, "-v", "--quiet", "--interval", "0", "--json", out, "--trace-frames", "100-102",
               "--trace-on-spike", "0", "--", py, WORKLOAD, "--frames", "180", "--fps", "60"] + args
        rc, sout, serr = it.run(cmd, timeout=180)
        self.assertEqual(rc, 0, it.describe(rc, sout, serr))
        recs = it.load_jsonl(out)
        traces = it.records_of(recs, "trace")
        self.assertEqual(sorted(r["frame"] for r in traces), [100, 101, 102],
                         "traced frames; stderr: %s" % "\n".join(
                             l for l in serr.splitlines() if "trac" in l or "whole" in l))
        for r in traces:
            self.assertTrue(r["complete"])
            for marker, func in (("PLANT_OBJ", "plant"), ("PLANT_BLOB", "plant")):
                want = lines[marker]
                s = site(r, func, truth["file"], want["line"])
                self.assertIsNotNone(s, "frame %d: no site %s line %d in %s" % (
                    r["frame"], func, want["line"], [x["stack"][:1] for x in r["top_by_count"]]))
                # at least 99 % of the allocations and bytes; no more than 1 % extra,
                # or two small blocks the interpreter itself may make at that line
                # while it runs (tracemalloc, which sees only what is still alive
                # at its snapshot, cannot see those)
                self.assertGreaterEqual(s["allocs"], 0.99 * want["count"], (marker, s))
                self.assertLessEqual(s["allocs"], max(1.01 * want["count"], want["count"] + 2),
                                     (marker, s))
                self.assertGreaterEqual(s["bytes"], 0.99 * want["size"], (marker, s))
                self.assertLessEqual(s["bytes"], 1.01 * want["size"] + 2 * 512, (marker, s))
            # the planted objects are the frame's largest site by count
            top = r["top_by_count"][0]["stack"][0]
            self.assertEqual(top, "plant (%s:%d)" % (truth["file"], lines["PLANT_OBJ"]["line"]))
            # the stack goes on to the caller
            self.assertTrue(r["top_by_count"][0]["stack"][1].startswith("main ("))
            # the objects planted in the previous frame die in this one
            self.assertGreaterEqual(r["frees"], OBJECTS + BLOBS)
            self.assertGreaterEqual(r["allocs"], OBJECTS + BLOBS)
            self.assertGreaterEqual(r["survivors"]["count"] + r["unclassified"]["count"],
                                    OBJECTS + BLOBS)
            hist = {(h["min"], h["max"]): h["count"] for h in r["histogram"]}
            obj_size = want_size = lines["PLANT_OBJ"]["size"] // OBJECTS
            cls = [k for k in hist if k[0] <= obj_size <= (k[1] or 1 << 62)]
            self.assertEqual(len(cls), 1, hist)
            self.assertGreaterEqual(hist[cls[0]], OBJECTS)
            del want_size
        summ = it.records_of(recs, "trace_summary")
        self.assertEqual(len(summ), 1)
        self.assertEqual(summ[0]["frames_traced"], 3)
    test.__name__ = "test_trace_" + label
    return test


_pys = []
if os.access(it.DEBIAN_PY, os.X_OK):
    _pys.append((it.DEBIAN_PY, "debian"))
for _v, _exe in sorted(it.pyenv_pythons().items()):
    if tuple(int(x) for x in _v.split(".")[:2]) >= it.SUPPORTED_MIN:
        _pys.append((_exe, "pyenv_" + "_".join(_v.split(".")[:2])))
for _py, _label in _pys:
    setattr(TraceTest, "test_trace_" + _label, _make(_py, _label))


class TraceControlTest(unittest.TestCase):
    def setUp(self):
        if not it.has_sdl2():
            self.skipTest("libSDL2 not found")
        self.tmp = it.Tmp("trace_ctl")
        self.addCleanup(self.tmp.cleanup)

    def test_every(self):
        """--trace-every 25 over 150 frames, with the governor out of the way:
        traced frames are complete and spaced by at least 25."""
        out = self.tmp("every.jsonl")
        cmd = [it.TOOL, "--quiet", "--interval", "0", "--json", out, "--trace-every", "25",
               "--max-overhead", "100", "--trace-on-spike", "0", "--", it.DEBIAN_PY, WORKLOAD,
               "--frames", "150", "--fps", "60", "--objects", "500", "--blobs", "5"]
        rc, sout, serr = it.run(cmd, timeout=120)
        self.assertEqual(rc, 0, it.describe(rc, sout, serr))
        frames = [r["frame"] for r in it.records_of(it.load_jsonl(out), "trace")]
        self.assertGreaterEqual(len(frames), 3, frames)
        self.assertLessEqual(len(frames), 6, frames)
        gaps = [b - a for a, b in zip(frames, frames[1:])]
        self.assertTrue(all(g >= 25 for g in gaps), frames)

    def test_frame_never_ends(self):
        """The game stops presenting inside a traced frame: the probes come out
        after a while, the frame is reported incomplete, the game runs on."""
        out = self.tmp("stall.jsonl")
        cmd = [it.TOOL, "-v", "--quiet", "--interval", "0", "--json", out, "--trace-frames",
               "30-31", "--trace-on-spike", "0", "--", it.DEBIAN_PY, WORKLOAD, "--frames", "60",
               "--fps", "60", "--objects", "500", "--blobs", "5", "--stall-at", "30",
               "--stall-seconds", "5"]
        rc, sout, serr = it.run(cmd, timeout=120)
        self.assertEqual(rc, 0, it.describe(rc, sout, serr))
        self.assertIn("probes removed", serr)
        self.assertRegex(serr, r"no frame ended for [0-9.]+ s while tracing")
        recs = it.load_jsonl(out)
        traces = it.records_of(recs, "trace")
        self.assertTrue(traces and traces[0]["frame"] == 30 and not traces[0]["complete"],
                        [(r["frame"], r["complete"]) for r in traces])
        self.assertGreaterEqual(traces[0]["allocs"], 500)
        # the game went on to the end: all its frames are there
        self.assertEqual(len(it.records_of(recs, "frame")), 59)


def _make_attach(py, label):
    def test(self):
        """Attach to a running game: every traced frame counts the planted
        objects (a call entered while the probes went in must not leave its
        thread counted as inside an allocator)."""
        if not it.has_sdl2():
            self.skipTest("libSDL2 not found")
        tmp = it.Tmp("trace_attach_" + label)
        self.addCleanup(tmp.cleanup)
        out = tmp("attach.jsonl")
        game = it.spawn([py, WORKLOAD, "--frames", "100000", "--fps", "60", "--objects", "1000",
                         "--blobs", "5"])
        self.addCleanup(it.stop, game)
        import time
        time.sleep(1.5)
        cmd = [it.TOOL, "--quiet", "--interval", "0", "--json", out, "--pid", str(game.pid),
               "--duration", "4", "--trace-every", "40", "--max-overhead", "100",
               "--trace-on-spike", "0"]
        rc, sout, serr = it.run(cmd, timeout=120)
        self.assertEqual(rc, 0, it.describe(rc, sout, serr))
        traces = it.records_of(it.load_jsonl(out), "trace")
        self.assertGreaterEqual(len(traces), 2)
        for r in traces:
            s = [x for x in r["top_by_count"] if x["stack"][0].startswith("plant (")]
            self.assertTrue(s and s[0]["allocs"] == 1000,
                            "frame %d: %s" % (r["frame"], [(x["allocs"], x["stack"][:1])
                                                           for x in r["top_by_count"]]))
        self.assertIsNone(game.poll(), "the game must still run")
    test.__name__ = "test_attach_" + label
    return test


_att = [(p, l) for p, l in _pys if l == "debian"]
_newest = sorted((x for x in _pys if x[1] != "debian"),
                 key=lambda x: tuple(int(v) for v in x[1].split("_")[1:]))[-1:]
for _py, _label in _att + _newest:
    setattr(TraceControlTest, "test_attach_" + _label, _make_attach(_py, _label))
