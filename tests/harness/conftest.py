"""Fixtures for testing mlflow_golden itself: pytester runs that use the outer --golden-backend.

The harness's tests run many inner (in-process) pytest sessions. This session holds the backend
manager from start to end, so inner sessions share its sqlite template and mlflow server instead
of starting their own; and the store modules (the SQL store too, which the harness otherwise
imports only on backends that need it) are imported here, before any inner session, whose module
snapshot would otherwise drop them (re-importing them redefines SQLAlchemy models).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

import mlflow_golden
from mlflow_golden import _backends as backends
from mlflow_golden._ci import CI_ENV
from mlflow_golden._session import backend_of
from mlflow_golden._sql_store import sql_store_class

InnerRun = Callable[..., pytest.RunResult]

_HELD_MANAGER = pytest.StashKey[backends.BackendManager]()


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "harness_server: needs a real mlflow server subprocess")
    sql_store_class()
    config.stash[_HELD_MANAGER] = backends.acquire_manager(xdist_worker=hasattr(config, "workerinput"))


def pytest_unconfigure(config: pytest.Config) -> None:
    if _HELD_MANAGER in config.stash:
        del config.stash[_HELD_MANAGER]
        backends.release_manager()


@pytest.fixture(scope="session", autouse=True)
def _ci_cleared() -> Iterator[None]:
    """Every inner pytest (in-process, subprocess, the CLI's) runs as on a developer's machine: ``CI``
    cleared for the whole session, restored after it.

    CI may run this suite with ``CI=true``, and a CI run refuses ``--golden-update`` and writes no
    pending file, which most tests here exercise. Tests of the CI guard set ``CI`` themselves
    (``monkeypatch.setenv``, see ``tests/harness/test_ci_guard.py``).
    """
    with pytest.MonkeyPatch.context() as patch:
        patch.delenv(CI_ENV, raising=False)
        yield


@pytest.fixture
def backend(request: pytest.FixtureRequest) -> str:
    """The backend the outer session runs on (--golden-backend)."""
    return backend_of(request.config)


@pytest.fixture
def run_inner(pytester: pytest.Pytester, backend: str) -> InnerRun:
    """Run pytest in-process on pytester's folder with the plugin and the outer backend.

    In-process runs share the outer process's mlflow server (no new server per run).
    """

    def run(*args: str, backend_override: str | None = None, pass_backend: bool = True) -> pytest.RunResult:
        backend_args = [f"--golden-backend={backend_override or backend}"] if pass_backend else []
        plugins = ("-p", "mlflow_golden.plugin", "-p", "no:cacheprovider", "-p", "no:hypothesispytest")
        return pytester.runpytest_inprocess(*plugins, *backend_args, *args)

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
