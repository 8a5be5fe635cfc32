"""mlflow_golden: record what code leaves in MLflow and compare it with golden JSON files.

The public API is what this package exports (``__all__``); every submodule is internal and may
change. A scenario needs only the fixtures (``tracking_store``, ``golden``, ``store_faults``),
which the pytest plugin provides; import the names below to type them::

    from mlflow_golden import Golden, TrackingStore

    def test_sweep(tracking_store: TrackingStore, golden: Golden) -> None:
        golden.check(result=sweep(tracking_store.client))

Importing the package imports no MLflow: the names are loaded on first access, so the plugin
costs a pytest run that does not use it almost nothing.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

SCHEMA_VERSION = 1
"""Version of the golden snapshot format (the ``schema`` field of every golden file)."""

if TYPE_CHECKING:
    from mlflow_golden.budgets import BudgetCanBeLowered, BudgetNotChecked
    from mlflow_golden.faults import StoreFaults
    from mlflow_golden.golden import Golden
    from mlflow_golden.normalize import HarnessError
    from mlflow_golden.session import GoldenOptionDeprecated
    from mlflow_golden.tracking_store import TrackingStore

_EXPORTS = {
    "Golden": "mlflow_golden.golden",
    "TrackingStore": "mlflow_golden.tracking_store",
    "StoreFaults": "mlflow_golden.faults",
    "BudgetCanBeLowered": "mlflow_golden.budgets",
    "BudgetNotChecked": "mlflow_golden.budgets",
    "HarnessError": "mlflow_golden.normalize",
    "GoldenOptionDeprecated": "mlflow_golden.session",
}

__all__ = [
    "SCHEMA_VERSION",
    "BudgetCanBeLowered",
    "BudgetNotChecked",
    "Golden",
    "GoldenOptionDeprecated",
    "HarnessError",
    "StoreFaults",
    "TrackingStore",
]


def __getattr__(name: str) -> Any:
    """Load a public name on first access (PEP 562)."""
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
