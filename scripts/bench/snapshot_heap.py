#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""A game-like heap for heap-snapshot benchmarks (any CPython 3.8+): about
--objects objects (groups of a class with __slots__ holding a list and an int,
and a class with __dict__ holding a tuple), then a 60 fps frame loop doing
--work-us of Python work a frame. Each frame's start (CLOCK_MONOTONIC), its
thread CPU time and its wall time are kept in preallocated arrays and written
to --out as JSON on SIGTERM, with the number of objects gc.get_objects() sees.
Prints "ready" once built."""
import argparse
import gc
import json
import signal
import sys
import time


class Slotted(object):
    __slots__ = ("x", "items", "tag")

    def __init__(self, i):
        self.x = i
        self.items = [i]
        self.tag = "s"


class Plain(object):
    def __init__(self, i):
        self.a = i
        self.b = (i, "p")


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--objects", type=int, required=True)
    ap.add_argument("--work-us", type=float, default=2000)
    ap.add_argument("--fps", type=float, default=60)
    ap.add_argument("--max-frames", type=int, default=100000)
    ap.add_argument("--out", required=True)
    a = ap.parse_args()
    groups = max(1, a.objects // 5)  # Slotted, its list, an int, Plain, its tuple
    world = []
    for i in range(groups):
        world.append(Slotted(i + 1000))
        world.append(Plain(i + 1000))
    starts = [0] * a.max_frames
    cpu = [0] * a.max_frames
    wall = [0] * a.max_frames
    state = {"n": 0, "stop": False}

    def on_term(sig, frm):
        state["stop"] = True

    signal.signal(signal.SIGTERM, on_term)
    print("ready", len(gc.get_objects()), flush=True)
    period = 1.0 / a.fps
    spin = a.work_us / 1e6
    while not state["stop"] and state["n"] < a.max_frames:
        t0 = time.monotonic_ns()
        c0 = time.thread_time_ns()
        end = time.perf_counter() + spin
        k = 0
        while time.perf_counter() < end:
            k += 1
        n = state["n"]
        starts[n] = t0
        cpu[n] = time.thread_time_ns() - c0
        wall[n] = time.monotonic_ns() - t0
        state["n"] = n + 1
        left = period - wall[n] / 1e9
        if left > 0:
            time.sleep(left)
    n = state["n"]
    with open(a.out, "w") as f:
        json.dump({"objects_tracked": len(gc.get_objects()), "frames": n,
                   "start": starts[:n], "cpu": cpu[:n], "wall": wall[:n]}, f)
    del world
    return 0


if __name__ == "__main__":
    sys.exit(main())
