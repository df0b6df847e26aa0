# SPDX-License-Identifier: BSD-2-Clause
"""Budgets against a workload that grows past a budget at a known frame:
the violation is reported at that frame (one frame either way), the
--on-violation command runs once with the details in its environment, and
--fail-on-violation makes the exit code say so. A broken budget file stops
the tool before it starts, naming the file and line."""
import os
import time
import unittest

import pmt_it as it

BUDGET_EXIT = 10
CONFIG_EXIT = 9


class BudgetTest(unittest.TestCase):
    def test_violation_at_known_frame(self):
        if not os.access(it.DEBIAN_PY, os.X_OK) or not it.has_pygame():
            self.skipTest("pygame not importable by %s" % it.DEBIAN_PY)
        tmp = it.Tmp("budget")
        self.addCleanup(tmp.cleanup)
        out, truth, ini, hook = tmp("out.jsonl"), tmp("truth.json"), tmp("b.ini"), tmp("hook")
        # The game sleeps before its first frame: size the budget on its RSS
        # then, so the 64 MiB allocated at loop frame 40 (the tool's frame 39:
        # a frame ends at the next marker call) is what crosses it.
        game = it.spawn([it.DEBIAN_PY, it.PLANTED_PYGAME, "--frames", "80", "--truth", truth,
                         "--plan", "alloc:40:64", "--start-delay", "2"])
        self.addCleanup(it.stop, game)
        time.sleep(1.0)
        with open("/proc/%d/statm" % game.pid) as f:
            rss = int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
        with open(ini, "w") as f:
            f.write("[game]\nlimit = %dB\nwarn = 99%%\ncategories = rss\n" % (rss + (24 << 20)))
        cmd = [it.TOOL, "-p", str(game.pid), "--quiet", "--json", out, "--budget", ini,
               "--fail-on-violation", "--on-violation",
               "env | grep ^PMT_ | sort >> %s; echo --- >> %s" % (hook, hook)]
        rc, sout, serr = it.run(cmd, timeout=60)
        self.assertEqual(rc, BUDGET_EXIT, it.describe(rc, sout, serr))
        recs = it.load_jsonl(out)
        viol = [r for r in it.records_of(recs, "budget_violation") if r["state"] == "exceeded"]
        self.assertEqual(len(viol), 1, viol)
        self.assertEqual(viol[0]["budget"], "game")
        self.assertLessEqual(abs(viol[0]["frame"] - 39), 1, viol[0])
        self.assertGreater(viol[0]["usage_bytes"], viol[0]["limit_bytes"])
        self.assertIn("pmtrace: budget game exceeded at frame", sout)
        it.wait_for(lambda: os.path.exists(hook) and "---" in open(hook).read(), 5)
        with open(hook) as f:
            runs = f.read().split("---\n")
        runs = [r for r in runs if r.strip()]
        self.assertEqual(len(runs), 1, runs)
        env = dict(line.split("=", 1) for line in runs[0].split("\n") if "=" in line)
        self.assertEqual(env.get("PMT_BUDGET"), "game")
        self.assertEqual(env.get("PMT_STATE"), "exceeded")
        self.assertEqual(int(env["PMT_FRAME"]), viol[0]["frame"])
        self.assertEqual(int(env["PMT_PID"]), game.pid)
        self.assertGreater(int(env["PMT_USAGE_BYTES"]), int(env["PMT_LIMIT_BYTES"]))

    def test_bad_budget_file(self):
        tmp = it.Tmp("budget-bad")
        self.addCleanup(tmp.cleanup)
        ini = tmp("bad.ini")
        with open(ini, "w") as f:
            f.write("[game]\nlimit = 12XB\n")
        rc, sout, serr = it.run([it.TOOL, "--budget", ini, "-p", str(os.getpid())], timeout=20)
        self.assertEqual(rc, CONFIG_EXIT, it.describe(rc, sout, serr))
        lines = [l for l in serr.splitlines() if l.strip()]
        self.assertEqual(len(lines), 1, serr)
        self.assertIn("%s:2:" % ini, lines[0])

    def test_unknown_platform(self):
        rc, sout, serr = it.run([it.TOOL, "--platform", "gameboy", "-p", str(os.getpid())],
                                timeout=20)
        self.assertEqual(rc, CONFIG_EXIT, it.describe(rc, sout, serr))
        self.assertIn("gameboy", serr)

    def test_platforms_list(self):
        rc, sout, serr = it.run([it.TOOL, "platforms"], timeout=20)
        self.assertEqual(rc, 0, it.describe(rc, sout, serr))
        rows = [l for l in sout.splitlines() if l and not l.startswith(("ID", " "))]
        ids = {l.split()[0] for l in rows}
        for want in ("switch", "ios-3gb", "steam-deck", "ps5", "web-wasm32-4gb"):
            self.assertIn(want, ids)
        self.assertGreaterEqual(len(ids), 34)
        self.assertTrue(all(len(l) <= 100 for l in sout.splitlines()))
