#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""Planted workload driving SDL2 directly through ctypes: runs on any CPython
with ctypes (2.7, 3.6+) and libSDL2. The frame marker is
SDL_UpdateWindowSurface, called once a frame. Options: see planted_common.py
or --help. Runs headless: SDL_VIDEODRIVER/SDL_AUDIODRIVER default to dummy."""
import ctypes
import ctypes.util
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
os.environ.setdefault("SDL_AUDIODRIVER", "dummy")

import planted_common  # noqa: E402

SDL_INIT_VIDEO = 0x00000020
SDL_WINDOWPOS_UNDEFINED = 0x1FFF0000
SDL_WINDOW_HIDDEN = 0x00000008


def load_sdl():
    names = []
    found = ctypes.util.find_library("SDL2")
    if found:
        names.append(found)
    names += ["libSDL2-2.0.so.0", "libSDL2.so", "libSDL2-2.0.dylib"]
    errors = []
    for name in names:
        try:
            return ctypes.CDLL(name)
        except OSError as exc:
            errors.append(str(exc))
    sys.stderr.write("planted_sdl: cannot load SDL2 (%s)\n" % "; ".join(errors))
    sys.exit(3)


def main():
    sdl = load_sdl()
    vp, c_int, c_uint32 = ctypes.c_void_p, ctypes.c_int, ctypes.c_uint32
    sdl.SDL_Init.argtypes = [c_uint32]
    sdl.SDL_Init.restype = c_int
    sdl.SDL_GetError.argtypes = []
    sdl.SDL_GetError.restype = ctypes.c_char_p
    sdl.SDL_CreateWindow.argtypes = [ctypes.c_char_p, c_int, c_int, c_int, c_int, c_uint32]
    sdl.SDL_CreateWindow.restype = vp
    sdl.SDL_GetWindowSurface.argtypes = [vp]
    sdl.SDL_GetWindowSurface.restype = vp
    sdl.SDL_FillRect.argtypes = [vp, vp, c_uint32]
    sdl.SDL_FillRect.restype = c_int
    sdl.SDL_UpdateWindowSurface.argtypes = [vp]
    sdl.SDL_UpdateWindowSurface.restype = c_int
    sdl.SDL_PumpEvents.argtypes = []
    sdl.SDL_PumpEvents.restype = None
    sdl.SDL_DestroyWindow.argtypes = [vp]
    sdl.SDL_DestroyWindow.restype = None
    sdl.SDL_Quit.argtypes = []
    sdl.SDL_Quit.restype = None

    if sdl.SDL_Init(SDL_INIT_VIDEO) != 0:
        sys.stderr.write("planted_sdl: SDL_Init: %s\n" % sdl.SDL_GetError())
        return 3
    window = sdl.SDL_CreateWindow(b"pmtrace planted workload", SDL_WINDOWPOS_UNDEFINED,
                                  SDL_WINDOWPOS_UNDEFINED, 320, 240, SDL_WINDOW_HIDDEN)
    if not window:
        sys.stderr.write("planted_sdl: SDL_CreateWindow: %s\n" % sdl.SDL_GetError())
        return 3
    surface = sdl.SDL_GetWindowSurface(window)
    if not surface:
        sys.stderr.write("planted_sdl: SDL_GetWindowSurface: %s\n" % sdl.SDL_GetError())
        return 3
    colors = [0x202040, 0x402020, 0x204020]
    update = sdl.SDL_UpdateWindowSurface

    def marker():
        update(window)

    def draw(frame):
        sdl.SDL_FillRect(surface, None, colors[frame % 3])

    wl = planted_common.Workload("sdl", marker, draw=draw, pump=sdl.SDL_PumpEvents)
    rc = wl.run()
    sdl.SDL_DestroyWindow(window)
    sdl.SDL_Quit()
    return rc


if __name__ == "__main__":
    sys.exit(main())
