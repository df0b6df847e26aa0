# SPDX-License-Identifier: BSD-2-Clause
"""AssetMemoryManager: the specification's example as written, sizes from real
objects, heatmaps, leaks of every kind (planted), systems, duplicates, errors."""

import array
import gc
import os
import re
import time

import pytest

from conftest import MIB, run_example
from spec_examples import ASSET_MANAGEMENT

import pymemtrace
from pymemtrace import AssetMemoryManager, MemoryHeatmap, UnknownAssetError
from pymemtrace.asset_manager import AssetState, AssetType

try:
    os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
    import pygame
except ImportError:  # pyenv builds have no pygame
    pygame = None


def make_texture(w, h):
    """A real RGBA image: a pygame surface when pygame exists, else its bytes."""
    if pygame is not None:
        return pygame.Surface((w, h), pygame.SRCALPHA, 32)
    return bytearray(w * h * 4)


def test_asset_management_example():
    loaded = []

    def load_texture(path):
        tex = make_texture(1024, 1024)
        loaded.append(tex)
        return tex

    # The example uses AssetState without importing it: the test supplies it.
    ns = {"load_texture": load_texture, "AssetState": AssetState}
    printed = run_example(ASSET_MANAGEMENT, ns)
    lines = printed.splitlines()
    assert lines[0] == "Total asset memory: 4.0MB"
    assert lines[1] == "Top memory users: [('player_texture', 4194304)]"
    assert len(lines) == 2  # no leaks: the texture is alive, used, and in no cycle
    m = ns["asset_manager"]
    assert m.get_asset_info("player_texture")["state"] is AssetState.IN_USE
    assert m.get_asset_info("player_texture")["uses"] == 1


@pytest.mark.skipif(pygame is None, reason="pygame is not installed for this interpreter")
def test_pygame_surface_sizes():
    m = AssetMemoryManager()
    s24 = pygame.Surface((101, 50), 0, 24)   # rows padded to a 4-byte pitch
    s8 = pygame.Surface((33, 7), 0, 8)
    assert m.register_asset("s24", AssetType.SURFACE, s24) == s24.get_pitch() * 50
    assert s24.get_pitch() >= 303
    assert m.register_asset("s8", AssetType.SURFACE, s8) == s8.get_pitch() * 7
    # the object wins over metadata that disagrees
    assert m.register_asset("s", AssetType.SURFACE, pygame.Surface((10, 10), pygame.SRCALPHA, 32),
                            metadata={"width": 1000, "height": 1000}) == 400
    del s24, s8
    gc.collect()
    kinds = {(l.kind, l.asset_id) for l in m.detect_memory_leaks(cycles=False)}
    assert ("collected", "s24") in kinds and ("collected", "s8") in kinds


def test_sizes():
    m = AssetMemoryManager()
    snd = b"x" * 1234
    arr = array.array("d", [0.0] * 1000)
    view = memoryview(bytearray(300))[100:]

    class NBytes:
        nbytes = 777
    nb = NBytes()
    assert m.register_asset("b", AssetType.AUDIO, snd) == 1234
    assert m.register_asset("arr", AssetType.GPU_BUFFER, arr) == 8000
    assert m.register_asset("mv", "gpu_buffer", view) == 200
    assert m.register_asset("nb", AssetType.MESH, nb) == 777
    assert m.register_asset("rgb", AssetType.TEXTURE,
                            metadata={"width": 100, "height": 10, "format": "RGB"}) == 3000
    assert m.register_asset("dxt", AssetType.TEXTURE,
                            metadata={"width": 256, "height": 256, "format": "DXT1"}) == 32768
    assert m.register_asset("mip", AssetType.TEXTURE,
                            metadata={"width": 256, "height": 256, "format": "BC7",
                                      "mipmaps": True}) == 65536 + 65536 // 3
    assert m.register_asset("arr3d", AssetType.TEXTURE,
                            metadata={"width": 16, "height": 16, "layers": 6}) == 16 * 16 * 6 * 4
    assert m.register_asset("explicit", AssetType.FONT, b"abc", size=5000) == 5000
    assert m.register_asset("meta_size", AssetType.MUSIC, metadata={"size": 42}) == 42
    assert m.register_asset("nothing", AssetType.FONT) == 0
    total = 1234 + 8000 + 200 + 777 + 3000 + 32768 + 65536 + 65536 // 3 + 6144 + 5000 + 42
    assert m.total_memory == total
    assert m.asset_count == 11 == len(m)
    assert AssetType.SOUND is AssetType.AUDIO and AssetType.MESH is AssetType.GPU_BUFFER
    info = m.get_asset_info("mv")
    assert info["type"] is AssetType.GPU_BUFFER and info["size"] == 200 and info["held"] == "weak"
    # an object freed while registered leaves the totals at once (weakly held)
    del arr
    assert m.total_memory == total - 8000 and m.asset_count == 10 and len(m) == 11


