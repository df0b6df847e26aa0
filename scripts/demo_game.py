#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""Star Miner: a small pygame game that pmtrace's demo profiles.

Headless by default (SDL's dummy video and audio drivers); --window shows
it. The game does what real games do to memory: a HUD rendered as text every
frame, bullets and particles created and dropped every frame, engine sparks
that live a few frames (a class worth pooling: `--pools` says so), a level
load that allocates big surfaces, and explosions whose particles form
reference cycles that only the cyclic GC frees.
"""
import argparse
import gc
import math
import os
import random
import struct
import sys
import tempfile
import wave


def parse_args():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=15.0, help="play time (default 15)")
    ap.add_argument("--fps", type=int, default=60, help="frame cap (default 60, 0 = none)")
    ap.add_argument("--window", action="store_true", help="open a real window")
    return ap.parse_args()


def make_art(pygame, root):
    """Write the game's art and sounds to files, as a real game ships them."""
    os.makedirs(os.path.join(root, "sprites"), exist_ok=True)
    for name, size, color in (("ship.png", (32, 32), (90, 200, 255)),
                              ("rock.png", (48, 48), (150, 120, 90)),
                              ("tiles.png", (512, 256), (40, 60, 90))):
        s = pygame.Surface(size, pygame.SRCALPHA, 32)
        s.fill(color + (255,))
        pygame.image.save(s, os.path.join(root, "sprites", name))
    path = os.path.join(root, "boom.wav")
    with wave.open(path, "wb") as w:
        w.setnchannels(2)
        w.setsampwidth(2)
        w.setframerate(44100)
        w.writeframes(b"".join(struct.pack("<hh", (i * 97) % 8000, (i * 89) % 8000)
                               for i in range(11025)))
    return root


class Particle:
    __slots__ = ("x", "y", "vx", "vy", "life", "burst")

    def __init__(self, x, y, burst):
        a = random.uniform(0, 2 * math.pi)
        s = random.uniform(20, 160)
        self.x, self.y = x, y
        self.vx, self.vy = math.cos(a) * s, math.sin(a) * s
        self.life = random.uniform(0.3, 1.2)
        self.burst = burst  # burst -> particles -> burst: a reference cycle


class EngineSpark:
    """The ship's exhaust: a few dozen a frame, each gone after 6-10 frames."""
    __slots__ = ("x", "y", "vx", "vy", "age", "ttl")

    def __init__(self, x, y, rng):
        self.x, self.y = x + rng.uniform(-4, 4), y
        self.vx, self.vy = rng.uniform(-20, 20), rng.uniform(60, 140)
        self.age, self.ttl = 0, rng.randint(6, 10)


class Burst:
    def __init__(self, x, y, n):
        self.particles = [Particle(x, y, self) for _ in range(n)]


def main():
    args = parse_args()
    if not args.window:
        os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
        os.environ.setdefault("SDL_AUDIODRIVER", "dummy")
    import pygame

    pygame.mixer.pre_init(44100, -16, 2)
    pygame.init()
    screen = pygame.display.set_mode((640, 480))
    art = make_art(pygame, tempfile.mkdtemp(prefix="starminer-"))
    ship_img = pygame.image.load(os.path.join(art, "sprites", "ship.png")).convert_alpha()
    rock_img = pygame.image.load(os.path.join(art, "sprites", "rock.png")).convert_alpha()
    tiles = pygame.image.load(os.path.join(art, "sprites", "tiles.png"))
    try:
        boom = pygame.mixer.Sound(os.path.join(art, "boom.wav"))
    except pygame.error:
        boom = None
    trophies = []  # a small leak: a copy of the ship kept at every new level
    pygame.display.set_caption("Star Miner")
    font = pygame.font.Font(None, 24)
    clock = pygame.time.Clock()
    rng = random.Random(7)
    stars = [(rng.randrange(640), rng.randrange(480), rng.choice((1, 2, 3))) for _ in range(150)]
    rocks = []
    bullets = []
    bursts = []
    sparks = []
    level_art = []
    score = 0
    frame = 0
    t = 0.0
    ship_x = 320.0
    dt = 1 / 60
    total_frames = int(args.seconds * (args.fps or 60))

    while frame < total_frames:
        for event in pygame.event.get():
            if event.type == pygame.QUIT:
                frame = total_frames
        t += dt
        ship_x = 320 + math.sin(t * 1.3) * 250

        # New level every 5 seconds: big background art, the old level freed.
        if frame % (5 * 60) == 120:
            # the level loader reads the tiles again instead of reusing them
            level_art = [pygame.image.load(os.path.join(art, "sprites", "tiles.png"))]
            level_art += [pygame.Surface((1024, 1024)) for _ in range(4)]
            trophies.append(pygame.image.load(os.path.join(art, "sprites", "ship.png")))
            for i, s in enumerate(level_art):
                s.fill((10 + 20 * i, 10, 40))
            gc.collect()  # level transition: a full collection, as many games do

        if frame % 6 == 0:
            bullets.append([ship_x, 440.0])
        if rng.random() < 0.08:
            rocks.append([rng.uniform(20, 620), -20.0, rng.uniform(40, 120), rng.randint(8, 24)])

        for b in bullets:
            b[1] -= 400 * dt
        for r in rocks:
            r[1] += r[2] * dt
        hit = []
        for r in rocks:
            for b in bullets:
                if abs(b[0] - r[0]) < r[3] and abs(b[1] - r[1]) < r[3]:
                    hit.append(r)
                    bursts.append(Burst(r[0], r[1], 60))
                    if boom is not None and len(bursts) < 3:
                        boom.play()
                    score += r[3]
                    break
        rocks = [r for r in rocks if r not in hit and r[1] < 500]
        bullets = [b for b in bullets if b[1] > -10]

        # The engine's exhaust: new sparks every frame, old ones dropped.
        sparks.extend(EngineSpark(ship_x, 448.0, rng) for _ in range(30))
        for sp in sparks:
            sp.x += sp.vx * dt
            sp.y += sp.vy * dt
            sp.age += 1
        sparks = [sp for sp in sparks if sp.age < sp.ttl]

        alive = []
        for burst in bursts:
            for p in burst.particles:
                p.x += p.vx * dt
                p.y += p.vy * dt
                p.life -= dt
            if any(p.life > 0 for p in burst.particles):
                alive.append(burst)
        bursts = alive  # dead bursts are cycles: garbage for the cyclic GC

        screen.fill((5, 5, 20))
        for x, y, size in stars:
            pygame.draw.rect(screen, (200, 200, 255), (x, (y + frame * size) % 480, size, size))
        screen.blit(tiles, (0, 400))
        for r in rocks:
            screen.blit(rock_img, (int(r[0]) - 24, int(r[1]) - 24))
        for b in bullets:
            pygame.draw.rect(screen, (255, 240, 120), (int(b[0]), int(b[1]), 3, 8))
        for burst in bursts:
            for p in burst.particles:
                if p.life > 0:
                    screen.fill((255, 160, 60), (int(p.x), int(p.y), 2, 2))
        for sp in sparks:
            screen.fill((255, 200 - 15 * sp.age, 80), (int(sp.x), int(sp.y), 2, 2))
        screen.blit(ship_img, (int(ship_x) - 16, 430))
        hud = font.render(f"score {score}  rocks {len(rocks)}  frame {frame}", True,
                          (255, 255, 255))
        screen.blit(hud, (10, 10))
        pygame.display.flip()
        if args.fps:
            clock.tick(args.fps)
        frame += 1

    pygame.quit()
    print(f"star miner: {frame} frames, score {score}", file=sys.stderr)


if __name__ == "__main__":
    main()
