"""The compute budget: ``smoke`` (tests, seconds) or ``full`` (what students run).

One environment variable, ``DLCOURSE_BUDGET``, chooses it. A notebook reads it once,
``SMOKE = is_smoke()``, and then picks every size in plain sight, for example
``EPOCHS = 1 if SMOKE else 10``.
"""

from __future__ import annotations

import os
from typing import Literal

BUDGET_ENV = "DLCOURSE_BUDGET"
BUDGETS = ("smoke", "full")
Budget = Literal["smoke", "full"]


class BudgetError(ValueError):
    """The budget variable holds something other than ``smoke`` or ``full``."""


def budget() -> Budget:
    """Return the budget named by ``DLCOURSE_BUDGET`` (default ``full``)."""
    raw = os.environ.get(BUDGET_ENV, "full")
    value = raw.strip().lower() or "full"
    if value not in BUDGETS:
        raise BudgetError(
            f"{BUDGET_ENV}={raw!r} is not a budget I know. Use {BUDGET_ENV}=smoke for a "
            f"quick test run or {BUDGET_ENV}=full (the default) for the real lesson, "
            "or unset the variable."
        )
    return value  # type: ignore[return-value]


def is_smoke() -> bool:
    """True when the notebook should run in its tiny test configuration."""
    return budget() == "smoke"
