#!/usr/bin/python3
# SPDX-License-Identifier: BSD-2-Clause
"""pyglet game for heap snapshots (run it under Xvfb): before its first frame
it creates GL textures of known sizes (pyglet.image.Texture.create: RGBA8)
and vertex buffers of known sizes, held in module globals, writes the truth
(each one's GL name, size and holder; a size that is no power of two gets a
power-of-two texture and a TextureRegion of it) to --truth, then flips frames at
--fps until SIGTERM. SIGHUP deletes TEXTURES[0] (glDeleteTextures) and
writes TRUTH.freed."""
import argparse
import json
import os
import signal
import sys
import time

import pyglet
from pyglet import gl
from pyglet.graphics import vertexbuffer

SIZES = [(64, 32), (128, 128), (256, 64), (100, 50)]
BUFFERS = [4096, 65536, 1000]
TEXTURES = []
BUFS = {}
FLAGS = {"free": False}


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--truth", required=True)
    ap.add_argument("--fps", type=float, default=30)
    a = ap.parse_args()
    window = pyglet.window.Window(160, 120, visible=True)
    truth = {"pid": os.getpid(), "version": pyglet.version, "textures": [], "buffers": []}
    for i, (w, h) in enumerate(SIZES):
        t = pyglet.image.Texture.create(w, h)
        TEXTURES.append(t)
        # sizes that are no powers of two get a power-of-two texture and a region of it
        real = getattr(t, "owner", t)
        truth["textures"].append({"name": real.id, "width": real.width, "height": real.height,
                                  "bytes": real.width * real.height * 4,
                                  "holder": "__main__.TEXTURES[%d]%s" % (
                                      i, ".owner" if real is not t else "")})
    del t, real
    for size in BUFFERS:
        b = vertexbuffer.create_buffer(size, gl.GL_ARRAY_BUFFER, gl.GL_STATIC_DRAW, vbo=True)
        b.bind()
        BUFS["b%d" % size] = b
        truth["buffers"].append({"name": b.id, "bytes": size, "class": type(b).__name__,
                                 "holder": "__main__.BUFS['b%d']" % size})
    del b

    def on_hup(sig, frm):
        FLAGS["free"] = True

    def on_term(sig, frm):
        raise SystemExit(0)

    signal.signal(signal.SIGHUP, on_hup)
    signal.signal(signal.SIGTERM, on_term)
    with open(a.truth + ".tmp", "w") as f:
        json.dump(truth, f, indent=1)
    os.rename(a.truth + ".tmp", a.truth)
    while True:
        window.switch_to()
        window.dispatch_events()
        gl.glClear(gl.GL_COLOR_BUFFER_BIT)
        window.flip()
        if FLAGS["free"]:
            FLAGS["free"] = False
            del TEXTURES[0]  # Texture.__del__: glDeleteTextures
            open(a.truth + ".freed", "w").close()
        time.sleep(1.0 / a.fps)


if __name__ == "__main__":
    sys.exit(main())
