#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""Benchmark workload: an SDL2 frame loop through ctypes (any CPython 3).

Presents with SDL_UpdateWindowSurface under SDL's dummy driver, doing a
little Python work a frame (moving --sprites objects, a few small
allocations). Uncapped by default;
--fps paces it. Prints one JSON line: frames and the median and mean wall
time per frame of the timed loop (start-up excluded)."""
import argparse
import ctypes
import ctypes.util
import json
import os
import time

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
os.environ.setdefault("SDL_AUDIODRIVER", "dummy")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--frames", type=int, default=20000)
    ap.add_argument("--fps", type=float, default=0)
    ap.add_argument("--warmup", type=float, default=1.0,
                    help="seconds of frames before timing starts (default 1)")
    ap.add_argument("--sprites", type=int, default=200, help="objects updated a frame")
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
    period = 1.0 / a.fps if a.fps else 0
    times = []
    state = []
    sprites = [[float(i), float(i) * 0.5, 1.0, -1.0] for i in range(a.sprites)]
    t_prev = time.perf_counter_ns()
    warm_until = t_prev + int(a.warmup * 1e9)
    i = 0
    while len(times) < a.frames:
        i += 1
        for sp in sprites:  # game logic: move every sprite
            sp[0] += sp[2]
            sp[1] += sp[3]
            if sp[1] < 0:
                sp[3] = -sp[3]
        state.append([i, str(i)])  # a little allocation churn, as games do
        if len(state) > 64:
            state = state[32:]
        update(win)
        now = time.perf_counter_ns()
        if now >= warm_until:
            times.append(now - t_prev)
        if period:
            time.sleep(max(0.0, period - (time.perf_counter_ns() - t_prev) / 1e9))
            now = time.perf_counter_ns()
        t_prev = now
    times.sort()
    print(json.dumps({"frames": len(times), "median_ns": times[len(times) // 2],
                      "mean_ns": sum(times) / len(times)}), flush=True)


if __name__ == "__main__":
    main()
