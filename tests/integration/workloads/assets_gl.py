#!/usr/bin/python3
# SPDX-License-Identifier: BSD-2-Clause
"""OpenGL asset workload: pygame's OpenGL display (run it under Xvfb; Mesa's
llvmpipe renders) and GL calls through ctypes, with known sizes.

Calls go in by both doors a game uses: libGL.so.1's exports (what PyOpenGL
and ctypes.CDLL reach) and the pointers SDL_GL_GetProcAddress returns
(what Ren'Py and GL loaders use: libGLdispatch's stubs). At start-up,
make_textures() and make_buffers() create textures of known formats and
sizes (one uploaded level by level, one with glTexStorage2D when the
context has it, one compressed, one on texture unit 1, one re-specified in
a smaller size) and buffers (one resized), and delete some. Then, every
frame: churn() creates and deletes a 16x16 texture; every --leak-every
frames leak_textures() creates a 32x32 RGBA8 texture and keeps it; the frame
ends with pygame.display.flip() (SDL_GL_SwapWindow). Writes the ground
truth (every live texture and buffer with its bytes, the leak site) to
--truth."""
import argparse
import ctypes
import inspect
import json
import os
import sys

os.environ.setdefault("SDL_VIDEODRIVER", "x11")
os.environ.setdefault("SDL_AUDIODRIVER", "dummy")
os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")
import pygame  # noqa: E402

GL_TEXTURE_2D, GL_TEXTURE0 = 0x0DE1, 0x84C0
GL_RGBA, GL_RGB, GL_LUMINANCE, GL_UNSIGNED_BYTE, GL_FLOAT = 0x1908, 0x1907, 0x1909, 0x1401, 0x1406
GL_RGBA8, GL_RGBA32F = 0x8058, 0x8814
GL_DXT5 = 0x83F3
GL_ARRAY_BUFFER, GL_ELEMENT_ARRAY_BUFFER, GL_STATIC_DRAW = 0x8892, 0x8893, 0x88E4
GL_EXTENSIONS, GL_VERSION, GL_RENDERER = 0x1F03, 0x1F02, 0x1F01

u32, i32, ptr, ssize = ctypes.c_uint32, ctypes.c_int32, ctypes.c_void_p, ctypes.c_ssize_t
SIGS = {
    "glGenTextures": (None, [i32, ptr]), "glDeleteTextures": (None, [i32, ptr]),
    "glBindTexture": (None, [u32, u32]), "glActiveTexture": (None, [u32]),
    "glTexImage2D": (None, [u32, i32, i32, i32, i32, i32, u32, u32, ptr]),
    "glCompressedTexImage2D": (None, [u32, i32, u32, i32, i32, i32, i32, ptr]),
    "glTexStorage2D": (None, [u32, i32, u32, i32, i32]),
    "glGenBuffers": (None, [i32, ptr]), "glDeleteBuffers": (None, [i32, ptr]),
    "glBindBuffer": (None, [u32, u32]), "glBufferData": (None, [u32, ssize, ptr, u32]),
    "glGetError": (u32, []), "glGetString": (ctypes.c_char_p, [u32]),
    "glGetIntegerv": (None, [u32, ptr]),
}


class GL:
    """@lib: gl functions from libGL.so.1's exports; @proc: from SDL_GL_GetProcAddress."""

    def __init__(self):
        self.lib = {}
        self.proc = {}
        libgl = ctypes.CDLL("libGL.so.1")
        sdl = ctypes.CDLL("libSDL2-2.0.so.0")
        gpa = sdl.SDL_GL_GetProcAddress
        gpa.restype, gpa.argtypes = ptr, [ctypes.c_char_p]
        for name, (res, args) in SIGS.items():
            f = getattr(libgl, name)
            f.restype, f.argtypes = res, args
            self.lib[name] = f
            addr = gpa(name.encode())
            self.proc[name] = ctypes.CFUNCTYPE(res, *args)(addr) if addr else None


def gen(fn):
    n = u32(0)
    fn(1, ctypes.byref(n))
    return n.value


def delete(fn, name):
    n = u32(name)
    fn(1, ctypes.byref(n))


def gl_version(gl):
    v = gl.lib["glGetString"](GL_VERSION).decode()
    major, minor = v.split()[0].split(".")[:2]
    return int(major), int(minor), v


