# SPDX-License-Identifier: BSD-2-Clause
"""Asset tracking against ground truth: a pygame workload that makes its own
asset files (known dimensions, a WAV in the mixer's format, pygame's font),
loads one file twice, leaks surfaces from a known function, renders text
every frame and blits two images from two known functions (with
--track-use: their use sites and counts, and the orphans); and Debian's
solarwolf, whose image dimensions are read from
its own data files."""
import glob
import json
import os
import struct
import unittest

import pmt_it as it

ASSETS_PYGAME = os.path.join(it.WORKLOADS, "assets_pygame.py")
FRAMES = 300


def last_assets(recs):
    a = it.records_of(recs, "assets")
    return a[-1] if a else None


def image_size(path):
    """(width, height) read from a PNG or GIF header, or None."""
    with open(path, "rb") as f:
        head = f.read(32)
    if head[:8] == b"\x89PNG\r\n\x1a\n":
        return struct.unpack(">II", head[16:24])
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return struct.unpack("<HH", head[6:10])
    return None


class AssetsTest(unittest.TestCase):
    maxDiff = None

    def setUp(self):
        if not os.access(it.DEBIAN_PY, os.X_OK) or not it.has_pygame():
            self.skipTest("pygame not importable by %s" % it.DEBIAN_PY)

    def test_planted_assets(self):
        tmp = it.Tmp("assets")
        self.addCleanup(tmp.cleanup)
        out, truth_path, root = tmp("out.jsonl"), tmp("truth.json"), tmp.mkdir("root")
        cmd = [it.TOOL, "--quiet", "--interval", "1", "--top", "50", "--json", out, "--",
               it.DEBIAN_PY, ASSETS_PYGAME, "--frames", str(FRAMES), "--root", root,
               "--truth", truth_path]
        rc, sout, serr = it.run(cmd, timeout=120)
        self.assertEqual(rc, 0, it.describe(rc, sout, serr))
        with open(truth_path) as f:
            truth = json.load(f)
        recs = it.load_jsonl(out)
        final = last_assets(recs)
        self.assertIsNotNone(final, "no assets record")
        self.assertEqual(final["scope"], "final")
        bad = []
        top = final["top"]

        def find(pred):
            return [a for a in top if pred(a)]

        for rel, img in truth["images"].items():
            w, h, pitch = img["real"]
            path = os.path.join(truth["root"], rel)
            got = find(lambda a: a["path"] == path and a["type"] == "surface")
            want = 2 if rel == truth["duplicate"] else 1
            if len(got) != want:
                bad.append("%s: %d surfaces in top, expected %d" % (rel, len(got), want))
                continue
            for a in got:
                if (a["width"], a["height"], a["bytes"]) != (w, h, h * pitch):
                    bad.append("%s: %sx%s %s bytes, truth %dx%d %d bytes" % (
                        rel, a["width"], a["height"], a["bytes"], w, h, h * pitch))
                if not a["site"].startswith("main"):
                    bad.append("%s: loaded by %r, expected main()" % (rel, a["site"]))
        snd = find(lambda a: a["type"] == "audio")
        if len(snd) != 1 or snd[0]["path"] != truth["sound"]["path"] or \
                snd[0]["bytes"] != truth["sound"]["real_bytes"]:
            bad.append("audio: %r, truth %r" % (snd, truth["sound"]))
        font = find(lambda a: a["type"] == "font" and a["path"] == truth["font"]["path"])
        if len(font) != 1 or font[0]["bytes"] != truth["font"]["bytes"]:
            bad.append("font: %r, truth %r" % (font, truth["font"]))

        dups = [d for d in final["duplicates"]
                if d["path"] == os.path.join(truth["root"], truth["duplicate"])]
        if len(dups) != 1 or dups[0]["copies"] != 2:
            bad.append("duplicates: %r" % final["duplicates"])

        leak = truth["leak"]
        site = "%s (%s:%d)" % (leak["function"], leak["file"], leak["line"])
        leaks = [lk for lk in final["leaks"] if lk["site"] == site]
        if len(leaks) != 1:
            bad.append("leak site %r not reported; leaks: %r" % (site, final["leaks"]))
        elif leaks[0]["live"] != leak["count"] or \
                leaks[0]["live_bytes"] != leak["count"] * leak["bytes_each"]:
            bad.append("leak %r, truth %d live x %d bytes" % (leaks[0], leak["count"],
                                                              leak["bytes_each"]))

        text = final["by_type"]["text"]
        frames = it.records_of(recs, "final")[0]["frames"]
        rate = text["churn"] / float(frames)
        if not 0.95 <= rate <= 1.05:
            bad.append("text churn %.3f a frame, truth 1 (%r)" % (rate, text))
        if bad:
            self.fail("%d mismatches:\n  %s" % (len(bad), "\n  ".join(bad)))

    def test_use_sites(self):
        tmp = it.Tmp("assets_use")
        self.addCleanup(tmp.cleanup)
        out, truth_path, root = tmp("out.jsonl"), tmp("truth.json"), tmp.mkdir("root")
        cmd = [it.TOOL, "--track-use", "--interval", "1", "--top", "50", "--json", out, "--",
               it.DEBIAN_PY, ASSETS_PYGAME, "--frames", "200", "--root", root,
               "--truth", truth_path]
        rc, sout, serr = it.run(cmd, timeout=120)
        self.assertEqual(rc, 0, it.describe(rc, sout, serr))
        with open(truth_path) as f:
            truth = json.load(f)
        final = last_assets(it.load_jsonl(out))
        self.assertIsNotNone(final, "no assets record")
        bad = []
        by_path = {}
        for a in final["top"]:
            by_path.setdefault(a["path"], []).append(a)
        sites = {u["site"]: u for u in final["use_sites"] or []}
        for rel, use in truth["uses"].items():
            site = "%s (%s:%d)" % (use["function"], use["file"], use["line"])
            got = by_path.get(os.path.join(truth["root"], rel), [])
            if len(got) != 1:
                bad.append("%s: %d assets in top" % (rel, len(got)))
                continue
            a = got[0]
            want = [{"site": site, "uses": use["count"]}]
            if a["use_sites"] != want or a["use_sites_other"] != 0 or \
                    a["uses"] != use["count"]:
                bad.append("%s: uses %r, use_sites %r + %r other; truth %r" % (
                    rel, a["uses"], a["use_sites"], a["use_sites_other"], want))
            s = sites.get(site)
            if not s or s["uses"] != use["count"] or s["live_assets"] != 1 or \
                    s["live_bytes"] != a["bytes"] or s["by_type"] != {"surface": use["count"]}:
                bad.append("use site %r: %r, truth %d uses of %d bytes" % (
                    site, s, use["count"], a["bytes"]))
        orphans = {o["path"] for o in final["orphans"]}
        for rel in truth["never_used"]:
            path = os.path.join(truth["root"], rel)
            if path not in orphans:
                bad.append("%s: not an orphan (%r)" % (rel, by_path.get(path)))
            for a in by_path.get(path, []):
                if a["use_sites"] != [] or a["uses"] != 0:
                    bad.append("%s: used %r" % (rel, a))
        for rel in truth["uses"]:
            if os.path.join(truth["root"], rel) in orphans:
                bad.append("%s: an orphan" % rel)
        if "used  :" not in sout or "draw_ship (assets_pygame.py:" not in sout:
            bad.append("text report without use sites:\n%s" % sout[-2000:])
        if bad:
            self.fail("%d mismatches:\n  %s" % (len(bad), "\n  ".join(bad)))

    def test_solarwolf(self):
        game = "/usr/games/solarwolf"
        data = "/usr/share/games/solarwolf/data"
        if not os.access(game, os.X_OK):
            self.skipTest("solarwolf not installed")
        tmp = it.Tmp("solarwolf")
        self.addCleanup(tmp.cleanup)
        out = tmp("out.jsonl")
        cmd = [it.TOOL, "--quiet", "--duration", "6", "--top", "50", "--json", out, "--", game]
        rc, sout, serr = it.run(cmd, timeout=60)
        self.assertEqual(rc, 0, it.describe(rc, sout, serr))
        final = last_assets(it.load_jsonl(out))
        self.assertIsNotNone(final, "no assets record")
        imgs = [a for a in final["files"] if a["type"] == "surface"
                and a["path"].endswith((".png", ".gif"))]
        self.assertGreaterEqual(len(imgs), 10, "image files loaded: %r" % final["files"][:5])
        bad = []
        for a in imgs:
            path = a["path"]
            if not path.startswith(data) or not os.path.exists(path):
                bad.append("%s: no such file" % a["path"])
                continue
            w, h = image_size(path)
            if (a["width"], a["height"]) != (w, h) or a["bytes"] < w * h or a["loads"] < 1:
                bad.append("%s: %sx%s %s bytes, file says %dx%d" % (
                    a["path"], a["width"], a["height"], a["bytes"], w, h))
        if bad:
            self.fail("\n  ".join(bad))
        by = final["by_type"]
        self.assertGreater(by["audio"]["loads"], 0, "no sound loaded: %r" % by)
        self.assertGreater(by["font"]["loads"], 0, "no font loaded: %r" % by)
        fonts = [a for a in final["files"] if a["type"] == "font"]
        self.assertTrue(fonts, "no font file held")
        for a in fonts:
            if os.path.exists(a["path"]):
                self.assertEqual(a["bytes"], os.path.getsize(a["path"]), a)
        sounds = [a for a in final["files"] if a["type"] == "audio"]
        self.assertTrue(sounds, "no sound file held")
        for a in sounds:  # decoded samples
            self.assertTrue(os.path.exists(a["path"]), a)
            self.assertGreater(a["bytes"], 0, a)
