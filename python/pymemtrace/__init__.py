# SPDX-License-Identifier: BSD-2-Clause
"""pymemtrace: memory profiling for Python games, in-process.

Frames (memory per frame, spikes, which drops memory caused), assets (load to
free, heatmaps, leaks, reference cycles), object pools, hierarchical budgets
with eviction, and platform fit, measured inside the game with no privilege
on Linux, macOS and Windows. The classes live in the C extension
pymemtrace._pymemtrace, built on the same C core as the pmtrace-bpf tool;
the submodules (frame_profiler, asset_manager, object_pool, budget_system,
platform_monitor) re-export them with their enums. See docs/python-api.md.
"""

from ._enums import AssetState, AssetType, EvictionStrategy, Platform
from ._load import Run, load
from ._pymemtrace import (
    AssetMemoryManager,
    BudgetViolation,
    FrameContext,
    FrameMemoryProfiler,
    FrameStats,
    MemoryBudgetSystem,
    MemoryHeatmap,
    MemoryLeak,
    ObjectPool,
    ObjectPoolAnalyzer,
    PlatformMemoryMonitor,
    PlatformStatus,
    PyMemTraceError,
    UnknownAssetError,
    UnknownBudgetError,
    UnknownPoolError,
    BudgetCycleError,
    PoolReleaseError,
    TraceFileError,
    allocator_stats,
    install_allocator_hooks,
    os_name,
    remove_allocator_hooks,
)

__version__ = "0.1.0"

__all__ = [
    "AssetState", "AssetType", "EvictionStrategy", "Platform",
    "AssetMemoryManager", "BudgetViolation", "FrameContext", "FrameMemoryProfiler", "FrameStats",
    "MemoryBudgetSystem", "MemoryHeatmap", "MemoryLeak", "ObjectPool", "ObjectPoolAnalyzer",
    "PlatformMemoryMonitor", "PlatformStatus",
    "PyMemTraceError", "UnknownAssetError", "UnknownBudgetError", "UnknownPoolError",
    "BudgetCycleError", "PoolReleaseError", "TraceFileError", "Run", "load",
    "allocator_stats", "install_allocator_hooks", "remove_allocator_hooks", "os_name",
]
