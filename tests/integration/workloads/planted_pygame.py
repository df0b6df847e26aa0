#!/usr/bin/python3
# SPDX-License-Identifier: BSD-2-Clause
"""Planted workload on pygame: the frame marker is pygame.display.flip(),
the function the game calls (SDL_UpdateWindowSurface inside it is nested). Needs a Python with pygame (Debian's
/usr/bin/python3 with python3-pygame). Options: see planted_common.py or
--help. Runs headless: SDL_VIDEODRIVER/SDL_AUDIODRIVER default to dummy."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
os.environ.setdefault("SDL_AUDIODRIVER", "dummy")
os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")

import planted_common  # noqa: E402


def main():
    import pygame
    pygame.init()
    colors = [(20, 20, 40), (40, 20, 20), (20, 40, 20)]
    screen = []

    # The frame marker is the function the game calls, pygame.display.flip():
    # set_mode() presents once inside SDL, but that is not a frame.
    screen.append(pygame.display.set_mode((320, 240)))

    def draw(frame):
        screen[0].fill(colors[frame % 3])

    def pump():
        pygame.event.pump()

    wl = planted_common.Workload("pygame", pygame.display.flip, draw=draw, pump=pump)
    rc = wl.run()
    pygame.quit()
    return rc


if __name__ == "__main__":
    sys.exit(main())