def test_bad_input_keeps_state():
    m = AssetMemoryManager()
    m.register_asset("a", AssetType.TEXTURE, size=10)
    before = (m.total_memory, m.asset_count)
    with pytest.raises(ValueError):
        m.register_asset("neg", AssetType.TEXTURE, size=-1)
    with pytest.raises(ValueError):
        m.register_asset("fmt", AssetType.TEXTURE, metadata={"width": 4, "height": 4, "format": "PNG"})
    with pytest.raises(ValueError):
        m.register_asset("negmeta", AssetType.TEXTURE, metadata={"width": -4, "height": 4})
    with pytest.raises(ValueError):
        m.register_asset("a", AssetType.TEXTURE, size=10)  # already registered
    with pytest.raises(ValueError):
        m.register_asset("t", "hologram", size=1)
    with pytest.raises(TypeError):
        m.register_asset("t", 3, size=1)
    with pytest.raises(TypeError):
        m.register_asset(["unhashable"], AssetType.TEXTURE, size=1)
    for call in (lambda: m.unregister_asset("zz"), lambda: m.update_asset_state("zz", AssetState.LOADED),
                 lambda: m.use_asset("zz"), lambda: m.get_asset_info("zz"),
                 lambda: m.acquire_asset("zz", "ai"), lambda: m.get_asset_references("zz")):
        with pytest.raises(UnknownAssetError):
            call()
    with pytest.raises(KeyError):  # UnknownAssetError is a KeyError too
        m.unregister_asset("zz")
    with pytest.raises(ValueError):
        m.release_asset("a", "physics")  # never acquired
    assert (m.total_memory, m.asset_count) == before
    assert m.unregister_asset("a") == 10
    with pytest.raises(UnknownAssetError):
        m.unregister_asset("a")
    assert m.total_memory == 0 and m.asset_count == 0


def test_heatmap_by_type_state_and_top():
    m = AssetMemoryManager()
    sizes = {}
    for i in range(12000):  # 10,000+ assets
        t = (AssetType.TEXTURE, AssetType.AUDIO, AssetType.FONT)[i % 3]
        sizes[f"a{i}"] = (i * 7919) % 100003 + 1
        m.register_asset(f"a{i}", t, size=sizes[f"a{i}"])
    m.update_asset_state("a5", AssetState.CACHED)
    m.update_asset_state("a6", AssetState.UNLOADED)  # ends the registration
    del sizes["a6"]
    h = m.get_memory_heatmap(top_n=10)
    assert isinstance(h, MemoryHeatmap)
    assert h.total_memory == sum(sizes.values()) and h.asset_count == len(sizes)
    want = sorted(sizes.items(), key=lambda kv: (-kv[1], int(kv[0][1:])))[:10]
    assert h.hotspots == want
    by_type = {t: 0 for t in (AssetType.TEXTURE, AssetType.AUDIO, AssetType.FONT)}
    for k, v in sizes.items():
        by_type[(AssetType.TEXTURE, AssetType.AUDIO, AssetType.FONT)[int(k[1:]) % 3]] += v
    assert h.by_type == by_type
    assert h.by_state == {AssetState.LOADED: sum(sizes.values()) - sizes["a5"],
                          AssetState.CACHED: sizes["a5"]}
    assert h.count_by_type[AssetType.FONT] == 4000
    assert h.top_assets[0]["asset_id"] == want[0][0]
    assert "texture" in str(h) and "#1 " in str(h)


