# SPDX-License-Identifier: BSD-2-Clause
"""The pool analyzer (--pools) against planted classes, on Debian's python3
and every pyenv CPython 3.8-3.13 present (absent ones are skipped by name).

The workload (workloads/pools_planted.py) plants, every frame: Spark made
N at once and dropped (transient; a burst every 50 frames), Ember living
exactly 3 frames, Rock made and kept (persistent), Bullet taken from the
game's own free list (found by that list: already pooled, never
recommended), a class defined late (LateComer) and one whose name has odd
characters. Its truth file gives each frame's time (to match the
tool's frames) and the collections so far. The ground truth for what pooling
Spark saves is the same workload rerun with Spark pooled: the collections
avoided in the sampled frames, measured, against what the tool predicted.

The runs of the interpreters go two at a time (CI time: about a minute)."""
import bisect
import concurrent.futures
import json
import math
import os
import time
import unittest

import pmt_it as it

WORKLOAD = os.path.join(it.WORKLOADS, "pools_planted.py")
SPARK, BURST, BURST_EVERY, EMBER, EMBER_LIFE, ROCK, LATE, ODD = 450, 900, 50, 40, 3, 2, 80, 60
FRAMES, LATE_AT = 300, 150
ARGS = ["--spark", str(SPARK), "--burst", str(BURST), "--burst-every", str(BURST_EVERY),
        "--ember", str(EMBER), "--ember-life", str(EMBER_LIFE), "--rock", str(ROCK),
        "--late", str(LATE), "--odd", str(ODD)]
POOLS = ["--pools", "--pools-window", "32", "--pools-every", "40", "--max-overhead", "100",
         "--trace-on-spike", "0"]


def pythons():
    pys = []
    if os.access(it.DEBIAN_PY, os.X_OK):
        pys.append((it.DEBIAN_PY, "debian"))
    found = it.pyenv_pythons()
    for minor in range(8, 14):
        v = "3.%d" % minor
        pys.append((found.get(v), "pyenv_3_%d" % minor))
    return pys


def line_of(text):
    with open(WORKLOAD) as f:
        for no, line in enumerate(f, 1):
            if text in line:
                return no
    raise AssertionError("no line with %r" % text)


def rule(p99):
    return 0 if not p99 else p99 + max(2, int(math.ceil(p99 / 4.0)))


def quant(values, q):
    v = sorted(values)
    if not v:
        return 0
    rank = max(1, int(math.ceil(q * len(v) - 1e-9)))
    return v[rank - 1]


def sampled_iterations(recs, pools, truth):
    """Tool frames of the sampled windows -> the workload's iterations."""
    frames = {r["frame"]: r["ts_ns"] for r in recs if r["type"] == "frame"}
    ts = truth["ts_ns"]
    out = []
    for a, b in pools["sampling"]["ranges"]:
        for fr in range(a, b + 1):
            if fr in frames:
                i = bisect.bisect_right(ts, frames[fr]) - 1
                out.append(i)
    return out


def cls(pools, name):
    for c in pools["classes"]:
        if c["name"] == name:
            return c
    raise AssertionError("class %r not reported: %s" % (name, [c["name"] for c in pools["classes"]]))


def spark_for(label):
    """Sparks alive at once: more GC objects than the threshold (a Spark is 3
    of them up to 3.10, 2 after; 3.13 collects at 2,000, the others at 700)."""
    return 1100 if label == "pyenv_3_13" else SPARK


def run_one(py, tmp, extra_tool=(), extra=(), pooled=True):
    """The workload under the tool (launch mode), and rerun with Spark pooled."""
    out, truth, ptruth = tmp("out.jsonl"), tmp("truth.json"), tmp("pooled.json")
    cmd = [it.TOOL, "--interval", "0", "--json", out] + POOLS + list(extra_tool) + [
        "--", py, WORKLOAD, "--frames", str(FRAMES), "--fps", "100", "--truth", truth,
        "--late-at", str(LATE_AT)] + ARGS + list(extra)
    res = it.run(cmd, timeout=240)
    pres = None
    if pooled:
        pres = it.run([py, WORKLOAD, "--frames", str(FRAMES), "--fps", "5000", "--truth", ptruth,
                       "--late-at", str(LATE_AT), "--pool-sparks"] + ARGS + list(extra),
                      timeout=120)
    return res, pres, out, truth, ptruth


