#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""Benchmarks of the pymemtrace package against the specification's promises.

    PYTHONPATH=python python3 scripts/bench/pymemtrace_bench.py [--quick] [--json]

Every cost is the benchmark thread's own CPU time (time.thread_time_ns()), the
median of ROUNDS rounds, with and without the feature alternating round by
round so that the shared machine's load falls on both alike:

  frame         `with profiler.frame():` around an empty body, minus the same loop
                with a no-op context manager                 (promise: < 0.5 ms)
  busy frame    a profiled frame whose body makes ~15,000 allocator calls (a busy
                pygame frame), minus the same body unprofiled: markers and hooks
  hooks         the allocator hooks' cost per allocator call (mallocs + frees,
                counted by the hooks): a loop making and dropping small objects,
                hooks in minus hooks out, over the calls it makes
  pool          acquire() + release() of a pooled object, and the same without GC
                tracking, against making and dropping one (promise: < 0.1 ms)
  heatmap       get_memory_heatmap(top_n=10) over 100,000 registered assets
                                                             (promise: < 5 ms)
  register      register_asset() per asset, 100,000 assets   (10,000+ assets)
  eviction      the registration that takes a budget of 10,000 assets over its
                limit, evicting 100 of them by HYBRID (the costliest order)
  leaks         detect_memory_leaks(collect=False) over 10,000 assets with objects
  status        PlatformMemoryMonitor.get_current_status()
