"""The postgres backend: a PostgreSQL cluster under the mlflow server, its reset, its start errors."""

from __future__ import annotations

import importlib.util
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from mlflow_golden import TrackingStore
from mlflow_golden import _backends as backends
from mlflow_golden import _postgres as postgres
from mlflow_golden._process_group import group_alive
from mlflow_golden._server import ServerStartError
from mlflow_golden._session import backend_of


def test_reset_empties_the_store_but_keeps_the_default_experiment(tracking_store: TrackingStore) -> None:
    if tracking_store.backend not in backends.SERVER_BACKENDS:
        pytest.skip("needs a server backend (--golden-backend=server or postgres)")
    client = tracking_store.client
    exp = client.create_experiment("x", tags={"t": "1"})
    client.create_run(exp, run_name="r")
    client.rename_experiment("0", "renamed-default")
    manager = backends.current_manager()
    assert manager is not None
    backends.reset_server(manager.server_endpoint(tracking_store.backend))
    experiments = client.search_experiments(view_type=3)
    assert [(e.experiment_id, e.name) for e in experiments] == [("0", "Default")]
    assert client.search_runs(["0"]) == []
    assert client.create_experiment("x") == "1"


def test_missing_binaries_name_the_pinned_wheel_and_the_debian_package(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(postgres.BIN_ENV, raising=False)
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *args: None)
    with pytest.raises(postgres.PostgresNotFoundError) as raised:
        postgres.find_binaries()
    message = str(raised.value)
    assert "--golden-backend postgres needs a PostgreSQL server" in message
    assert "pip install -c constraints.txt -e '.[dev]'" in message
    assert "apt-get install postgresql-15" in message


def test_a_bin_folder_without_postgres_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(postgres.BIN_ENV, str(tmp_path))
    with pytest.raises(postgres.PostgresNotFoundError, match=f"{postgres.BIN_ENV}=.* holds no initdb"):
        postgres.find_binaries()


def test_a_missing_postgresql_fails_the_test_instead_of_skipping_it(
    run_subprocess: object, pytester: pytest.Pytester, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(postgres.BIN_ENV, str(tmp_path))
    monkeypatch.delenv("_MLFLOW_GOLDEN_SHARED_SERVER", raising=False)
    pytester.makepyfile(test_one="def test_store(tracking_store):\n    pass\n")
    result = run_subprocess("--golden-backend=postgres")  # type: ignore[operator]
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*PostgresNotFoundError*holds no initdb and postgres*"])


@pytest.fixture
def server_dir() -> Iterator[Path]:
    """A folder like the server's own (``mkdtemp`` in the system temp dir, reachable when root)."""
    directory = Path(tempfile.mkdtemp(prefix="mlflow-golden-test-"))
    yield directory
    shutil.rmtree(directory, ignore_errors=True)


def test_postgres_that_fails_to_start_reports_its_log_tail(server_dir: Path) -> None:
    store = postgres.PostgresServerStore(settings=("no_such_setting=1",))
    expected = r"(?s)postgres exited with code \d+ .*log tail.*no_such_setting"
    with pytest.raises(ServerStartError, match=expected):
        store.prepare(server_dir, server_dir / "artifacts")
    store.close()


@pytest.mark.harness_server
def test_cluster_runs_unprivileged_and_stops_with_its_process_group(
    server_dir: Path, request: pytest.FixtureRequest
) -> None:
    """Starts its own cluster: only in the --golden-backend=postgres run of this suite."""
    if backend_of(request.config) != "postgres":
        pytest.skip("starts its own PostgreSQL: runs with --golden-backend=postgres")
    store = postgres.PostgresServerStore()
    uri, pristine = store.prepare(server_dir, server_dir / "artifacts")
    process = store._process
    assert process is not None and group_alive(process.pid)
    assert uri.startswith("postgresql://mlflow@127.0.0.1:") and pristine == postgres.PRISTINE_SCHEMA
    if os.geteuid() == 0:  # PostgreSQL refuses root: it runs as the unprivileged user
        owner = Path(f"/proc/{process.pid}").stat().st_uid
        assert owner != 0
    store.close()
    assert not group_alive(process.pid)


def test_binaries_the_unprivileged_user_cannot_reach_are_copied(tmp_path: Path) -> None:
    private = tmp_path / "private"
    (private / "pginstall" / "bin").mkdir(parents=True)
    (private / "pginstall" / "bin" / "postgres").write_text("binary", encoding="utf-8")
    (private / "pginstall" / "lib").mkdir()
    private.chmod(0o700)
    work = tmp_path / "work"
    work.mkdir()
    usable = postgres._usable_binaries(private / "pginstall" / "bin", work, user=(65534, 65534))
    assert usable == work / "pginstall" / "bin"
    assert (usable / "postgres").read_text(encoding="utf-8") == "binary"
    assert (work / "pginstall" / "lib").is_dir()


def test_reachability_needs_every_ancestor_searchable_by_others(tmp_path: Path) -> None:
    private = tmp_path / "private"
    (private / "bin").mkdir(parents=True)
    private.chmod(0o700)
    assert not postgres._world_reachable(private / "bin")
    assert postgres._world_reachable(Path("/usr/bin"))


class _Connection:
    """Stands in for a psycopg connection: notes whether it was closed."""

    closed = False

    def close(self) -> None:
        self.closed = True


def test_closing_the_manager_closes_connections_to_a_server_it_does_not_own(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from mlflow_golden import _backends as backends
    from mlflow_golden import _postgres as postgres

    shared = _Connection()
    monkeypatch.setitem(postgres._CONNECTIONS, "postgresql://shared/mlflow", shared)

    backends.BackendManager().close()

    assert shared.closed
    assert "postgresql://shared/mlflow" not in postgres._CONNECTIONS
