# SPDX-License-Identifier: BSD-2-Clause
"""pymemtrace.load(): a pmtrace-bpf JSON Lines file (docs/json.md) read into the
package's own objects, so that an eBPF run is analysed in Python like an
in-process one. JSON is parsed here, with the standard library; every analysis
stays in the C core (frames go into a FrameMemoryProfiler as the tool
classified them, and its methods work on them)."""

import json

from ._enums import AssetType, Platform
from ._pymemtrace import (BudgetViolation, FrameMemoryProfiler, MemoryHeatmap, MemoryLeak,
                          PlatformStatus, TraceFileError)

SCHEMA_VERSIONS = (1, 2)
_CAUSES = {None: 0, "gc": 1, "page_faults": 2, "heap_growth": 3, "profiler": 4}
_SPIKES = {None: 0, "memory": 1, "time": 2, "memory+time": 3}
_STATES = {"approaching": "warning", "exceeded": "exceeded", "ok": "ok", "warning": "warning"}


class Run:
    """One pmtrace-bpf run, as load() read it.

    profiler     a FrameMemoryProfiler holding every frame record, classified as the
                 tool classified it: get_frame_stats(), get_frame_history(),
                 detect_frame_drops(), correlate_frame_drops(), get_spikes(),
                 get_summary() work on it
    frames       the FrameStats of every frame (source 'pmtrace-bpf')
    attached     the 'attached' record (pid, mode, python, frame_marker...), or None
    final        the 'final' record, or None when the run was cut short
    summary      the final record's whole-run summary (dict), or None
    reports      the periodic 'report' records (dicts)
    heatmap      a MemoryHeatmap of the last 'assets' record (hotspots are the largest
                 assets it lists, by file, else load site), or None
    leaks        MemoryLeak ('load_site') for each leaking load site it lists
    duplicates   its duplicate files: [{'path', 'type', 'copies', 'bytes', 'wasted_bytes'}]
    violations   a BudgetViolation per 'budget_violation' record
    budgets      {budget path: status dict} from the last 'budgets' record
    platforms    {profile id: fit dict, as PlatformMemoryMonitor.estimate_platform_compatibility()}
    platform_advice  the advice lines for --platform, or []
    host         a PlatformStatus of the last 'host' record, or None
    pools        the 'pools' records (dicts), when the tool ran with --pools
    traces       the 'trace' records (dicts); trace_summary the 'trace_summary' record
    other        records of types this version does not know (kept as dicts)
    skipped_lines  1 when the last line was cut short (a run killed mid-write), else 0
    """

    def __init__(self):
        self.profiler = None
        self.attached = self.final = self.summary = self.heatmap = self.host = None
        self.trace_summary = None
        self.reports, self.leaks, self.duplicates, self.violations = [], [], [], []
        self.budgets, self.platforms = {}, {}
        self.platform_advice, self.pools, self.traces, self.other = [], [], [], []
        self.skipped_lines = 0

    @property
    def frames(self):
        return self.profiler.get_frame_history()

    def __repr__(self):
        n = self.profiler.frame_count if self.profiler is not None else 0
        return "<pymemtrace.Run: %d frames, %d reports, %d violations%s>" % (
            n, len(self.reports), len(self.violations), "" if self.final else ", no final record")


def _asset_type(name):
    try:
        return AssetType(name)
    except ValueError:
        return name


def _frame(p, r):
    gcc = r.get("gc_collections")
    gc_ns = r.get("gc_ns")
    heap = r.get("python_heap_bytes")
    gen = r.get("gc_generation")
    prof = r.get("profiler") or {}
    prof_bits = (1 if prof.get("traced") else 0) | (2 if prof.get("probes") else 0)
    p._load_frame(int(r["frame"]), int(r["ts_ns"]), int(r["duration_ns"]), int(r["rss_bytes"]),
                  int(r["rss_delta_bytes"]), int(r.get("minflt") or 0), int(r.get("majflt") or 0),
                  int(r.get("fault_time_est_ns") or 0), gcc is not None,
                  *(int(x) for x in (gcc or (0, 0, 0))),
                  int(r.get("gc_collected") or 0), int(r.get("gc_uncollectable") or 0),
                  int(gc_ns or 0), gc_ns is not None, -1 if heap is None else int(heap),
                  bool(r.get("partial")), bool(r.get("spike")), bool(r.get("dropped")),
                  _SPIKES[r.get("spike_kind")], _CAUSES[r.get("cause")],
                  -1 if gen is None else int(gen), int(r.get("mapped_bytes") or 0),
                  int(r.get("unmapped_bytes") or 0), int(r.get("brk_delta_bytes") or 0),
                  int(r.get("sys_ns") or 0), prof_bits, int(prof.get("cost_ns") or 0),
                  bool(prof.get("slow")))


