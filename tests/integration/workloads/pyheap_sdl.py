#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""Planted python_heap workload (any CPython 3.8+ with ctypes and libSDL2):
frames end with SDL_UpdateWindowSurface. Frame --alloc-frame creates --mib
MiB of small objects (bytes objects of 200 bytes: pymalloc's 240-byte class)
and keeps them; frame --free-frame drops them again.

Ground truth: just before each marker call, sys._debugmallocstats() writes
pymalloc's statistics to C stderr, redirected (os.dup2) to a file; the
workload keeps the raw text and parses it only at exit, so that nothing but
the marker call and a sleep runs between the measurement and the time the
tool reads the target (within 50 ms of the marker call). After the marker
call it sleeps, so a frame's work never overlaps that read. At exit the truth
file holds, per frame, CLOCK_MONOTONIC before and after the marker call and
the arenas allocated, and the arena size."""
import argparse
import json
import os
import re
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
os.environ.setdefault("SDL_AUDIODRIVER", "dummy")

import ctypes  # noqa: E402

from planted_sdl import load_sdl  # noqa: E402

SDL_INIT_VIDEO = 0x00000020
SDL_WINDOWPOS_UNDEFINED = 0x1FFF0000
SDL_WINDOW_HIDDEN = 0x00000008
OBJ_BYTES = 200  # bytes(200): a 233-byte object, 240-byte size class


def parse_stats(text):
    cur = re.search(r"# arenas allocated current\s*=\s*([\d,]+)", text)
    size = re.search(r"arenas \* (\d+) bytes/arena", text)
    if not cur or not size:
        return None, None
    return int(cur.group(1).replace(",", "")), int(size.group(1))


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--frames", type=int, default=40)
    ap.add_argument("--alloc-frame", type=int, default=15)
    ap.add_argument("--free-frame", type=int, default=30)
    ap.add_argument("--mib", type=int, default=40)
    ap.add_argument("--frame-sleep", type=float, default=0.12,
                    help="seconds slept after each marker call")
    ap.add_argument("--start-delay", type=float, default=0.0)
    ap.add_argument("--truth", required=True)
    args = ap.parse_args()

    sdl = load_sdl()
    vp, c_int, c_uint32 = ctypes.c_void_p, ctypes.c_int, ctypes.c_uint32
    sdl.SDL_Init.argtypes = [c_uint32]
    sdl.SDL_Init.restype = c_int
    sdl.SDL_CreateWindow.argtypes = [ctypes.c_char_p, c_int, c_int, c_int, c_int, c_uint32]
    sdl.SDL_CreateWindow.restype = vp
    sdl.SDL_GetWindowSurface.argtypes = [vp]
    sdl.SDL_GetWindowSurface.restype = vp
    sdl.SDL_UpdateWindowSurface.argtypes = [vp]
    sdl.SDL_UpdateWindowSurface.restype = c_int
    sdl.SDL_PumpEvents.argtypes = []
    sdl.SDL_PumpEvents.restype = None
    if sdl.SDL_Init(SDL_INIT_VIDEO) != 0:
        sys.stderr.write("pyheap_sdl: SDL_Init failed\n")
        return 3
    window = sdl.SDL_CreateWindow(b"pmtrace pyheap", SDL_WINDOWPOS_UNDEFINED,
                                  SDL_WINDOWPOS_UNDEFINED, 64, 64, SDL_WINDOW_HIDDEN)
    if not window or not sdl.SDL_GetWindowSurface(window):
        sys.stderr.write("pyheap_sdl: no window\n")
        return 3
    update = sdl.SDL_UpdateWindowSurface

    stats_path = args.truth + ".stats"
    sfd = os.open(stats_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_APPEND, 0o644)
    saved = os.dup(2)
    count = (args.mib << 20) // (OBJ_BYTES + 40)
    keep = None
    ts = []  # (before, after) per frame, preallocated: no growth in the loop
    for _ in range(args.frames):
        ts.append([0, 0])
    marks = [("=== %d\n" % i).encode() for i in range(args.frames)]
    if args.start_delay:
        time.sleep(args.start_delay)
    for i in range(args.frames):
        sdl.SDL_PumpEvents()
        if i == args.alloc_frame:
            keep = [bytes(OBJ_BYTES) for _ in range(count)]
        elif i == args.free_frame:
            keep = None
        os.write(sfd, marks[i])
        os.dup2(sfd, 2)
        sys._debugmallocstats()
        os.dup2(saved, 2)
        ts[i][0] = time.monotonic_ns()
        update(window)
        ts[i][1] = time.monotonic_ns()
        time.sleep(args.frame_sleep)
    os.close(sfd)
    del keep

    with open(stats_path) as f:
        chunks = re.split(r"^=== (\d+)\n", f.read(), flags=re.M)
    per_frame, arena_size = [], None
    for k in range(1, len(chunks) - 1, 2):
        n, size = parse_stats(chunks[k + 1])
        arena_size = size or arena_size
        i = int(chunks[k])
        per_frame.append({"frame": i, "ts_ns": ts[i][0], "ts_after_ns": ts[i][1],
                          "arenas": n})
    os.unlink(stats_path)
    truth = {"pid": os.getpid(), "version": "%d.%d.%d" % sys.version_info[:3],
             "arena_size": arena_size, "frames": args.frames, "objects": count,
             "per_frame": per_frame}
    with open(args.truth + ".tmp", "w") as f:
        json.dump(truth, f)
    os.rename(args.truth + ".tmp", args.truth)
    return 0


if __name__ == "__main__":
    sys.exit(main())
