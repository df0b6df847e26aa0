# SPDX-License-Identifier: BSD-2-Clause
"""Asset memory: AssetMemoryManager (in C), its enums and result types."""

from ._enums import AssetState, AssetType
from ._pymemtrace import AssetMemoryManager, MemoryHeatmap, MemoryLeak, UnknownAssetError

__all__ = ["AssetMemoryManager", "AssetState", "AssetType", "MemoryHeatmap", "MemoryLeak",
           "UnknownAssetError"]
