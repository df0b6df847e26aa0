#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""A game loop presenting through one path, for the default-mode benchmark
(overhead.py) and the integration tests (tests/integration/test_markers.py).

Paths (--path):
  sdl-surface   SDL_UpdateWindowSurface through ctypes (dummy video driver)
  sdl-rects     SDL_UpdateWindowSurfaceRects through ctypes
  sdl-renderer  SDL_RenderPresent (software renderer: SDL presents the window
                surface inside it)
  sdl-gl        SDL_GL_SwapWindow (an OpenGL window: needs DISPLAY, e.g. Xvfb)
  glx           glXSwapBuffers through libGL (needs DISPLAY)
  egl           eglSwapBuffers on a surfaceless Mesa pbuffer (no display)
  pygame-flip   pygame.display.flip() (Debian's python3 + pygame)
  pygame-update pygame.display.update(rects)
  pygame-mixed  flip and update(rects) alternating every 10 frames, update([])
                (nothing to redraw) every 7th frame, and every 13th frame a
                second present within 0.5 ms of the first
  gc-syscalls   sdl-surface, plus a young GC collection and a few system calls
                every frame

Each frame moves --sprites objects (~75 us of Python work with the default
300), allocates a little, then presents. Uncapped unless --fps.

--ready FILE / --go FILE: after the warm-up, write FILE (--ready) and wait
for the other FILE (--go) to exist, so a benchmark can attach a probe first.
At the end one JSON line: frames, presents (calls of the present function,
counted by the loop), cpu_ns_per_frame (the thread's own CPU time,
time.thread_time_ns), wall_ns_per_frame, and with --count-pid PID the
kernel's run counts of the BPF programs PID holds, per frame, read with
bpftool before and after the timed frames (kernel.bpf_stats_enabled=1).
With --truth FILE: the CLOCK_MONOTONIC time of every present call (before,
after) is written there as JSON at exit (`calls`), and for gc-syscalls the
time of each frame's gc.collect(0) call (`gc`, one per present call, the
collection made before it).
"""
import argparse
import ctypes
import ctypes.util
import gc
import json
import os
import subprocess
import sys
import time

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
os.environ.setdefault("SDL_AUDIODRIVER", "dummy")
os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")


def sdl_lib():
    sdl = ctypes.CDLL(ctypes.util.find_library("SDL2") or "libSDL2-2.0.so.0")
    sdl.SDL_CreateWindow.restype = ctypes.c_void_p
    sdl.SDL_CreateWindow.argtypes = [ctypes.c_char_p] + [ctypes.c_int] * 4 + [ctypes.c_uint32]
    sdl.SDL_GetWindowSurface.restype = ctypes.c_void_p
    sdl.SDL_GetWindowSurface.argtypes = [ctypes.c_void_p]
    sdl.SDL_UpdateWindowSurface.argtypes = [ctypes.c_void_p]
    sdl.SDL_UpdateWindowSurfaceRects.argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_int]
    sdl.SDL_CreateRenderer.restype = ctypes.c_void_p
    sdl.SDL_CreateRenderer.argtypes = [ctypes.c_void_p, ctypes.c_int, ctypes.c_uint32]
    sdl.SDL_RenderPresent.argtypes = [ctypes.c_void_p]
    sdl.SDL_RenderClear.argtypes = [ctypes.c_void_p]
    sdl.SDL_GL_CreateContext.restype = ctypes.c_void_p
    sdl.SDL_GL_CreateContext.argtypes = [ctypes.c_void_p]
    sdl.SDL_GL_SwapWindow.argtypes = [ctypes.c_void_p]
    sdl.SDL_GetError.restype = ctypes.c_char_p
    if sdl.SDL_Init(0x20) != 0:
        raise SystemExit("SDL_Init failed: %s" % sdl.SDL_GetError())
    return sdl


def presenter(path):
    """A function presenting one frame, for @path."""
    if path in ("sdl-surface", "sdl-rects", "gc-syscalls"):
        sdl = sdl_lib()
        win = sdl.SDL_CreateWindow(b"bench", 0, 0, 64, 64, 0)
        sdl.SDL_GetWindowSurface(win)
        if path == "sdl-rects":
            rect = (ctypes.c_int * 4)(0, 0, 32, 32)
            fn = sdl.SDL_UpdateWindowSurfaceRects
            return lambda: fn(win, rect, 1)
        fn = sdl.SDL_UpdateWindowSurface
        return lambda: fn(win)
    if path == "sdl-renderer":
        sdl = sdl_lib()
        win = sdl.SDL_CreateWindow(b"bench", 0, 0, 64, 64, 0)
        ren = sdl.SDL_CreateRenderer(win, -1, 1)  # SDL_RENDERER_SOFTWARE
        if not ren:
            raise SystemExit("no renderer: %s" % sdl.SDL_GetError())
        fn = sdl.SDL_RenderPresent
        return lambda: fn(ren)
    if path == "sdl-gl":
        os.environ["SDL_VIDEODRIVER"] = "x11"
        sdl = sdl_lib()
        win = sdl.SDL_CreateWindow(b"bench", 0, 0, 64, 64, 0x2)  # SDL_WINDOW_OPENGL
        if not win or not sdl.SDL_GL_CreateContext(win):
            raise SystemExit("no GL window: %s" % sdl.SDL_GetError())
        fn = sdl.SDL_GL_SwapWindow
        return lambda: fn(win)
    if path == "glx":
        return glx_presenter()
    if path == "egl":
        return egl_presenter()
    if path.startswith("pygame"):
        import pygame
        pygame.display.init()
        screen = pygame.display.set_mode((64, 64))
        box = pygame.Rect(0, 0, 32, 32)
        if path == "pygame-flip":
            return pygame.display.flip
        if path == "pygame-update":
            return lambda: pygame.display.update([box])
        return None  # pygame-mixed: see loop()
    raise SystemExit("unknown path %s" % path)


def glx_presenter():
    x11 = ctypes.CDLL(ctypes.util.find_library("X11") or "libX11.so.6")
    gl = ctypes.CDLL("libGL.so.1")
    x11.XOpenDisplay.restype = ctypes.c_void_p
    x11.XOpenDisplay.argtypes = [ctypes.c_char_p]
    dpy = x11.XOpenDisplay(None)
    if not dpy:
        raise SystemExit("glx: no X display (set DISPLAY)")
    x11.XDefaultScreen.argtypes = [ctypes.c_void_p]
    x11.XRootWindow.restype = ctypes.c_ulong
    x11.XRootWindow.argtypes = [ctypes.c_void_p, ctypes.c_int]
    scr = x11.XDefaultScreen(dpy)
    gl.glXChooseVisual.restype = ctypes.c_void_p
    gl.glXChooseVisual.argtypes = [ctypes.c_void_p, ctypes.c_int, ctypes.c_void_p]
    attrs = (ctypes.c_int * 4)(4, 5, 0, 0)  # GLX_RGBA, GLX_DOUBLEBUFFER, None
    vi = gl.glXChooseVisual(dpy, scr, attrs)
    if not vi:
        raise SystemExit("glx: no visual")
    x11.XCreateSimpleWindow.restype = ctypes.c_ulong
    x11.XCreateSimpleWindow.argtypes = [ctypes.c_void_p, ctypes.c_ulong] + [ctypes.c_int] * 2 + \
        [ctypes.c_uint] * 3 + [ctypes.c_ulong] * 2
    win = x11.XCreateSimpleWindow(dpy, x11.XRootWindow(dpy, scr), 0, 0, 64, 64, 0, 0, 0)
    x11.XMapWindow.argtypes = [ctypes.c_void_p, ctypes.c_ulong]
    x11.XMapWindow(dpy, win)
    gl.glXCreateContext.restype = ctypes.c_void_p
    gl.glXCreateContext.argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_void_p, ctypes.c_int]
    ctx = gl.glXCreateContext(dpy, vi, None, 1)
    gl.glXMakeCurrent.argtypes = [ctypes.c_void_p, ctypes.c_ulong, ctypes.c_void_p]
    if not gl.glXMakeCurrent(dpy, win, ctx):
        raise SystemExit("glx: glXMakeCurrent failed")
    fn = gl.glXSwapBuffers
    fn.argtypes = [ctypes.c_void_p, ctypes.c_ulong]
    presenter.keep = (x11, gl)
    return lambda: fn(dpy, win)


def egl_presenter():
    egl = ctypes.CDLL("libEGL.so.1")
    egl.eglGetPlatformDisplay.restype = ctypes.c_void_p
    egl.eglGetPlatformDisplay.argtypes = [ctypes.c_uint, ctypes.c_void_p, ctypes.c_void_p]
    dpy = egl.eglGetPlatformDisplay(0x31DD, None, None)  # EGL_PLATFORM_SURFACELESS_MESA
    egl.eglInitialize.argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_void_p]
    if not dpy or not egl.eglInitialize(dpy, None, None):
        raise SystemExit("egl: no surfaceless display")
    attrs = (ctypes.c_int * 5)(0x3033, 0x0001, 0x3040, 0x0004, 0x3038)  # PBUFFER, ES2
    cfg, n = ctypes.c_void_p(), ctypes.c_int()
    egl.eglChooseConfig.argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_void_p,
                                    ctypes.c_int, ctypes.c_void_p]
    if not egl.eglChooseConfig(dpy, attrs, ctypes.byref(cfg), 1, ctypes.byref(n)) or not n.value:
        raise SystemExit("egl: no config")
    egl.eglCreatePbufferSurface.restype = ctypes.c_void_p
    egl.eglCreatePbufferSurface.argtypes = [ctypes.c_void_p] * 3
    surf = egl.eglCreatePbufferSurface(dpy, cfg, (ctypes.c_int * 5)(0x3057, 64, 0x3056, 64, 0x3038))
    egl.eglBindAPI(0x30A0)  # EGL_OPENGL_ES_API
    egl.eglCreateContext.restype = ctypes.c_void_p
    egl.eglCreateContext.argtypes = [ctypes.c_void_p] * 4
    ctx = egl.eglCreateContext(dpy, cfg, None, (ctypes.c_int * 3)(0x3098, 2, 0x3038))
    egl.eglMakeCurrent.argtypes = [ctypes.c_void_p] * 4
    if not surf or not ctx or not egl.eglMakeCurrent(dpy, surf, surf, ctx):
        raise SystemExit("egl: cannot make a context current")
    fn = egl.eglSwapBuffers
    fn.argtypes = [ctypes.c_void_p, ctypes.c_void_p]
    presenter.keep = egl
    return lambda: fn(dpy, surf)


def run_counts(pid):
    """{program name: (run_cnt, run_time_ns)} of the BPF programs @pid holds.
    One small bpftool call per program: parsing every program of the
    machine would allocate enough to be a memory spike of this loop."""
    ids = set()
    try:
        for fd in os.listdir("/proc/%d/fdinfo" % pid):
            try:
                with open("/proc/%d/fdinfo/%s" % (pid, fd)) as f:
                    for line in f:
                        if line.startswith("prog_id:"):
                            ids.add(int(line.split()[1]))
            except OSError:
                pass
    except OSError:
        return {}
    res = {}
    for i in sorted(ids):
        try:
            out = subprocess.run(["bpftool", "-j", "prog", "show", "id", str(i)],
                                 stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                                 universal_newlines=True).stdout
            p = json.loads(out or "{}")
        except (OSError, ValueError):
            continue
        name = p.get("name", "?")
        c, t = res.get(name, (0, 0))
        res[name] = (c + p.get("run_cnt", 0), t + p.get("run_time_ns", 0))
    return res


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--path", default="sdl-surface")
    ap.add_argument("--frames", type=int, default=20000)
    ap.add_argument("--warmup", type=int, default=300, help="frames before timing")
    ap.add_argument("--sprites", type=int, default=300)
    ap.add_argument("--fps", type=float, default=0)
    ap.add_argument("--ready")
    ap.add_argument("--go")
    ap.add_argument("--count-pid", type=int)
    ap.add_argument("--truth")
    a = ap.parse_args()
    if a.count_pid == 0:
        a.count_pid = os.getppid()  # launched by the tool: count its programs

    present = presenter(a.path)
    calls = []
    gcs = []
    mixed = a.path == "pygame-mixed"
    if mixed:
        import pygame
        box = pygame.Rect(0, 0, 32, 32)
        flip, update = pygame.display.flip, pygame.display.update
    sprites = [[float(i), float(i) * 0.5, 1.0, -1.0] for i in range(a.sprites)]
    state = []
    period = 1.0 / a.fps if a.fps else 0
    clock = time.monotonic_ns
    keep = a.truth is not None

    def frame(i):
        for sp in sprites:  # game logic: move every sprite
            sp[0] += sp[2]
            sp[1] += sp[3]
            if sp[1] < 0 or sp[1] > 1000:
                sp[3] = -sp[3]
        state.append([i, str(i)])  # a little allocation churn
        if len(state) > 64:
            del state[:32]
        if a.path == "gc-syscalls":
            t0 = clock() if keep else 0
            gc.collect(0)
            if keep:
                gcs.append((t0, clock()))
            os.getpid()
            os.stat("/")
            time.time()
        n = 1
        if mixed:
            if i % 7 == 3:
                fn = lambda: update([])  # nothing to redraw
            elif (i // 10) % 2:
                fn = lambda: update([box])
            else:
                fn = flip
            n = 2 if i % 13 == 5 else 1  # twice within 0.5 ms
        else:
            fn = present
        for _ in range(n):
            t0 = clock() if keep else 0
            fn()
            if keep:
                calls.append((t0, clock()))
        return n

    presents = 0
    for i in range(a.warmup):
        presents += frame(i)
        if period:
            time.sleep(period)
    if a.ready:
        with open(a.ready, "w") as f:
            f.write("%d\n" % os.getpid())
    if a.go:
        while not os.path.exists(a.go):
            time.sleep(0.01)
    r0 = run_counts(a.count_pid) if a.count_pid else {}
    timed_from = presents
    m0 = time.monotonic_ns()
    c0, w0 = time.thread_time_ns(), time.perf_counter_ns()
    cpu_sleep = 0
    for i in range(a.warmup, a.warmup + a.frames):
        presents += frame(i)
        if period:
            t = time.perf_counter_ns()
            time.sleep(max(0.0, period - (t - w0) / 1e9 % period))
    c1, w1 = time.thread_time_ns(), time.perf_counter_ns()
    m1 = time.monotonic_ns()
    r1 = run_counts(a.count_pid) if a.count_pid else {}
    timed = presents - timed_from
    runs = {k: {"runs_per_frame": (v[0] - r0.get(k, (0, 0))[0]) / a.frames,
                "ns_per_run": (v[1] - r0.get(k, (0, 0))[1]) / max(1, v[0] - r0.get(k, (0, 0))[0])}
            for k, v in r1.items() if v[0] - r0.get(k, (0, 0))[0] > 0}
    out = {"path": a.path, "frames": a.frames, "presents": presents, "timed_presents": timed,
           "cpu_ns_per_frame": (c1 - c0 - cpu_sleep) / a.frames,
           "wall_ns_per_frame": (w1 - w0) / a.frames, "bpf": runs,
           "timed_from_ns": m0, "timed_to_ns": m1}
    if a.truth:
        with open(a.truth, "w") as f:
            json.dump({"presents": presents, "calls": calls, "gc": gcs}, f)
    print(json.dumps(out), flush=True)


if __name__ == "__main__":
    main()
