# SPDX-License-Identifier: BSD-2-Clause
"""The specification's frame profiling example, run as written, against planted
frames: known allocations per frame, a known memory spike, known slow frames."""

import re
import time

from conftest import MIB, rss_bytes, run_example
from spec_examples import FRAME_PROFILING

ALLOC_FRAMES = {k: 40 * (k % 5) for k in range(100)}  # frame -> 4000-byte bytearrays made
SPIKE_FRAME = 60       # keeps 32 MiB
SLOW_FRAMES = (80, 81)  # sleep 60 ms each
SPIKE_BYTES = 32 * MIB


class Game:
    """The game functions the example leaves undefined, with planted behaviour."""

    def __init__(self):
        self.frame = 0
        self.kept = []

    def render_scene(self):
        made = [bytearray(4000) for _ in range(ALLOC_FRAMES[self.frame])]
        del made
        if self.frame == SPIKE_FRAME:
            self.kept.append(b"\x01" * SPIKE_BYTES)  # written: resident

    def update_physics(self):
        if self.frame in SLOW_FRAMES:
            time.sleep(0.06)

    def process_input(self):
        self.frame += 1


def test_frame_profiling_example():
    game = Game()
    ns = {"render_scene": game.render_scene, "update_physics": game.update_physics,
          "process_input": game.process_input}
    printed = run_example(FRAME_PROFILING, ns)
    rss_now = rss_bytes()
    profiler = ns["profiler"]
    stats = ns["stats"]
    try:
        lines = printed.splitlines()
        # "Frame 99: 1.23ms, 45.6MB": the last of 100 frames, numbered from 0
        m = re.fullmatch(r"Frame (\d+): ([\d.]+)ms, ([\d.]+)MB", lines[0])
        assert m, printed
        assert int(m.group(1)) == 99 == stats.frame_number
        assert float(m.group(2)) == round(stats.frame_duration * 1000, 2)
        # the peak of the last frame is the process's resident memory (from /proc)
        assert abs(stats.peak_memory - rss_now) < 8 * MIB
        assert abs(float(m.group(3)) - rss_now / MIB) < 8
        # the slow frames are reported dropped at 60 fps
        m = re.fullmatch(r"Dropped frames: \[([\d, ]*)\]", lines[1])
        assert m, printed
        dropped = [int(x) for x in m.group(1).split(",") if x.strip()]
        assert set(SLOW_FRAMES) <= set(dropped)
        for n in dropped:  # anything else the noisy machine slowed really was slow
            assert profiler.get_frame_stats(n).frame_duration > 1.25 / 60

        history = {s.frame_number: s for s in profiler.get_frame_history()}
        assert sorted(history) == list(range(100))
        # known allocations: 40 * (k % 5) bytearrays of 4000 bytes, each an object
        # and its buffer; compared with the frames that made none
        quiet = [history[k] for k in range(5, 100, 5) if k not in (SPIKE_FRAME,)]
        base_allocs = max(s.python_allocations for s in quiet)
        base_bytes = max(s.python_allocated_bytes for s in quiet)
        for k in range(5, 100):
            s = history[k]
            n = ALLOC_FRAMES[k]
            if k == SPIKE_FRAME or n == 0:
                continue
            assert s.allocations_tracked
            # each bytearray is an object and a buffer; the list holding them grows by
            # reallocation (each realloc is also counted as an allocation)
            extra = s.python_reallocations
            assert 0 < extra <= 20
            assert 2 * n + extra <= s.python_allocations <= 2 * n + extra + base_allocs + 4, (k, s)
            assert n * 4000 <= s.python_allocated_bytes <= n * 4200 + base_bytes + 1024, (k, s)
            # what the frame made it freed: exact bytes of blocks it allocated
            assert s.python_freed_bytes >= n * 4000
            assert abs(s.python_net_bytes) < 64 * 1024
        # the spike: 32 MiB kept, seen by the allocator hooks and in resident memory
        sp = history[SPIKE_FRAME]
        assert sp.is_spike and sp.spike_kind in ("memory", "memory+time")
        assert sp.python_net_bytes >= SPIKE_BYTES - 4096
        assert sp.memory_delta >= SPIKE_BYTES - MIB
        assert SPIKE_FRAME in [s.frame_number for s in profiler.get_spikes()]
        assert all(not history[k].is_spike or history[k].spike_kind != "memory"
                   for k in range(5, 100) if k != SPIKE_FRAME)
    finally:
        profiler.stop_profiling()
