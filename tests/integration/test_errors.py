# SPDX-License-Identifier: BSD-2-Clause
"""Bad input and awkward targets: each failure has its own exit status
(user/run/exit_codes.h) and a short message on stderr."""
import os
import re
import shutil
import subprocess
import unittest

import pmt_it as it

MARKER_NAMES = re.compile(r"SDL_|glX|egl|swap|present|marker", re.I)


def free_pid():
    with open("/proc/sys/kernel/pid_max") as f:
        pid = int(f.read()) - 1
    while os.path.exists("/proc/%d" % pid):
        pid -= 1
    return pid


class ErrorTest(unittest.TestCase):
    def background(self, cmd, **kw):
        proc = it.spawn(cmd, **kw)
        self.addCleanup(it.stop, proc)
        return proc

    def expect(self, cmd, code, timeout=60):
        rc, out, err = it.run(cmd, timeout=timeout)
        self.assertEqual(rc, code, "%s\nexpected exit %d\n%s"
                         % (" ".join(cmd), code, it.describe(rc, out, err)))
        return out, err

    def test_no_such_pid(self):
        out, err = self.expect([it.TOOL, "--pid", str(free_pid())], it.EXIT["no_process"])
        self.assertEqual(len(it.stderr_lines(err)), 1, "expected one line on stderr:\n%s" % err)

    def test_command_that_cannot_start(self):
        self.expect([it.TOOL, "--quiet", "--", "/nonexistent/pmt-it-no-such-command"],
                    it.EXIT["no_process"])

    def test_not_python(self):
        sleep = self.background(["sleep", "30"])
        out, err = self.expect([it.TOOL, "--pid", str(sleep.pid)], it.EXIT["not_python"])
        self.assertTrue(it.stderr_lines(err), "no message on stderr")
        self.assertIsNone(sleep.poll(), "the target died")

    def test_no_frame_marker(self):
        py = self.background([it.DEBIAN_PY, "-c", "import time; time.sleep(30)"])
        it.wait_for(lambda: "python" in open("/proc/%d/maps" % py.pid).read(), 5)
        out, err = self.expect([it.TOOL, "--pid", str(py.pid), "--marker-timeout", "1"],
                               it.EXIT["no_marker"], timeout=30)
        self.assertTrue(MARKER_NAMES.search(err),
                        "stderr does not say which markers were tried:\n%s" % err)
        self.assertIsNone(py.poll(), "the target died")

    def test_marker_never_called(self):
        # SDL loaded, a window, but no frame: the workload sleeps before frame 0
        if not it.has_sdl2():
            self.skipTest("libSDL2 not found")
        tmp = it.Tmp("nocall")
        self.addCleanup(tmp.cleanup)
        py = self.background([it.DEBIAN_PY, it.PLANTED_SDL, "--start-delay", "60",
                              "--frames", "1"])
        self.assertTrue(it.wait_for(lambda: "libSDL2" in open("/proc/%d/maps" % py.pid).read(),
                                    15), "SDL2 never got loaded by the workload")
        out, err = self.expect([it.TOOL, "--pid", str(py.pid), "--marker-timeout", "1",
                                "--json", tmp("out.jsonl")], it.EXIT["no_marker"], timeout=30)
        self.assertTrue(MARKER_NAMES.search(err),
                        "stderr does not say which markers were tried:\n%s" % err)
        self.assertIsNone(py.poll(), "the target died")
        if os.path.exists(tmp("out.jsonl")):
            it.load_jsonl(tmp("out.jsonl"))

    def test_bad_interval(self):
        sleep = self.background(["sleep", "30"])
        self.expect([it.TOOL, "--interval", "abc", "--pid", str(sleep.pid)], it.EXIT["usage"])

    def test_not_root(self):
        setpriv = shutil.which("setpriv")
        if not setpriv:
            self.skipTest("setpriv not found")
        drop = [setpriv, "--reuid=65534", "--regid=65534", "--clear-groups"]
        r = subprocess.run(drop + [it.TOOL, "--help"], stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL)
        if r.returncode in (126, 127):
            self.skipTest("uid 65534 cannot run %s" % it.TOOL)
        target = self.background(drop + [it.DEBIAN_PY, "-c", "import time; time.sleep(30)"])
        out, err = self.expect(drop + [it.TOOL, "--quiet", "--pid", str(target.pid)],
                               it.EXIT["privilege"])
        self.assertTrue(it.stderr_lines(err), "no message on stderr")

    def test_target_exits_mid_run(self):
        tmp = it.Tmp("exit")
        self.addCleanup(tmp.cleanup)
        ff, out = tmp("frames"), tmp("out.jsonl")
        if os.access(it.DEBIAN_PY, os.X_OK) and it.has_pygame():
            wl = [it.DEBIAN_PY, it.PLANTED_PYGAME]
        elif it.has_sdl2():
            wl = [it.DEBIAN_PY, it.PLANTED_SDL]
        else:
            self.skipTest("neither pygame nor SDL2")
        proc = self.background(wl + ["--frames", "100", "--fps", "30", "--frame-file", ff])
        self.assertTrue(it.wait_frames(ff, 1, 30), "the workload did not start")
        self.expect([it.TOOL, "--pid", str(proc.pid), "--quiet", "--json", out],
                    it.EXIT["ok"], timeout=60)
        self.assertEqual(proc.wait(10), 0)
        recs = it.load_jsonl(out)
        self.assertEqual(recs[0]["type"], "attached")
        self.assertEqual(recs[-1]["type"], "final")
        self.assertEqual(recs[-1].get("exit_reason"), "target_exited")
        frames = it.records_of(recs, "frame")
        self.assertGreaterEqual(len(frames), 1)
        self.assertLessEqual(len(frames), 100)
        self.assertEqual(recs[-1].get("frames"), len(frames))


if __name__ == "__main__":
    unittest.main(verbosity=2)
