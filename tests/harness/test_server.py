"""The mlflow server backend: clear start errors, no orphan processes (its reset: test_postgres)."""

from __future__ import annotations

import os
import socket
import sqlite3
from pathlib import Path

import pytest

from mlflow_golden import _backends as backends
from mlflow_golden._process_group import group_alive
from mlflow_golden._server import MlflowServer, ServerStartError, SqliteServerStore
from mlflow_golden._session import backend_of


def _template() -> Path:
    manager = backends.current_manager()
    assert manager is not None
    return manager.template()


def _answers(port: int) -> bool:
    """Whether something accepts TCP connections on 127.0.0.1:``port``."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


def test_server_that_does_not_answer_in_time_is_stopped_with_its_log_tail(tmp_path: Path) -> None:
    server = MlflowServer(SqliteServerStore(_template()))
    try:
        with pytest.raises(
            ServerStartError, match=r"did not answer http://127\.0\.0\.1:\d+/health within 0 s; log tail"
        ):
            server.start(timeout=0.2, attempts=1)
        process = server._process
        assert process is not None  # the server process was started
        assert not group_alive(process.pid)  # and its whole group is gone when start() raises
    finally:
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
    port = int(endpoint.url.rsplit(":", 1)[1])
    assert _answers(port)
    server.cleanup()
    assert not _answers(port)
    assert not group_alive(process.pid)
    assert os.environ.get("_MLFLOW_GOLDEN_SHARED_SERVER") == before
