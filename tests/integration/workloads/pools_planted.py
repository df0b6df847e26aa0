#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""The pool analyzer's planted workload, for any CPython 3.8+ with ctypes
and libSDL2 (marker: SDL_UpdateWindowSurface, once a frame).

Every loop iteration is a frame; in iteration i, before the marker call:
  Spark       --spark N made and all dropped (a burst of --burst more every
              --burst-every iterations, at i % burst_every == burst_every // 2);
              with --pool-sparks they come from a free list made at start-up
              instead (the rerun that measures what pooling Spark saves)
  Ember       the ones made --ember-life K iterations ago die, --ember M made
  Rock        --rock R made and kept
  Bullet      the game's own pool: 4 B made at start-up into a free list; a
              volley of --bullets B (B / 2 in even iterations) taken from it
              flies 3 iterations and goes back, so the free list's length
              changes from frame to frame while no Bullet is made or freed
  LateComer   a class defined at iteration --late-at, --late a frame, transient
  Odd...      a class whose name has odd characters, --odd a frame, transient
The truth file (--truth) has, per iteration, the CLOCK_MONOTONIC time just
before the marker call and the collector's collections so far (all
generations), the classes' basic sizes and the odd class's exact name.
"""
import argparse
import ctypes
import ctypes.util
import collections
import gc
import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import pools_game as game  # noqa: E402

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
os.environ.setdefault("SDL_AUDIODRIVER", "dummy")
ODD_NAME = "Odd N\u00e4me <\"\u00e9\\\u2603>\tx"


def load_sdl():
    for name in (ctypes.util.find_library("SDL2"), "libSDL2-2.0.so.0"):
        if not name:
            continue
        try:
            return ctypes.CDLL(name)
        except OSError:
            pass
    sys.stderr.write("pools_planted: cannot load SDL2\n")
    sys.exit(3)


def collections_so_far():
    return sum(s["collections"] for s in gc.get_stats())


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--frames", type=int, default=600)
    ap.add_argument("--fps", type=float, default=100)
    ap.add_argument("--spark", type=int, default=1500)
    ap.add_argument("--burst", type=int, default=3000)
    ap.add_argument("--burst-every", type=int, default=50)
    ap.add_argument("--ember", type=int, default=40)
    ap.add_argument("--ember-life", type=int, default=3)
    ap.add_argument("--rock", type=int, default=2)
    ap.add_argument("--bullets", type=int, default=60)
    ap.add_argument("--late-at", type=int, default=-1)
    ap.add_argument("--late", type=int, default=80)
    ap.add_argument("--odd", type=int, default=0)
    ap.add_argument("--pool-sparks", action="store_true")
    ap.add_argument("--truth")
    args = ap.parse_args()
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
    win = sdl.SDL_CreateWindow(b"pools", 0, 0, 64, 64, 0x8)
    sdl.SDL_GetWindowSurface(win)

    Odd = type(ODD_NAME, (), {"__module__": "pools_game",
                              "__init__": lambda self, v: setattr(self, "v", v)})
    late_cls = None
    spark_pool = []
    if args.pool_sparks:
        spark_pool = [game.Spark(0.0, 0.0) for _ in range(args.spark + args.burst)]
    embers = collections.deque()
    rocks = []
    bullet_pool = [game.Bullet() for _ in range(4 * args.bullets)]
    flying = collections.deque()
    period = 1.0 / args.fps
    nxt = time.monotonic()
    truth = {"ts_ns": [], "collections": [], "bursts": [],
             "rock_basicsize": game.Rock.__basicsize__,
             "odd_name": "pools_game." + ODD_NAME, "threshold": gc.get_threshold()[0]}
    for i in range(args.frames):
        burst = args.burst_every > 0 and i % args.burst_every == args.burst_every // 2
        n = args.spark + (args.burst if burst else 0)
        # Ember: the ones made K iterations ago die, M are made
        while embers and embers[0].born <= i - args.ember_life:
            embers.popleft()
        for _ in range(args.ember):
            embers.append(game.Effects.Ember(i))
        # Spark: N alive at once, then all dropped
        if args.pool_sparks:
            sparks = [spark_pool.pop() for _ in range(n)]
            for s in sparks:
                s.x = float(i)
                s.y = 1.0
                s.life = 1.0
                del s.trail[:]
        else:
            sparks = [game.Spark(float(i), 1.0) for _ in range(n)]
        # Rock: kept
        for _ in range(args.rock):
            rocks.append(game.Rock())
        # Bullet: the game's own pool; a volley flies 3 iterations
        while flying and flying[0][0] <= i - 3:
            bullet_pool.extend(flying.popleft()[1])
        volley = [bullet_pool.pop() if bullet_pool else game.Bullet()
                  for _ in range(args.bullets if i % 2 else args.bullets // 2)]
        for b in volley:
            b.x += 1.0
        flying.append((i, volley))
        del volley
        # a class defined late, and one with an odd name
        if i == args.late_at:
            late_cls = type("LateComer", (), {"__module__": "pools_game"})
        if late_cls is not None:
            tmp = [late_cls() for _ in range(args.late)]
            del tmp
        if args.odd:
            tmp = [Odd(k) for k in range(args.odd)]
            del tmp
        if args.pool_sparks:
            spark_pool.extend(sparks)
        del sparks
        if burst:
            truth["bursts"].append(i)
        truth["ts_ns"].append(time.monotonic_ns())
        truth["collections"].append(collections_so_far())
        sdl.SDL_UpdateWindowSurface(win)
        sdl.SDL_PumpEvents()
        # Paced like pygame's Clock.tick: a late frame does not make the
        # next ones run back to back to catch up.
        nxt = max(nxt + period, time.monotonic())
        delay = nxt - time.monotonic()
        if delay > 0:
            time.sleep(delay)
    if args.truth:
        with open(args.truth + ".tmp", "w") as f:
            json.dump(truth, f)
        os.rename(args.truth + ".tmp", args.truth)
    sdl.SDL_Quit()
    return 0


if __name__ == "__main__":
    sys.exit(main())
