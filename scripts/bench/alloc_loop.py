#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""Benchmark workload for trace mode: an SDL2 frame loop through ctypes (any
CPython 3) that makes --allocs small objects a frame (instances of a
__slots__ class, kept until the next frame, so as many are freed), paced at
--fps. Prints one JSON line: frames timed, the median wall time of a frame's
work (before the present and the sleep), and the process's CPU time per
frame (user + system: uprobe hits are handled in the game's own context,
so they show here)."""
import argparse
import ctypes
import ctypes.util
import json
import os
import time

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
os.environ.setdefault("SDL_AUDIODRIVER", "dummy")


class Obj(object):
    __slots__ = ("a", "b")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--frames", type=int, default=600)
    ap.add_argument("--fps", type=float, default=60)
    ap.add_argument("--allocs", type=int, default=2000)
    ap.add_argument("--warmup", type=int, default=60, help="frames before timing starts")
    a = ap.parse_args()
    sdl = ctypes.CDLL(ctypes.util.find_library("SDL2") or "libSDL2-2.0.so.0")
    sdl.SDL_CreateWindow.restype = ctypes.c_void_p
    sdl.SDL_CreateWindow.argtypes = [ctypes.c_char_p] + [ctypes.c_int] * 4 + [ctypes.c_uint32]
    sdl.SDL_UpdateWindowSurface.argtypes = [ctypes.c_void_p]
    sdl.SDL_GetWindowSurface.argtypes = [ctypes.c_void_p]
    if sdl.SDL_Init(0x20) != 0:
        raise SystemExit("SDL_Init failed")
    win = sdl.SDL_CreateWindow(b"bench", 0, 0, 64, 64, 8)
    sdl.SDL_GetWindowSurface(win)
    update = sdl.SDL_UpdateWindowSurface
    period = 1.0 / a.fps
    work = []
    kept = []
    rng = range(a.allocs)
    cpu0 = None
    nxt = time.perf_counter()
    for i in range(a.warmup + a.frames):
        if i == a.warmup:
            cpu0 = time.process_time_ns()
        t0 = time.perf_counter_ns()
        kept = [Obj() for _ in rng]
        if i >= a.warmup:
            work.append(time.perf_counter_ns() - t0)
        update(win)
        nxt += period
        d = nxt - time.perf_counter()
        if d > 0:
            time.sleep(d)
    cpu = time.process_time_ns() - cpu0
    del kept
    work.sort()
    print(json.dumps({"frames": a.frames, "allocs": a.allocs,
                      "work_median_ns": work[len(work) // 2],
                      "work_mean_ns": sum(work) / len(work),
                      "cpu_per_frame_ns": cpu / a.frames}), flush=True)


if __name__ == "__main__":
    main()
