#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""Trace-mode workload with planted allocations, for any CPython 3.8+ with
ctypes and libSDL2 (marker: SDL_UpdateWindowSurface, once a frame).

Every frame calls plant(), which makes exactly --objects instances of a
class with __slots__ at the line marked PLANT_OBJ, and --blobs bytes objects
of --blob-size bytes at the line marked PLANT_BLOB; what a frame planted it
drops in the next frame. --stall-at F stops presenting for a while in
frame F (a loading screen). --reference runs one planted frame under
tracemalloc instead and writes what tracemalloc saw at those lines (count
and bytes) to --truth, with the lines themselves: the test's two references
are the planted numbers and tracemalloc's."""
import argparse
import ctypes
import ctypes.util
import json
import os
import sys
import time

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
os.environ.setdefault("SDL_AUDIODRIVER", "dummy")


class Planted(object):
    __slots__ = ("a", "b")


def plant(n_objects, n_blobs, blob_size):
    objs = [None] * n_objects
    blobs = [None] * n_blobs
    for i in range(n_objects):
        objs[i] = Planted()  # PLANT_OBJ
    for i in range(n_blobs):
        blobs[i] = bytes(blob_size)  # PLANT_BLOB
    return objs, blobs


def line_of(marker):
    with open(os.path.abspath(__file__)) as f:
        for no, text in enumerate(f, 1):
            if text.rstrip().endswith("# " + marker):
                return no
    raise SystemExit("marker %s not found" % marker)


def reference(args):
    import tracemalloc
    plant(args.objects, args.blobs, args.blob_size)  # warm up caches
    tracemalloc.start(1)
    kept = plant(args.objects, args.blobs, args.blob_size)
    snap = tracemalloc.take_snapshot()
    tracemalloc.stop()
    me = os.path.abspath(__file__)
    out = {"file": me, "lines": {}}
    for marker in ("PLANT_OBJ", "PLANT_BLOB"):
        line = line_of(marker)
        count = size = 0
        for st in snap.statistics("lineno"):
            fr = st.traceback[0]
            if fr.filename == me and fr.lineno == line:
                count += st.count
                size += st.size
        out["lines"][marker] = {"line": line, "count": count, "size": size}
    del kept
    with open(args.truth, "w") as f:
        json.dump(out, f)
    return 0


def load_sdl():
    for name in (ctypes.util.find_library("SDL2"), "libSDL2-2.0.so.0"):
        if not name:
            continue
        try:
            return ctypes.CDLL(name)
        except OSError:
            pass
    sys.stderr.write("trace_alloc: cannot load SDL2\n")
    sys.exit(3)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--frames", type=int, default=300)
    ap.add_argument("--fps", type=float, default=100)
    ap.add_argument("--objects", type=int, default=5000)
    ap.add_argument("--blobs", type=int, default=50)
    ap.add_argument("--blob-size", type=int, default=3000)
    ap.add_argument("--stall-at", type=int, default=-1,
                    help="in this frame, stop presenting for --stall-seconds")
    ap.add_argument("--stall-seconds", type=float, default=4)
    ap.add_argument("--reference", action="store_true")
    ap.add_argument("--truth")
    args = ap.parse_args()
    if args.reference:
        return reference(args)
    sdl = load_sdl()
    vp = ctypes.c_void_p
    sdl.SDL_Init.argtypes = [ctypes.c_uint32]
    sdl.SDL_CreateWindow.argtypes = [ctypes.c_char_p] + [ctypes.c_int] * 4 + [ctypes.c_uint32]
    sdl.SDL_CreateWindow.restype = vp
    sdl.SDL_UpdateWindowSurface.argtypes = [vp]
    sdl.SDL_GetWindowSurface.argtypes = [vp]
    sdl.SDL_GetWindowSurface.restype = vp
    if sdl.SDL_Init(0x20) != 0:
        return 3
    win = sdl.SDL_CreateWindow(b"trace", 0, 0, 64, 64, 0x8)
    sdl.SDL_GetWindowSurface(win)
    kept = None
    period = 1.0 / args.fps
    nxt = time.time()
    for frame in range(args.frames):
        kept = plant(args.objects, args.blobs, args.blob_size)
        if frame == args.stall_at + 1:  # pmtrace's frame F: after the (F+1)-th present
            time.sleep(args.stall_seconds)
            nxt = time.time()
        sdl.SDL_UpdateWindowSurface(win)
        sdl.SDL_PumpEvents()
        nxt += period
        delay = nxt - time.time()
        if delay > 0:
            time.sleep(delay)
    del kept
    sdl.SDL_Quit()
    return 0


if __name__ == "__main__":
    sys.exit(main())