def make_textures(gl, truth):
    L, P = gl.lib, gl.proc
    bind = L["glBindTexture"]
    live = truth["textures"]

    t = gen(L["glGenTextures"])  # 64x32 RGBA8, through libGL's export
    bind(GL_TEXTURE_2D, t)
    L["glTexImage2D"](GL_TEXTURE_2D, 0, GL_RGBA8, 64, 32, 0, GL_RGBA, GL_UNSIGNED_BYTE, None)
    live.append({"what": "rgba8 64x32", "w": 64, "h": 32, "bytes": 64 * 32 * 4})

    t = gen(L["glGenTextures"])  # 100x50 GL_RGB (unsized: 3 bytes a pixel), through GetProcAddress
    P["glBindTexture"](GL_TEXTURE_2D, t)
    P["glTexImage2D"](GL_TEXTURE_2D, 0, GL_RGB, 100, 50, 0, GL_RGB, GL_UNSIGNED_BYTE, None)
    live.append({"what": "rgb 100x50", "w": 100, "h": 50, "bytes": 15000})

    t = gen(L["glGenTextures"])  # 64x64 RGBA with its mip chain, level by level
    bind(GL_TEXTURE_2D, t)
    for level in range(7):
        s = 64 >> level
        L["glTexImage2D"](GL_TEXTURE_2D, level, GL_RGBA, s, s, 0, GL_RGBA, GL_UNSIGNED_BYTE, None)
    live.append({"what": "rgba 64x64 mip chain", "w": 64, "h": 64,
                 "bytes": sum((64 >> lv) ** 2 * 4 for lv in range(7))})

    t = gen(L["glGenTextures"])  # 16x16 luminance
    bind(GL_TEXTURE_2D, t)
    L["glTexImage2D"](GL_TEXTURE_2D, 0, GL_LUMINANCE, 16, 16, 0, GL_LUMINANCE, GL_UNSIGNED_BYTE,
                      None)
    live.append({"what": "luminance 16x16", "w": 16, "h": 16, "bytes": 256})

    t = gen(L["glGenTextures"])  # 16x16 RGBA32F
    bind(GL_TEXTURE_2D, t)
    L["glTexImage2D"](GL_TEXTURE_2D, 0, GL_RGBA32F, 16, 16, 0, GL_RGBA, GL_FLOAT, None)
    live.append({"what": "rgba32f 16x16", "w": 16, "h": 16, "bytes": 4096})

    t = gen(L["glGenTextures"])  # 32x32 then re-specified 8x4: replaced
    bind(GL_TEXTURE_2D, t)
    L["glTexImage2D"](GL_TEXTURE_2D, 0, GL_RGBA8, 32, 32, 0, GL_RGBA, GL_UNSIGNED_BYTE, None)
    L["glTexImage2D"](GL_TEXTURE_2D, 0, GL_RGBA8, 8, 4, 0, GL_RGBA, GL_UNSIGNED_BYTE, None)
    live.append({"what": "respecified 8x4", "w": 8, "h": 4, "bytes": 128})

    on_unit0 = gen(L["glGenTextures"])  # bound on unit 0 while unit 1's texture is uploaded
    bind(GL_TEXTURE_2D, on_unit0)
    L["glActiveTexture"](GL_TEXTURE0 + 1)
    t = gen(L["glGenTextures"])
    bind(GL_TEXTURE_2D, t)
    L["glTexImage2D"](GL_TEXTURE_2D, 0, GL_RGBA8, 24, 8, 0, GL_RGBA, GL_UNSIGNED_BYTE, None)
    L["glActiveTexture"](GL_TEXTURE0)
    live.append({"what": "unit 1 24x8", "w": 24, "h": 8, "bytes": 768})
    delete(L["glDeleteTextures"], on_unit0)  # never had storage: no asset

    exts = set()
    try:
        exts = set(L["glGetString"](GL_EXTENSIONS).split())
    except Exception:
        pass
    major, minor, _ = gl_version(gl)
    truth["tex_storage"] = (major, minor) >= (4, 2) or b"GL_ARB_texture_storage" in exts
    if truth["tex_storage"] and P["glTexStorage2D"]:
        t = gen(L["glGenTextures"])  # 256x128 RGBA8, 9 levels at once
        bind(GL_TEXTURE_2D, t)
        P["glTexStorage2D"](GL_TEXTURE_2D, 9, GL_RGBA8, 256, 128)
        live.append({"what": "storage 256x128x9", "w": 256, "h": 128, "bytes": 174764})
    truth["s3tc"] = b"GL_EXT_texture_compression_s3tc" in exts
    if truth["s3tc"]:
        t = gen(L["glGenTextures"])  # 64x64 DXT5: 16 x 16 blocks of 16 bytes
        bind(GL_TEXTURE_2D, t)
        data = ctypes.create_string_buffer(4096)
        L["glCompressedTexImage2D"](GL_TEXTURE_2D, 0, GL_DXT5, 64, 64, 0, 4096, data)
        live.append({"what": "dxt5 64x64", "w": 64, "h": 64, "bytes": 4096})

    gone = (u32 * 2)(gen(L["glGenTextures"]), gen(L["glGenTextures"]))  # made and deleted
    for name in gone:
        bind(GL_TEXTURE_2D, name)
        L["glTexImage2D"](GL_TEXTURE_2D, 0, GL_RGBA8, 128, 128, 0, GL_RGBA, GL_UNSIGNED_BYTE,
                          None)
    L["glDeleteTextures"](2, gone)
    bind(GL_TEXTURE_2D, 0)
    truth["deleted_textures"] = 2
    truth["gl_error_setup"] = L["glGetError"]()


