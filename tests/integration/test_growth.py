# SPDX-License-Identifier: BSD-2-Clause
"""Growth sites: the memory a frame grows is attributed to the Python code
that touched it. A planted workload allocates and touches 16 MiB in one known
frame, from one known line (planted_common.py, Workload._planted); the
frame's top growth site must be that function, file and line, with page
faults x page size and mapped bytes within 3 % of 16 MiB, on Debian's
python3 + pygame and on every pyenv CPython 3.8+ present (+ ctypes SDL2).
--no-growth-sites must leave the sites null."""
import os
import unittest

import pmt_it as it

FRAMES = 70
ALLOC_FRAME = 40  # loop frame: tool frame ALLOC_FRAME - 1
MIB = 16
SITE_SOURCE = 'self.kept_alloc.append(b"x" * (arg << 20))'
COMMON = os.path.join(it.WORKLOADS, "planted_common.py")


def _site_line():
    with open(COMMON) as f:
        for n, line in enumerate(f, 1):
            if SITE_SOURCE in line:
                return n
    raise AssertionError("planted line not found in %s" % COMMON)


def _version_key(v):
    return tuple(int(x) for x in v.split("."))


class GrowthTest(unittest.TestCase):
    maxDiff = None

    def run_tool(self, py, workload, tag, extra=()):
        tmp = it.Tmp("growth-" + tag)
        self.addCleanup(tmp.cleanup)
        out = tmp("out.jsonl")
        cmd = [it.TOOL, "--quiet", "--json", out] + list(extra) + [
            "--", py, workload, "--frames", str(FRAMES),
            "--plan", "alloc:%d:%d" % (ALLOC_FRAME, MIB)]
        rc, sout, serr = it.run(cmd, timeout=120)
        self.assertEqual(rc, 0, "%s\n%s" % (" ".join(cmd), it.describe(rc, sout, serr)))
        recs = it.load_jsonl(out)
        frames = {r["frame"]: r for r in it.records_of(recs, "frame")}
        finals = it.records_of(recs, "final")
        self.assertEqual(len(finals), 1)
        return frames, finals[0]

    def check_site(self, site, where):
        line = _site_line()
        want_file = os.path.realpath(COMMON)
        top = site["stack"][0]
        func, _, loc = top.partition(" (")
        path, _, lineno = loc.rstrip(")").rpartition(":")
        self.assertTrue(func.endswith("_planted"), "%s: top site %r, want _planted" % (where, top))
        self.assertEqual(os.path.realpath(path), want_file, "%s: top site %r" % (where, top))
        self.assertEqual(int(lineno), line, "%s: top site %r, want line %d" % (where, top, line))
        self.assertFalse(site["partial"], "%s: partial stack %r" % (where, site["stack"]))

    def growth(self, py, workload, tag):
        frames, final = self.run_tool(py, workload, tag)
        i = ALLOC_FRAME - 1
        self.assertIn(i, frames, "no frame record %d" % i)
        sites = frames[i].get("growth_sites")
        self.assertTrue(sites, "frame %d: growth_sites %r" % (i, sites))
        want = MIB << 20
        top = sites[0]
        self.check_site(top, "frame %d" % i)
        self.assertEqual(top["fault_bytes"], top["faults"] * 4096)
        self.assertLess(abs(top["fault_bytes"] - want), want * 0.03,
                        "frame %d: %d faults x 4096 = %d bytes for %d MiB touched"
                        % (i, top["faults"], top["fault_bytes"], MIB))
        self.assertLess(abs(top["mapped_bytes"] - want), want * 0.03,
                        "frame %d: mapped_bytes %d for %d MiB" % (i, top["mapped_bytes"], MIB))
        # the site's faults are the frame's own (all threads' minflt)
        self.assertLessEqual(top["faults"], frames[i]["minflt"])
        # no other steady frame attributes a MiB to anything
        for n, fr in frames.items():
            if n in (i, 0, 1):
                continue
            gs = fr.get("growth_sites")
            self.assertIsNotNone(gs, "frame %d: growth_sites null" % n)
            big = [s for s in gs if s["fault_bytes"] >= (1 << 20)]
            self.assertFalse(big, "frame %d: unexpected growth %r" % (n, big))
        run = final.get("growth_sites")
        self.assertTrue(run, "final.growth_sites %r" % (run,))
        self.check_site(run[0], "final")
        self.assertEqual(run[0]["frames"], 1)
        self.assertGreaterEqual(run[0]["fault_bytes"], top["fault_bytes"])
        self.assertEqual(final.get("growth_dropped"), 0)

    def test_off_debian_python3_pygame(self):
        if not os.access(it.DEBIAN_PY, os.X_OK) or not it.has_pygame():
            self.skipTest("%s with pygame absent" % it.DEBIAN_PY)
        frames, final = self.run_tool(it.DEBIAN_PY, it.PLANTED_PYGAME, "off",
                                      ["--no-growth-sites"])
        self.assertTrue(frames)
        self.assertEqual([n for n, f in frames.items() if f.get("growth_sites") is not None],
                         [], "growth_sites not null with --no-growth-sites")
        self.assertIsNone(final.get("growth_sites"))


def _add_tests():
    def debian(self):
        if not os.access(it.DEBIAN_PY, os.X_OK):
            self.skipTest("%s absent" % it.DEBIAN_PY)
        if not it.has_pygame():
            self.skipTest("pygame not importable by %s" % it.DEBIAN_PY)
        self.growth(it.DEBIAN_PY, it.PLANTED_PYGAME, "debian")
    GrowthTest.test_growth_debian_python3_pygame = debian

    found = it.pyenv_pythons()
    versions = {"3.%d" % m for m in range(8, 14)} | {
        v for v in found if _version_key(v) >= it.SUPPORTED_MIN}
    for v in sorted(versions, key=_version_key):
        exe = found.get(v)

        def test(self, v=v, exe=exe):
            if not exe:
                self.skipTest("pyenv CPython %s not installed (pyenv root: %s)"
                              % (v, it.pyenv_root()))
            if not it.has_sdl2():
                self.skipTest("libSDL2 not found")
            self.growth(exe, it.PLANTED_SDL, "pyenv" + v)
        setattr(GrowthTest, "test_growth_pyenv_%s_sdl" % v.replace(".", "_"), test)


_add_tests()
