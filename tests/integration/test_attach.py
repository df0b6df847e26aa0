# SPDX-License-Identifier: BSD-2-Clause
"""Attach mode: attach to and detach from one running game many times, kill
the tool with SIGKILL and SIGTERM; the game must keep running, untouched, and
no BPF program of ours may stay loaded."""
import os
import signal
import time
import unittest

import pmt_it as it

ROUNDS = 20


class AttachTest(unittest.TestCase):
    wl = None

    @classmethod
    def setUpClass(cls):
        if os.access(it.DEBIAN_PY, os.X_OK) and it.has_pygame():
            cls.workload = [it.DEBIAN_PY, it.PLANTED_PYGAME]
        elif it.pyenv_pythons().get("3.11") and it.has_sdl2():
            cls.workload = [it.pyenv_pythons()["3.11"], it.PLANTED_SDL]
        else:
            raise unittest.SkipTest("neither pygame on %s nor pyenv 3.11 + SDL2" % it.DEBIAN_PY)
        cls.tmp = it.Tmp("attach")
        cls.frame_file = cls.tmp("frames")
        cls.wl = it.spawn(cls.workload + ["--frames", "0", "--frame-file", cls.frame_file])
        if not it.wait_frames(cls.frame_file, 5, timeout=30):
            it.stop(cls.wl)
            raise AssertionError("the workload did not start: %s" % cls.workload)
        cls.text_baseline = it.text_differences(cls.wl.pid)
        progs = it.pmt_progs()
        cls.baseline = {p["id"] for p in progs} if progs is not None else None

    @classmethod
    def tearDownClass(cls):
        if cls.wl is not None:
            it.stop(cls.wl)
            cls.tmp.cleanup()

    # ---------------------------------------------------------------- helpers

    def frames_now(self):
        return it.read_frame_file(self.frame_file) or 0

    def assert_alive_and_running(self, when):
        self.assertIsNone(self.wl.poll(), "the workload died %s (exit %r)" % (when, self.wl.returncode))
        before = self.frames_now()
        self.assertTrue(it.wait_for(lambda: self.frames_now() > before, 5),
                        "the workload stopped making frames %s (stuck at %d)" % (when, before))

    def assert_no_leftovers(self, tool_pid, when):
        if self.baseline is None:
            print("    (bpftool unusable: BPF program check skipped)")
        else:
            leaks = it.leaked_progs(self.baseline, {tool_pid, self.wl.pid}, timeout=3.0)
            self.assertFalse(leaks, "BPF programs still loaded %s: %s" % (when, leaks))
        if not self.text_baseline:
            diffs = it.text_differences(self.wl.pid)
            self.assertFalse(diffs, "the target's code differs from its files %s:\n%s"
                             % (when, "\n".join(diffs)))

    def start_tool(self, out):
        cmd = [it.TOOL, "--pid", str(self.wl.pid), "--quiet", "--json", out]
        proc = it.spawn(cmd, stderr=open(out + ".stderr", "w"))
        ok = it.wait_for(lambda: proc.poll() is not None or it.has_attached(out)
                         or it.progs_of(proc.pid), 30, step=0.1)
        if proc.poll() is not None:
            with open(out + ".stderr") as f:
                self.fail("the tool exited early (%r): %s" % (proc.returncode, it.tail(f.read())))
        self.assertTrue(ok, "the tool did not attach within 30 s")
        return proc

    # ---------------------------------------------------------------- tests

    def test_1_attach_detach_20_times(self):
        times = []
        for i in range(ROUNDS):
            out = self.tmp("round%02d.jsonl" % i)
            before = self.frames_now()
            t0 = time.time()
            # --duration counts from the tool's start: time to attach (BPF load,
            # choosing the marker from a few presents) on a loaded machine too.
            cmd = [it.TOOL, "--pid", str(self.wl.pid), "--duration", "3", "--quiet",
                   "--json", out]
            rc, sout, serr = it.run(cmd, timeout=60)
            times.append(time.time() - t0)
            self.assertEqual(rc, 0, "round %d: %s" % (i, it.describe(rc, sout, serr)))
            recs = it.load_jsonl(out)
            self.assertTrue(recs and recs[0]["type"] == "attached",
                            "round %d: first record %r" % (i, recs[:1]))
            self.assertEqual(recs[0].get("mode"), "attach")
            self.assertEqual(recs[0].get("pid"), self.wl.pid)
            self.assertGreaterEqual(len(it.records_of(recs, "frame")), 1,
                                    "round %d: no frame record" % i)
            finals = it.records_of(recs, "final")
            self.assertEqual(len(finals), 1, "round %d: %d final records" % (i, len(finals)))
            self.assertEqual(finals[0].get("exit_reason"), "duration", "round %d" % i)
            self.assert_alive_and_running("after round %d" % i)
            self.assertGreater(self.frames_now(), before)
        print("    (%d rounds, %.2f s mean, %.2f s max a round)"
              % (ROUNDS, sum(times) / len(times), max(times)))
        self.assert_no_leftovers(-1, "after %d rounds" % ROUNDS)

    def test_2_sigkill(self):
        out = self.tmp("sigkill.jsonl")
        proc = self.start_tool(out)
        time.sleep(0.5)
        attached_diffs = it.text_differences(self.wl.pid)
        print("    (while attached, %d executable mapping(s) differ from their files)"
              % len(attached_diffs))
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
        self.assert_alive_and_running("after the tool's SIGKILL")
        self.assert_no_leftovers(proc.pid, "after SIGKILL")

    def test_3_sigterm(self):
        out = self.tmp("sigterm.jsonl")
        proc = self.start_tool(out)
        time.sleep(1.0)
        proc.send_signal(signal.SIGTERM)
        try:
            rc = proc.wait(15)
        except Exception:
            it.kill_group(proc)
            proc.wait()
            self.fail("the tool did not exit within 15 s of SIGTERM")
        with open(out + ".stderr") as f:
            err = f.read()
        self.assertEqual(rc, 0, "exit after SIGTERM: %r\n%s" % (rc, it.tail(err)))
        recs = it.load_jsonl(out)
        self.assertEqual(recs[0]["type"], "attached")
        self.assertEqual(recs[-1]["type"], "final", "no final record after SIGTERM")
        self.assertEqual(recs[-1].get("exit_reason"), "interrupted")
        self.assertGreaterEqual(len(it.records_of(recs, "frame")), 1)
        self.assertEqual(recs[-1].get("frames"), len(it.records_of(recs, "frame")))
        self.assert_alive_and_running("after the tool's SIGTERM")
        self.assert_no_leftovers(proc.pid, "after SIGTERM")


if __name__ == "__main__":
    unittest.main(verbosity=2)
