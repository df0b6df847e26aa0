# SPDX-License-Identifier: BSD-2-Clause
"""Heap snapshots against ground truth the game itself records
(workloads/snapshot_game.py): attach to a game that loaded its assets and
planted its objects before; the attach snapshot must report every planted
asset with its exact bytes, dimensions, file and holder path (a module
global dict, an instance attribute, a list of tuples inside a dict), the
one kept only by a reference cycle with that cycle, and the planted
per-class counts exactly (gc.get_objects() in the game); a SIGUSR1 after the
game grew WORLD.bullets by a known number must report that growth and its
holder; the snapshot at the end must count the new bullets as survivors;
and a surface freed after attach must leave the asset table through its
probed free (no unknown free). Debian's python3 with pygame, and each pyenv
CPython 3.8-3.13 present driving SDL2 through ctypes (PySDL2-style
pointers). Also: the one-shot `pmtrace-bpf snapshot --pid PID` and its
errors."""
import json
import os
import signal
import subprocess
import time
import unittest

import pmt_it as it

GAME = os.path.join(it.WORKLOADS, "snapshot_game.py")
TRUTH_HOOK = os.path.join(it.WORKLOADS, "truth_hook")
SOLARWOLF = "/usr/games/solarwolf"
PYGLET_GAME = os.path.join(it.WORKLOADS, "snapshot_pyglet.py")
RENPY = "/usr/games/renpy"
RENPY_GAME = os.path.join(it.WORKLOADS, "renpy_game")


def gl_key(kind, name):
    return "0x%x" % ((1 << 63) | ({"texture": 1, "buffer": 2}[kind] << 32) | name)
GROW = 777


def attach_for_snapshot(case, tmp, pid, out, timeout):
    """Attach the tool to @pid writing @out; returns it once the attach snapshot is there."""
    se = open(tmp("tool.err"), "w")
    case.addCleanup(se.close)
    tool = subprocess.Popen([it.TOOL, "-p", str(pid), "--quiet", "--interval", "0", "--json", out],
                            stdout=subprocess.DEVNULL, stderr=se, start_new_session=True)
    case.addCleanup(it.stop, tool)
    case.assertTrue(it.wait_for(lambda: len(snapshots(out)) >= 1 or tool.poll() is not None,
                                timeout) and tool.poll() is None, "no attach snapshot")
    return tool


def snapshots(path):
    try:
        return it.records_of(it.load_jsonl(path, True), "snapshot")
    except (OSError, AssertionError):
        return []


def round16(n):
    return (n + 15) & ~15


