"""mlflow_golden: record what code leaves in MLflow and compare it with golden JSON files.

The public API is what this package exports (``__all__``), plus the plugin module
``mlflow_golden.plugin`` (its fixtures, markers and options) and the CLI
(``python -m mlflow_golden``); the ``mlflow_golden._*`` modules are private and may change.
A scenario needs only the fixtures (``tracking_store``, ``golden``, ``store_faults``), which the
plugin provides; import the names below to type them::

    from mlflow_golden import Golden, TrackingStore

    def test_sweep(tracking_store: TrackingStore, golden: Golden) -> None:
        golden.check(result=sweep(tracking_store.client))

Importing the package imports no MLflow: the names are loaded on first access, so the plugin
costs a pytest run that does not use it almost nothing.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"
"""The distribution's version (pytest-mlflow-golden); its one source."""

SCHEMA_VERSION = 2
"""Version of the golden snapshot format (the ``schema`` field of every golden file)."""

if TYPE_CHECKING:
    from mlflow_golden._budgets import BudgetCanBeLowered, BudgetNotChecked
    from mlflow_golden._faults import StoreFaults
    from mlflow_golden._golden import Golden
    from mlflow_golden._normalize import HarnessError
    from mlflow_golden._session import GoldenOptionDeprecated
    from mlflow_golden._tracking_store import TrackingStore

_EXPORTS = {
    "Golden": "mlflow_golden._golden",
    "TrackingStore": "mlflow_golden._tracking_store",
    "StoreFaults": "mlflow_golden._faults",
    "BudgetCanBeLowered": "mlflow_golden._budgets",
    "BudgetNotChecked": "mlflow_golden._budgets",
    "HarnessError": "mlflow_golden._normalize",
    "GoldenOptionDeprecated": "mlflow_golden._session",
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