def _heatmap(r):
    by_type, count, peak = {}, {}, {}
    for name, t in (r.get("by_type") or {}).items():
        key = _asset_type(name)
        if t.get("live"):
            by_type[key] = t.get("bytes", 0)
            count[key] = t["live"]
        if t.get("peak_bytes"):
            peak[key] = t["peak_bytes"]
    top = []
    for i, a in enumerate(r.get("top") or []):
        name = a.get("path") or a.get("site") or "%s #%d" % (a.get("type"), i + 1)
        top.append({"asset_id": name, "bytes": a.get("bytes", 0), "type": _asset_type(a.get("type")),
                    "state": None, "uses": a.get("uses"), "site": a.get("site"),
                    "path": a.get("path")})
    return MemoryHeatmap(total_memory=sum(by_type.values()), asset_count=r.get("live", 0),
                         hotspots=[(t["asset_id"], t["bytes"]) for t in top], by_type=by_type,
                         count_by_type=count, peak_by_type=peak, by_state={}, top_assets=top)


def _leaks(r):
    out = []
    for s in r.get("leaks") or []:
        out.append(MemoryLeak(kind="load_site", asset_id=None, size=s.get("live_bytes", 0),
                              asset_type=_asset_type(s.get("type")), cycle=None,
                              site=s.get("site"),
                              detail="%s keeps %s %s assets alive (%s bytes), more each interval"
                              % (s.get("site"), s.get("live"), s.get("type"),
                                 s.get("live_bytes"))))
    return out


def _violation(r):
    plan = r.get("eviction_plan") or {}
    release = plan.get("release") or []
    evicted = [a.get("path") or a.get("site") or a.get("type") for a in release]
    state = _STATES.get(r.get("state"), r.get("state"))
    msg = "%s %s: %s of %s bytes (%s%%)" % (r.get("budget"), state, r.get("usage_bytes"),
                                           r.get("limit_bytes"), r.get("percent"))
    if plan:
        msg += "; plan (%s, %s): release %d assets, %s bytes" % (
            plan.get("strategy"), plan.get("status"), len(release), plan.get("bytes_freed"))
    return BudgetViolation(budget_name=(r.get("budget") or "").rsplit("/", 1)[-1], message=msg,
                           state=state,
                           previous_state=_STATES.get(r.get("from"), r.get("from")),
                           usage=r.get("usage_bytes"), limit=r.get("limit_bytes"),
                           usage_percentage=float(r.get("percent") or 0), evicted=evicted,
                           freed_bytes=plan.get("bytes_freed", 0),
                           usage_after=plan.get("usage_after", r.get("usage_bytes")),
                           strategy=None, resolved=state != "exceeded", asset_name=None)


def _platforms(r):
    out = {}
    for p in r.get("profiles") or []:
        v = p.get("verdict")
        limit = p.get("available_bytes")
        out[p["id"]] = {"verdict": v, "fits": v in ("fits-recommended", "fits"),
                        "meets_recommended": v == "fits-recommended",
                        "used_bytes": p.get("used_bytes"), "available_bytes": limit,
                        "recommended_bytes": p.get("recommended_bytes"),
                        "over_bytes": p.get("over_bytes", 0),
                        "usage_percentage": 100.0 * p["used_bytes"] / limit if limit else 0.0,
                        "banks": [{"name": b.get("name"), "used_bytes": b.get("used_bytes"),
                                   "verdict": b.get("verdict")} for b in p.get("banks") or []]}
    return out