class SnapshotTest(unittest.TestCase):
    maxDiff = None

    def start_game(self, py, engine, tmp):
        truth = tmp("truth.json")
        game = it.spawn([py, GAME, "--engine", engine, "--root", tmp("root"), "--truth", truth,
                         "--grow", str(GROW)], env=dict(os.environ, **it.WORKLOAD_ENV))
        self.addCleanup(it.stop, game)
        if not it.wait_for(lambda: os.path.exists(truth) or game.poll() is not None, 60):
            self.fail("the game wrote no truth in 60 s")
        self.assertIsNone(game.poll(), "the game exited (%s)" % game.returncode)
        with open(truth) as f:
            return game, truth, json.load(f)

    def attach_and_play(self, py, engine, tag):
        tmp = it.Tmp("snapshot-" + tag)
        self.addCleanup(tmp.cleanup)
        game, tpath, truth = self.start_game(py, engine, tmp)
        out = tmp("out.jsonl")
        so, se = open(tmp("tool.out"), "w"), open(tmp("tool.err"), "w")
        self.addCleanup(so.close)
        self.addCleanup(se.close)
        tool = subprocess.Popen([it.TOOL, "-p", str(game.pid), "--quiet", "--interval", "0",
                                 "--top", "50", "--json", out], stdout=so, stderr=se,
                                start_new_session=True)
        self.addCleanup(it.stop, tool)

        def failing(what):
            it.stop(tool)
            with open(tmp("tool.err")) as f:
                err = f.read()
            self.fail("%s\n--- tool stderr ---\n%s" % (what, it.tail(err, 30)))

        if not it.wait_for(lambda: len(snapshots(out)) >= 1 or tool.poll() is not None, 60):
            failing("no attach snapshot in 60 s")
        os.kill(game.pid, signal.SIGUSR2)          # grow WORLD.bullets
        if not it.wait_for(lambda: os.path.exists(tpath + ".grown"), 20):
            failing("the game did not grow")
        os.kill(tool.pid, signal.SIGUSR1)          # snapshot 2
        if not it.wait_for(lambda: len(snapshots(out)) >= 2 or tool.poll() is not None, 60):
            failing("no snapshot after SIGUSR1")
        os.kill(game.pid, signal.SIGHUP)           # free one planted surface
        if not it.wait_for(lambda: os.path.exists(tpath + ".freed"), 20):
            failing("the game did not free its surface")
        time.sleep(0.5)                            # a few frames: the free is applied
        os.kill(tool.pid, signal.SIGINT)           # snapshot 3 at the end, then reports
        try:
            rc = tool.wait(60)
        except subprocess.TimeoutExpired:
            failing("the tool did not stop in 60 s")
        if rc != 0:
            failing("tool exit %r" % rc)
        with open(tmp("tool.out")) as f:
            text = f.read()
        return truth, it.load_jsonl(out), text

    def check(self, truth, recs, text):
        bad = []
        snaps = it.records_of(recs, "snapshot")
        self.assertEqual([s["trigger"] for s in snaps], ["attach", "signal", "end"],
                         [(s["trigger"], s["seq"]) for s in snaps])
        s1, s2, s3 = snaps
        for s in snaps:
            # a running thread's frames may change while read: a few reads may be skipped
            if s["partial"] or s["reads"]["skipped"] > 16:
                bad.append("snapshot %d: partial %r, %d reads skipped" % (
                    s["seq"], s["partial_reason"], s["reads"]["skipped"]))
        types = {t["name"]: t for t in s1["types"]}
        for cls, n in truth["counts"].items():
            got = types.get("__main__." + cls, {}).get("count")
            if got != n:
                bad.append("%s: %r objects, the game counts %d" % (cls, got, n))
        for cls, size in truth["sizeof"].items():
            got = types.get("__main__." + cls, {}).get("bytes")
            want = truth["counts"][cls] * round16(size)
            if got != want:
                bad.append("%s: %r bytes, truth %d x %d" % (cls, got, truth["counts"][cls],
                                                            round16(size)))
        # every planted asset, exactly
        assets = s1["assets"]
        for t in truth["assets"]:
            if t.get("cyclic"):
                got = [a for a in assets if a["cyclic"] and a["type"] == t["type"]]
            else:
                got = [a for a in assets if a["holder"] == t["holder"]]
            if len(got) != 1:
                bad.append("%s held by %s: %d found" % (t["type"], t["holder"], len(got)))
                continue
            a = got[0]
            want = {"type": t["type"], "bytes": t["bytes"], "width": t["width"],
                    "height": t["height"], "loaded_before_attach": True}
            if not t.get("cyclic"):
                want.update(file=t["file"], file_source=t["file_source"], cyclic=False)
            else:
                want.update(holder=None, cyclic=True)
            have = {k: a.get(k) for k in want}
            if have != want:
                bad.append("asset %s: %r, truth %r" % (t["holder"] or "in the cycle", have, want))
        cyc = [c for c in (s1["cycles"] or {}).get("list", []) if c["cycle"] == truth["cycle"]]
        cyc_bytes = [t["bytes"] for t in truth["assets"] if t.get("cyclic")][0]
        if len(cyc) != 1 or cyc[0]["assets"] != 1 or cyc[0]["asset_bytes"] != cyc_bytes:
            bad.append("cycle %r holding %d bytes not reported: %r" % (
                truth["cycle"], cyc_bytes, (s1["cycles"] or {}).get("list")))
        # growth between snapshots 1 and 2, survivors at 3
        g = [x for x in (s2["growth"] or []) if x["name"] == "__main__.Bullet"]
        if not g or g[0]["count_delta"] != GROW or \
                g[0]["bytes_delta"] != GROW * round16(truth["sizeof"]["Bullet"]):
            bad.append("Bullet growth %r, truth +%d" % (g, GROW))
        elif not g[0]["holders"] or g[0]["holders"][0]["path"] != truth["grow_holder"] + "[*]" \
                or g[0]["holders"][0]["count"] != GROW:
            bad.append("Bullet growth held by %r, truth %s[*] (%d)" % (
                g[0]["holders"], truth["grow_holder"], GROW))
        b3 = [t for t in s3["types"] if t["name"] == "__main__.Bullet"]
        if not s3["survivors_known"] or not b3 or b3[0].get("survivors") != GROW:
            bad.append("snapshot 3: Bullet survivors %r, truth %d" % (b3, GROW))
        if "heap snapshot #2 (signal" not in text or "heap snapshot #3 (end" not in text:
            bad.append("text report lacks snapshots 2 and 3:\n%s" % it.tail(text, 20))
        # the asset table: the freed surface left through its probed free
        final = [r for r in recs if r["type"] == "assets" and r["scope"] == "final"]
        freed = [a for a in s1["assets"] if a["file"] == truth["freed"]]
        if not final or len(freed) != 1:
            bad.append("no final assets record, or the freed surface was not found at attach")
        else:
            fa = final[-1]
            if fa["unknown_frees"] or fa["by_type"]["surface"]["frees"] != 1:
                bad.append("frees: %d unknown, %d surface frees (truth 1)" % (
                    fa["unknown_frees"], fa["by_type"]["surface"]["frees"]))
            if any(a["path"] == truth["freed"] for a in fa["top"]):
                bad.append("the freed surface is still in the asset table")
            stored = sum(1 for a in s1["assets"] if a["loaded_before_attach"])
            if fa["live"] != stored - 1:
                bad.append("%d live assets at the end, %d found at attach - 1 freed" % (
                    fa["live"], stored))
            if not all(a["loaded_before_attach"] for a in fa["top"]):
                bad.append("assets not marked loaded_before_attach: %r" % fa["top"])
        if bad:
            self.fail("Python %s (%s): %d mismatches:\n  %s" % (
                truth["version"], truth["engine"], len(bad), "\n  ".join(bad)))

    def test_debian_python3_pygame(self):
        if not it.has_pygame():
            self.skipTest("pygame not importable by %s" % it.DEBIAN_PY)
        self.check(*self.attach_and_play(it.DEBIAN_PY, "pygame", "debian"))

    def test_command(self):
        """`pmtrace-bpf snapshot --pid PID`: one snapshot, printed; no BPF needed."""
        if not it.has_sdl2():
            self.skipTest("libSDL2 not found")
        tmp = it.Tmp("snapshot-cmd")
        self.addCleanup(tmp.cleanup)
        game, _, truth = self.start_game(it.DEBIAN_PY, "sdl", tmp)
        rc, out, err = it.run([it.TOOL, "snapshot", "--pid", str(game.pid), "--json", "-"],
                              timeout=60)
        self.assertEqual(rc, 0, it.describe(rc, out, err))
        recs = [json.loads(l) for l in out.splitlines() if l.strip()]
        self.assertEqual(len(recs), 1, out[:500])
        s = recs[0]
        self.assertEqual((s["type"], s["trigger"], s["frame"]), ("snapshot", "command", None))
        types = {t["name"]: t["count"] for t in s["types"]}
        for cls, n in truth["counts"].items():
            self.assertEqual(types.get("__main__." + cls), n, cls)
        self.assertIn("heap snapshot #1 (command)", err)
        self.assertTrue(all(not a["loaded_before_attach"] for a in s["assets"]))
        self.assertEqual(len(s["assets"]), len(truth["assets"]))
        # errors: no such process, not Python
        rc, out, err = it.run([it.TOOL, "snapshot", "--pid", "999999"], timeout=20)
        self.assertEqual(rc, it.EXIT["no_process"], err)
        sleeper = it.spawn(["sleep", "30"])
        self.addCleanup(it.stop, sleeper)
        rc, out, err = it.run([it.TOOL, "snapshot", "--pid", str(sleeper.pid)], timeout=20)
        self.assertEqual(rc, it.EXIT["not_python"], err)
        self.assertEqual(len(it.stderr_lines(err)), 1, err)
        rc, out, err = it.run([it.TOOL, "snapshot"], timeout=20)
        self.assertEqual(rc, it.EXIT["usage"], err)


