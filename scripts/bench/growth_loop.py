#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""Benchmark workload for growth sites: page faults at a Python stack.

An SDL2 frame loop through ctypes (any CPython 3, SDL's dummy driver) that
each frame maps --pages fresh anonymous pages (mmap module), touches them
all with one ctypes.memset (one first-touch page fault per page, taken in C
while a Python frame --depth deep is current), and unmaps them. Prints one
JSON line: the median and mean time per page of the touches (start-up
excluded), and the median frame time."""
import argparse
import ctypes
import ctypes.util
import json
import mmap
import os
import statistics
import time

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
os.environ.setdefault("SDL_AUDIODRIVER", "dummy")
PAGE = mmap.PAGESIZE


def touch(pages):
    """Map, touch and unmap @pages fresh pages; ns spent touching."""
    m = mmap.mmap(-1, pages * PAGE)
    buf = ctypes.c_char.from_buffer(m)
    t0 = time.perf_counter_ns()
    ctypes.memset(ctypes.addressof(buf), 1, pages * PAGE)
    t = time.perf_counter_ns() - t0
    del buf
    m.close()
    return t


def at_depth(depth, pages):
    """touch() with @depth Python frames above it."""
    if depth <= 1:
        return touch(pages)
    return at_depth(depth - 1, pages)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--frames", type=int, default=2000)
    ap.add_argument("--pages", type=int, default=256, help="pages touched a frame")
    ap.add_argument("--depth", type=int, default=10, help="Python frames at the touch")
    ap.add_argument("--warmup", type=float, default=1.0)
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
    per_page, frames = [], []
    t_prev = time.perf_counter_ns()
    warm_until = t_prev + int(a.warmup * 1e9)
    while len(per_page) < a.frames:
        t = at_depth(a.depth, a.pages)
        update(win)
        now = time.perf_counter_ns()
        if now >= warm_until:
            per_page.append(t / a.pages)
            frames.append(now - t_prev)
        t_prev = now
    print(json.dumps({"frames": len(per_page), "pages": a.pages, "depth": a.depth,
                      "page_median_ns": round(statistics.median(per_page), 1),
                      "page_mean_ns": round(statistics.mean(per_page), 1),
                      "frame_median_ns": round(statistics.median(frames))}))
    sdl.SDL_Quit()


if __name__ == "__main__":
    main()
