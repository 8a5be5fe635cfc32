"""The mlflow server backend: reset between tests, clear start errors, no orphan processes."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import pytest

from mlflow_golden import backends
from mlflow_golden.plugin import TrackingStore
from mlflow_golden.server import MlflowServer, ServerStartError, SqliteServerStore, reset_database


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    return True


def _template() -> Path:
    manager = backends.current_manager()
    assert manager is not None
    return manager.template()


def test_reset_empties_the_server_but_keeps_default_experiment(tracking_store: TrackingStore) -> None:
    if tracking_store.backend != "server":
        pytest.skip("needs --mlflow-backend=server")
    client = tracking_store.client
    exp = client.create_experiment("x", tags={"t": "1"})
    client.create_run(exp, run_name="r")
    client.rename_experiment("0", "renamed-default")
    manager = backends.current_manager()
    assert manager is not None
    reset_database(manager.server_endpoint())
    experiments = client.search_experiments(view_type=3)
    assert [(e.experiment_id, e.name) for e in experiments] == [("0", "Default")]
    assert client.search_runs(["0"]) == []
    assert client.create_experiment("x") == "1"


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
    """Starts real servers: only in the --mlflow-backend=server run of this suite."""
    if request.config.getoption("mlflow_backend") != "server":
        pytest.skip("starts its own mlflow servers: runs with --mlflow-backend=server")
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
    assert process is not None and _group_alive(process.pid)
    assert os.environ["_MLFLOW_GOLDEN_SHARED_SERVER"] == endpoint.encode()
    server.cleanup()
    assert not _group_alive(process.pid)
    assert os.environ.get("_MLFLOW_GOLDEN_SHARED_SERVER") == before