class SolarwolfTest(unittest.TestCase):
    """Debian's solarwolf attached once it has loaded: the assets at attach
    are exactly those the game holds, counted from inside it by the
    interpreter (workloads/truth_hook), and the first report has them."""

    def surfaces_now(self, pid):
        rc, out, _ = it.run([it.TOOL, "snapshot", "--pid", str(pid), "--json", "-", "--quiet"],
                            timeout=60)
        if rc != 0:
            return None
        s = json.loads(out.splitlines()[0])
        return sum(1 for a in s["assets"] if a["type"] == "surface")

    def test_solarwolf(self):
        if not os.access(SOLARWOLF, os.X_OK):
            self.skipTest("solarwolf not installed")
        tmp = it.Tmp("snapshot-solarwolf")
        self.addCleanup(tmp.cleanup)
        truth_path, out = tmp("truth.json"), tmp("out.jsonl")
        env = dict(os.environ, **it.WORKLOAD_ENV)
        env.update(PYTHONPATH=TRUTH_HOOK, PMT_TRUTH=truth_path)
        game = it.spawn([SOLARWOLF], env=env)
        self.addCleanup(it.stop, game)
        # loaded: two looks a second apart see the same surfaces, and many
        last, n = None, None
        end = time.time() + 60
        while time.time() < end:
            n = self.surfaces_now(game.pid)
            if n and n == last and n > 100:
                break
            last = n
            time.sleep(1)
        self.assertTrue(n and n == last, "solarwolf kept loading (%r, %r)" % (last, n))
        os.kill(game.pid, signal.SIGUSR2)  # the game lists its assets, then holds still
        self.assertTrue(it.wait_for(lambda: os.path.exists(truth_path), 30), "no truth")
        with open(truth_path) as f:
            truth = json.load(f)["assets"]
        se = open(tmp("tool.err"), "w")
        self.addCleanup(se.close)
        tool = subprocess.Popen([it.TOOL, "-p", str(game.pid), "--verbose", "--quiet",
                                 "--interval", "1", "--top", "50", "--json", out],
                                stdout=subprocess.DEVNULL, stderr=se, start_new_session=True)
        self.addCleanup(it.stop, tool)

        def said():
            with open(tmp("tool.err")) as f:
                return "heap snapshot at attach" in f.read()
        ok = it.wait_for(lambda: said() or tool.poll() is not None, 60)
        open(truth_path + ".release", "w").close()  # the game runs on
        self.assertTrue(ok and tool.poll() is None, "no attach snapshot")
        it.wait_for(lambda: len(it.records_of(it.load_jsonl(out, True), "assets")) >= 1, 30)
        os.kill(tool.pid, signal.SIGINT)
        self.assertEqual(tool.wait(60), 0)
        recs = it.load_jsonl(out)
        snap = it.records_of(recs, "snapshot")[0]
        self.assertEqual(snap["trigger"], "attach")
        self.assertFalse(snap["partial"], snap["partial_reason"])

        def multiset(items):
            return sorted(items)
        have = [a for a in snap["assets"] if a["type"] == "surface"]
        want = [a for a in truth if a["type"] == "surface"]
        self.assertGreater(len(want), 100)
        self.assertEqual(multiset((a["width"], a["height"], a["bytes"]) for a in have),
                         multiset((a["w"], a["h"], a["bytes"]) for a in want))
        self.assertEqual(multiset(a["bytes"] for a in snap["assets"] if a["type"] == "audio"),
                         multiset(a["bytes"] for a in truth if a["type"] == "audio"))
        self.assertEqual(sum(1 for a in snap["assets"] if a["type"] == "font"),
                         sum(1 for a in truth if a["type"] == "font"))
        # the first report has them: live = found at attach + loaded since - freed since
        stored = sum(1 for a in have if a["loaded_before_attach"])
        self.assertEqual(stored, len(want))
        first = it.records_of(recs, "assets")[0]
        surf = first["by_type"]["surface"]
        self.assertEqual(surf["live"], stored + surf["loads"] - surf["frees"], surf)
        self.assertTrue(any(a["loaded_before_attach"] for a in first["top"]), first["top"][:3])


