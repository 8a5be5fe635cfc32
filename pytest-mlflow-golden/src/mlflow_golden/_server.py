"""A real ``mlflow server`` subprocess on 127.0.0.1 over a backend store, reset between tests.

One server per process (pytest session or xdist worker), started lazily on first use and always
stopped: at session end, via ``atexit``, and by a watchdog (``process_group``) that kills the
server's process group if the pytest process dies without cleaning up. Its backend store is a
``ServerStore``: a copy of the migrated sqlite template here (``SqliteServerStore``), or a
PostgreSQL cluster (``mlflow_golden._postgres``). Nested pytest runs (pytester) reuse the outer
server through ``SHARED_SERVER_ENV`` instead of starting their own. Startup takes 15-25 s on a
2-core machine (mostly imports in the server process).
"""

from __future__ import annotations

import atexit
import contextlib
import json
import logging
import os
import shutil
import socket
import sqlite3
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Protocol

from mlflow_golden._process_group import ProcessGroup
from mlflow_golden._telemetry import TELEMETRY_OFF_ENV

_logger = logging.getLogger(__name__)

#: Set (in os.environ) while a server runs, so nested pytest processes can share it.
SHARED_SERVER_ENV = "_MLFLOW_GOLDEN_SHARED_SERVER"
#: Seconds to wait for the server's /health endpoint before giving up.
START_TIMEOUT_S = float(os.environ.get("MLFLOW_GOLDEN_SERVER_START_TIMEOUT", "180"))


class ServerStartError(RuntimeError):
    """The mlflow server (or its backend database) did not come up; the message carries its log tail."""


@dataclass(frozen=True)
class ServerEndpoint:
    """Where a running server listens, its backend store, and where that store's pristine rows are.

    ``kind`` is the harness backend the server serves (``server``: sqlite, ``postgres``), so a
    nested run on another backend never takes it; ``pristine`` is the sqlite pristine copy's path
    or the PostgreSQL schema holding the pristine rows.
    """

    url: str
    store_uri: str
    pristine: str
    kind: str = "server"

    @property
    def db_path(self) -> Path | None:
        """The sqlite file behind the server (None for other databases)."""
        prefix = "sqlite:///"
        return Path(self.store_uri.removeprefix(prefix)) if self.store_uri.startswith(prefix) else None

    def encode(self) -> str:
        return json.dumps(asdict(self), sort_keys=True)

    @classmethod
    def decode(cls, text: str) -> ServerEndpoint:
        return cls(**json.loads(text))


class ServerStore(Protocol):
    """The backend store under a server: made ready before the server starts, closed after it stops."""

    kind: str

    def prepare(self, directory: Path, artifacts: Path) -> tuple[str, str]:
        """Create the migrated store in ``directory``; returns (store URI, pristine location)."""

    def close(self) -> None:
        """Release the store (idempotent); its files go with ``directory``."""


class SqliteServerStore:
    """A copy of the migrated sqlite template, plus a pristine copy for resets."""

    kind = "server"

    def __init__(self, template_db: Path) -> None:
        self._template_db = template_db

    def prepare(self, directory: Path, artifacts: Path) -> tuple[str, str]:
        db_path = directory / "mlflow.db"
        pristine = directory / "pristine.db"
        shutil.copyfile(self._template_db, db_path)
        with sqlite3.connect(db_path) as conn:
            conn.execute(
                "UPDATE experiments SET artifact_location=? WHERE experiment_id=0",
                (str(artifacts / "0"),),
            )
        conn.close()
        shutil.copyfile(db_path, pristine)
        return f"sqlite:///{db_path}", str(pristine)

    def close(self) -> None:
        """Nothing runs: the files are removed with the server's folder."""


