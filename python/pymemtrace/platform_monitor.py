# SPDX-License-Identifier: BSD-2-Clause
"""Platform memory: PlatformMemoryMonitor (in C), Platform, PlatformStatus."""

from ._enums import Platform
from ._pymemtrace import PlatformMemoryMonitor, PlatformStatus

__all__ = ["Platform", "PlatformMemoryMonitor", "PlatformStatus"]