def _host(r):
    total, avail = r.get("total_bytes") or 0, r.get("available_bytes") or 0
    os_name = (r.get("os") or "").lower()
    try:
        plat = Platform(os_name)
    except ValueError:
        plat = Platform.UNKNOWN
    return PlatformStatus(platform=plat, profile=None, process_memory=r.get("game_rss_bytes"),
                          peak_memory=None, total_memory=total, available_memory=avail,
                          memory_percentage=100.0 * (total - avail) / total if total else 0.0,
                          is_critical=bool(r.get("critical")), recommendations=[], limit=None,
                          verdict=None, python_memory=None)


def load(path, target_fps=60.0):
    """Read what `pmtrace-bpf --json FILE` wrote into a Run (see Run). target_fps
    is what FrameMemoryProfiler.detect_frame_drops() defaults to reclassify with;
    the frames keep the tool's own classification. Raises OSError when the file
    cannot be read, TraceFileError (a ValueError) for a line that is not a JSON
    record of a known schema_version (the message names the line); a last line
    cut short by a killed run is skipped and counted in skipped_lines."""
    with open(path, "r", encoding="utf-8") as f:
        lines = f.read().split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    recs = []
    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            r = json.loads(line)
        except ValueError as e:
            if n == len(lines) and not line.endswith("}"):
                run_skipped = 1  # the run was killed mid-line
                break
            raise TraceFileError("%s:%d: not JSON (%s)" % (path, n, e)) from None
        if not isinstance(r, dict) or "type" not in r:
            raise TraceFileError("%s:%d: not a pmtrace record (no type)" % (path, n))
        if r.get("schema_version") not in SCHEMA_VERSIONS:
            raise TraceFileError("%s:%d: schema_version %r: this pymemtrace reads %s" % (
                path, n, r.get("schema_version"), "/".join(map(str, SCHEMA_VERSIONS))))
        recs.append((n, r))
    else:
        run_skipped = 0
    run = Run()
    run.skipped_lines = run_skipped
    nframes = sum(1 for _, r in recs if r["type"] == "frame")
    run.profiler = FrameMemoryProfiler(max_frame_history=max(nframes, 1), target_fps=target_fps,
                                       track_allocations=False, track_gc=False)
    for n, r in recs:
        t = r["type"]
        try:
            if t == "frame":
                _frame(run.profiler, r)
            elif t == "attached":
                run.attached = r
            elif t == "final":
                run.final = r
                run.summary = r.get("summary")
            elif t == "report":
                run.reports.append(r)
            elif t == "assets":
                run.heatmap = _heatmap(r)
                run.leaks = _leaks(r)
                run.duplicates = [dict(d, type=_asset_type(d.get("type")))
                                  for d in r.get("duplicates") or []]
            elif t == "budget_violation":
                run.violations.append(_violation(r))
            elif t == "budgets":
                run.budgets = {b["path"]: {"name": b["path"].rsplit("/", 1)[-1], "path": b["path"],
                                           "max_bytes": b.get("limit_bytes"),
                                           "current_usage": b.get("usage_bytes"),
                                           "usage_percentage": 100.0 * b["usage_bytes"] / b["limit_bytes"]
                                           if b.get("limit_bytes") else 0.0,
                                           "warning_threshold": (b.get("warn_percent") or 0) / 100.0,
                                           "state": _STATES.get(b.get("state"), b.get("state"))}
                               for b in r.get("budgets") or []}
            elif t == "platforms":
                run.platforms = _platforms(r)
                run.platform_advice = list(r.get("advice") or [])
            elif t == "host":
                run.host = _host(r)
            elif t == "pools":
                run.pools.append(r)
            elif t == "trace":
                run.traces.append(r)
            elif t == "trace_summary":
                run.trace_summary = r
            else:
                run.other.append(r)
        except (KeyError, TypeError, ValueError) as e:
            raise TraceFileError("%s:%d: bad %s record (%s: %s)" % (
                path, n, t, type(e).__name__, e)) from None
    return run