class PygletTest(unittest.TestCase):
    """pyglet under Xvfb (Mesa llvmpipe): GL textures and buffers created
    before attach are found in the heap with their GL names (keyed as the GL
    probes key them), sizes and holders; a texture deleted after attach
    leaves the asset table through the probe of glDeleteTextures."""

    def test_pyglet_gl_assets(self):
        from test_gl_assets import start_xvfb
        if subprocess.run([it.DEBIAN_PY, "-c", "import pyglet"], stdout=subprocess.DEVNULL,
                          stderr=subprocess.DEVNULL).returncode:
            self.skipTest("pyglet not importable by %s (install python3-pyglet)" % it.DEBIAN_PY)
        xvfb, display = start_xvfb()
        if not xvfb:
            self.skipTest(display)
        self.addCleanup(it.stop, xvfb)
        tmp = it.Tmp("snapshot-pyglet")
        self.addCleanup(tmp.cleanup)
        tpath, out = tmp("truth.json"), tmp("out.jsonl")
        env = dict(os.environ, DISPLAY=display, LIBGL_ALWAYS_SOFTWARE="1")
        game = it.spawn([it.DEBIAN_PY, PYGLET_GAME, "--truth", tpath], env=env)
        self.addCleanup(it.stop, game)
        self.assertTrue(it.wait_for(lambda: os.path.exists(tpath) or game.poll() is not None,
                                    60) and game.poll() is None, "the pyglet game did not start")
        with open(tpath) as f:
            truth = json.load(f)
        tool = attach_for_snapshot(self, tmp, game.pid, out, 60)
        os.kill(game.pid, signal.SIGHUP)  # delete TEXTURES[0]
        self.assertTrue(it.wait_for(lambda: os.path.exists(tpath + ".freed"), 20))
        time.sleep(0.5)
        os.kill(tool.pid, signal.SIGINT)
        self.assertEqual(tool.wait(60), 0)
        recs = it.load_jsonl(out)
        snap = it.records_of(recs, "snapshot")[0]
        have = sorted((a["key"], a["type"], a["bytes"], a["width"], a["height"], a["holder"])
                      for a in snap["assets"])
        want = sorted([(gl_key("texture", t["name"]), "texture", t["bytes"], t["width"],
                        t["height"], t["holder"]) for t in truth["textures"]] +
                      [(gl_key("buffer", b["name"]), "gpu_buffer", b["bytes"], 0, 0, b["holder"])
                       for b in truth["buffers"]])
        self.assertEqual(have, want)
        self.assertTrue(all(a["loaded_before_attach"] and a["engine"] == "pyglet"
                            for a in snap["assets"]), snap["assets"])
        final = [r for r in recs if r["type"] == "assets" and r["scope"] == "final"][-1]
        tex = final["by_type"]["texture"]
        self.assertEqual((tex["frees"], final["unknown_frees"]), (1, 0), final["by_type"])
        self.assertEqual(tex["live"], len(truth["textures"]) - 1 + tex["loads"], tex)


