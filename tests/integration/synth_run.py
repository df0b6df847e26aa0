# SPDX-License-Identifier: BSD-2-Clause
"""A synthetic run's JSON Lines, for the report tests and the render benchmark:
N frames at 60 fps with planted spikes, drops of each cause, GC collections,
asset loads, traced frames, a budget alert, and the records a real run ends
with (assets, budgets, platforms, host, trace_summary, final). Every record
carries the fields the tool writes (docs/json.md); the ground truth (which
frames are spikes, drops, the peak RSS, the top asset) is returned so a test
can compare what a report shows with what the file holds.

    python3 synth_run.py OUT.jsonl [FRAMES]
"""
import json
import sys

PERIOD_NS = 16666667
CAUSES = ["gc", "page_faults", "heap_growth", None]
TYPES = ["surface", "text", "texture", "audio", "music", "font", "gpu_buffer"]


def plan(n):
    """Which frames carry what (deterministic)."""
    mem_spikes = set(range(500, n, 997))
    time_spikes = set(range(700, n, 1499))
    drops = {f: CAUSES[k % 4] for k, f in enumerate(range(311, n, 311))}
    for f in mem_spikes:
        drops.setdefault(f, "heap_growth")
    traced = set(range(1000, n, 5000))
    return mem_spikes, time_spikes, drops, traced


