"""The store backends a test can run against: file, sqlite, server (on sqlite) and postgres.

``BackendManager`` lives for one process (pytest session or xdist worker): it builds the migrated
sqlite template once, starts the ``mlflow server`` (on sqlite, or on PostgreSQL for ``postgres``)
lazily, and hands each test a fresh store URI.
"""

from __future__ import annotations

import logging
import os
import shutil
import sqlite3
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from mlflow.store.tracking.file_store import FileStore
from mlflow.store.tracking.rest_store import RestStore

from mlflow_golden import _postgres as postgres
from mlflow_golden._server import (
    SHARED_SERVER_ENV,
    MlflowServer,
    ServerEndpoint,
    ServerStartError,
    ServerStore,
    SqliteServerStore,
    reset_database,
)
from mlflow_golden._session import BACKENDS
from mlflow_golden._sql_store import sql_store_class, sql_store_loaded

_logger = logging.getLogger(__name__)

#: Backends reached through a real ``mlflow server`` (REST client): started once per process.
SERVER_BACKENDS: Final = ("server", "postgres")
#: Backends whose process needs MLflow's SQL store (sqlite; server and postgres migrate their
#: database with it in this process).
SQL_BACKENDS: Final = ("sqlite", "server", "postgres")
#: Client settings for the server backend: a failing request fails at once instead of being
#: retried with backoff for minutes, and nothing waits forever on a dead server. MLflow prints a
#: "View run at <url>" link after ending a run on a REST store only, fetching the run for it: off,
#: so a scenario makes the same store calls (one budget) on every backend.
SERVER_CLIENT_ENV: Final = {
    "MLFLOW_HTTP_REQUEST_MAX_RETRIES": "0",
    "MLFLOW_HTTP_REQUEST_TIMEOUT": "60",
    "MLFLOW_SUPPRESS_PRINTING_URL_TO_STDOUT": "true",
}


@dataclass(frozen=True)
class StoreLocation:
    """Where one test's store lives and what environment its backend needs."""

    backend: str
    uri: str
    env: dict[str, str]
    db_path: Path | None = None


def store_class(backend: str) -> type:
    """The store class a test's client uses on ``backend`` (the one ``store_faults`` patches)."""
    if backend == "file":
        return FileStore
    if backend == "sqlite":
        return sql_store_class()
    if backend in SERVER_BACKENDS:
        return RestStore
    raise ValueError(f"unknown MLflow backend {backend!r}; choose one of {', '.join(BACKENDS)}")


def store_classes(backend: str) -> tuple[type, ...]:
    """Every store class a test on ``backend`` may reach: the call recorder wraps them all.

    The SQL store only where the backend needs it or something already imported it: importing it
    on the file backend would make SQLAlchemy warn (see ``_sql_store``).
    """
    sql = (sql_store_class(),) if backend in SQL_BACKENDS or sql_store_loaded() else ()
    return (FileStore, *sql, RestStore)


def _build_template(directory: Path) -> Path:
    """Create and migrate an empty MLflow sqlite database once (about a second)."""
    path = directory / "template.db"
    uri = f"sqlite:///{path}"
    began = time.monotonic()
    sql_store: Any = sql_store_class()
    store = sql_store(uri, str(directory / "artifacts"))
    store.engine.dispose()
    sql_store._engine_map.pop(uri, None)
    _logger.info("migrated sqlite template in %.2f s", time.monotonic() - began)
    return path


