# SPDX-License-Identifier: BSD-2-Clause
"""PlatformMemoryMonitor: the specification's example as written, checked against
the platform data file and /proc; fit, banks and advice on planted footprints."""

import json
import os
import resource
import sys

import pytest

from conftest import MIB, ROOT, run_example
from spec_examples import PLATFORM_MONITORING

import pymemtrace
from pymemtrace import AssetMemoryManager, PlatformMemoryMonitor
from pymemtrace.asset_manager import AssetType
from pymemtrace.platform_monitor import Platform

with open(os.path.join(ROOT, "data", "platforms.json")) as f:
    PROFILES = {p["id"]: p for p in json.load(f)["profiles"]}


def meminfo():
    vals = {}
    with open("/proc/meminfo") as f:
        for line in f:
            k, v = line.split(":")
            vals[k] = int(v.split()[0]) * 1024
    return vals


def test_platform_monitoring_example():
    ns = {}
    printed = run_example(PLATFORM_MONITORING, ns)
    status = ns["status"]
    lines = printed.splitlines()
    host = {"linux": Platform.LINUX, "darwin": Platform.MACOS, "win32": Platform.WINDOWS}
    assert status.platform is host[sys.platform if sys.platform != "linux2" else "linux"]
    assert lines[0] == f"Platform: {status.platform.value}"
    m = meminfo()
    truth = 100.0 * (m["MemTotal"] - m["MemAvailable"]) / m["MemTotal"]
    shown = float(lines[1].split(": ")[1].rstrip("%"))
    assert abs(shown - truth) < 5.0  # the machine is shared: memory moves
    assert lines[2] == f"Critical: {status.is_critical}"
    assert status.is_critical == (status.memory_percentage >= 90.0)
    i = 3
    if status.recommendations:
        assert lines[3] == "Recommendations:"
        assert lines[4:4 + len(status.recommendations)] == [f"  - {r}" for r in status.recommendations]
        i = 4 + len(status.recommendations)
    needed = [l.split(":")[0] for l in lines[i:] if l.endswith(": Optimization needed")]
    compat = ns["compatibility"]
    assert set(compat) == set(PROFILES)
    assert needed == [pid for pid, c in compat.items() if not c["meets_recommended"]]
    # single-bank profiles from the data: over their recommended target means "needed"
    for pid, p in PROFILES.items():
        if len(p["banks"]) == 1 and p.get("recommended_bytes"):
            assert (pid in needed) == (status.process_memory > p["recommended_bytes"]), pid
    guide_line = [l for l in lines if l.startswith("Recommended texture formats: ")][0]
    tier = status.profile
    assert guide_line == f"Recommended texture formats: {PROFILES[tier]['texture_formats']}"
    assert lines[-1] == f"Memory techniques: {PROFILES[tier]['techniques']}"
    assert tier in ("pc-low-8gb", "pc-mid-16gb", "pc-high-32gb")


def test_planted_footprints():
    mon = PlatformMemoryMonitor()
    # 200 MiB on a PS3: within the main bank's 213 MiB for games, above its target
    c = mon.estimate_platform_compatibility(200 * MIB, platforms=["ps3", "switch", "wii"])
    assert set(c) == {"ps3", "switch", "wii"}
    assert c["ps3"]["verdict"] == "fits" and c["ps3"]["fits"] and not c["ps3"]["meets_recommended"]
    main = [b for b in c["ps3"]["banks"] if b["name"].startswith("XDR")][0]
    assert main["used_bytes"] == 200 * MIB
    assert c["switch"]["meets_recommended"]
    assert c["switch"]["headroom_bytes"] == PROFILES["switch"]["game_available_bytes"] - 200 * MIB
    assert c["wii"]["verdict"] == "over" and not c["wii"]["fits"]
    assert c["wii"]["over_bytes"] == 200 * MIB - PROFILES["wii"]["game_available_bytes"]
    with pytest.raises(ValueError):
        mon.estimate_platform_compatibility(-1)
    with pytest.raises(ValueError):
        mon.estimate_platform_compatibility(1, platforms=["gameboy"])


def test_target_profile_status_and_banks():
    am = AssetMemoryManager()
    am.register_asset("vram_hog", AssetType.TEXTURE, size=100 * MIB)
    mon = PlatformMemoryMonitor(target="ps3", asset_manager=am)
    st = mon.get_current_status()
    assert st.platform is Platform.CONSOLE and st.profile == "ps3"
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    assert abs(st.peak_memory - peak) < 16 * MIB
    assert st.limit == PROFILES["ps3"]["game_available_bytes"]
    assert st.memory_percentage == pytest.approx(100.0 * st.peak_memory / st.limit)
    banks = {b["name"]: b for b in mon.get_memory_banks()}
    video = [b for n, b in banks.items() if n.startswith("GDDR3")][0]
    assert video["used_bytes"] == 100 * MIB and "textures" in video["holds"]
    assert st.recommendations  # the profile's advice
    g = mon.get_platform_optimization_guide()
    assert g["platform"] == "ps3" and g["texture_formats"] == PROFILES["ps3"]["texture_formats"]
    assert g["memory_techniques"] == PROFILES["ps3"]["techniques"]
    assert len(g["memory_banks"]) == 2


def test_critical_and_callbacks():
    mon = PlatformMemoryMonitor(critical_threshold=0.001)  # any use is critical
    hits = []
    mon.add_critical_callback(hits.append)
    st = mon.get_current_status()
    assert st.is_critical and hits == [st]
    assert "system's memory" in st.recommendations[0]
    mon.get_current_status()
    assert len(hits) == 1  # only when it turns critical
    tiny = PlatformMemoryMonitor(target="wii")  # 72 MiB for a game
    if resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 > PROFILES["wii"]["game_available_bytes"]:
        assert tiny.get_current_status().is_critical
        assert tiny.get_current_status().verdict == "over"
    cached = PlatformMemoryMonitor(update_interval=60)
    assert cached.get_current_status() is cached.get_current_status()


def test_bad_input():
    with pytest.raises(ValueError):
        PlatformMemoryMonitor(target="gameboy")
    with pytest.raises(ValueError):
        PlatformMemoryMonitor(critical_threshold=0)
    with pytest.raises(TypeError):
        PlatformMemoryMonitor(asset_manager=object())
    mon = PlatformMemoryMonitor()
    with pytest.raises(ValueError):
        mon.get_memory_banks("nope")
    assert set(mon.get_platforms()) == set(PROFILES)
    assert "meets_recommended" in PlatformMemoryMonitor.estimate_platform_compatibility.__doc__