def make_buffers(gl, truth):
    L, P = gl.lib, gl.proc
    live = truth["buffers"]
    b = gen(L["glGenBuffers"])
    L["glBindBuffer"](GL_ARRAY_BUFFER, b)
    L["glBufferData"](GL_ARRAY_BUFFER, 100000, None, GL_STATIC_DRAW)
    live.append({"what": "vbo", "bytes": 100000})
    b = gen(P["glGenBuffers"])
    P["glBindBuffer"](GL_ELEMENT_ARRAY_BUFFER, b)
    P["glBufferData"](GL_ELEMENT_ARRAY_BUFFER, 3000, None, GL_STATIC_DRAW)
    live.append({"what": "ibo", "bytes": 3000})
    b = gen(L["glGenBuffers"])  # resized: the last size counts
    L["glBindBuffer"](GL_ARRAY_BUFFER, b)
    L["glBufferData"](GL_ARRAY_BUFFER, 500, None, GL_STATIC_DRAW)
    L["glBufferData"](GL_ARRAY_BUFFER, 7000, None, GL_STATIC_DRAW)
    live.append({"what": "resized", "bytes": 7000})
    b = gen(L["glGenBuffers"])  # made and deleted
    L["glBindBuffer"](GL_ARRAY_BUFFER, b)
    L["glBufferData"](GL_ARRAY_BUFFER, 55555, None, GL_STATIC_DRAW)
    delete(L["glDeleteBuffers"], b)
    L["glBindBuffer"](GL_ARRAY_BUFFER, 0)
    truth["deleted_buffers"] = 1


LEAKED = []


def leak_textures(gl):
    t = gen(gl.lib["glGenTextures"])
    gl.lib["glBindTexture"](GL_TEXTURE_2D, t)
    gl.lib["glTexImage2D"](GL_TEXTURE_2D, 0, GL_RGBA8, 32, 32, 0, GL_RGBA, GL_UNSIGNED_BYTE, None)
    LEAKED.append(t)  # the planted leak: never deleted


LEAK_LINE = inspect.getsourcelines(leak_textures)[1] + 3


def churn(gl):
    t = gen(gl.proc["glGenTextures"])
    gl.proc["glBindTexture"](GL_TEXTURE_2D, t)
    gl.proc["glTexImage2D"](GL_TEXTURE_2D, 0, GL_RGBA8, 16, 16, 0, GL_RGBA, GL_UNSIGNED_BYTE, None)
    delete(gl.proc["glDeleteTextures"], t)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--frames", type=int, default=240)
    ap.add_argument("--fps", type=float, default=60)
    ap.add_argument("--leak-every", type=int, default=10)
    ap.add_argument("--truth", required=True)
    a = ap.parse_args()
    pygame.display.init()
    pygame.display.set_mode((128, 128), pygame.OPENGL | pygame.DOUBLEBUF)
    gl = GL()
    truth = {"pid": os.getpid(), "frames": a.frames, "textures": [], "buffers": [],
             "renderer": gl.lib["glGetString"](GL_RENDERER).decode(),
             "version": gl_version(gl)[2]}
    make_textures(gl, truth)
    make_buffers(gl, truth)
    clock = pygame.time.Clock()
    for frame in range(a.frames):
        pygame.event.pump()
        if frame % a.leak_every == 0:
            leak_textures(gl)
        churn(gl)
        pygame.display.flip()
        if a.fps:
            clock.tick(a.fps)
    truth["leak"] = {"function": "leak_textures", "file": os.path.abspath(__file__),
                     "line": LEAK_LINE, "count": len(LEAKED), "bytes_each": 32 * 32 * 4}
    truth["churn_per_frame"] = 1
    truth["gl_error"] = gl.lib["glGetError"]()
    with open(a.truth, "w") as f:
        json.dump(truth, f, indent=1)
    pygame.quit()
    return 0


if __name__ == "__main__":
    sys.exit(main())
