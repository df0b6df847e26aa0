# SPDX-License-Identifier: BSD-2-Clause
"""JSON Lines output: every line parses and carries type and schema_version;
every record type carries the fields docs/json.md documents."""
import os
import re
import unittest

import pmt_it as it

ATTACHED = ["pid", "mode", "python", "frame_marker", "backend", "sample_rate_hz", "gc_state",
            "ts_ns"]
FRAME = ["frame", "ts_ns", "duration_ns", "rss_bytes", "rss_anon_bytes", "rss_file_bytes",
         "rss_shmem_bytes", "swap_bytes", "rss_delta_bytes", "minflt", "majflt", "fault_time_est_ns",
         "mapped_bytes", "unmapped_bytes", "brk_delta_bytes", "gc_collections",
         "gc_collected", "gc_uncollectable", "gc_ns", "partial", "spike", "spike_kind",
         "dropped", "cause", "budget_ns", "paced", "profiler", "gc_generation"]
REPORT = ["interval", "fps", "frame_time_ns", "rss_bytes", "rss_peak_bytes",
          "growth_per_frame_bytes", "gc_collections", "gc_collected", "minflt", "majflt",
          "mapped_bytes", "unmapped_bytes", "spikes", "spike_frames", "dropped", "drops",
          "causes", "lost_events", "paced_frames", "pace_ns", "gc_timed_frames"]
FINAL = ["frames", "lost_events", "exit_reason", "target_exit_code", "summary", "samples"]
ASSETS = ["scope", "frame", "live", "by_type", "top", "leaks", "duplicates", "orphans", "use_sites",
          "unknown_frees", "untracked", "lost_events", "gl_unbound_uploads", "gl_names_lost"]
PLATFORMS = ["peak_bytes", "profiles"]
HOST = ["os", "arch", "total_bytes", "available_bytes", "cgroup_limit_bytes", "game_rss_bytes",
        "game_share", "critical"]
BUDGETS = ["violations", "budgets"]
VIOLATION = ["budget", "state", "usage_bytes", "limit_bytes", "percent", "frame", "sample",
             "ts_ns", "eviction_plan"]
TRACE = ["frame", "trigger", "complete", "duration_ns", "cost_ns", "allocs", "alloc_bytes",
         "frees", "freed_bytes_known", "reallocs", "churn", "survivors", "unclassified",
         "histogram", "top_by_bytes", "top_by_count", "coverage", "probes", "probe_hits",
         "probe_ns"]
TRACE_SUMMARY = ["enabled", "off_reason", "missed", "frames_traced", "incomplete", "allocs", "alloc_bytes",
                 "frees", "churn", "cost_ns", "overhead_pct", "max_overhead_pct", "every",
                 "governed_every", "spikes_skipped", "skipped_no_room", "top_by_bytes", "top_by_count"]
SNAPSHOT = ["seq", "trigger", "frame", "ts_ns", "duration_ns", "walk_ns", "cpu_ns", "paused_ns",
            "partial", "partial_reason", "objects", "bytes", "tracked", "untracked", "type_count",
            "reads", "tool_bytes", "roots", "has_previous", "survivors_known", "types", "growth",
            "asset_bytes", "assets", "cycles"]
SNAPSHOT_TYPE = ["name", "count", "bytes"]
SNAPSHOT_ASSET = ["key", "type", "engine", "class", "object", "bytes", "width", "height", "file",
                  "file_source", "holder", "family", "cyclic", "loaded_before_attach"]
TYPES = {"attached", "frame", "report", "final", "assets", "platforms", "host", "budgets",
         "budget_violation", "trace", "trace_summary", "snapshot"}
SAMPLE = ["sample", "ts_ns", "interval_ns", "rss_bytes", "rss_anon_bytes", "rss_file_bytes",
          "rss_shmem_bytes", "swap_bytes", "rss_delta_bytes", "hwm_bytes", "minflt", "majflt",
          "threads"]
SAMPLE_SUMMARY = ["first_sample", "samples", "seconds", "rss_bytes", "rss_min_bytes",
                  "rss_peak_bytes", "hwm_bytes", "rss_growth_bytes", "growth_per_s_bytes",
                  "minflt", "majflt", "threads", "threads_max"]
# --backend procfs: samples instead of frames, and no asset or trace record
PROCFS_TYPES = {"attached", "sample", "sample_report", "final", "platforms", "host", "budgets",
                "budget_violation"}


