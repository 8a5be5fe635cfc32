"""Fixtures for testing mlflow_golden itself: pytester runs that use the outer --mlflow-backend."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

import mlflow_golden

InnerRun = Callable[..., pytest.RunResult]


@pytest.fixture
def backend(request: pytest.FixtureRequest) -> str:
    """The backend the outer session runs on (--mlflow-backend)."""
    return str(request.config.getoption("mlflow_backend"))


@pytest.fixture
def run_inner(pytester: pytest.Pytester, backend: str) -> InnerRun:
    """Run pytest in-process on pytester's folder with the plugin and the outer backend.

    In-process runs share the outer process's mlflow server (no new server per run).
    """

    def run(*args: str, backend_override: str | None = None) -> pytest.RunResult:
        return pytester.runpytest_inprocess(
            "-p",
            "mlflow_golden.plugin",
            "-p",
            "no:cacheprovider",
            "-p",
            "no:hypothesispytest",
            f"--mlflow-backend={backend_override or backend}",
            *args,
        )

    return run


@pytest.fixture
def run_subprocess(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> InnerRun:
    """Run pytest in a fresh interpreter on pytester's folder with the plugin (slower: imports mlflow)."""
    src = str(Path(mlflow_golden.__file__).resolve().parents[1])
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(filter(None, [src, os.environ.get("PYTHONPATH")])))

    def run(*args: str) -> pytest.RunResult:
        return pytester.runpytest_subprocess(
            "-p", "mlflow_golden.plugin", "-p", "no:cacheprovider", "-p", "no:hypothesispytest", *args
        )

    return run