class BackendManager:
    """Per-process owner of the sqlite template and the (lazy) mlflow server."""

    def __init__(self) -> None:
        self._dir: Path | None = None
        self._template: Path | None = None
        self._server: MlflowServer | None = None
        self._endpoint: ServerEndpoint | None = None
        self._server_error: ServerStartError | None = None
        #: False in xdist workers: parallel workers must not reset one shared server's database.
        self.may_share_server = True
        #: Seconds each reset of the server's database took (server backends).
        self.reset_seconds: list[float] = []

    def template(self) -> Path:
        if self._template is None:
            self._dir = Path(tempfile.mkdtemp(prefix="mlflow-golden-"))
            self._template = _build_template(self._dir)
        return self._template

    def _server_store(self, kind: str) -> ServerStore:
        if kind == "postgres":
            return postgres.PostgresServerStore()
        return SqliteServerStore(self.template())

    def server_endpoint(self, kind: str = "server") -> ServerEndpoint:
        """The running server of ``kind`` (server, postgres): a shared one from an outer pytest
        process, else our own. One process runs one server backend at a time."""
        if self._endpoint is not None and self._endpoint.kind != kind:
            raise ValueError(f"this process already runs the {self._endpoint.kind} server, not {kind}")
        if self._endpoint is None:
            shared = os.environ.get(SHARED_SERVER_ENV)
            if shared and self.may_share_server and ServerEndpoint.decode(shared).kind == kind:
                self._endpoint = ServerEndpoint.decode(shared)
            elif self._server_error is not None:
                raise self._server_error
            else:
                self._server = MlflowServer(self._server_store(kind))
                try:
                    self._endpoint = self._server.start()
                except ServerStartError as exc:
                    self._server_error = exc  # later tests fail fast with the same error
                    raise
        return self._endpoint

    @property
    def server_startup_seconds(self) -> float | None:
        return None if self._server is None else self._server.startup_seconds

    def server_timing(self) -> str | None:
        """'mlflow server (<backend>) started in S s; N resets, mean M ms' once this process started one."""
        seconds = self.server_startup_seconds
        if seconds is None or self._endpoint is None:
            return None
        resets = self.reset_seconds
        mean = 1000 * sum(resets) / len(resets) if resets else 0.0
        kind = self._endpoint.kind
        return f"mlflow server ({kind}) started in {seconds:.1f} s; {len(resets)} resets, mean {mean:.1f} ms"

    def new_store(self, backend: str, tmp_path: Path) -> StoreLocation:
        """A fresh, empty store for one test."""
        if backend == "file":
            root = tmp_path / "mlruns"
            return StoreLocation("file", root.as_uri(), {"MLFLOW_ALLOW_FILE_STORE": "true"})
        if backend == "sqlite":
            db_path = tmp_path / "mlflow.db"
            shutil.copyfile(self.template(), db_path)
            conn = sqlite3.connect(db_path)
            try:
                # A throwaway copy: skip the disk sync that would dominate per-test setup.
                conn.execute("PRAGMA synchronous=OFF")
                with conn:
                    conn.execute(
                        "UPDATE experiments SET artifact_location=? WHERE experiment_id=0",
                        (str(tmp_path / "mlruns" / "0"),),
                    )
            finally:
                conn.close()
            return StoreLocation("sqlite", f"sqlite:///{db_path}", {}, db_path)
        if backend in SERVER_BACKENDS:
            endpoint = self.server_endpoint(backend)
            began = time.perf_counter()
            reset_server(endpoint)
            self.reset_seconds.append(time.perf_counter() - began)
            return StoreLocation(backend, endpoint.url, dict(SERVER_CLIENT_ENV), endpoint.db_path)
        raise ValueError(f"unknown MLflow backend {backend!r}; choose one of {', '.join(BACKENDS)}")

    def release(self, location: StoreLocation) -> None:
        """Free per-test resources (the sqlite engine MLflow caches per URI)."""
        if location.backend == "sqlite":
            sql_store: Any = sql_store_class()
            engine = sql_store._engine_map.pop(location.uri, None)
            if engine is not None:
                engine.dispose()

    def close(self) -> None:
        """Close this process's database connections, stop our server (never a shared one) and delete
        temporary files."""
        postgres.close_connections()
        if self._server is not None:
            self._server.cleanup()
            self._server = None
        self._endpoint = None
        if self._dir is not None:
            shutil.rmtree(self._dir, ignore_errors=True)
            self._dir = None
            self._template = None


def reset_server(endpoint: ServerEndpoint) -> None:
    """Make a running server's store look freshly started (its database emptied, default rows back)."""
    if endpoint.kind == "postgres":
        postgres.reset(endpoint)
    else:
        reset_database(endpoint)


_MANAGER: BackendManager | None = None
_USERS = 0


def acquire_manager(*, xdist_worker: bool = False) -> BackendManager:
    """The process-wide manager; nested (inline) pytest sessions share the outer one."""
    global _MANAGER, _USERS
    if _MANAGER is None:
        _MANAGER = BackendManager()
        _MANAGER.may_share_server = not xdist_worker
    _USERS += 1
    return _MANAGER


def current_manager() -> BackendManager | None:
    """The process-wide manager while a session holds it."""
    return _MANAGER


def release_manager() -> None:
    """Drop one user; the last one stops the server and removes temporary files."""
    global _MANAGER, _USERS
    _USERS = max(0, _USERS - 1)
    if _USERS == 0 and _MANAGER is not None:
        _MANAGER.close()
        _MANAGER = None