def free_port() -> int:
    """A currently free TCP port on 127.0.0.1."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def reset_database(endpoint: ServerEndpoint) -> None:
    """Empty every data table (all but alembic_version) and restore the pristine rows.

    The pristine copy holds the default experiment 0 (and the default workspace), so the server
    afterwards looks freshly started and accepts the same experiment names again.
    """
    assert endpoint.db_path is not None, f"not a sqlite-backed server: {endpoint.kind}"
    conn = sqlite3.connect(endpoint.db_path, timeout=30, isolation_level=None)
    try:
        conn.execute("ATTACH DATABASE ? AS pristine", (endpoint.pristine,))
        tables = [
            row[0]
            for row in conn.execute(
                "SELECT name FROM main.sqlite_master WHERE type='table' "
                "AND name NOT LIKE 'sqlite_%' AND name != 'alembic_version'"
            )
        ]
        conn.execute("BEGIN IMMEDIATE")
        for table in tables:
            conn.execute(f'DELETE FROM main."{table}"')
            if conn.execute(f'SELECT 1 FROM pristine."{table}" LIMIT 1').fetchone():
                info = conn.execute(f'PRAGMA main.table_info("{table}")')
                columns = ", ".join(f'"{row[1]}"' for row in info)
                conn.execute(
                    f'INSERT INTO main."{table}" ({columns}) SELECT {columns} FROM pristine."{table}"'
                )
        has_sequence = conn.execute(
            "SELECT 1 FROM main.sqlite_master WHERE name='sqlite_sequence'"
        ).fetchone()
        if has_sequence:
            conn.execute("DELETE FROM main.sqlite_sequence")
        conn.execute("COMMIT")
        conn.execute("DETACH DATABASE pristine")
    finally:
        conn.close()


class MlflowServer:
    """Owns one ``mlflow server`` process group, its backend store and its data directory."""

    def __init__(self, store: ServerStore) -> None:
        self._store = store
        self._dir = Path(tempfile.mkdtemp(prefix="mlflow-golden-server-"))
        self._process: ProcessGroup | None = None
        self.endpoint: ServerEndpoint | None = None
        self.startup_seconds: float | None = None
        self._previous_shared: str | None = None

    @property
    def log_path(self) -> Path:
        return self._dir / "server.log"

    def start(self, timeout: float = START_TIMEOUT_S, attempts: int = 2) -> ServerEndpoint:
        """Prepare the store, start the server and wait until /health answers; retry once on a port race."""
        artifacts = self._dir / "artifacts"
        artifacts.mkdir(exist_ok=True)
        began = time.monotonic()
        atexit.register(self.stop)
        try:
            store_uri, pristine = self._store.prepare(self._dir, artifacts)
        except BaseException:
            self.stop()
            raise
        for attempt in range(1, attempts + 1):
            port = free_port()
            try:
                self._spawn(port, store_uri, artifacts)
                self._wait_healthy(port, timeout)
            except ServerStartError:
                tail = self._log_tail()
                self._stop_server()
                if attempt == attempts or "address already in use" not in tail.lower():
                    self.stop()
                    raise
                continue
            except BaseException:
                self.stop()
                raise
            self.startup_seconds = time.monotonic() - began
            self.endpoint = ServerEndpoint(f"http://127.0.0.1:{port}", store_uri, pristine, self._store.kind)
            self._previous_shared = os.environ.get(SHARED_SERVER_ENV)
            os.environ[SHARED_SERVER_ENV] = self.endpoint.encode()
            _logger.info("mlflow server on port %d started in %.1f s", port, self.startup_seconds)
            return self.endpoint
        raise AssertionError("unreachable")

    def _spawn(self, port: int, store_uri: str, artifacts: Path) -> None:
        env = {k: v for k, v in os.environ.items() if not k.startswith("MLFLOW_") and k != SHARED_SERVER_ENV}
        env.update(TELEMETRY_OFF_ENV)
        env["MLFLOW_SERVER_ENABLE_JOB_EXECUTION"] = "false"
        command = [
            sys.executable, "-m", "mlflow", "server",
            "--backend-store-uri", store_uri,
            "--default-artifact-root", str(artifacts),
            "--no-serve-artifacts",
            "--host", "127.0.0.1",
            "--port", str(port),
            "--workers", "1",
        ]  # fmt: skip
        self._process = ProcessGroup(command, self.log_path, env, self._dir)

    def _wait_healthy(self, port: int, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        url = f"http://127.0.0.1:{port}/health"
        while time.monotonic() < deadline:
            assert self._process is not None
            code = self._process.exit_code()
            if code is not None:
                raise ServerStartError(
                    f"mlflow server exited with code {code} before answering "
                    f"{url}; log tail ({self.log_path}):\n{self._log_tail()}"
                )
            with (
                contextlib.suppress(OSError, urllib.error.URLError),
                urllib.request.urlopen(url, timeout=2) as answer,
            ):
                if answer.status == 200:
                    return
            time.sleep(0.1)
        raise ServerStartError(
            f"mlflow server did not answer {url} within {timeout:.0f} s; "
            f"log tail ({self.log_path}):\n{self._log_tail()}"
        )

    def _log_tail(self) -> str:
        return self._process.log_tail() if self._process is not None else "<no log>"

    def _stop_server(self) -> None:
        if self._process is not None:
            self._process.stop()

    def stop(self) -> None:
        """Terminate the server's process group, then release the store; idempotent."""
        self._stop_server()
        self._store.close()
        if self.endpoint is not None and os.environ.get(SHARED_SERVER_ENV) == self.endpoint.encode():
            if self._previous_shared is None:
                del os.environ[SHARED_SERVER_ENV]
            else:
                os.environ[SHARED_SERVER_ENV] = self._previous_shared
        self.endpoint = None
        with contextlib.suppress(Exception):
            atexit.unregister(self.stop)

    def cleanup(self) -> None:
        """Stop the server and delete its data directory."""
        self.stop()
        shutil.rmtree(self._dir, ignore_errors=True)
