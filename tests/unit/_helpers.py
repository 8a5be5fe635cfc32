"""Helpers shared by several unit test modules (import as ``unit._helpers``).

Fixtures live in conftest.py; these are plain functions and constants the tests call themselves.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Dict

import mlflow
import pytest
from mlflow.entities import Run
from mlflow.tracking import MlflowClient
from mlflow.tracking._tracking_service import utils as tracking_utils

#: The tag MLflow reads to link a child run to its parent.
PARENT_TAG = "mlflow.parentRunId"


def user_tags(run: Run) -> Dict[str, str]:
    """Tags minus the ones fluent start_run adds (mlflow.user, mlflow.source.*)."""
    return {
        key: value
        for key, value in run.data.tags.items()
        if key != "mlflow.user" and not key.startswith("mlflow.source.")
    }


def stored(run: Any) -> Run:
    """The store's current copy of ``run`` (what a tracker left behind after its context exited)."""
    return MlflowClient().get_run(run.info.run_id)


def end_active_runs() -> None:
    """End every fluent run still active (a test may leave a nested stack behind)."""
    while mlflow.active_run() is not None:
        mlflow.end_run()


@contextmanager
def azureml_scheme(build_store: Callable[..., Any]) -> Iterator[None]:
    """Register ``build_store`` for ``azureml://`` URIs in MLflow's tracking-store registry.

    On exit any runs left active are ended and the registry (and its store cache) is restored,
    so an ``azureml`` URI never leaks into another test.
    """
    registry: Any = tracking_utils._tracking_store_registry
    previous = registry._registry.get("azureml")
    registry.register("azureml", build_store)
    registry._get_store_with_resolved_uri.cache_clear()
    try:
        yield
    finally:
        end_active_runs()
        if previous is None:
            registry._registry.pop("azureml", None)
        else:
            registry._registry["azureml"] = previous
        registry._get_store_with_resolved_uri.cache_clear()


def tracker_project(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, mlflow_yaml: str, *output_dirs: str
) -> Path:
    """``<tmp>/proj`` with ``config/mlflow.yaml`` and ``outputs/<name>`` folders; USER is ``tester``.

    The trackers read their settings from the project's config and tag ``code.created_by`` from USER.
    """
    monkeypatch.setenv("USER", "tester")
    root = tmp_path / "proj"
    (root / "config").mkdir(parents=True)
    (root / "config" / "mlflow.yaml").write_text(mlflow_yaml, encoding="utf-8")
    for name in output_dirs:
        (root / "outputs" / name).mkdir(parents=True)
    return root
