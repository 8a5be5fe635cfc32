"""Per-test isolation of MLflow's process-global state.

Saves and clears every ``MLFLOW_*`` environment variable, switches telemetry off, points the
tracking URI at the test's store, runs the test inside its temporary directory, and afterwards
ends active runs, resets the active experiment and restores everything, even on failure.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import mlflow
import mlflow.tracking.fluent
from mlflow.tracking._tracking_service import utils as tracking_utils

from mlflow_golden._telemetry import TELEMETRY_OFF_ENV

_logger = logging.getLogger(__name__)
fluent: Any = mlflow.tracking.fluent

@contextmanager
def isolated_environment(extra: Mapping[str, str]) -> Iterator[None]:
    """Clear all ``MLFLOW_*`` env vars, set ``extra`` plus telemetry-off, restore on exit."""
    saved = {k: v for k, v in os.environ.items() if k.startswith("MLFLOW_") or k in TELEMETRY_OFF_ENV}
    for key in list(os.environ):
        if key.startswith("MLFLOW_"):
            del os.environ[key]
    os.environ.update(TELEMETRY_OFF_ENV)
    os.environ.update(extra)
    try:
        yield
    finally:
        for key in list(os.environ):
            if key.startswith("MLFLOW_") or key in TELEMETRY_OFF_ENV:
                del os.environ[key]
        os.environ.update(saved)


def reset_fluent_state() -> None:
    """End every active run (innermost first) and forget the active experiment."""
    for _ in range(100):  # bounded: a broken store must not loop forever
        if mlflow.active_run() is None:
            break
        try:
            mlflow.end_run()
        except Exception:  # the store may be gone or failing; drop the stack entry anyway
            _logger.debug("end_run failed during cleanup", exc_info=True)
            stack = fluent._active_run_stack.get()
            if stack:
                stack.pop()
    fluent._active_experiment_id = None
    fluent._last_active_run_id.set(None)


@contextmanager
def tracking_uri(uri: str) -> Iterator[None]:
    """Point ``mlflow.set_tracking_uri`` (and env MLFLOW_TRACKING_URI) at ``uri`` for the block."""
    previous = tracking_utils._tracking_uri
    mlflow.set_tracking_uri(uri)
    try:
        yield
    finally:
        tracking_utils._tracking_uri = None
        if previous is not None:
            mlflow.set_tracking_uri(previous)


@contextmanager
def working_directory(path: Path) -> Iterator[None]:
    """chdir into ``path`` for the block, so cwd-relative code is deterministic."""
    previous = os.getcwd()
    os.chdir(path)
    try:
        yield
    finally:
        os.chdir(previous)
