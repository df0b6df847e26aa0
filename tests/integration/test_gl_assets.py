# SPDX-License-Identifier: BSD-2-Clause
"""OpenGL textures and buffers as assets, on a real GL context: pygame's
OpenGL display under Xvfb, rendered by Mesa's llvmpipe, with GL calls made
both through libGL.so.1's exports and through SDL_GL_GetProcAddress
(libGLdispatch's stubs); the probes start on GLVND's stubs and move to
Mesa's functions once a context is current (checked in --verbose). Every live texture's and buffer's bytes and
dimensions, the leak site's function and line with its live count, live
counts after deletions and a churn of one texture a frame are checked
against the workload's own truth."""
import json
import os
import shutil
import subprocess
import unittest
from collections import Counter

import pmt_it as it

WORKLOAD = os.path.join(it.WORKLOADS, "assets_gl.py")
FRAMES = 240
XVFB = "/usr/bin/Xvfb"


def start_xvfb():
    """Start Xvfb on a free display; (process, ':N') or (None, why)."""
    if not os.access(XVFB, os.X_OK):
        return None, "Xvfb not installed (scripts/install-deps.sh installs xvfb)"
    r, w = os.pipe()
    proc = subprocess.Popen([XVFB, "-displayfd", str(w), "-screen", "0", "320x240x24",
                             "-nolisten", "tcp"], pass_fds=(w,), stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, start_new_session=True)
    os.close(w)
    with os.fdopen(r) as f:
        num = f.readline().strip()
    if not num:
        it.stop(proc)
        return None, "Xvfb did not start"
    return proc, ":" + num


class GlAssetsTest(unittest.TestCase):
    maxDiff = None

    def setUp(self):
        if not os.access(it.DEBIAN_PY, os.X_OK) or not it.has_pygame():
            self.skipTest("pygame not importable by %s" % it.DEBIAN_PY)
        if not shutil.which("ldconfig") or b"libGL.so.1" not in subprocess.run(
                ["ldconfig", "-p"], stdout=subprocess.PIPE).stdout:
            self.skipTest("no libGL.so.1 (scripts/install-deps.sh installs libgl1)")
        self.xvfb, self.display = start_xvfb()
        if not self.xvfb:
            self.skipTest(self.display)
        self.addCleanup(it.stop, self.xvfb)

    def test_gl_textures_and_buffers(self):
        tmp = it.Tmp("gl")
        self.addCleanup(tmp.cleanup)
        out, truth_path = tmp("out.jsonl"), tmp("truth.json")
        env = dict(os.environ, DISPLAY=self.display, SDL_VIDEODRIVER="x11",
                   LIBGL_ALWAYS_SOFTWARE="1")
        cmd = [it.TOOL, "--quiet", "--verbose", "--interval", "1", "--top", "50", "--json", out, "--",
               it.DEBIAN_PY, WORKLOAD, "--frames", str(FRAMES), "--truth", truth_path]
        rc, sout, serr = it.run(cmd, timeout=90, env=env)
        self.assertEqual(rc, 0, it.describe(rc, sout, serr))
        # the probes left GLVND's stubs (single-stepped) for Mesa's functions, where
        # binds and buffer uploads sit on emulated instructions
        self.assertRegex(serr, r"GL probes moved from GLVND's \d+ stub probes to \d+ in \S+",
                         "GL probes stayed on the stubs:\n" + serr[-3000:])
        for fn in ("glBindTexture", "glBindBuffer", "glActiveTexture", "glBufferData",
                   "glTexImage2D"):
            self.assertRegex(serr, r"GL probe %s\b.* on the vendor's function "
                             r"\S+(_dri|gallium|GLX_mesa)\S*\+0x[0-9a-f]+ at \+\d+ \(emulated" % fn)
        with open(truth_path) as f:
            truth = json.load(f)
        self.assertEqual(truth["gl_error_setup"], 0, "the workload's GL calls failed")
        self.assertEqual(truth["gl_error"], 0, "the workload's GL calls failed")
        if not truth["tex_storage"]:
            print("\n  NOTE: %s has no GL 4.2 / ARB_texture_storage: glTexStorage2D not "
                  "exercised" % truth["version"])
        if not truth["s3tc"]:
            print("\n  NOTE: no S3TC: glCompressedTexImage2D not exercised")
        recs = it.load_jsonl(out)
        final = [r for r in recs if r["type"] == "assets"][-1]
        self.assertEqual(final["scope"], "final")
        gl_tex = [a for a in final["top"] if a["type"] == "texture"
                  and a["loader"] in ("glTexImage2D", "glTexStorage2D",
                                      "glCompressedTexImage2D")]
        bufs = [a for a in final["top"] if a["type"] == "gpu_buffer"]
        leak = truth["leak"]
        want_tex = Counter((t["bytes"], t["w"], t["h"]) for t in truth["textures"])
        want_tex[(leak["bytes_each"], 32, 32)] += leak["count"]
        got_tex = Counter((a["bytes"], a["width"], a["height"]) for a in gl_tex)
        self.assertEqual(got_tex, want_tex, "live GL textures (bytes, w, h)")
        self.assertEqual(Counter(a["bytes"] for a in bufs),
                         Counter(b["bytes"] for b in truth["buffers"]), "live GL buffers")
        # live counts after deletions: nothing deleted is live, and the heatmap agrees
        by = final["by_type"]
        self.assertEqual(by["gpu_buffer"]["live"], len(truth["buffers"]))
        self.assertEqual(by["gpu_buffer"]["frees"], truth["deleted_buffers"])
        self.assertEqual(by["gpu_buffer"]["bytes"], sum(b["bytes"] for b in truth["buffers"]))
        self.assertEqual(by["texture"]["live"], len(gl_tex))
        self.assertEqual(by["texture"]["bytes"], sum(a["bytes"] for a in gl_tex))
        # one 16x16 texture made and deleted in every frame: churn
        self.assertEqual(by["texture"]["frees"], truth["deleted_textures"] + FRAMES)
        self.assertGreaterEqual(by["texture"]["churn"], FRAMES)
        self.assertGreaterEqual(by["texture"]["churn_frames"], FRAMES - 2)
        # the leak: its site is the planted function and line, with the exact live count
        site = "%s (%s:%d)" % (leak["function"], leak["file"], leak["line"])
        leaks = [x for x in final["leaks"] if x["site"] == site]
        self.assertEqual(len(leaks), 1, "leak site %s not in %r" % (site, final["leaks"]))
        self.assertEqual(leaks[0]["live"], leak["count"])
        self.assertEqual(leaks[0]["live_bytes"], leak["count"] * leak["bytes_each"])
        self.assertEqual(leaks[0]["type"], "texture")
        # every setup texture and buffer was made in make_textures() / make_buffers()
        for a in gl_tex + bufs:
            if a["site"] != site:
                self.assertRegex(a["site"], r"^make_(textures|buffers) \(.*assets_gl\.py:\d+\)$")
        self.assertEqual(final["gl_unbound_uploads"], 0)
        self.assertEqual(final["gl_names_lost"], 0)
        self.assertEqual(final["lost_events"], 0)


if __name__ == "__main__":
    unittest.main()
