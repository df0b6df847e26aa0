# SPDX-License-Identifier: BSD-2-Clause
"""The enums of pymemtrace's API. The C extension reads them at import and
relies on their order: AssetType follows the C core's asset types, and
EvictionStrategy its eviction orders (the extension checks both)."""

import enum


class AssetType(enum.Enum):
    """What kind of memory an asset is. The same kinds as pmtrace-bpf's asset
    records; aliases name the usual game words for them."""

    SURFACE = "surface"        # images, sprites, render targets in CPU memory
    TEXT = "text"              # surfaces rendered from text
    TEXTURE = "texture"        # GPU textures
    AUDIO = "audio"            # decoded sound effects
    MUSIC = "music"            # streamed music
    FONT = "font"              # loaded font faces
    GPU_BUFFER = "gpu_buffer"  # vertex/index/uniform buffers, meshes on the GPU
    # aliases
    IMAGE = "surface"
    SPRITE = "surface"
    SOUND = "audio"
    MESH = "gpu_buffer"
    BUFFER = "gpu_buffer"


class AssetState(enum.Enum):
    """Where an asset is in its lifecycle (AssetMemoryManager.update_asset_state)."""

    LOADING = "loading"    # registered, being loaded
    LOADED = "loaded"      # ready, not in use
    IN_USE = "in_use"      # used by the game now (each update counts as a use)
    CACHED = "cached"      # kept for reuse, not in use
    UNLOADED = "unloaded"  # released: the registration ends
    EVICTED = "evicted"    # released by a budget's eviction


class EvictionStrategy(enum.Enum):
    """Which assets a budget releases first when it is exceeded."""

    LRU = "lru"            # least recently used
    LFU = "lfu"            # least frequently used
    PRIORITY = "priority"  # lowest priority (higher = keep longer)
    SIZE = "size"          # largest
    AGE = "age"            # registered earliest
    HYBRID = "hybrid"      # weighted score of the five


class Platform(enum.Enum):
    """Where a game runs: the host's OS, or a target family of platform profiles."""

    LINUX = "linux"
    WINDOWS = "windows"
    MACOS = "macos"
    IOS = "ios"
    ANDROID = "android"
    WEB = "web"
    CONSOLE = "console"
    HANDHELD_PC = "handheld_pc"
    PC = "pc"
    UNKNOWN = "unknown"
