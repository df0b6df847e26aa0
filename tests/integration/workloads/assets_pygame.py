#!/usr/bin/python3
# SPDX-License-Identifier: BSD-2-Clause
"""Asset workload on pygame with known, planted behaviour.

It writes its own asset files first (RGBA PNG images of known sizes, a WAV
in the mixer's own format so SDL_mixer keeps its length, and uses pygame's
bundled font), then runs --frames frames at --fps:
  - loads every image once at start-up, and images/dup.png twice (both kept);
  - loads the sound and the font once;
  - leak_surfaces() (a function with a known name and line) creates one
    32x32 surface every --leak-every frames and keeps it forever;
  - renders a line of text every frame (the previous frame's text surface is
    dropped, so each one lives about one frame);
  - draw_ship() blits images/ship.png every frame and draw_tiles() blits
    images/tiles.png every --tiles-every frames, each from a known line,
    counting its own blits; images/boss.png and images/dup.png are never
    blitted (orphans);
and writes the ground truth (files, dimensions, expected bytes, the leak
function's line, counts) to --truth."""
import argparse
import inspect
import json
import os
import struct
import sys
import wave

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
os.environ.setdefault("SDL_AUDIODRIVER", "dummy")
os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")
import pygame  # noqa: E402

IMAGES = {"images/ship.png": (64, 32), "images/tiles.png": (256, 128),
          "images/boss.png": (200, 150), "images/dup.png": (48, 48)}
MIX_RATE, MIX_CHANNELS = 44100, 2
SOUND_FRAMES = 22050  # half a second


def write_assets(root):
    for rel, (w, h) in IMAGES.items():
        path = os.path.join(root, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        s = pygame.Surface((w, h), pygame.SRCALPHA, 32)
        s.fill((200, 100, 50, 180))
        pygame.image.save(s, path)
    snd = os.path.join(root, "sounds", "beep.wav")
    os.makedirs(os.path.dirname(snd), exist_ok=True)
    with wave.open(snd, "wb") as w:
        w.setnchannels(MIX_CHANNELS)
        w.setsampwidth(2)
        w.setframerate(MIX_RATE)
        w.writeframes(b"".join(struct.pack("<hh", (i * 50) % 20000, -(i * 50) % 20000)
                               for i in range(SOUND_FRAMES)))
    return snd


LEAKED = []


def leak_surfaces():
    LEAKED.append(pygame.Surface((32, 32), 0, 32))  # the planted leak


LEAK_LINE = inspect.getsourcelines(leak_surfaces)[1] + 1

BLITS = {"draw_ship": 0, "draw_tiles": 0}


def draw_ship(screen, img):
    BLITS["draw_ship"] += 1
    screen.blit(img, (10, 10))  # the planted use: every frame


def draw_tiles(screen, img):
    BLITS["draw_tiles"] += 1
    screen.blit(img, (60, 40))  # the other planted use


def use_line(fn):
    return inspect.getsourcelines(fn)[1] + 2


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--frames", type=int, default=300)
    ap.add_argument("--fps", type=float, default=60)
    ap.add_argument("--leak-every", type=int, default=10)
    ap.add_argument("--tiles-every", type=int, default=3)
    ap.add_argument("--root", required=True)
    ap.add_argument("--truth", required=True)
    a = ap.parse_args()
    pygame.mixer.pre_init(MIX_RATE, -16, MIX_CHANNELS)
    pygame.init()
    screen = pygame.display.set_mode((320, 240))
    snd_path = write_assets(a.root)
    os.chdir(a.root)
    images = {rel: pygame.image.load(rel) for rel in IMAGES}
    dup2 = pygame.image.load("images/dup.png")  # the same file, held twice
    sound = pygame.mixer.Sound(snd_path)
    font_path = pygame.font.get_default_font()
    font_file = os.path.join(os.path.dirname(pygame.__file__), font_path)
    font = pygame.font.Font(font_file, 18)
    clock = pygame.time.Clock()
    text = None
    for frame in range(a.frames):
        pygame.event.pump()
        if frame % a.leak_every == 0:
            leak_surfaces()
        text = font.render("frame %d" % frame, True, (255, 255, 255))
        screen.fill((0, 0, 0))
        draw_ship(screen, images["images/ship.png"])
        if frame % a.tiles_every == 0:
            draw_tiles(screen, images["images/tiles.png"])
        screen.blit(text, (10, 200))
        pygame.display.flip()
        if a.fps:
            clock.tick(a.fps)
    truth = {
        "pid": os.getpid(),
        "frames": a.frames,
        "root": a.root,
        "images": {rel: {"w": w, "h": h, "bytes": w * h * 4,
                         "real": [images[rel].get_width(), images[rel].get_height(),
                                  images[rel].get_pitch()]}
                   for rel, (w, h) in IMAGES.items()},
        "duplicate": "images/dup.png",
        "sound": {"path": snd_path, "bytes": SOUND_FRAMES * MIX_CHANNELS * 2,
                  "real_bytes": sound.get_raw().__len__()},
        "font": {"path": font_file, "bytes": os.path.getsize(font_file)},
        "leak": {"function": "leak_surfaces", "file": os.path.abspath(__file__),
                 "line": LEAK_LINE, "count": len(LEAKED), "bytes_each": 32 * 32 * 4},
        "text_per_frame": 1,
        "uses": {rel: {"function": fn.__name__, "file": os.path.abspath(__file__),
                       "line": use_line(fn), "count": BLITS[fn.__name__]}
                 for rel, fn in (("images/ship.png", draw_ship),
                                 ("images/tiles.png", draw_tiles))},
        "never_used": ["images/boss.png", "images/dup.png"],
    }
    with open(a.truth, "w") as f:
        json.dump(truth, f, indent=1)
    del dup2
    pygame.quit()
    return 0


if __name__ == "__main__":
    sys.exit(main())