def test_leaks_of_each_kind():
    m = AssetMemoryManager(unused_threshold=3600)

    class Sprite:
        pass

    keep = Sprite()
    gone = Sprite()
    m.register_asset("kept", AssetType.SURFACE, keep, size=100)
    m.register_asset("gone", AssetType.SURFACE, gone, size=200)
    raw = bytearray(300)  # not weakly referenceable: held strongly
    m.register_asset("raw", AssetType.AUDIO, raw)
    # a known cycle through objects that are not assets: a -> list -> b -> dict -> c -> a
    a, b, c = Sprite(), Sprite(), Sprite()
    a.children = [b]
    b.meta = {"next": c}
    c.owner = a
    d = Sprite()
    d.ref = a  # refers into the cycle, not part of it
    for name, o in (("a", a), ("b", b), ("c", c), ("d", d)):
        m.register_asset(name, AssetType.SURFACE, o, size=10)
    del o
    assert m.find_reference_cycles() == [["a", "b", "c"]]
    del gone, raw
    gc.collect()
    leaks = m.detect_memory_leaks()
    by = {(l.kind, l.asset_id): l for l in leaks}
    assert by[("collected", "gone")].size == 200
    assert by[("unreferenced", "raw")].size == 300
    cyc = by[("cycle", "a")]
    assert cyc.cycle == ("a", "b", "c") and cyc.size == 30
    assert cyc.detail == "reference cycle: 'a' -> 'b' -> 'c' -> 'a'"
    assert not any(k == "unused" for k, _ in by)
    assert ("cycle", "d") not in by and not any(i == "kept" for _, i in by)
    # the cycle becomes garbage once the game drops it: collected, not cycles
    del a, b, c, d
    leaks = m.detect_memory_leaks()
    kinds = {(l.kind, l.asset_id) for l in leaks}
    assert {("collected", n) for n in "abcd"} <= kinds
    assert not any(k == "cycle" for k, _ in kinds)
    # unused: kept was never used since registration
    time.sleep(0.05)
    m.use_asset("kept", system="renderer")
    leaks = m.detect_memory_leaks(unused_seconds=0.02, collect=False, cycles=False)
    assert not any(l.kind == "unused" and l.asset_id == "kept" for l in leaks)
    time.sleep(0.05)
    leaks = m.detect_memory_leaks(unused_seconds=0.02, collect=False, cycles=False)
    unused = [l for l in leaks if l.kind == "unused"]
    assert [l.asset_id for l in unused] == ["kept"]
    assert re.search(r"'kept' not used for [\d.]+ s \(1 uses in all\)", unused[0].detail)


def load_level(m, level, n):
    for i in range(n):
        m.register_asset(f"L{level}_{i}", AssetType.TEXTURE, size=1000)  # the leaking line


def test_leaking_load_site():
    m = AssetMemoryManager()
    site_leaks = []
    for level in range(4):
        load_level(m, level, 5)  # never unloaded
        site_leaks = [l for l in m.detect_memory_leaks(collect=False, cycles=False)
                      if l.kind == "load_site"]
    assert len(site_leaks) == 1
    assert site_leaks[0].size == 20 * 1000
    assert "load_level" in site_leaks[0].site and "test_assets.py" in site_leaks[0].site
    # a site that unloads what it loaded is not reported
    m2 = AssetMemoryManager()
    for level in range(4):
        load_level(m2, level, 5)
        for i in range(5):
            m2.unregister_asset(f"L{level}_{i}")
        assert not [l for l in m2.detect_memory_leaks(collect=False, cycles=False)
                    if l.kind == "load_site"]


def test_systems_and_references():
    m = AssetMemoryManager()
    m.register_asset("hero", AssetType.TEXTURE, size=4096)
    m.register_asset("boom", AssetType.AUDIO, size=100)
    assert m.acquire_asset("hero", "renderer") == 1
    assert m.acquire_asset("hero", "renderer") == 2
    assert m.acquire_asset("hero", "physics") == 3
    assert m.acquire_asset("boom", "audio") == 1
    assert m.release_asset("hero", "renderer") == 2
    assert m.get_asset_references("hero") == {"renderer": 1, "physics": 1}
    for _ in range(3):
        m.use_asset("boom", system="audio")
    usage = {u["system"]: u for u in m.get_system_usage()}
    assert usage["audio"]["uses"] == 4 and usage["audio"]["live_bytes"] == 100
    assert usage["renderer"]["uses"] == 2 and usage["renderer"]["live_bytes"] == 4096
    assert usage["renderer"]["by_type"] == {AssetType.TEXTURE: 2}
    assert m.release_asset("hero", "physics") == 1
    with pytest.raises(ValueError):
        m.release_asset("hero", "physics")
    assert m.get_asset_references("hero") == {"renderer": 1}


def test_duplicates():
    m = AssetMemoryManager()
    m.register_asset("tree1", AssetType.TEXTURE, size=1000, path="art/tree.png")
    m.register_asset("tree2", AssetType.TEXTURE, size=1000, metadata={"path": "art/tree.png"})
    m.register_asset("rock", AssetType.TEXTURE, size=1000, path="art/rock.png")
    assert m.find_duplicates() == [{"path": "art/tree.png", "type": AssetType.TEXTURE,
                                    "copies": 2, "bytes": 2000, "wasted_bytes": 1000}]


def test_help_shows_docs():
    assert "pitch x height" in AssetMemoryManager.register_asset.__doc__
    assert "collected" in AssetMemoryManager.detect_memory_leaks.__doc__
    assert AssetMemoryManager.__doc__ and pymemtrace.FrameMemoryProfiler.__doc__
