# SPDX-License-Identifier: BSD-2-Clause
"""Object pools: ObjectPoolAnalyzer and ObjectPool (in C)."""

from ._pymemtrace import ObjectPool, ObjectPoolAnalyzer, PoolReleaseError, UnknownPoolError

__all__ = ["ObjectPool", "ObjectPoolAnalyzer", "PoolReleaseError", "UnknownPoolError"]
