"""Deterministic clock, run names and experiment ids inside a test.

MLflow reads its millisecond clock through ``get_current_time_millis`` imported by name into
several modules, so the counter is patched where it is looked up. Generated run names come from
``_generate_random_name`` (file and sqlalchemy stores); file-store experiment ids come from
``_generate_unique_integer_id`` and are made sequential (1, 2, ...) like sqlite's, so raw
experiment ids are the same on every backend. The server generates names in its own process:
normalization renames those robustly (see recorder and normalize).
"""

from __future__ import annotations

import importlib
import itertools
import sys
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from typing import Any

from mlflow_golden._sql_store import SQL_MODULES

#: First value of the fake clock (2023-11-14T22:13:20Z): realistic, fixed, in milliseconds.
CLOCK_START_MS = 1_700_000_000_000

#: Modules that bind ``get_current_time_millis`` by name and take client-side or store times.
CLOCK_MODULES = (
    "mlflow.utils.time",
    "mlflow.tracking._tracking_service.client",
    "mlflow.tracking.client",
    "mlflow.tracking.fluent",
    "mlflow.store.tracking.file_store",
    "mlflow.store.tracking.sqlalchemy_store",
    "mlflow.store.tracking.dbmodels.models",
)
NAME_MODULES = ("mlflow.store.tracking.file_store", "mlflow.store.tracking.sqlalchemy_store")
EXPERIMENT_ID_MODULES = ("mlflow.store.tracking.file_store",)


class Counter:
    """A monotonically increasing counter used as a clock or a name/id source."""

    def __init__(self, start: int) -> None:
        self._numbers = itertools.count(start)

    def next(self) -> int:
        return next(self._numbers)


@contextmanager
def _patched(
    module_names: tuple[str, ...], attribute: str, replacement: Callable[..., Any]
) -> Iterator[None]:
    saved: list[tuple[Any, Any]] = []
    try:
        for name in module_names:
            # The SQL store is patched where loaded, never imported for it (see _sql_store).
            module = sys.modules.get(name) if name in SQL_MODULES else importlib.import_module(name)
            if module is not None and hasattr(module, attribute):
                saved.append((module, getattr(module, attribute)))
                setattr(module, attribute, replacement)
        yield
    finally:
        for module, original in reversed(saved):
            setattr(module, attribute, original)


@contextmanager
def deterministic() -> Iterator[None]:
    """Patch MLflow's clock, run-name generator and file-store experiment ids for the block."""
    clock = Counter(CLOCK_START_MS)
    names = Counter(1)
    experiment_ids = Counter(1)

    def fake_time_millis() -> int:
        return clock.next()

    def fake_random_name(*_args: Any, **_kwargs: Any) -> str:
        return f"generated-{names.next()}"

    def fake_experiment_id() -> int:
        return experiment_ids.next()

    with ExitStack() as stack:
        stack.enter_context(_patched(CLOCK_MODULES, "get_current_time_millis", fake_time_millis))
        stack.enter_context(_patched(NAME_MODULES, "_generate_random_name", fake_random_name))
        stack.enter_context(
            _patched(EXPERIMENT_ID_MODULES, "_generate_unique_integer_id", fake_experiment_id)
        )
        yield