def write_png(path, w, h, rgba):
    """A w x h PNG of one RGBA colour (no imaging library needed)."""
    import struct
    import zlib

    def chunk(tag, data):
        return (struct.pack(">I", len(data)) + tag + data +
                struct.pack(">I", zlib.crc32(tag + data) & 0xffffffff))
    row = b"\0" + bytes(rgba) * w
    with open(path, "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 6, 0, 0, 0)) +
                chunk(b"IDAT", zlib.compress(row * h)) + chunk(b"IEND", b""))


def rgba8_bytes(w, h, mipmaps, max_level):
    """Ren'Py's allocate_texture(): GL_RGBA levels 0..max_level, each half, down to 1 x 1."""
    total, level = w * h * 4, 0
    while mipmaps and (w > 1 or h > 1) and level < max_level:
        w, h, level = max(w >> 1, 1), max(h >> 1, 1), level + 1
        total += w * h * 4
    return total


class RenpyTest(unittest.TestCase):
    """Debian's Ren'Py 8 (gl2) under Xvfb: a project of the test's own
    (workloads/renpy_game) shows images of known sizes and a text, then
    writes what Ren'Py says of each loaded texture; attached after that,
    the first snapshot lists exactly those textures, keyed by their GL
    names, with RGBA8 bytes over their mipmap chains, loaded before
    attach."""

    IMAGES = {"red.png": (300, 200, (255, 0, 0, 255)), "blue.png": (64, 48, (0, 0, 255, 128)),
              "odd.png": (257, 131, (0, 255, 0, 255))}

    def test_renpy_textures(self):
        import shutil
        from test_gl_assets import start_xvfb
        if not os.access(RENPY, os.X_OK):
            self.skipTest("Ren'Py not installed (apt-get install renpy)")
        xvfb, display = start_xvfb()
        if not xvfb:
            self.skipTest(display)
        self.addCleanup(it.stop, xvfb)
        tmp = it.Tmp("snapshot-renpy")
        self.addCleanup(tmp.cleanup)
        proj = tmp("project")
        shutil.copytree(RENPY_GAME, proj)
        for name, (w, h, rgba) in self.IMAGES.items():
            write_png(os.path.join(proj, "game", name), w, h, rgba)
        tpath, out = tmp("truth.json"), tmp("out.jsonl")
        os.makedirs(tmp("home"), exist_ok=True)
        env = dict(os.environ, DISPLAY=display, LIBGL_ALWAYS_SOFTWARE="1", HOME=tmp("home"),
                   SDL_AUDIODRIVER="dummy", SDL_VIDEODRIVER="x11", PMT_TRUTH=tpath)
        log = open(tmp("renpy.log"), "w")
        self.addCleanup(log.close)
        game = subprocess.Popen([RENPY, proj], env=env, stdout=log, stderr=subprocess.STDOUT,
                                start_new_session=True)
        self.addCleanup(it.stop, game)
        if not it.wait_for(lambda: os.path.exists(tpath) or game.poll() is not None, 45) \
                or game.poll() is not None:
            log.flush()
            with open(tmp("renpy.log")) as f:
                self.fail("Ren'Py wrote no truth in 45 s:\n" + it.tail(f.read(), 20))
        with open(tpath) as f:
            truth = json.load(f)
        tool = attach_for_snapshot(self, tmp, game.pid, out, 30)
        os.kill(tool.pid, signal.SIGINT)
        self.assertEqual(tool.wait(60), 0)
        snap = it.records_of(it.load_jsonl(out), "snapshot")[0]
        self.assertFalse(snap["partial"], snap["partial_reason"])
        have = sorted((a["key"], a["width"], a["height"], a["bytes"], a["loaded_before_attach"])
                      for a in snap["assets"] if a["engine"] == "renpy")
        want = sorted((gl_key("texture", t["number"]), t["width"], t["height"],
                       rgba8_bytes(t["width"], t["height"], t["mipmap"],
                                   truth["max_mipmap_level"]), True)
                      for t in truth["textures"])
        self.assertEqual(have, want)
        # the images shown are among them, mipmapped; the text is not mipmapped
        sizes = {(t["width"], t["height"]) for t in truth["textures"] if t["mipmap"]}
        self.assertTrue({(w, h) for w, h, _ in self.IMAGES.values()} <= sizes, truth)
        self.assertTrue(any(not t["mipmap"] for t in truth["textures"]), truth)


def _add_tests():
    found = it.pyenv_pythons()
    for m in range(8, 14):
        v = "3.%d" % m

        def test(self, v=v, exe=found.get(v)):
            if not exe:
                self.skipTest("pyenv CPython %s not installed (pyenv root: %s)"
                              % (v, it.pyenv_root()))
            if not it.has_sdl2():
                self.skipTest("libSDL2 not found")
            self.check(*self.attach_and_play(exe, "sdl", "pyenv" + v))
        setattr(SnapshotTest, "test_pyenv_%s_ctypes_sdl" % v.replace(".", "_"), test)


_add_tests()
