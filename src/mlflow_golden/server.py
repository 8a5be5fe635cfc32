"""A real ``mlflow server`` subprocess on 127.0.0.1, sqlite-backed, reset between tests.

One server per process (pytest session or xdist worker), started lazily on first use and always
stopped: at session end, via ``atexit``, and by a small watchdog process (in its own session)
that kills the server's process group if the pytest process dies without cleaning up. Nested
pytest runs (pytester) reuse the outer server through ``SHARED_SERVER_ENV`` instead of starting
their own. Startup takes 15-25 s on a 2-core machine (mostly imports in the server process).
"""

from __future__ import annotations

import atexit
import contextlib
import logging
import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

_logger = logging.getLogger(__name__)

#: Set (in os.environ) while a server runs, so nested pytest processes can share it.
SHARED_SERVER_ENV = "_MLFLOW_GOLDEN_SHARED_SERVER"
#: Seconds to wait for the server's /health endpoint before giving up.
START_TIMEOUT_S = float(os.environ.get("MLFLOW_GOLDEN_SERVER_START_TIMEOUT", "180"))
STOP_TIMEOUT_S = 10.0
LOG_TAIL_LINES = 40

_WATCHDOG = """
import os, signal, sys, time
parent, pgid = int(sys.argv[1]), int(sys.argv[2])
while True:
    time.sleep(0.5)
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        sys.exit(0)
    if os.getppid() != parent:
        for sig in (signal.SIGTERM, signal.SIGKILL):
            try:
                os.killpg(pgid, sig)
            except ProcessLookupError:
                sys.exit(0)
            time.sleep(3)
        sys.exit(0)
"""


class ServerStartError(RuntimeError):
    """The mlflow server did not come up; the message carries its log tail."""


@dataclass(frozen=True)
class ServerEndpoint:
    """Where a running server listens and the sqlite files behind it."""

    url: str
    db_path: Path
    pristine_path: Path

    def encode(self) -> str:
        return os.pathsep.join([self.url, str(self.db_path), str(self.pristine_path)])

    @classmethod
    def decode(cls, text: str) -> ServerEndpoint:
        url, db_path, pristine_path = text.split(os.pathsep)
        return cls(url, Path(db_path), Path(pristine_path))


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
    conn = sqlite3.connect(endpoint.db_path, timeout=30, isolation_level=None)
    try:
        conn.execute("ATTACH DATABASE ? AS pristine", (str(endpoint.pristine_path),))
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
    """Owns one ``mlflow server`` process group plus its watchdog and data directory."""

    def __init__(self, template_db: Path) -> None:
        self._template_db = template_db
        self._dir = Path(tempfile.mkdtemp(prefix="mlflow-golden-server-"))
        self._process: subprocess.Popen[bytes] | None = None
        self._watchdog: subprocess.Popen[bytes] | None = None
        self.endpoint: ServerEndpoint | None = None
        self.startup_seconds: float | None = None
        self._previous_shared: str | None = None

    @property
    def log_path(self) -> Path:
        return self._dir / "server.log"

    def start(self, timeout: float = START_TIMEOUT_S, attempts: int = 2) -> ServerEndpoint:
        """Start the server and wait until /health answers; retry once on a port race."""
        db_path = self._dir / "mlflow.db"
        pristine = self._dir / "pristine.db"
        artifacts = self._dir / "artifacts"
        artifacts.mkdir(exist_ok=True)
        shutil.copyfile(self._template_db, db_path)
        with sqlite3.connect(db_path) as conn:
            conn.execute(
                "UPDATE experiments SET artifact_location=? WHERE experiment_id=0",
                (str(artifacts / "0"),),
            )
        conn.close()
        shutil.copyfile(db_path, pristine)
        began = time.monotonic()
        for attempt in range(1, attempts + 1):
            port = free_port()
            try:
                self._spawn(port, db_path, artifacts)
                self._wait_healthy(port, timeout)
            except ServerStartError:
                self.stop()
                if attempt == attempts or "address already in use" not in self._log_tail().lower():
                    raise
                continue
            except BaseException:
                self.stop()
                raise
            self.startup_seconds = time.monotonic() - began
            self.endpoint = ServerEndpoint(f"http://127.0.0.1:{port}", db_path, pristine)
            self._previous_shared = os.environ.get(SHARED_SERVER_ENV)
            os.environ[SHARED_SERVER_ENV] = self.endpoint.encode()
            atexit.register(self.stop)
            _logger.info("mlflow server on port %d started in %.1f s", port, self.startup_seconds)
            return self.endpoint
        raise AssertionError("unreachable")

    def _spawn(self, port: int, db_path: Path, artifacts: Path) -> None:
        env = {k: v for k, v in os.environ.items() if not k.startswith("MLFLOW_") and k != SHARED_SERVER_ENV}
        env.update(
            MLFLOW_DISABLE_TELEMETRY="true",
            DO_NOT_TRACK="true",
            MLFLOW_SERVER_ENABLE_JOB_EXECUTION="false",
        )
        command = [
            sys.executable, "-m", "mlflow", "server",
            "--backend-store-uri", f"sqlite:///{db_path}",
            "--default-artifact-root", str(artifacts),
            "--no-serve-artifacts",
            "--host", "127.0.0.1",
            "--port", str(port),
            "--workers", "1",
        ]  # fmt: skip
        with self.log_path.open("ab") as log:
            self._process = subprocess.Popen(
                command, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                env=env, cwd=self._dir, start_new_session=True,
            )  # fmt: skip
        self._watchdog = subprocess.Popen(
            [sys.executable, "-S", "-c", _WATCHDOG, str(os.getpid()), str(self._process.pid)],
            stdin=subprocess.DEVNULL, start_new_session=True,
        )  # fmt: skip

    def _wait_healthy(self, port: int, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        url = f"http://127.0.0.1:{port}/health"
        while time.monotonic() < deadline:
            assert self._process is not None
            if self._process.poll() is not None:
                raise ServerStartError(
                    f"mlflow server exited with code {self._process.returncode} before answering "
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
        try:
            lines = self.log_path.read_text(errors="replace").splitlines()
        except OSError:
            return "<no log>"
        return "\n".join(lines[-LOG_TAIL_LINES:])

    def stop(self) -> None:
        """Terminate the whole process group (SIGTERM, then SIGKILL); idempotent."""
        process, self._process = self._process, None
        watchdog, self._watchdog = self._watchdog, None
        if process is not None:
            _kill_group(process.pid, [process])
        if watchdog is not None:
            watchdog.kill()
            watchdog.wait(STOP_TIMEOUT_S)
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


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    return True


def _kill_group(pgid: int, children: list[subprocess.Popen[bytes]]) -> None:
    """Signal the process group, reap our own children, and escalate to SIGKILL if needed."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(pgid, sig)
        deadline = time.monotonic() + STOP_TIMEOUT_S
        for child in children:
            with contextlib.suppress(subprocess.TimeoutExpired):
                child.wait(max(0.0, deadline - time.monotonic()))
        while _group_alive(pgid) and time.monotonic() < deadline:
            time.sleep(0.05)
        if not _group_alive(pgid):
            return
    _logger.warning("mlflow server process group %d survived SIGKILL", pgid)
