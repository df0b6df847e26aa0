# SPDX-License-Identifier: BSD-2-Clause
"""FrameMemoryProfiler beyond the specification's example: GC per frame, drops and
their causes, alerts, tick-style frames, the allocator hooks, wrong use."""

import gc
import inspect
import time
import tracemalloc

import pytest

from conftest import MIB

import pymemtrace
from pymemtrace import FrameMemoryProfiler


def cycles(n):
    """n objects in reference cycles: only the collector frees them."""
    for _ in range(n // 2):
        a, b = [], []
        a.append(b)
        b.append(a)


def test_gc_counted_and_timed_per_frame():
    p = FrameMemoryProfiler(max_frame_history=50)
    p.start_profiling()
    try:
        for i in range(20):
            with p.frame():
                if i == 10:
                    cycles(200000)
                    gc.collect()  # a full collection of 200,000 cyclic objects
    finally:
        p.stop_profiling()
    s = p.get_frame_stats(10)
    assert s.gc_tracked and s.gc_collections[2] >= 1 and s.gc_collected >= 200000
    assert s.gc_generation == 2 and 0 < s.gc_time <= s.frame_duration
    quiet = [p.get_frame_stats(i) for i in (15, 16, 17)]
    assert all(q.gc_collections == (0, 0, 0) and q.gc_time == 0 for q in quiet)
    # the frame lasted far over 16.7 ms because of the collector: a GC drop
    if s.frame_duration > 1.25 / 60:
        assert s.is_dropped and s.drop_cause == "gc"
        assert 10 in p.detect_frame_drops(target_fps=60)
        corr = p.correlate_frame_drops(target_fps=60)
        assert corr["by_cause"]["gc"] >= 1 and corr["memory_related"] >= 1


def test_cpu_drop_has_no_memory_cause_and_callbacks():
    p = FrameMemoryProfiler(target_fps=60)
    spikes, drops = [], []
    p.add_spike_callback(spikes.append)
    p.add_drop_callback(drops.append)
    keep = []
    for i in range(30):
        with p.frame():
            if i == 20:
                t = time.perf_counter()
                while time.perf_counter() - t < 0.05:  # 50 ms on the CPU only
                    pass
            if i == 25:
                keep.append(b"\x01" * (24 * MIB))
    p.stop_profiling()
    slow = p.get_frame_stats(20)
    assert slow.is_dropped and slow.drop_cause is None and slow.spike_kind == "time"
    assert 20 in [s.frame_number for s in drops] and drops[0].drop_cause is None
    big = p.get_frame_stats(25)
    assert big.is_spike and "memory" in big.spike_kind and big.memory_delta >= 23 * MIB
    assert 25 in [s.frame_number for s in spikes]
    assert p.get_summary()["memory_spikes"] >= 1 and p.get_summary()["frames"] == 30


def test_mark_frame_and_wrong_use():
    p = FrameMemoryProfiler(max_frame_history=3)
    assert p.mark_frame() is None  # begins frame 0
    for i in range(5):
        s = p.mark_frame()
        assert s.frame_number == i
    assert [s.frame_number for s in p.get_frame_history()] == [2, 3, 4]
    with pytest.raises(IndexError):
        p.get_frame_stats(0)  # out of the history
    with pytest.raises(RuntimeError):
        with p.frame():  # tick frames are running
            pass
    p.stop_profiling()
    q = FrameMemoryProfiler()
    with q.frame():
        with pytest.raises(RuntimeError):
            with q.frame():
                pass
    with pytest.raises(ValueError):
        with q.frame():
            raise ValueError("the game's own error propagates")
    assert q.frame_count == 2 and q.get_frame_stats().frame_number == 1
    q.reset()
    assert q.frame_count == 0 and q.get_frame_stats() is None
    q.stop_profiling()
    for bad in (dict(max_frame_history=0), dict(spike_threshold=-1), dict(target_fps=0),
                dict(spike_floor_bytes=-5), dict(baseline_window=0)):
        with pytest.raises(ValueError):
            FrameMemoryProfiler(**bad)
    with pytest.raises(TypeError):
        q.add_spike_callback(42)
    with pytest.raises(ValueError):
        q.detect_frame_drops(target_fps=-1)


def test_allocator_hooks_install_and_remove():
    assert not pymemtrace.allocator_stats()["installed"]
    pymemtrace.install_allocator_hooks()
    try:
        before = pymemtrace.allocator_stats()
        data = [bytearray(1000) for _ in range(500)]
        mid = pymemtrace.allocator_stats()
        assert mid["allocations"] - before["allocations"] >= 1000
        assert mid["allocated_bytes"] - before["allocated_bytes"] >= 500 * 1000
        del data
        after = pymemtrace.allocator_stats()
        assert after["freed_bytes"] - mid["freed_bytes"] >= 500 * 1000  # exact sizes at free
        assert after["map_failures"] == 0
    finally:
        assert pymemtrace.remove_allocator_hooks() is True
    assert not pymemtrace.allocator_stats()["installed"]
    with pytest.raises(RuntimeError):
        pymemtrace.remove_allocator_hooks()
    # a hook installed on top of ours (tracemalloc): ours stay as a pass-through
    pymemtrace.install_allocator_hooks()
    tracemalloc.start()
    try:
        assert pymemtrace.remove_allocator_hooks() is False
        x = [object() for _ in range(1000)]  # everything still allocates and frees
        del x
    finally:
        tracemalloc.stop()
    # counting again from the pass-through
    pymemtrace.install_allocator_hooks()
    assert pymemtrace.allocator_stats()["installed"]
    assert pymemtrace.remove_allocator_hooks() is True


def test_help_documents_every_method():
    classes = [pymemtrace.FrameMemoryProfiler, pymemtrace.AssetMemoryManager,
               pymemtrace.ObjectPoolAnalyzer, pymemtrace.ObjectPool,
               pymemtrace.MemoryBudgetSystem, pymemtrace.PlatformMemoryMonitor,
               pymemtrace.FrameStats, pymemtrace.MemoryHeatmap, pymemtrace.MemoryLeak,
               pymemtrace.BudgetViolation, pymemtrace.PlatformStatus]
    for cls in classes:
        assert cls.__doc__, cls
        for name in dir(cls):
            if name.startswith("_"):
                continue
            attr = getattr(cls, name)
            assert attr.__doc__, "%s.%s has no docstring" % (cls.__name__, name)
            if callable(attr):  # help() shows the call's signature
                inspect.signature(attr)
    for fn in (pymemtrace.load, pymemtrace.install_allocator_hooks,
               pymemtrace.remove_allocator_hooks, pymemtrace.allocator_stats):
        assert fn.__doc__
