# SPDX-License-Identifier: BSD-2-Clause
"""Memory budgets: MemoryBudgetSystem (in C), EvictionStrategy, BudgetViolation."""

from ._enums import EvictionStrategy
from ._pymemtrace import (BudgetCycleError, BudgetViolation, MemoryBudgetSystem,
                          UnknownAssetError, UnknownBudgetError)

__all__ = ["BudgetCycleError", "BudgetViolation", "EvictionStrategy", "MemoryBudgetSystem",
           "UnknownAssetError", "UnknownBudgetError"]