class JsonTest(unittest.TestCase):
    def missing(self, rec, keys):
        return [k for k in keys if k not in rec]

    def test_schema(self):
        if not os.access(it.DEBIAN_PY, os.X_OK) or not it.has_pygame():
            self.skipTest("pygame not importable by %s" % it.DEBIAN_PY)
        tmp = it.Tmp("json")
        self.addCleanup(tmp.cleanup)
        out = tmp("out.jsonl")
        cmd = [it.TOOL, "--quiet", "--interval", "1", "--json", out, "--trace-frames", "60-61",
               "--snapshot-every", "1", "--", it.DEBIAN_PY,
               it.PLANTED_PYGAME, "--frames", "150", "--plan", "alloc:40:16,gc:80:100000"]
        rc, sout, serr = it.run(cmd, timeout=120)
        self.assertEqual(rc, 0, it.describe(rc, sout, serr))
        recs = it.load_jsonl(out)  # every line: JSON object, type, schema_version
        bad = []
        for n, r in enumerate(recs, 1):
            t = r["type"]
            if t not in TYPES:
                bad.append("line %d: unknown type %r" % (n, t))
                continue
            keys = {"attached": ATTACHED, "frame": FRAME, "report": REPORT, "final": FINAL,
                        "assets": ASSETS, "platforms": PLATFORMS, "host": HOST,
                        "budgets": BUDGETS, "budget_violation": VIOLATION, "trace": TRACE,
                        "trace_summary": TRACE_SUMMARY, "snapshot": SNAPSHOT}[t]
            miss = self.missing(r, keys)
            if miss:
                bad.append("line %d (%s): missing %s" % (n, t, miss))
            if t == "attached":
                bad += ["attached.python: missing %s" % k for k in ("version", "build", "path")
                        if k not in (r.get("python") or {})]
                bad += ["attached.frame_marker: missing %s" % k
                        for k in ("library", "symbol", "offset", "instruction", "function",
                                  "counts_also", "nested", "probes")
                        if k not in (r.get("frame_marker") or {})]
                for p in (r.get("frame_marker") or {}).get("probes") or [{}]:
                    bad += ["attached.frame_marker.probes: missing %s" % k
                            for k in ("function", "library", "offset", "entry_offset",
                                      "instruction") if k not in p]
                if r.get("mode") not in ("attach", "launch"):
                    bad.append("attached.mode %r" % r.get("mode"))
            elif t == "frame":
                gcc = r.get("gc_collections")
                if not (isinstance(gcc, list) and len(gcc) == 3):
                    bad.append("line %d: gc_collections %r" % (n, gcc))
                if r.get("spike_kind") not in (None, "memory", "time", "memory+time"):
                    bad.append("line %d: spike_kind %r" % (n, r.get("spike_kind")))
                if r.get("cause") not in (None, "gc", "page_faults", "heap_growth", "profiler"):
                    bad.append("line %d: cause %r" % (n, r.get("cause")))
                if bool(r.get("spike")) != (r.get("spike_kind") is not None):
                    bad.append("line %d: spike %r with spike_kind %r"
                               % (n, r.get("spike"), r.get("spike_kind")))
                prof = r.get("profiler", "missing")
                if prof == "missing" or (prof is not None and sorted(prof) !=
                                         ["cost_ns", "probes", "slow", "traced"]):
                    bad.append("line %d: profiler %r" % (n, prof))
                if r.get("cause") == "profiler" and not prof:
                    bad.append("line %d: cause profiler without profiler" % n)
                if r.get("paced") and not r["budget_ns"] > 1e9 / 60 * 1.1:
                    bad.append("line %d: paced at %r ns, not slower than 60 fps" % (n, r["budget_ns"]))
                if not r.get("dropped") and r.get("cause") is not None:
                    bad.append("line %d: cause %r on a frame not dropped" % (n, r.get("cause")))
            elif t == "report":
                bad += ["line %d: report.interval missing %s" % (n, k)
                        for k in ("first_frame", "frames", "seconds")
                        if k not in (r.get("interval") or {})]
                bad += ["line %d: report.frame_time_ns missing %s" % (n, k)
                        for k in ("mean", "p50", "p95", "p99", "max")
                        if k not in (r.get("frame_time_ns") or {})]
                bad += ["line %d: report.causes missing %s" % (n, k)
                        for k in ("gc", "page_faults", "heap_growth", "none", "profiler")
                        if k not in (r.get("causes") or {})]
                bad += ["line %d: report.profiler missing %s" % (n, k)
                        for k in ("frames", "traced", "dropped", "slow", "cost_ns")
                        if k not in (r.get("profiler") or {})]
            elif t == "snapshot":
                bad += ["line %d: snapshot.types[] missing %s" % (n, k) for x in r["types"][:50]
                        for k in SNAPSHOT_TYPE if k not in x]
                bad += ["line %d: snapshot.assets[] missing %s" % (n, k)
                        for x in r["assets"] for k in SNAPSHOT_ASSET if k not in x]
                bad += ["line %d: snapshot.reads missing %s" % (n, k)
                        for k in ("copied_bytes", "syscalls", "skipped", "list_breaks", "gc_waits")
                        if k not in (r.get("reads") or {})]
                if r["trigger"] != "every" or r["paused_ns"] != 0:
                    bad.append("line %d: snapshot trigger %r paused %r" % (
                        n, r["trigger"], r["paused_ns"]))
                if r["seq"] > 1 and (not r["has_previous"] or r["growth"] is None or
                                     "count_delta" not in r["types"][0]):
                    bad.append("line %d: snapshot %d without differences" % (n, r["seq"]))
                if r["cycles"] is not None and "list" not in r["cycles"]:
                    bad.append("line %d: snapshot.cycles %r" % (n, r["cycles"]))
            elif t == "final":
                if r.get("exit_reason") not in ("target_exited", "interrupted", "duration"):
                    bad.append("final.exit_reason %r" % r.get("exit_reason"))
                miss = self.missing(r.get("summary") or {}, [k for k in REPORT if k != "interval"])
                if miss:
                    bad.append("final.summary: missing %s" % miss)
        types = [r["type"] for r in recs]
        if not types or types[0] != "attached":
            bad.append("first record is not attached")
        if types.count("attached") != 1:
            bad.append("%d attached records" % types.count("attached"))
        if types.count("final") != 1 or types[-1] != "final":
            bad.append("final record: %d, last is %r" % (types.count("final"), types[-1:]))
        traced = sorted(r["frame"] for r in recs if r["type"] == "trace")
        if not {60, 61} <= set(traced):
            bad.append("traced frames %s, --trace-frames 60-61 asked for" % traced)
        if types.count("trace_summary") != 1:
            bad.append("%d trace_summary records" % types.count("trace_summary"))
        if types.count("snapshot") < 2:
            bad.append("%d snapshot records in a 2.5 s run with --snapshot-every 1"
                       % types.count("snapshot"))
        if types.count("report") < 1:
            bad.append("no report record in a 2.5 s run with --interval 1")
        # a frame is the work between two marker calls: 150 calls, 149 frames
        if types.count("frame") != 149:
            bad.append("%d frame records for 150 marker calls" % types.count("frame"))
        if bad:
            # one entry per distinct problem, with the lines it is on
            groups = {}
            for b in bad:
                m = re.match(r"line (\d+):? (.*)", b)
                key, line = (m.group(2), m.group(1)) if m else (b, None)
                groups.setdefault(key, []).append(line)
            text = ["%s%s" % (k, "" if v == [None] else " (%d line(s): %s%s)" % (
                len(v), ", ".join(x for x in v[:5] if x), ", ..." if len(v) > 5 else ""))
                for k, v in groups.items()]
            self.fail("%d schema problems:\n  %s" % (len(bad), "\n  ".join(text[:30])))


    def test_schema_procfs(self):
        """--backend procfs: the same checks on its records."""
        if not os.access(it.DEBIAN_PY, os.X_OK):
            self.skipTest("%s absent" % it.DEBIAN_PY)
        tmp = it.Tmp("json-procfs")
        self.addCleanup(tmp.cleanup)
        out, ini = tmp("out.jsonl"), tmp("b.ini")
        with open(ini, "w") as f:
            f.write("[game]\nlimit = 1MiB\ncategories = rss\n")
        cmd = [it.TOOL, "--backend", "procfs", "--quiet", "--interval", "1", "--json", out,
               "--budget", ini, "--", it.DEBIAN_PY, os.path.join(it.WORKLOADS, "rss_steps.py"),
               "--steps", "2", "--mib", "8", "--hold", "1", "--truth", tmp("truth.json")]
        rc, sout, serr = it.run(cmd, timeout=60)
        self.assertEqual(rc, 0, it.describe(rc, sout, serr))
        recs = it.load_jsonl(out)
        bad = []
        for n, r in enumerate(recs, 1):
            t = r["type"]
            if t not in PROCFS_TYPES:
                bad.append("line %d: type %r" % (n, t))
                continue
            keys = {"attached": ATTACHED, "sample": SAMPLE, "sample_report": SAMPLE_SUMMARY,
                    "final": FINAL, "platforms": PLATFORMS, "host": HOST, "budgets": BUDGETS,
                    "budget_violation": VIOLATION}[t]
            miss = self.missing(r, keys)
            if miss:
                bad.append("line %d (%s): missing %s" % (n, t, miss))
            if t == "attached" and (r["backend"], r["frame_marker"]) != ("procfs", None):
                bad.append("attached: backend %r, frame_marker %r" % (r["backend"],
                                                                     r["frame_marker"]))
            if t == "final":
                if r["summary"] is not None or r["frames"] != 0:
                    bad.append("final: summary %r, frames %r" % (r["summary"], r["frames"]))
                miss = self.missing(r.get("samples") or {}, SAMPLE_SUMMARY)
                if miss:
                    bad.append("final.samples: missing %s" % miss)
            if t == "budget_violation" and (r["frame"] is not None or
                                            not isinstance(r["sample"], int)):
                bad.append("budget_violation: frame %r, sample %r" % (r["frame"], r["sample"]))
        types = [r["type"] for r in recs]
        for t in ("sample", "sample_report", "budget_violation"):
            if t not in types:
                bad.append("no %s record" % t)
        if types[0] != "attached" or types[-1] != "final":
            bad.append("first %r, last %r" % (types[0], types[-1]))
        self.assertFalse(bad, "\n  ".join(bad))


if __name__ == "__main__":
    unittest.main(verbosity=2)
