#!/usr/bin/python3
# SPDX-License-Identifier: BSD-2-Clause
"""Benchmark workload: a pygame loop that renders a line of text every
frame (a new surface each frame, the old one freed), uncapped, under SDL's
dummy driver. Prints the mean and median wall time of a frame as JSON."""
import argparse
import json
import os
import time

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
os.environ.setdefault("SDL_AUDIODRIVER", "dummy")
os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")
import pygame  # noqa: E402

ap = argparse.ArgumentParser()
ap.add_argument("--frames", type=int, default=5000)
ap.add_argument("--texts", type=int, default=1, help="text lines rendered a frame")
ap.add_argument("--warmup", type=float, default=1.0)
a = ap.parse_args()
pygame.init()
screen = pygame.display.set_mode((320, 240))
font = pygame.font.Font(None, 18)
times, prev = [], time.perf_counter_ns()
warm_until = prev + int(a.warmup * 1e9)
i = 0
while len(times) < a.frames:
    i += 1
    texts = [font.render("frame %d line %d" % (i, k), True, (255, 255, 255))
             for k in range(a.texts)]
    for k, t in enumerate(texts):
        screen.blit(t, (0, 16 * k))
    pygame.display.flip()
    now = time.perf_counter_ns()
    if now >= warm_until:
        times.append(now - prev)
    prev = now
times.sort()
print(json.dumps({"frames": len(times), "median_ns": times[len(times) // 2],
                  "mean_ns": sum(times) / len(times)}), flush=True)
