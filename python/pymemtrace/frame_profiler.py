# SPDX-License-Identifier: BSD-2-Clause
"""Frame memory profiling: FrameMemoryProfiler (in C) and FrameStats."""

from ._pymemtrace import FrameContext, FrameMemoryProfiler, FrameStats

__all__ = ["FrameContext", "FrameMemoryProfiler", "FrameStats"]