class PoolsTest(unittest.TestCase):
    def check_launch(self, py, label, res, pres, out, truth_path, ptruth_path):
        SPARK = spark_for(label)  # noqa: N806
        rc, sout, serr = res
        self.assertEqual(rc, 0, it.describe(rc, sout, serr))
        self.assertEqual(pres[0], 0, it.describe(*pres))
        recs = it.load_jsonl(out)
        pools = [r for r in recs if r["type"] == "pools"]
        self.assertTrue(pools and pools[-1]["scope"] == "final", "no final pools record")
        p = pools[-1]
        with open(truth_path) as f:
            truth = json.load(f)
        with open(ptruth_path) as f:
            ptruth = json.load(f)
        self.assertTrue(p["enabled"], p["off_reason"])
        self.assertEqual(p["gc"]["threshold"], truth["threshold"])
        sd = p["probes"]["subtype_dealloc"]
        self.assertIsNotNone(sd, "subtype_dealloc not found")
        self.assertEqual(sd["instruction"], "push")
        if label != "debian":  # the pyenv builds name it: the discovery must agree
            self.assertTrue(sd["symbol_agrees"], sd)
        self.assertEqual(p["coverage"]["events_lost"], 0)
        self.assertGreaterEqual(p["sampling"]["windows"], 2, p["sampling"])
        self.assertGreaterEqual(p["sampling"]["frames_sampled"], 32, p["sampling"])
        its = sampled_iterations(recs, p, truth)
        self.assertEqual(len(its), p["sampling"]["frames_sampled"])
        self.assertEqual(len(set(its)), len(its), "two tool frames on one iteration")
        fr = p["sampling"]["fraction"]
        self.assertAlmostEqual(fr, p["sampling"]["frames_sampled"] / p["sampling"]["frames_run"],
                               places=3)
        bursts = set(truth["bursts"])
        # sampled frames are the profiler's, as trace mode's: never the game's spikes or drops
        byframe = {r["frame"]: r for r in recs if r["type"] == "frame"}
        for a, b in p["sampling"]["ranges"]:
            for fr in range(a, b + 1):
                if fr in byframe:
                    prof = byframe[fr].get("profiler")
                    self.assertTrue(prof and prof["traced"], (fr, prof))
                    self.assertNotEqual(byframe[fr]["spike_kind"], "time", fr)
                    if byframe[fr]["dropped"]:
                        self.assertEqual(byframe[fr]["cause"], "profiler", fr)

        # per-frame counts, exactly, on the sampled frames
        spark = cls(p, "pools_game.Spark")
        want = [SPARK + (BURST if i in bursts else 0) for i in its]
        pf = spark["created"]["per_frame"]
        self.assertAlmostEqual(pf["mean"], sum(want) / len(want), places=2)
        self.assertEqual((pf["p50"], pf["p99"], pf["max"]),
                         (quant(want, 0.5), quant(want, 0.99), max(want)))
        self.assertEqual(spark["destroyed"]["per_frame"]["max"], max(want))
        self.assertEqual(spark["destroyed"]["born_unseen"], 0)
        ember = cls(p, "pools_game.Effects.Ember")
        self.assertEqual(ember["created"]["per_frame"]["p50"], EMBER)
        self.assertEqual(ember["created"]["per_frame"]["max"], EMBER)
        self.assertEqual(ember["destroyed"]["per_frame"]["p50"], EMBER)
        rock = cls(p, "pools_game.Rock")
        self.assertEqual(rock["created"]["per_frame"]["max"], ROCK)
        self.assertEqual(rock["destroyed"]["total"], 0)
        odd = cls(p, truth["odd_name"])  # the exact name, odd characters and all
        self.assertEqual(odd["created"]["per_frame"]["max"], ODD)
        late = cls(p, "pools_game.LateComer")  # defined in the middle of the run
        want_late = [LATE if i >= LATE_AT else 0 for i in its]
        self.assertAlmostEqual(late["created"]["per_frame"]["mean"],
                               sum(want_late) / len(want_late), places=2)
        self.assertEqual(late["created"]["per_frame"]["max"], max(want_late))

        # lifetimes in their bins, and the classification
        def only(c, bins):
            return {k: v for k, v in c["lifetimes"].items() if v and k not in bins}
        self.assertEqual(only(spark, ("same_frame",)), {}, spark["lifetimes"])
        self.assertEqual(spark["lifetimes"]["same_frame"] + spark["lifetimes_censored"],
                         spark["created"]["total"])
        self.assertGreater(spark["lifetimes"]["same_frame"], 0)
        self.assertEqual(only(ember, ("2-3",)), {}, ember["lifetimes"])
        self.assertGreater(ember["lifetimes"]["2-3"], 0)
        self.assertEqual(only(rock, ("alive",)), {}, rock["lifetimes"])
        self.assertEqual(spark["kind"], "transient")
        self.assertEqual(ember["kind"], "short-lived")
        self.assertEqual(rock["kind"], "persistent")
        self.assertEqual(odd["kind"], "transient")
        # bytes per instance: the pymalloc block of a __slots__ class, GC header included
        self.assertEqual(rock["instance_bytes"], (truth["rock_basicsize"] + 16 + 15) // 16 * 16)

        # pool sizes by the stated rule; Ember's demand is its 3 frames' worth
        self.assertTrue(spark["pool"]["recommended"], spark["pool"])
        self.assertEqual(spark["pool"]["size"], rule(spark["demand"]["p99"]))
        self.assertIn(spark["demand"]["p99"], (SPARK, SPARK + BURST))
        self.assertEqual(ember["demand"]["p99"], EMBER * EMBER_LIFE)
        self.assertEqual(ember["pool"]["size"], rule(EMBER * EMBER_LIFE))
        self.assertFalse(rock["pool"]["recommended"])
        self.check_bullet(p)
        self.assertEqual(p["ranking"][0]["class"], "pools_game.Spark")
        self.assertIn("pools: pools_game.Spark enters the top 3", sout)
        site = "<listcomp>" if label in ("pyenv_3_8", "pyenv_3_9", "pyenv_3_10", "pyenv_3_11",
                                          "debian") else "main"
        line = line_of("game.Spark(float(i), 1.0)")
        top = spark["sites"][0]["site"]
        self.assertTrue(top.endswith("pools_planted.py:%d)" % line), top)
        self.assertIn(site, top)

        # collections a Spark pool avoids: the tool's prediction against the rerun
        cu, cp = truth["collections"], ptruth["collections"]
        per = lambda c, i: c[i] - c[i - 1] if i > 0 else 0  # noqa: E731
        truth_avoided = sum(per(cu, i) - per(cp, i) for i in its)
        seen = sum(per(cu, i) for i in its)
        tool = spark["pool"]["gen0_collections_avoided_per_s"] * p["sampling"]["seconds_sampled"]
        print("    %s: Spark pool avoids %.1f collections in %d sampled frames; the rerun "
              "measured %d (%+.1f %%)" % (label, tool, len(its), truth_avoided,
                                          100.0 * (tool - truth_avoided) / max(1, truth_avoided)))
        self.assertGreater(truth_avoided, 10, "the workload must make collections")
        self.assertLessEqual(abs(tool - truth_avoided), 0.1 * truth_avoided,
                             "%s: tool %.1f, measured %d (run %d, pooled %d)" % (
                                 label, tool, truth_avoided, seen, seen - truth_avoided))
        self.assertAlmostEqual(p["gc"]["collections_seen"], seen, delta=0.02 * seen + 1)
        self.assertAlmostEqual(p["gc"]["collections_replayed"], p["gc"]["collections_seen"],
                               delta=0.01 * seen + 0.5)

    def check_bullet(self, p):
        """The game's own pool: found by its free list, never recommended."""
        bullet = cls(p, "pools_game.Bullet")
        self.assertEqual(bullet["kind"], "already pooled", bullet)
        self.assertFalse(bullet["pool"]["recommended"], bullet)
        fl = bullet["free_list"]
        self.assertTrue(fl and fl["reuse"], bullet)
        # 4 B made at start-up, B or B / 2 flying 3 frames: 90 to 120 spare
        self.assertGreaterEqual(fl["length"]["min"], 90)
        self.assertLessEqual(fl["length"]["max"], 120)
        self.assertEqual(bullet["created"]["total"], 0)
        self.assertNotIn("pools_game.Bullet", [r["class"] for r in p["ranking"]])
        self.assertGreaterEqual(p["coverage"]["free_lists"]["walks"], 1)

    def test_launch_all(self):
        """Every interpreter present, launch mode, two at a time."""
        if not it.has_sdl2():
            self.skipTest("libSDL2 not found")
        todo = []
        for py, label in pythons():
            if not py:
                print("    skip %s: not installed" % label)
                continue
            tmp = it.Tmp("pools_" + label)
            self.addCleanup(tmp.cleanup)
            todo.append((py, label, tmp))
        with concurrent.futures.ThreadPoolExecutor(max_workers=2) as ex:
            futs = {label: ex.submit(run_one, py, tmp, (),
                                     ("--spark", str(spark_for(label))))
                    for py, label, tmp in todo}
            results = {k: f.result() for k, f in futs.items()}
        for py, label, tmp in todo:
            with self.subTest(python=label):
                self.check_launch(py, label, *results[label])

    def attach(self, py, label):
        tmp = it.Tmp("pools_attach_" + label)
        self.addCleanup(tmp.cleanup)
        out, truth = tmp("attach.jsonl"), tmp("truth.json")
        game = it.spawn([py, WORKLOAD, "--frames", "100000", "--fps", "100", "--truth", truth,
                         "--late-at", "250"] + ARGS)
        self.addCleanup(it.stop, game)
        time.sleep(1.5)  # the class LateComer is defined at frame 250: after the attach
        cmd = [it.TOOL, "--quiet", "--interval", "0", "--json", out, "--pid", str(game.pid),
               "--duration", "8"] + POOLS
        rc, sout, serr = it.run(cmd, timeout=120)
        self.assertEqual(rc, 0, it.describe(rc, sout, serr))
        self.assertIsNone(game.poll(), "the game must still run")
        p = [r for r in it.load_jsonl(out) if r["type"] == "pools"][-1]
        self.assertGreaterEqual(p["sampling"]["frames_sampled"], 16, p["sampling"])
        spark = cls(p, "pools_game.Spark")
        self.assertEqual(spark["created"]["per_frame"]["p50"], SPARK)
        self.assertEqual(spark["kind"], "transient")
        ember = cls(p, "pools_game.Effects.Ember")
        # Embers born before the attach die in the first window: born unseen,
        # never a negative life or a leak; the 3-frame lives are all in their bin
        self.assertGreater(ember["destroyed"]["born_unseen"], 0)
        self.assertEqual({k: v for k, v in ember["lifetimes"].items() if v and k != "2-3"}, {})
        self.assertEqual(ember["live_at_frame_end"]["p50"], EMBER * EMBER_LIFE)
        self.assertEqual(ember["live_at_frame_end"]["max"], EMBER * EMBER_LIFE)
        self.assertEqual(ember["kind"], "short-lived")
        late = cls(p, "pools_game.LateComer")
        self.assertEqual(late["created"]["per_frame"]["max"], LATE)
        self.assertEqual(late["kind"], "transient")
        rock = cls(p, "pools_game.Rock")
        self.assertEqual(rock["lifetimes"]["16-255"] + rock["lifetimes"]["longer"], 0)
        self.assertEqual(rock["destroyed"]["total"], 0)
        self.assertEqual(rock["kind"], "persistent")  # its list only grows: not a pool
        self.check_bullet(p)

    def test_attach_debian(self):
        if not it.has_sdl2() or not os.access(it.DEBIAN_PY, os.X_OK):
            self.skipTest("needs libSDL2 and Debian's python3")
        self.attach(it.DEBIAN_PY, "debian")

    def test_attach_newest_pyenv(self):
        found = it.pyenv_pythons()
        vs = sorted((v for v in found if tuple(map(int, v.split("."))) >= (3, 8)),
                    key=lambda v: tuple(map(int, v.split("."))))
        if not it.has_sdl2() or not vs:
            self.skipTest("needs libSDL2 and a pyenv CPython 3.8+")
        self.attach(found[vs[-1]], "pyenv_" + vs[-1].replace(".", "_"))

    def test_idle_game_heap_vote(self):
        """A game that makes no instance of a class in its frames (idling in a
        menu): the windows cannot see subtype_dealloc, so the classes alive in
        the heap vote for it; windows then run. On a pyenv build its symbol
        must agree."""
        if not it.has_sdl2():
            self.skipTest("libSDL2 not found")
        found = it.pyenv_pythons()
        runs = [(it.DEBIAN_PY, "debian")] if os.access(it.DEBIAN_PY, os.X_OK) else []
        if found:
            v = max(found, key=lambda v: tuple(map(int, v.split("."))))
            runs.append((found[v], "pyenv_" + v.replace(".", "_")))
        if not runs:
            self.skipTest("no interpreter")
        idle = ["--spark", "0", "--burst", "0", "--ember", "0", "--rock", "0", "--bullets", "0",
                "--late", "0", "--odd", "0"]
        for py, label in runs:
            with self.subTest(python=label):
                tmp = it.Tmp("pools_idle_" + label)
                self.addCleanup(tmp.cleanup)
                out = tmp("idle.jsonl")
                cmd = [it.TOOL, "--quiet", "--interval", "0", "--json", out, "--pools",
                       "--pools-window", "17", "--pools-every", "20", "--max-overhead", "100",
                       "--trace-on-spike", "0", "--", py, WORKLOAD, "--frames", "200",
                       "--fps", "100"] + idle
                rc, sout, serr = it.run(cmd, timeout=120)
                self.assertEqual(rc, 0, it.describe(rc, sout, serr))
                p = [r for r in it.load_jsonl(out) if r["type"] == "pools"][-1]
                sd = p["probes"]["subtype_dealloc"]
                self.assertTrue(sd, p["probes"])
                self.assertIn("alive in the heap", sd["how"])
                if label != "debian":  # a symbol table: the answer is checked
                    self.assertIs(sd["symbol_agrees"], True, sd)
                self.assertGreaterEqual(p["sampling"]["windows"], 1, p["sampling"])

    def test_exit_mid_window(self):
        """A window longer than the game: the game exits inside it. The window
        is reported partial; every frame it saw whole is there; the game's
        teardown (every Rock dies) is not counted as frames' work."""
        if not it.has_sdl2():
            self.skipTest("libSDL2 not found")
        tmp = it.Tmp("pools_exit")
        self.addCleanup(tmp.cleanup)
        out, truth = tmp("exit.jsonl"), tmp("truth.json")
        cmd = [it.TOOL, "--quiet", "--interval", "0", "--json", out, "--pools", "--pools-window",
               "1024", "--pools-every", "1", "--max-overhead", "100", "--trace-on-spike", "0", "--",
               it.DEBIAN_PY,
               WORKLOAD, "--frames", "120", "--fps", "100", "--truth", truth] + ARGS
        rc, sout, serr = it.run(cmd, timeout=120)
        self.assertEqual(rc, 0, it.describe(rc, sout, serr))
        recs = it.load_jsonl(out)
        self.assertEqual([r for r in recs if r["type"] == "final"][0]["exit_reason"],
                         "target_exited")
        p = [r for r in recs if r["type"] == "pools"][-1]
        with open(truth) as f:
            tr = json.load(f)
        self.assertEqual(p["sampling"]["windows"], 1)
        self.assertEqual(p["sampling"]["partial_windows"], 1)
        its = sampled_iterations(recs, p, tr)
        self.assertGreater(len(its), 60)
        bursts = set(tr["bursts"])
        spark = cls(p, "pools_game.Spark")
        want = sum(SPARK + (BURST if i in bursts else 0) for i in its)
        self.assertEqual(spark["created"]["total"], want, "creations of the frames seen whole")
        rock = cls(p, "pools_game.Rock")
        self.assertEqual(rock["destroyed"]["total"], 0, "teardown counted as frames' work")
        self.assertGreater(p["coverage"]["teardown_events"], 0)


if __name__ == "__main__":
    unittest.main()
