"""Fixtures for unit tests: a real, throwaway MLflow store per test (no mocks of MLflow)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import mlflow
import pytest
from mlflow.tracking import MlflowClient

from unit._helpers import end_active_runs


@pytest.fixture
def local_mlflow(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """Point MLflow at a fresh file store under tmp_path; clean fluent state afterwards."""
    for name in list(os.environ):
        if name.startswith("MLFLOW_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("MLFLOW_ALLOW_FILE_STORE", "true")
    monkeypatch.setenv("MLFLOW_ENABLE_TELEMETRY", "false")
    monkeypatch.setenv("MLFLOW_DISABLE_TELEMETRY", "true")
    uri = (tmp_path / "mlruns").as_uri()
    monkeypatch.setenv("MLFLOW_TRACKING_URI", uri)
    monkeypatch.chdir(tmp_path)
    previous = mlflow.get_tracking_uri()
    mlflow.set_tracking_uri(uri)
    try:
        yield uri
    finally:
        end_active_runs()
        mlflow.tracking.fluent._active_experiment_id = None
        mlflow.set_tracking_uri(previous)


@pytest.fixture
def client(local_mlflow: str) -> MlflowClient:
    """A client on the test's store (a module may override it to point elsewhere)."""
    return MlflowClient()


@pytest.fixture
def parent_id(client: MlflowClient, experiment_id: str) -> str:
    """A RUNNING run named ``sweep`` in the module's ``experiment_id`` fixture."""
    return str(client.create_run(experiment_id=experiment_id, run_name="sweep").info.run_id)
