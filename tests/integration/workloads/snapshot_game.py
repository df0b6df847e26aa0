#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""Heap snapshot workload: a game whose assets and objects are loaded before
the tool attaches, held in known places, with planted counts, a planted
cycle and planted growth (any CPython 3.8+; --engine pygame needs pygame,
--engine sdl drives SDL2, SDL2_image, SDL2_mixer and SDL2_ttf through
ctypes the way PySDL2 games do: POINTER(SDL_Surface) and friends).

Before its first frame it writes its asset files into --root (images, WAV
sounds; the font is a TrueType file found on the system) and loads them:
  - IMAGES: a module global dict {absolute path: surface}         (N_DICT)
  - PLAYER.sprite / .sprite_file, PLAYER.jump / .jump_file: an instance
  - LEVEL['tiles']: a list inside a dict of (path, surface) tuples (N_TILES)
  - SOUNDS {path: sound} and FONTS {path: font}: module globals
  - pygame only: FT_FONTS, two pygame.freetype.Font (one opened by path,
    one from an open file object) in a module global list, and a music
    file loaded with pygame.mixer.music.load() (no Python object holds it:
    pygame's mixer_music module does, through its _MUSIC_POINTER capsule)
  - a surface held only by a reference cycle of two Node objects
and plants N instances of classes with __slots__ (Bullet, Particle) and
with __dict__ (Enemy, Tile), held by WORLD. The collector is disabled (as
many games do) so the cycle stays. It writes the ground truth (each asset's
bytes, size, file, holder path; the per-class counts; the cycle) to
--truth, then presents frames at --fps until SIGTERM:
  SIGUSR2: append --grow new Bullets to WORLD.bullets (writes TRUTH.grown)
  SIGHUP:  drop IMAGES[FREED] (writes TRUTH.freed): its free must match
"""
import argparse
import ctypes
import ctypes.util
import gc
import glob
import json
import os
import signal
import struct
import sys
import time
import wave

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
os.environ.setdefault("SDL_AUDIODRIVER", "dummy")
os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")

N_DICT, N_TILES = 4, 5
SIZES = [(64, 32), (128, 128), (200, 150), (33, 17), (256, 64), (48, 48), (17, 90), (96, 40),
         (80, 80), (10, 300)]
MIX_RATE, MIX_CHANNELS = 44100, 2


class Bullet(object):
    __slots__ = ("x", "y", "vx", "vy")

    def __init__(self, i):
        self.x, self.y, self.vx, self.vy = i, -i, 1.5, -0.5


class Particle(object):
    __slots__ = ("pos", "life")

    def __init__(self, i):
        self.pos = (i, i + 1)
        self.life = i % 7


class Enemy(object):
    def __init__(self, i):
        self.hp = 10 + i
        self.name = "enemy%d" % i


class Tile(object):
    def __init__(self, i):
        self.kind = i % 3


class World(object):
    def __init__(self, nb, npart, ne, nt):
        self.bullets = [Bullet(i) for i in range(nb)]
        self.particles = [Particle(i) for i in range(npart)]
        self.enemies = {i: Enemy(i) for i in range(ne)}
        self.tiles = [Tile(i) for i in range(nt)]


class Player(object):
    pass


class Node(object):
    pass


IMAGES = {}
SOUNDS = {}
FONTS = {}
FT_FONTS = []
LEVEL = {}
PLAYER = Player()
WORLD = None
FLAGS = {"grow": False, "free": False}


def write_wav(path, frames):
    with wave.open(path, "wb") as w:
        w.setnchannels(MIX_CHANNELS)
        w.setsampwidth(2)
        w.setframerate(MIX_RATE)
        w.writeframes(b"".join(struct.pack("<hh", (i * 37) % 20000, -(i * 37) % 20000)
                               for i in range(frames)))


def find_font():
    cands = glob.glob("/usr/lib/python3/dist-packages/pygame/freesansbold.ttf")
    cands += sorted(glob.glob("/usr/share/fonts/truetype/*/*.ttf"))
    for c in cands:
        if os.path.isfile(c):
            return c
    sys.exit("snapshot_game: no TrueType font found")


# ---------------------------------------------------------------------------
# engines: load(path) -> asset object; facts(obj) -> (bytes, w, h)

class PygameEngine(object):
    name = "pygame"

    def __init__(self):
        import pygame
        self.pg = pygame
        pygame.mixer.pre_init(MIX_RATE, -16, MIX_CHANNELS)
        pygame.init()
        self.screen = pygame.display.set_mode((160, 120))

    def write_image(self, path, w, h):
        s = self.pg.Surface((w, h), self.pg.SRCALPHA, 32)
        s.fill((200, 100, 50, 180))
        self.pg.image.save(s, path)

    def image(self, path):
        return self.pg.image.load(path)

    def sound(self, path):
        return self.pg.mixer.Sound(path)

    def font(self, path):
        return self.pg.font.Font(path, 20)

    def ft_font(self, arg):
        import pygame.freetype
        pygame.freetype.init()
        return pygame.freetype.Font(arg, 20)

    def music(self, path):
        self.pg.mixer.music.load(path)

    def surface_facts(self, s):
        return s.get_height() * s.get_pitch(), s.get_width(), s.get_height()

    def sound_bytes(self, snd):
        return len(snd.get_raw())

    def present(self):
        self.pg.event.pump()
        self.pg.display.flip()


class SDL_Surface(ctypes.Structure):
    _fields_ = [("flags", ctypes.c_uint32), ("format", ctypes.c_void_p),
                ("w", ctypes.c_int), ("h", ctypes.c_int), ("pitch", ctypes.c_int),
                ("pixels", ctypes.c_void_p)]


class Mix_Chunk(ctypes.Structure):
    _fields_ = [("allocated", ctypes.c_int), ("abuf", ctypes.c_void_p),
                ("alen", ctypes.c_uint32), ("volume", ctypes.c_uint8)]


class TTF_Font(ctypes.Structure):
    pass


def load_lib(name):
    for n in (ctypes.util.find_library(name), "lib%s-2.0.so.0" % name):
        if n:
            try:
                return ctypes.CDLL(n)
            except OSError:
                pass
    sys.exit("snapshot_game: cannot load %s" % name)


class SdlEngine(object):
    """SDL2 through ctypes, as PySDL2 does it: pointers to structures."""
    name = "sdl"

    def __init__(self):
        vp, ci, cu, cs = ctypes.c_void_p, ctypes.c_int, ctypes.c_uint32, ctypes.c_char_p
        sdl = self.sdl = load_lib("SDL2")
        img = self.img = load_lib("SDL2_image")
        mix = self.mix = load_lib("SDL2_mixer")
        ttf = self.ttf = load_lib("SDL2_ttf")
        PS = ctypes.POINTER(SDL_Surface)
        for f, a, r in (("SDL_Init", [cu], ci), ("SDL_CreateWindow", [cs, ci, ci, ci, ci, cu], vp),
                        ("SDL_GetWindowSurface", [vp], vp), ("SDL_UpdateWindowSurface", [vp], ci),
                        ("SDL_PumpEvents", [], None), ("SDL_RWFromFile", [cs, cs], vp),
                        ("SDL_CreateRGBSurfaceWithFormat", [cu, ci, ci, ci, cu], PS),
                        ("SDL_SaveBMP_RW", [PS, vp, ci], ci), ("SDL_FreeSurface", [PS], None),
                        ("SDL_GetError", [], cs)):
            getattr(sdl, f).argtypes, getattr(sdl, f).restype = a, r
        img.IMG_Load.argtypes, img.IMG_Load.restype = [cs], PS
        mix.Mix_OpenAudio.argtypes, mix.Mix_OpenAudio.restype = [ci, ctypes.c_uint16, ci, ci], ci
        mix.Mix_LoadWAV_RW.argtypes = [vp, ci]
        mix.Mix_LoadWAV_RW.restype = ctypes.POINTER(Mix_Chunk)
        ttf.TTF_Init.argtypes, ttf.TTF_Init.restype = [], ci
        ttf.TTF_OpenFont.argtypes, ttf.TTF_OpenFont.restype = [cs, ci], ctypes.POINTER(TTF_Font)
        if sdl.SDL_Init(0x20 | 0x10) != 0:
            sys.exit("snapshot_game: SDL_Init: %s" % sdl.SDL_GetError())
        self.window = sdl.SDL_CreateWindow(b"snapshot", 0x1FFF0000, 0x1FFF0000, 160, 120, 8)
        if not self.window or not sdl.SDL_GetWindowSurface(self.window):
            sys.exit("snapshot_game: no window: %s" % sdl.SDL_GetError())
        if mix.Mix_OpenAudio(MIX_RATE, 0x8010, MIX_CHANNELS, 1024) != 0:
            sys.exit("snapshot_game: Mix_OpenAudio failed")
        if ttf.TTF_Init() != 0:
            sys.exit("snapshot_game: TTF_Init failed")

    def write_image(self, path, w, h):
        s = self.sdl.SDL_CreateRGBSurfaceWithFormat(0, w, h, 32, 0x16362004)  # ARGB8888
        self.sdl.SDL_SaveBMP_RW(s, self.sdl.SDL_RWFromFile(path.encode(), b"wb"), 1)
        self.sdl.SDL_FreeSurface(s)

    def image(self, path):
        s = self.img.IMG_Load(path.encode())
        if not s:
            sys.exit("snapshot_game: IMG_Load %s failed" % path)
        return s

    def sound(self, path):
        c = self.mix.Mix_LoadWAV_RW(self.sdl.SDL_RWFromFile(path.encode(), b"rb"), 1)
        if not c:
            sys.exit("snapshot_game: Mix_LoadWAV_RW %s failed" % path)
        return c

    def font(self, path):
        f = self.ttf.TTF_OpenFont(path.encode(), 20)
        if not f:
            sys.exit("snapshot_game: TTF_OpenFont %s failed" % path)
        return f

    def surface_facts(self, s):
        c = s.contents
        return c.h * c.pitch, c.w, c.h

    def sound_bytes(self, c):
        return c.contents.alen

    def present(self):
        self.sdl.SDL_PumpEvents()
        self.sdl.SDL_UpdateWindowSurface(self.window)


# ---------------------------------------------------------------------------

def make_cycle(surf):
    """Two nodes referring to each other, one holding @surf; nothing else refers to them."""
    a, b = Node(), Node()
    a.peer, b.peer = b, a
    a.image = surf


def main():
    global WORLD
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--engine", choices=("pygame", "sdl"), required=True)
    ap.add_argument("--root", required=True)
    ap.add_argument("--truth", required=True)
    ap.add_argument("--fps", type=float, default=30)
    ap.add_argument("--bullets", type=int, default=3000)
    ap.add_argument("--particles", type=int, default=1200)
    ap.add_argument("--enemies", type=int, default=250)
    ap.add_argument("--tiles", type=int, default=400)
    ap.add_argument("--grow", type=int, default=777)
    a = ap.parse_args()
    gc.disable()
    eng = PygameEngine() if a.engine == "pygame" else SdlEngine()
    root = os.path.realpath(a.root)
    ext = ".png" if a.engine == "pygame" else ".bmp"
    os.makedirs(os.path.join(root, "images"), exist_ok=True)
    os.makedirs(os.path.join(root, "sounds"), exist_ok=True)
    images = []
    for i, (w, h) in enumerate(SIZES):
        p = os.path.join(root, "images", "img%d%s" % (i, ext))
        eng.write_image(p, w, h)
        images.append(p)
    snd = []
    for i, frames in enumerate((11025, 4410, 22050)):
        p = os.path.join(root, "sounds", "s%d.wav" % i)
        write_wav(p, frames)
        snd.append(p)
    font_path = find_font()
    truth_assets = []

    def note(kind, obj, path, holder, file_source):
        if kind == "surface":
            nbytes, w, h = eng.surface_facts(obj)
        elif kind == "audio":
            nbytes, w, h = eng.sound_bytes(obj), 0, 0
        else:  # fonts, music: the file's size
            nbytes, w, h = os.path.getsize(path), 0, 0
        truth_assets.append({"type": kind, "bytes": nbytes, "width": w, "height": h,
                             "file": path, "holder": holder, "file_source": file_source})

    # a module global dict keyed by file
    for p in images[:N_DICT]:
        IMAGES[p] = eng.image(p)
        note("surface", IMAGES[p], p, "__main__.IMAGES['%s']" % p, "dict_key")
    # an instance attribute, its file next to it
    PLAYER.sprite_file = images[N_DICT]
    PLAYER.sprite = eng.image(images[N_DICT])
    note("surface", PLAYER.sprite, images[N_DICT], "__main__.PLAYER.sprite", "attribute")
    PLAYER.jump_file = snd[0]
    PLAYER.jump = eng.sound(snd[0])
    note("audio", PLAYER.jump, snd[0], "__main__.PLAYER.jump", "attribute")
    # a list inside a dict, of (file, surface) tuples
    LEVEL["tiles"] = []
    for k, p in enumerate(images[N_DICT + 1:N_DICT + 1 + N_TILES]):
        LEVEL["tiles"].append((p, eng.image(p)))
        note("surface", LEVEL["tiles"][-1][1], p, "__main__.LEVEL['tiles'][%d][1]" % k, "tuple")
    for p in snd[1:]:
        SOUNDS[p] = eng.sound(p)
        note("audio", SOUNDS[p], p, "__main__.SOUNDS['%s']" % p, "dict_key")
    FONTS[font_path] = eng.font(font_path)
    note("font", FONTS[font_path], font_path, "__main__.FONTS['%s']" % font_path, "dict_key")
    if a.engine == "pygame":
        # pygame.freetype: by path, and from a file object (a stream over it)
        FT_FONTS.append(eng.ft_font(font_path))
        note("font", FT_FONTS[0], font_path, "__main__.FT_FONTS[0]", "object")
        FT_FONTS.append(eng.ft_font(open(font_path, "rb")))
        note("font", FT_FONTS[1], font_path, "__main__.FT_FONTS[1]", "object")
        # streamed music: held by pygame.mixer_music only
        music = os.path.join(root, "sounds", "music.wav")
        write_wav(music, 88200)
        eng.music(music)
        note("music", None, music, "pygame.mixer_music._MUSIC_POINTER", "open_file")
    # the cycle, holding the last image
    cyc = eng.image(images[-1])
    note("surface", cyc, images[-1], None, None)
    truth_assets[-1]["cyclic"] = True
    make_cycle(cyc)
    del cyc
    WORLD = World(a.bullets, a.particles, a.enemies, a.tiles)

    counts = {}
    for o in gc.get_objects():
        counts[type(o).__qualname__] = counts.get(type(o).__qualname__, 0) + 1
    size_of = {c.__qualname__: sys.getsizeof(c(0)) for c in (Bullet, Particle)}
    truth = {
        "pid": os.getpid(), "engine": eng.name, "root": root,
        "version": "%d.%d.%d" % sys.version_info[:3],
        "assets": truth_assets,
        "counts": {k: counts.get(k, 0) for k in ("Bullet", "Particle", "Enemy", "Tile", "Node")},
        "sizeof": size_of,
        "grow": a.grow, "grow_holder": "__main__.WORLD.bullets",
        "freed": images[0],
        "cycle": "__main__.Node .peer -> __main__.Node .peer -> (back)",
    }

    def on_usr2(sig, frm):
        FLAGS["grow"] = True

    def on_hup(sig, frm):
        FLAGS["free"] = True

    def on_term(sig, frm):
        raise SystemExit(0)

    signal.signal(signal.SIGUSR2, on_usr2)
    signal.signal(signal.SIGHUP, on_hup)
    signal.signal(signal.SIGTERM, on_term)
    with open(a.truth + ".tmp", "w") as f:
        json.dump(truth, f, indent=1)
    os.rename(a.truth + ".tmp", a.truth)
    period = 1.0 / a.fps if a.fps else 0
    while True:
        eng.present()
        if FLAGS["grow"]:
            FLAGS["grow"] = False
            WORLD.bullets.extend([Bullet(i) for i in range(a.grow)])
            open(a.truth + ".grown", "w").close()
        if FLAGS["free"]:
            FLAGS["free"] = False
            gone = IMAGES.pop(truth["freed"])
            if a.engine == "sdl":
                eng.sdl.SDL_FreeSurface(gone)
            del gone
            open(a.truth + ".freed", "w").close()
        if period:
            time.sleep(period)


if __name__ == "__main__":
    sys.exit(main())