"""
import argparse
import gc
import json
import statistics
import sys
import time

import pymemtrace
from pymemtrace import (AssetMemoryManager, FrameMemoryProfiler, MemoryBudgetSystem,
                        ObjectPoolAnalyzer, PlatformMemoryMonitor)
from pymemtrace.asset_manager import AssetType

ROUNDS = 7


def cpu():
    return time.thread_time_ns()


class Nop:
    def __enter__(self):
        return self

    def __exit__(self, *a):
        return False


def bench_frame(n):
    prof = FrameMemoryProfiler(max_frame_history=1000)
    prof.start_profiling()
    nop = Nop()
    with_p, without = [], []
    for _ in range(ROUNDS):
        t = cpu()
        for _ in range(n):
            with nop:
                pass
        without.append(cpu() - t)
        t = cpu()
        for _ in range(n):
            with prof.frame():
                pass
        with_p.append(cpu() - t)
    prof.stop_profiling()
    return (statistics.median(with_p) - statistics.median(without)) / n


def bench_busy_frame(n, body):
    """A frame whose body makes allocator calls: the whole cost of profiling it
    (markers and hooks), against the same body bare; and the calls it makes."""
    prof = FrameMemoryProfiler(max_frame_history=1000)
    with_p, without = [], []
    for _ in range(ROUNDS):
        t = cpu()
        for _ in range(n):
            churn(body)
        without.append(cpu() - t)
        prof.start_profiling()
        t = cpu()
        for _ in range(n):
            with prof.frame():
                churn(body)
        with_p.append(cpu() - t)
        prof.stop_profiling()
    s = prof.get_frame_stats()
    calls = s.python_allocations + s.python_frees
    return (statistics.median(with_p) - statistics.median(without)) / n, calls


def churn(n):
    for _ in range(n):
        x = (1.5, 2.5, "ab" * 3)  # noqa: F841  a tuple and a str: allocator calls each
        y = [x]  # noqa: F841


def bench_hooks(n):
    on, off, calls = [], [], []
    for _ in range(ROUNDS):
        t = cpu()
        churn(n)
        off.append(cpu() - t)
        pymemtrace.install_allocator_hooks()
        s0 = pymemtrace.allocator_stats()
        t = cpu()
        churn(n)
        on.append(cpu() - t)
        s1 = pymemtrace.allocator_stats()
        pymemtrace.remove_allocator_hooks()
        calls.append((s1["allocations"] - s0["allocations"]) + (s1["frees"] - s0["frees"]))
    per_call = (statistics.median(on) - statistics.median(off)) / statistics.median(calls)
    return per_call, statistics.median(calls) / n, statistics.median(off) / statistics.median(calls)


class Particle:
    __slots__ = ("x", "y", "vx", "vy")

    def __init__(self):
        self.x = self.y = self.vx = self.vy = 0.0


def bench_pool(n):
    res = {}
    for track in (True, False):
        an = ObjectPoolAnalyzer(track_gc=track)
        pool = an.create_pool(Particle, initial_size=1, max_size=10)
        acq, rel = pool.acquire, pool.release
        times = []
        for _ in range(ROUNDS):
            t = cpu()
            for _ in range(n):
                rel(acq())
            times.append(cpu() - t)
        res["gc" if track else "nogc"] = statistics.median(times) / n
    times = []
    for _ in range(ROUNDS):
        t = cpu()
        for _ in range(n):
            Particle()
        times.append(cpu() - t)
    res["alloc"] = statistics.median(times) / n
    return res


def bench_assets(n):
    m = AssetMemoryManager()
    types = list(AssetType)[:7]
    t = cpu()
    for i in range(n):
        m.register_asset(i, types[i % 7], size=(i * 7919) % 1000003 + 1)
    reg = (cpu() - t) / n
    times = []
    for _ in range(ROUNDS):
        t = cpu()
        m.get_memory_heatmap(top_n=10)
        times.append(cpu() - t)
    return reg, statistics.median(times)


def bench_leaks(n):
    class Sprite:
        pass
    objs = [Sprite() for _ in range(n)]
    m = AssetMemoryManager()
    for i, o in enumerate(objs):
        m.register_asset(i, AssetType.SURFACE, o, size=100)
    times = []
    for _ in range(ROUNDS):
        t = cpu()
        m.detect_memory_leaks(collect=False)
        times.append(cpu() - t)
    return statistics.median(times)


def bench_eviction(n):
    times = []
    for _ in range(ROUNDS):
        bs = MemoryBudgetSystem(eviction_strategy="hybrid")
        bs.create_budget("game", max_bytes=n * 1000)
        for i in range(n):
            bs.register_asset(i, "game", size=1000, priority=i % 10)
            if i % 3 == 0:
                bs.use_asset(i)
        t = cpu()
        evicted = bs.register_asset("big", "game", size=100 * 1000)
        times.append(cpu() - t)
        assert len(evicted) == 100, len(evicted)
    return statistics.median(times)


def bench_status():
    mon = PlatformMemoryMonitor()
    times = []
    for _ in range(ROUNDS):
        t = cpu()
        for _ in range(100):
            mon.get_current_status()
        times.append((cpu() - t) / 100)
    return statistics.median(times)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="fewer iterations (a smoke run)")
    ap.add_argument("--json", action="store_true", help="print one JSON object")
    a = ap.parse_args()
    k = 10 if a.quick else 1
    gc.collect()
    r = {"python": sys.version.split()[0], "executable": sys.executable}
    r["frame_ns"] = bench_frame(20000 // k)
    r["busy_frame_ns"], r["busy_frame_calls"] = bench_busy_frame(500 // k, 2500)
    r["hook_ns_per_call"], r["calls_per_iteration"], r["call_ns_without_hooks"] = bench_hooks(200000 // k)
    r["pool_ns"] = bench_pool(200000 // k)
    r["register_ns"], r["heatmap_100k_ns"] = bench_assets(100000 // k)
    r["leaks_10k_ns"] = bench_leaks(10000 // k)
    r["eviction_10k_ns"] = bench_eviction(10000 // k)
    r["status_ns"] = bench_status()
    if a.json:
        print(json.dumps(r))
        return
    print("pymemtrace on Python %s (%s), thread CPU time, median of %d rounds" % (
        r["python"], r["executable"], ROUNDS))
    rows = [
        ("with profiler.frame(), per frame", r["frame_ns"], 500000),
        ("a frame making %d allocator calls, per frame" % r["busy_frame_calls"], r["busy_frame_ns"],
         500000),
        ("allocator hooks, per allocator call", r["hook_ns_per_call"], None),
        ("  (the loop's own cost per allocator call)", r["call_ns_without_hooks"], None),
        ("pool acquire + release (GC tracked)", r["pool_ns"]["gc"], 100000),
        ("pool acquire + release (no GC tracking)", r["pool_ns"]["nogc"], 100000),
        ("  (making and dropping the object instead)", r["pool_ns"]["alloc"], None),
        ("register_asset, per asset (100,000)", r["register_ns"], None),
        ("heatmap over 100,000 assets", r["heatmap_100k_ns"], 5000000),
        ("leak detection over 10,000 assets", r["leaks_10k_ns"], 5000000),
        ("eviction pass, 100 of 10,000 assets (HYBRID)", r["eviction_10k_ns"], None),
        ("platform status", r["status_ns"], None),
    ]
    for name, ns, promise in rows:
        extra = "  promise %s: %.0fx better" % (fmt(promise), promise / ns) if promise and ns > 0 else ""
        print("  %-46s %10s%s" % (name, fmt(ns), extra))


def fmt(ns):
    if ns >= 1e6:
        return "%.2f ms" % (ns / 1e6)
    if ns >= 1e3:
        return "%.2f us" % (ns / 1e3)
    return "%.1f ns" % ns


if __name__ == "__main__":
    main()
