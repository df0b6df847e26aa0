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
        cmd = [it.TOOL, "--quiet", "--interval", "0", "--json", out, "--trace-frames", "40-42",
               "--trace-on-spike", "0", "--", py, WORKLOAD, "--frames", "120", "--fps", "60"] + args
        rc, sout, serr = it.run(cmd, timeout=180)
        self.assertEqual(rc, 0, it.describe(rc, sout, serr))
        recs = it.load_jsonl(out)
        traces = it.records_of(recs, "trace")
        self.assertEqual(sorted(r["frame"] for r in traces), [40, 41, 42],
                         "traced frames; stderr: %s" % it.tail(serr))
        for r in traces:
            self.assertTrue(r["complete"])
            for marker, func in (("PLANT_OBJ", "plant"), ("PLANT_BLOB", "plant")):
                want = lines[marker]
                s = site(r, func, truth["file"], want["line"])
                self.assertIsNotNone(s, "frame %d: no site %s line %d in %s" % (
                    r["frame"], func, want["line"], [x["stack"][:1] for x in r["top_by_count"]]))
                # at least 99 % of the allocations and bytes, and no more than 1 % extra
                self.assertGreaterEqual(s["allocs"], 0.99 * want["count"], (marker, s))
                self.assertLessEqual(s["allocs"], 1.01 * want["count"], (marker, s))
                self.assertGreaterEqual(s["bytes"], 0.99 * want["size"], (marker, s))
                self.assertLessEqual(s["bytes"], 1.01 * want["size"], (marker, s))
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
