# SPDX-License-Identifier: BSD-2-Clause
"""The procfs backend (pmtrace-bpf --backend procfs), run by an unprivileged
user on their own process, against a workload (workloads/rss_steps.py) that
grows its memory in planted 32 MiB steps with quiet plateaus in between,
starts threads at a known step, and reads its own counters from the kernel
at each plateau:

- every sample read during a plateau has the workload's RssAnon, RssFile,
  RssShmem and VmHWM (within TOL_PAGES), its thread count exactly;
- each step's growth between two plateaus is the workload's and the planted
  32 MiB (within TOL_PAGES), the page faults in between the workload's
  (within TOL_FAULTS);
- the records: attached (backend procfs, the rate, the Python version),
  consecutive samples at the asked rate, no frame, the final summary;
- attach mode the same; without privilege the default backend says in one
  line that BPF is not available and names --backend procfs (exit 7);
- an RSS budget is exceeded at the first sample over its limit, with the
  hook told which sample, and --fail-on-violation exits 10.

Tolerance. On Linux 6.16 and later /proc/PID/status sums the per-CPU RSS
counters, so a sampler and the workload reading during a plateau see the
same counters; what differs is what the workload itself touches after its
reading (the code of time.sleep, a new thread's first stack page): measured
here, one file fault (fault-around maps 16 pages at once) and one anonymous
page. TOL_PAGES allows four such faults, 64 pages (0.8 % of a step); before
6.16 each CPU may also hold up to max(32, 2 x CPUs) pages of the counters
unsummed, which is added.
"""
import json
import os
import statistics
import time
import unittest

import pmt_it as it

RATE = 20
STEPS, MIB, HOLD = 4, 32, 0.6
THREADS_AT, THREADS = 2, 3
PAGE = os.sysconf("SC_PAGE_SIZE")
_ncpu = os.cpu_count() or 1
TOL_PAGES = 4 * 16 + (0 if it.kernel_at_least(6, 16) else _ncpu * max(32, 2 * _ncpu))
TOL = TOL_PAGES * PAGE
TOL_FAULTS = 4

PW = None
WL = None


def setUpModule():
    global PW, WL
    if os.geteuid() != 0:
        raise unittest.SkipTest("needs root to create the test user")
    PW, why = it.test_user()
    if PW is None:
        raise unittest.SkipTest(why)
    WL = os.path.join(it.user_workloads(PW), "rss_steps.py")


def workload(truth, extra=()):
    return [it.DEBIAN_PY, WL, "--steps", str(STEPS), "--mib", str(MIB), "--hold", str(HOLD),
            "--threads-at", str(THREADS_AT), "--threads", str(THREADS), "--truth", truth] + \
        list(extra)


def in_plateau(samples, p):
    """Samples read after the workload's reading and before its plateau ended."""
    return [s for s in samples if p["ts_after_ns"] < s["ts_ns"] < p["end_ns"]]


