#!/usr/bin/python3
# SPDX-License-Identifier: BSD-2-Clause
"""What a probed GL call costs the game: times N calls of glBindTexture,
glTexImage2D (1x1) and glBufferData (16 bytes), through libGL.so.1's
exports and through SDL_GL_GetProcAddress, between frames of pygame's
OpenGL display, and prints the median ns a call over --rounds rounds.
Run it under the tool and under the tool with --no-assets (needs X or
Xvfb); the difference is the probe's cost:
  DISPLAY=:N pmtrace-bpf --quiet [--no-assets] -- python3 gl_calls.py"""
import ctypes
import os
import statistics
import sys
import time

os.environ.setdefault("SDL_VIDEODRIVER", "x11")
os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")
import pygame  # noqa: E402

N, ROUNDS = 2000, 9
u32, i32, ptr = ctypes.c_uint32, ctypes.c_int32, ctypes.c_void_p


def main():
    pygame.display.init()
    pygame.display.set_mode((64, 64), pygame.OPENGL | pygame.DOUBLEBUF)
    gl = ctypes.CDLL("libGL.so.1")
    sdl = ctypes.CDLL("libSDL2-2.0.so.0")
    gpa = sdl.SDL_GL_GetProcAddress
    gpa.restype, gpa.argtypes = ptr, [ctypes.c_char_p]
    sigs = {"glBindTexture": [u32, u32], "glBindBuffer": [u32, u32],
            "glTexImage2D": [u32, i32, i32, i32, i32, i32, u32, u32, ptr],
            "glBufferData": [u32, ctypes.c_ssize_t, ptr, u32]}
    fns = {}
    for name, args in sigs.items():
        f = getattr(gl, name)
        f.restype, f.argtypes = None, args
        fns[name + " (libGL)"] = f
        fns[name + " (GetProcAddress)"] = ctypes.CFUNCTYPE(None, *args)(gpa(name.encode()))
    tex, buf = u32(0), u32(0)
    gl.glGenTextures(1, ctypes.byref(tex))
    gl.glGenBuffers(1, ctypes.byref(buf))
    gl.glBindTexture(0x0DE1, tex.value)
    gl.glBindBuffer(0x8892, buf.value)
    calls = {
        "glBindTexture": lambda f: f(0x0DE1, tex.value),
        "glBindBuffer": lambda f: f(0x8892, buf.value),
        "glTexImage2D": lambda f: f(0x0DE1, 0, 0x8058, 1, 1, 0, 0x1908, 0x1401, None),
        "glBufferData": lambda f: f(0x8892, 16, None, 0x88E4),
    }
    empty = ctypes.CFUNCTYPE(None)(lambda: None)  # the loop and ctypes alone
    res = {}
    for name, f in list(fns.items()) + [("(loop + ctypes call only)", None)]:
        call = calls.get(name.split()[0])
        per = []
        for _ in range(ROUNDS):
            t0 = time.perf_counter_ns()
            if f is None:
                for _ in range(N):
                    empty()
            else:
                for _ in range(N):
                    call(f)
            per.append((time.perf_counter_ns() - t0) / N)
            pygame.display.flip()
        res[name] = statistics.median(per)
    for name, ns in res.items():
        print("%-34s %8.0f ns a call" % (name, ns))
    return 0


if __name__ == "__main__":
    sys.exit(main())