def write(path, n=216000, pid=4242):
    mem_spikes, time_spikes, drops, traced = plan(n)
    ts = 10 ** 12
    rss = 200 << 20
    heap = 8 << 20
    surf_live, surf_bytes = 10, 10 << 20
    truth = {"frames": n, "spikes": [], "drops": [], "peak_rss": 0, "gc": [0, 0, 0]}
    out = open(path, "w")
    w = out.write
    w(json.dumps({
        "type": "attached", "schema_version": 2, "ts_ns": ts, "pid": pid, "mode": "attach",
        "backend": "bpf", "python": {"version": "3.11.2", "build": "static", "path": "/usr/bin/python3.11"},
        "frame_marker": {"library": "/usr/lib/x86_64-linux-gnu/libSDL2-2.0.so.0", "symbol": "SDL_UpdateWindowSurface",
                         "offset": 926508, "instruction": "jcc"},
        "gc_state": True, "gc_timing": "usdt", "executable": "/usr/bin/python3.11",
        "cmdline": "python3 synthetic_game.py", "frame_tid": pid, "tool": "pmtrace-bpf 0.1",
        "options": {"interval": 5, "target_fps": 60, "max_frame_history": 1000, "top": 10,
                    "track_use": False}}) + "\n")
    stack = ["load_level (game/level.py:88)", "main (game/main.py:40)", "<module> (game.py:3)"]
    for i in range(n):
        dur = PERIOD_NS + (i * 7919 % 400000) - 200000
        spike_kind = None
        delta = 4096 if i % 13 == 0 else 0
        growth = []
        if i in mem_spikes:
            delta = 24 << 20
            spike_kind = "memory"
            growth = [{"stack": stack, "faults": 6144, "fault_bytes": 24 << 20, "mapped_bytes": 24 << 20,
                       "partial": False}]
        if i in time_spikes:
            dur = 5 * PERIOD_NS
            spike_kind = "memory+time" if spike_kind else "time"
        cause = drops.get(i, "none!")
        dropped = cause != "none!" or dur > 1.25 * PERIOD_NS
        if cause == "none!":
            cause = None
        if i in drops and dur < 1.3 * PERIOD_NS:
            dur = 2 * PERIOD_NS
        prev = rss
        if i in mem_spikes and i % 2 == 0:
            rss -= 16 << 20  # freed later: RSS goes up and down
        rss += delta
        if i % 5000 == 4999:
            rss -= 20 << 20
        ts += dur
        gc = [1 if i % 30 == 0 else 0, 1 if i % 600 == 0 else 0, 1 if i % 3000 == 0 else 0]
        gen = 2 if gc[2] else 1 if gc[1] else 0 if gc[0] else None
        if cause == "gc":
            gc[2] += 1
            gen = 2
        for g in range(3):
            truth["gc"][g] += gc[g]
        loads = 1 if i % 100 == 0 else 0
        if loads:
            surf_live += 1
            surf_bytes += 64 << 10
        truth["peak_rss"] = max(truth["peak_rss"], rss)
        if spike_kind:
            truth["spikes"].append(i)
        if dropped:
            truth["drops"].append([i, cause])
        w('{"type":"frame","schema_version":2,"frame":%d,"ts_ns":%d,"duration_ns":%d,"rss_bytes":%d,'
          '"rss_anon_bytes":%d,"rss_file_bytes":%d,"rss_shmem_bytes":0,"swap_bytes":0,'
          '"rss_delta_bytes":%d,"minflt":%d,"majflt":0,"fault_time_est_ns":%d,"sys_ns":0,'
          '"mapped_bytes":%d,"unmapped_bytes":0,"brk_delta_bytes":0,"gc_collections":[%d,%d,%d],'
          '"gc_collected":%d,"gc_uncollectable":0,"python_heap_bytes":%d,"gc_ns":%d,"partial":false,'
          '"spike":%s,"spike_kind":%s,"dropped":%s,"cause":%s,"gc_generation":%s,"growth_sites":%s,'
          '"assets":{"surface":{"live":%d,"bytes":%d,"loads":%d,"frees":0},'
          '"text":{"live":1,"bytes":15104,"loads":1,"frees":1}}}\n' % (
              i, ts, dur, rss, rss - (40 << 20), 40 << 20, rss - prev,
              delta // 4096, delta // 4096 * 1500, delta if i in mem_spikes else 0,
              gc[0], gc[1], gc[2], 100 * sum(gc), heap, 2000000 * (gc[2] + (cause == "gc")),
              "true" if spike_kind else "false", json.dumps(spike_kind),
              "true" if dropped else "false", json.dumps(cause), json.dumps(gen),
              json.dumps(growth), surf_live, surf_bytes, loads))
        if i in traced:
            w(json.dumps({"type": "trace", "schema_version": 2, "frame": i, "trigger": "every",
                          "complete": True, "duration_ns": dur, "cost_ns": 100000, "allocs": 2000,
                          "alloc_bytes": 100000, "frees": 1800, "freed_bytes_known": 90000, "reallocs": 3,
                          "churn": {"count": 1700, "bytes": 80000}, "survivors": {"count": 300, "bytes": 20000},
                          "unclassified": {"count": 0, "bytes": 0}, "histogram": [],
                          "top_by_bytes": [{"stack": stack, "allocs": 900, "bytes": 60000, "partial": False,
                                            "truncated": False}],
                          "top_by_count": [{"stack": stack, "allocs": 900, "bytes": 60000, "partial": False,
                                            "truncated": False}],
                          "coverage": {}, "probes": {}, "probe_hits": 2000, "probe_ns": 500000}) + "\n")
        if i == n // 2:
            w(json.dumps({"type": "budget_violation", "schema_version": 2, "budget": "total_game",
                          "state": "exceeded", "from": "approaching", "usage_bytes": rss,
                          "limit_bytes": 256 << 20, "percent": int(rss * 100 / (256 << 20)), "frame": i,
                          "ts_ns": ts, "eviction_plan": None}) + "\n")
    # Records the report shows generically (object pools, snapshots).
    w(json.dumps({"type": "pools", "schema_version": 2, "frame": n - 1,
                  "pools": [{"type": "Bullet", "allocated": 9000, "peak_live": 310,
                             "recommended_size": 320, "saved_bytes": 1 << 20},
                            {"type": "Particle", "allocated": 52000, "peak_live": 1200,
                             "recommended_size": 1280, "saved_bytes": 3 << 20}]}) + "\n")
    w(json.dumps({"type": "snapshot", "schema_version": 2, "frame": 10, "assets_before_attach": 3,
                  "bytes": 123456}) + "\n")
    truth["pools"] = ["Bullet", "Particle"]
    top = {"bytes": 4 << 20, "type": "surface", "width": 1024, "height": 1024,
           "path": "/game/art/big_map.png", "site": "load_level (game/level.py:90)",
           "loader": "IMG_Load_RW", "load_frame": 12, "load_ts_ns": 10 ** 12, "age_frames": n - 12,
           "uses": 0, "state": "loaded", "use_sites": None, "use_sites_other": None}
    by_type = {t: {"live": 0, "bytes": 0, "peak_bytes": 0, "loads": 0, "frees": 0, "churn_frames": 0,
                   "churn": 0, "churn_bytes": 0} for t in TYPES}
    by_type["surface"].update(live=surf_live, bytes=surf_bytes, peak_bytes=surf_bytes, loads=surf_live)
    w(json.dumps({"type": "assets", "schema_version": 2, "scope": "final", "frame": n, "live": surf_live,
                  "by_type": by_type, "top": [top], "leaks": [], "files": [], "duplicates": [],
                  "orphans": None, "use_sites": None, "unknown_frees": 0, "untracked": 0,
                  "lost_events": 0, "gl_unbound_uploads": 0, "gl_names_lost": 0}) + "\n")
    w(json.dumps({"type": "budgets", "schema_version": 2, "violations": 1,
                  "budgets": [{"path": "total_game", "usage_bytes": rss, "limit_bytes": 256 << 20,
                               "warn_percent": 80, "state": "exceeded"}]}) + "\n")
    w(json.dumps({"type": "platforms", "schema_version": 2, "peak_bytes": truth["peak_rss"],
                  "python_heap_peak_bytes": heap,
                  "profiles": [{"id": "switch", "verdict": "fits-recommended", "used_bytes": truth["peak_rss"],
                                "available_bytes": 3447717888, "recommended_bytes": 2758174310,
                                "over_bytes": 0, "banks": []}]}) + "\n")
    w(json.dumps({"type": "host", "schema_version": 2, "os": "Linux", "arch": "x86_64", "kernel": "6.18",
                  "total_bytes": 24 << 30, "available_bytes": 20 << 30, "cgroup_limit_bytes": None,
                  "cgroup_usage_bytes": None, "game_rss_bytes": rss, "game_share": 0.01,
                  "critical": False}) + "\n")
    w(json.dumps({"type": "final", "schema_version": 2, "frames": n, "lost_events": 0, "lost_frames": 0,
                  "exit_reason": "interrupted", "target_exit_code": None, "growth_sites": [],
                  "growth_dropped": 0, "growth_unresolved": 0,
                  "summary": {"interval": {"first_frame": 0, "frames": n, "seconds": 0}, "frames": n, "fps": 60,
                              "frame_time_ns": {"mean": 0, "p50": 0, "p95": 0, "p99": 0, "max": 0},
                              "rss_bytes": rss, "rss_peak_bytes": truth["peak_rss"], "rss_growth_bytes": 0,
                              "growth_per_frame_bytes": 0, "gc_collections": truth["gc"], "gc_collected": 0,
                              "gc_ns": 0, "minflt": 0, "majflt": 0, "mapped_bytes": 0, "unmapped_bytes": 0,
                              "brk_bytes": 0, "spikes": len(truth["spikes"]), "dropped": len(truth["drops"]),
                              "causes": {}, "lost_events": 0, "spike_frames": [], "drops": []}}) + "\n")
    out.close()
    truth["top_asset"] = top
    return truth


if __name__ == "__main__":
    t = write(sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 216000)
    print("%d frames, %d spikes, %d drops, peak RSS %d" % (t["frames"], len(t["spikes"]), len(t["drops"]),
                                                          t["peak_rss"]))