class ProcfsTest(unittest.TestCase):
    maxDiff = None

    def setUp(self):
        if not os.access(it.DEBIAN_PY, os.X_OK):
            self.skipTest("%s absent" % it.DEBIAN_PY)

    def check_timeline(self, recs, truth, first_plateau=0):
        samples = it.records_of(recs, "sample")
        self.assertFalse(it.records_of(recs, "frame"), "frame records from sampling")
        self.assertEqual([s["sample"] for s in samples], list(range(len(samples))))
        # a fixed rate: the median interval is the period
        period = 1e9 / RATE
        med = statistics.median(s["interval_ns"] for s in samples[1:])
        self.assertLess(abs(med - period), 0.2 * period, "median interval %d ns" % med)
        bad = []
        plateaus = truth["plateaus"]
        picked = {}
        for k, p in enumerate(plateaus):
            if k < first_plateau:
                continue
            st = p["status"]
            inside = in_plateau(samples, p)
            if len(inside) < 3:
                bad.append("plateau %d: %d samples in %.2f s" % (k, len(inside), HOLD))
                continue
            picked[k] = inside[-1]
            for s in inside:
                for have, want in (("rss_anon_bytes", "RssAnon"), ("rss_file_bytes", "RssFile"),
                                   ("rss_shmem_bytes", "RssShmem"), ("hwm_bytes", "VmHWM")):
                    if abs(s[have] - st[want]) > TOL:
                        bad.append("plateau %d sample %d: %s %d, truth %s %d" % (
                            k, s["sample"], have, s[have], want, st[want]))
                if s["rss_bytes"] != s["rss_anon_bytes"] + s["rss_file_bytes"] + \
                        s["rss_shmem_bytes"]:
                    bad.append("sample %d: rss_bytes is not the sum of its kinds" % s["sample"])
                if s["threads"] != st["Threads"]:
                    bad.append("plateau %d sample %d: %d threads, truth %d" % (
                        k, s["sample"], s["threads"], st["Threads"]))
        self.assertEqual(plateaus[THREADS_AT]["status"]["Threads"], 1 + THREADS)
        # steps: growth and faults between two plateaus
        cum, total = {}, 0
        for s in samples:
            total += s["minflt"]
            cum[s["sample"]] = (total, cum.get(s["sample"] - 1, (0, 0))[1] + s["majflt"])
        for k in range(first_plateau, len(plateaus) - 1):
            if k not in picked or k + 1 not in picked:
                continue
            a, b = picked[k], picked[k + 1]
            ta, tb = plateaus[k]["status"], plateaus[k + 1]["status"]
            grew = b["rss_anon_bytes"] - a["rss_anon_bytes"]
            if abs(grew - (tb["RssAnon"] - ta["RssAnon"])) > TOL or abs(grew - (MIB << 20)) > TOL:
                bad.append("step %d: anon grew %d, truth %d, planted %d" % (
                    k + 1, grew, tb["RssAnon"] - ta["RssAnon"], MIB << 20))
            summed = sum(s["rss_delta_bytes"] for s in samples
                         if a["sample"] < s["sample"] <= b["sample"])
            if summed != b["rss_bytes"] - a["rss_bytes"]:
                bad.append("step %d: rss_delta_bytes sum %d, rss moved %d" % (
                    k + 1, summed, b["rss_bytes"] - a["rss_bytes"]))
            mins = cum[b["sample"]][0] - cum[a["sample"]][0]
            majs = cum[b["sample"]][1] - cum[a["sample"]][1]
            if abs(mins - (tb["minflt"] - ta["minflt"])) > TOL_FAULTS:
                bad.append("step %d: minflt %d, truth %d" % (k + 1, mins,
                                                             tb["minflt"] - ta["minflt"]))
            if abs(majs - (tb["majflt"] - ta["majflt"])) > TOL_FAULTS:
                bad.append("step %d: majflt %d, truth %d" % (k + 1, majs,
                                                             tb["majflt"] - ta["majflt"]))
        if bad:
            self.fail("%d mismatches with the workload's own readings (tolerance %d pages):"
                      "\n  %s" % (len(bad), TOL_PAGES, "\n  ".join(bad[:20])))
        return samples

    def check_records(self, recs, truth, samples, mode):
        att = recs[0]
        self.assertEqual(att["type"], "attached")
        self.assertEqual(att["backend"], "procfs")
        self.assertEqual(att["mode"], mode)
        self.assertEqual(att["pid"], truth["pid"])
        self.assertEqual(att["sample_rate_hz"], RATE)
        self.assertIsNone(att["frame_marker"])
        self.assertEqual(att["python"]["version"], truth["python"])
        final = recs[-1]
        self.assertEqual(final["type"], "final")
        self.assertEqual(final["exit_reason"], "target_exited")
        self.assertEqual(final["frames"], 0)
        self.assertIsNone(final["summary"])
        sm = final["samples"]
        self.assertEqual(sm["samples"], len(samples))
        self.assertEqual(sm["rss_peak_bytes"], max(s["rss_bytes"] for s in samples))
        self.assertEqual(sm["minflt"], sum(s["minflt"] for s in samples))
        self.assertEqual(sm["threads_max"], 1 + THREADS)
        self.assertGreaterEqual(sm["hwm_bytes"] + TOL, truth["plateaus"][-1]["status"]["VmHWM"])
        return final

    def test_launch_unprivileged(self):
        tmp = it.Tmp("procfs-launch", owner=PW)
        self.addCleanup(tmp.cleanup)
        out, truth_path = tmp("out.jsonl"), tmp("truth.json")
        cmd = it.as_user_cmd(PW, [it.TOOL, "--backend", "procfs", "--sample-rate", str(RATE),
                                  "--interval", "1", "--json", out, "--"] + workload(truth_path))
        rc, sout, serr = it.run(cmd, timeout=60)
        self.assertEqual(rc, 0, it.describe(rc, sout, serr))
        self.assertIn("sampling /proc at %d Hz" % RATE, sout)
        with open(truth_path) as f:
            truth = json.load(f)
        recs = it.load_jsonl(out)
        samples = self.check_timeline(recs, truth)
        final = self.check_records(recs, truth, samples, "launch")
        self.assertEqual(final["target_exit_code"], 0)
        reports = it.records_of(recs, "sample_report")
        self.assertGreaterEqual(len(reports), 2, "an interval report a second")
        self.assertEqual(sum(r["samples"] for r in reports) <= len(samples), True)

    def test_attach_unprivileged(self):
        tmp = it.Tmp("procfs-attach", owner=PW)
        self.addCleanup(tmp.cleanup)
        out, truth_path = tmp("out.jsonl"), tmp("truth.json")
        game = it.spawn(it.as_user_cmd(PW, workload(truth_path, ["--start-delay", "1.5"])))
        self.addCleanup(it.stop, game)
        time.sleep(0.3)
        cmd = it.as_user_cmd(PW, [it.TOOL, "--backend", "procfs", "--sample-rate", str(RATE),
                                  "--quiet", "--json", out, "--pid", str(game.pid)])
        rc, sout, serr = it.run(cmd, timeout=60)
        self.assertEqual(rc, 0, it.describe(rc, sout, serr))
        self.assertEqual(game.wait(10), 0)
        with open(truth_path) as f:
            truth = json.load(f)
        recs = it.load_jsonl(out)
        samples = self.check_timeline(recs, truth)
        final = self.check_records(recs, truth, samples, "attach")
        self.assertIsNone(final["target_exit_code"])

    def test_no_bpf_says_so(self):
        tmp = it.Tmp("procfs-nobpf", owner=PW)
        self.addCleanup(tmp.cleanup)
        cmd = it.as_user_cmd(PW, [it.TOOL, "--quiet", "--"] + workload(tmp("truth.json")))
        rc, sout, serr = it.run(cmd, timeout=30)
        self.assertEqual(rc, it.EXIT["privilege"], it.describe(rc, sout, serr))
        lines = it.stderr_lines(serr)
        self.assertEqual(len(lines), 1, serr)
        self.assertIn("--backend procfs", lines[0])
        self.assertIn("CAP_BPF", lines[0])

    def test_rss_budget(self):
        """An RSS budget between the first and second step: exceeded at the
        first sample over it, which the hook is told."""
        tmp = it.Tmp("procfs-budget", owner=PW)
        self.addCleanup(tmp.cleanup)
        out, truth_path, ini, hook = tmp("out.jsonl"), tmp("truth.json"), tmp("b.ini"), \
            tmp("hook")
        game = it.spawn(it.as_user_cmd(PW, workload(truth_path, ["--start-delay", "1.5"])))
        self.addCleanup(it.stop, game)
        time.sleep(0.5)
        with open("/proc/%d/statm" % game.pid) as f:
            rss = int(f.read().split()[1]) * PAGE
        limit = rss + (MIB << 20) + (MIB << 19)  # halfway between steps 1 and 2
        with open(ini, "w") as f:
            f.write("[game]\nlimit = %dB\nwarn = 99%%\ncategories = rss\n" % limit)
        os.chmod(ini, 0o644)
        cmd = it.as_user_cmd(PW, [it.TOOL, "--backend", "procfs", "--sample-rate", str(RATE),
                                  "--quiet", "--json", out, "--budget", ini,
                                  "--fail-on-violation", "--on-violation",
                                  "env | grep ^PMT_ | sort > %s" % hook,
                                  "--pid", str(game.pid)])
        rc, sout, serr = it.run(cmd, timeout=60)
        self.assertEqual(rc, 10, it.describe(rc, sout, serr))
        with open(truth_path) as f:
            truth = json.load(f)
        recs = it.load_jsonl(out)
        samples = it.records_of(recs, "sample")
        viol = [r for r in it.records_of(recs, "budget_violation") if r["state"] == "exceeded"]
        self.assertEqual(len(viol), 1, viol)
        v = viol[0]
        over = [s for s in samples if s["rss_bytes"] > limit]
        self.assertTrue(over, "no sample over the limit")
        self.assertEqual(v["sample"], over[0]["sample"])
        self.assertIsNone(v["frame"])
        self.assertEqual(v["usage_bytes"], over[0]["rss_bytes"])
        self.assertEqual(v["limit_bytes"], limit)
        # the second step crossed it: the sample lies between its start and
        # one period after its plateau began
        p2 = truth["plateaus"][2]
        self.assertGreater(over[0]["ts_ns"], p2["step_ns"])
        self.assertLess(over[0]["ts_ns"], p2["ts_after_ns"] + 2e9 / RATE)
        self.assertIn("pmtrace: budget game exceeded at sample %d" % v["sample"], sout)
        self.assertTrue(it.wait_for(lambda: os.path.exists(hook) and os.path.getsize(hook), 5))
        env = dict(l.split("=", 1) for l in open(hook).read().splitlines() if "=" in l)
        self.assertEqual(env["PMT_SAMPLE"], str(v["sample"]))
        self.assertEqual(env["PMT_FRAME"], "")
        self.assertEqual(env["PMT_STATE"], "exceeded")
