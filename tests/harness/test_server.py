"""The mlflow server backend: clear start errors, no orphan processes (its reset: test_postgres)."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import pytest

from mlflow_golden import backends
from mlflow_golden.process_group import group_alive
from mlflow_golden.server import MlflowServer, ServerStartError, SqliteServerStore
from mlflow_golden.session import backend_of


def _template() -> Path:
    manager = backends.current_manager()
    assert manager is not None
    return manager.template()


def test_server_that_does_not_answer_in_time_is_stopped_with_its_log_tail(tmp_path: Path) -> None:
    server = MlflowServer(SqliteServerStore(_template()))
    with pytest.raises(
        ServerStartError, match=r"did not answer http://127\.0\.0\.1:\d+/health within 0 s; log tail"
    ):
        server.start(timeout=0.2, attempts=1)
    assert server.endpoint is None
    server.cleanup()


@pytest.mark.harness_server
def test_server_lifecycle_and_failed_start(tmp_path: Path, request: pytest.FixtureRequest) -> None:
    """Starts real servers: only in the --golden-backend=server run of this suite."""
    if backend_of(request.config) != "server":
        pytest.skip("starts its own mlflow servers: runs with --golden-backend=server")
    broken = tmp_path / "broken.db"
    with sqlite3.connect(broken) as conn:  # a database from an unknown MLflow version
        conn.execute("CREATE TABLE experiments (experiment_id INTEGER, artifact_location TEXT)")
        conn.execute("CREATE TABLE alembic_version (version_num TEXT)")
        conn.execute("INSERT INTO alembic_version VALUES ('0123abcd4567')")
    conn.close()
    failing = MlflowServer(SqliteServerStore(broken))
    with pytest.raises(ServerStartError, match=r"(?s)exited with code \d+ before answering.*log tail.*\S"):
        failing.start(timeout=120, attempts=1)
    failing.cleanup()
    before = os.environ.get("_MLFLOW_GOLDEN_SHARED_SERVER")

    server = MlflowServer(SqliteServerStore(_template()))
    endpoint = server.start()
    assert server.startup_seconds is not None
    process = server._process
    assert process is not None and group_alive(process.pid)
    assert os.environ["_MLFLOW_GOLDEN_SHARED_SERVER"] == endpoint.encode()
    server.cleanup()
    assert not group_alive(process.pid)
    assert os.environ.get("_MLFLOW_GOLDEN_SHARED_SERVER") == before
