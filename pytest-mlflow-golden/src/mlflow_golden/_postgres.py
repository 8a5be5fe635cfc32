"""The ``postgres`` backend's database: a throwaway PostgreSQL cluster under the ``mlflow server``.

``PostgresServerStore`` is the ``ServerStore`` of an ``MlflowServer``: it initialises a cluster in
the server's data folder, starts ``postgres`` on a free 127.0.0.1 port (no Unix socket) as a
``ProcessGroup`` (so it is stopped like the server, also when pytest dies), migrates MLflow's schema
in-process, and copies the rows a fresh store holds (the default experiment 0, the default
workspace) into the ``golden_pristine`` schema. ``reset`` then empties MLflow's tables (all but
``alembic_version``) and restores those rows and the sequences, in one transaction, over a
connection kept open per process: a few milliseconds instead of a re-migration.

The server binaries come from the pinned ``pgserver`` wheel (PostgreSQL 16), or from the folder
named by ``MLFLOW_GOLDEN_PG_BIN`` (e.g. Debian's ``/usr/lib/postgresql/15/bin``). PostgreSQL
refuses to run as root: as root, ``initdb`` and ``postgres`` run as an unprivileged user
(``MLFLOW_GOLDEN_PG_USER``, default ``nobody``), from a copy of the binaries when that user cannot
reach the installed ones (e.g. a virtualenv under ``/root``).
"""

from __future__ import annotations

import importlib.util
import logging
import os
import pwd
import shutil
import signal
import stat
import subprocess
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Final

from mlflow_golden._process_group import ProcessGroup, run_as
from mlflow_golden._server import ServerEndpoint, ServerStartError, free_port
from mlflow_golden._sql_store import sql_store_class

_logger = logging.getLogger(__name__)

BIN_ENV = "MLFLOW_GOLDEN_PG_BIN"
USER_ENV = "MLFLOW_GOLDEN_PG_USER"
PRISTINE_SCHEMA = "golden_pristine"
_SEQUENCES = "_sequences"
READY_TIMEOUT_S = 60.0
#: Throwaway data: no durability work. Only TCP on 127.0.0.1, no Unix socket.
SERVER_SETTINGS: Final = (
    "listen_addresses=127.0.0.1",
    "unix_socket_directories=",
    "fsync=off",
    "synchronous_commit=off",
    "full_page_writes=off",
    "max_connections=40",
)
HOW_TO_GET = (
    "install the project's pinned dependencies (python -m pip install -c constraints.txt -e '.[dev]', "
    "which brings the pgserver wheel with PostgreSQL's server binaries), or point "
    f"{BIN_ENV} at a PostgreSQL bin folder (e.g. apt-get install postgresql-15, then "
    f"{BIN_ENV}=/usr/lib/postgresql/15/bin)"
)


class PostgresNotFoundError(ServerStartError):
    """No PostgreSQL server binaries: the message says how to get them."""


def find_binaries() -> Path:
    """The folder holding ``initdb`` and ``postgres``: ``MLFLOW_GOLDEN_PG_BIN`` or the pgserver wheel."""
    configured = os.environ.get(BIN_ENV)
    if configured:
        folder = Path(configured)
        if not all((folder / name).is_file() for name in ("initdb", "postgres")):
            raise PostgresNotFoundError(
                f"{BIN_ENV}={configured} holds no initdb and postgres; {HOW_TO_GET}"
            )
        return folder
    spec = importlib.util.find_spec("pgserver")
    if spec is not None and spec.origin is not None:
        folder = Path(spec.origin).parent / "pginstall" / "bin"
        if (folder / "postgres").is_file():
            return folder
    raise PostgresNotFoundError(f"--golden-backend postgres needs a PostgreSQL server: {HOW_TO_GET}")


def _unprivileged_user() -> tuple[int, int] | None:
    """(uid, gid) to run PostgreSQL as when we are root (it refuses root), else None."""
    if os.geteuid() != 0:
        return None
    name = os.environ.get(USER_ENV, "nobody")
    try:
        entry = pwd.getpwnam(name)
    except KeyError as exc:
        raise ServerStartError(f"running as root, and the user {name!r} ({USER_ENV}) does not exist") from exc
    return entry.pw_uid, entry.pw_gid


def _world_reachable(path: Path) -> bool:
    """Whether any user can traverse to ``path`` (every ancestor folder searchable by others)."""
    return all(folder.stat().st_mode & stat.S_IXOTH for folder in [path, *path.parents])


def _usable_binaries(binaries: Path, directory: Path, user: tuple[int, int] | None) -> Path:
    """``binaries``, or a copy of its installation in ``directory`` that ``user`` can run."""
    if user is None or _world_reachable(binaries):
        return binaries
    copy = directory / "pginstall"
    shutil.copytree(binaries.parent, copy, symlinks=True)
    _logger.info("copied PostgreSQL from %s for uid %d", binaries.parent, user[0])
    return copy / binaries.name


class PostgresServerStore:
    """A PostgreSQL cluster, migrated for MLflow, as the backend store of an ``MlflowServer``."""

    kind = "postgres"

    def __init__(self, settings: Sequence[str] = SERVER_SETTINGS) -> None:
        """``settings``: ``name=value`` server settings (``postgres -c``)."""
        self._settings = tuple(settings)
        self._process: ProcessGroup | None = None
        self._uri: str | None = None

    def prepare(self, directory: Path, artifacts: Path) -> tuple[str, str]:
        binaries = find_binaries()
        user = _unprivileged_user()
        if user is not None:
            if not _world_reachable(directory.parent):
                raise ServerStartError(
                    f"PostgreSQL runs as uid {user[0]} (not root), which cannot reach {directory}: "
                    "its parent folders must be searchable by others (set TMPDIR, e.g. to /tmp)"
                )
            directory.chmod(0o711)  # the unprivileged user must reach its data folder inside
        binaries = _usable_binaries(binaries, directory, user)
        data = directory / "pgdata"
        data.mkdir(mode=0o700)
        if user is not None:
            os.chown(data, *user)
        env = {k: v for k, v in os.environ.items() if not k.startswith("PG")} | {"LC_ALL": "C"}
        self._initdb(binaries, data, env, user)
        port = free_port()
        command = [str(binaries / "postgres"), "-D", str(data), "-p", str(port)]
        for setting in self._settings:
            command += ["-c", setting]
        self._process = ProcessGroup(command, directory / "postgres.log", env, directory, user)
        self._uri = f"postgresql://mlflow@127.0.0.1:{port}/postgres"
        self._wait_ready()
        _migrate(self._uri, artifacts)
        _save_pristine(self._uri)
        return self._uri, PRISTINE_SCHEMA

    def _initdb(self, binaries: Path, data: Path, env: dict[str, str], user: tuple[int, int] | None) -> None:
        command = [
            str(binaries / "initdb"), "-D", str(data), "-U", "mlflow", "-A", "trust",
            "-E", "UTF8", "--locale=C", "--no-sync",
        ]  # fmt: skip
        done = subprocess.run(
            command, env=env, cwd=data.parent, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT, check=False, **run_as(user),
        )  # fmt: skip
        if done.returncode != 0:
            tail = "\n".join(done.stdout.decode(errors="replace").splitlines()[-40:])
            raise ServerStartError(f"initdb failed with code {done.returncode}; its output:\n{tail}")

    def _wait_ready(self, timeout: float = READY_TIMEOUT_S) -> None:
        import psycopg

        assert self._process is not None and self._uri is not None
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            code = self._process.exit_code()
            if code is not None:
                raise ServerStartError(
                    f"postgres exited with code {code} before accepting connections; "
                    f"log tail ({self._process.log_path}):\n{self._process.log_tail()}"
                )
            try:
                psycopg.connect(self._uri, connect_timeout=2).close()
            except psycopg.OperationalError:
                time.sleep(0.05)
                continue
            return
        raise ServerStartError(
            f"postgres did not accept connections within {timeout:.0f} s; "
            f"log tail ({self._process.log_path}):\n{self._process.log_tail()}"
        )

    def close(self) -> None:
        """Drop our reset connection and stop PostgreSQL (fast shutdown); idempotent."""
        if self._uri is not None:
            _close_connection(self._uri)
        if self._process is not None:
            self._process.stop(signal.SIGINT)
            self._process = None


def _migrate(uri: str, artifacts: Path) -> None:
    """Create MLflow's schema and default experiment, in this process (the server then finds it ready)."""
    began = time.monotonic()
    store_class: Any = sql_store_class()
    store_class(uri, str(artifacts)).engine.dispose()
    store_class._engine_map.pop(uri, None)
    _logger.info("migrated the PostgreSQL schema in %.2f s", time.monotonic() - began)


def _data_tables(cursor: Any) -> list[str]:
    cursor.execute(
        "SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'alembic_version' "
        "ORDER BY tablename"
    )
    return [row[0] for row in cursor.fetchall()]


def _save_pristine(uri: str) -> None:
    """Copy every non-empty MLflow table, as migrated, and the sequences' state into the pristine schema."""
    with _connection(uri).cursor() as cursor:
        cursor.execute(f"CREATE SCHEMA {PRISTINE_SCHEMA}")
        for table in _data_tables(cursor):
            cursor.execute(f'SELECT EXISTS (SELECT 1 FROM public."{table}")')
            if cursor.fetchone()[0]:
                cursor.execute(f'CREATE TABLE {PRISTINE_SCHEMA}."{table}" AS TABLE public."{table}"')
        cursor.execute(
            f"CREATE TABLE {PRISTINE_SCHEMA}.{_SEQUENCES} AS SELECT sequencename, last_value "
            "FROM pg_sequences WHERE schemaname = 'public'"
        )
    _connection(uri).commit()


_CONNECTIONS: dict[str, Any] = {}
_RESET_SQL: dict[str, str] = {}


def _connection(uri: str) -> Any:
    """This process's connection to the database at ``uri`` (opened once)."""
    connection = _CONNECTIONS.get(uri)
    if connection is None or connection.closed:
        import psycopg

        connection = _CONNECTIONS[uri] = psycopg.connect(uri, connect_timeout=10)
        with connection.cursor() as cursor:
            cursor.execute("SET lock_timeout = '30s'")
        connection.commit()
    return connection


def _close_connection(uri: str) -> None:
    connection = _CONNECTIONS.pop(uri, None)
    _RESET_SQL.pop(uri, None)
    if connection is not None and not connection.closed:
        connection.close()


def close_connections() -> None:
    """Close every connection this process opened, also to a server another process owns (a shared
    server's users reset it too): an unclosed one warns (``ResourceWarning``) when collected."""
    for uri in list(_CONNECTIONS):
        _close_connection(uri)


def _reset_sql(uri: str, pristine: str) -> str:
    """One script: empty every MLflow table (not alembic_version), restore the pristine rows and
    put every sequence back where the fresh schema had it."""
    script = _RESET_SQL.get(uri)
    if script is None:
        with _connection(uri).cursor() as cursor:
            tables = _data_tables(cursor)
            cursor.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = %s AND tablename <> %s "
                "ORDER BY tablename",
                (pristine, _SEQUENCES),
            )
            saved = [row[0] for row in cursor.fetchall()]
            cursor.execute(f"SELECT sequencename, last_value FROM {pristine}.{_SEQUENCES} ORDER BY 1")
            sequences = cursor.fetchall()
        _connection(uri).rollback()
        # DELETE with foreign-key triggers off (replica role, this transaction only) instead of
        # TRUNCATE: on these small tables 2-10 ms against 70-200 ms (TRUNCATE swaps every table's
        # and index's files). Measured by benchmarks/postgres_reset.py.
        statements = ["SET LOCAL session_replication_role = replica"]
        statements += [f'DELETE FROM public."{table}"' for table in tables]
        statements += [f'INSERT INTO public."{table}" SELECT * FROM {pristine}."{table}"' for table in saved]
        for name, value in sequences:
            if value is None:  # never used: back to its start value
                statements.append(f'ALTER SEQUENCE public."{name}" RESTART')
            else:
                statements.append(f"SELECT setval('public.\"{name}\"', {int(value)}, true)")
        script = _RESET_SQL[uri] = ";\n".join(statements)
    return script


def reset(endpoint: ServerEndpoint) -> None:
    """Make the server's PostgreSQL store look freshly migrated again (one transaction)."""
    connection = _connection(endpoint.store_uri)
    try:
        with connection.cursor() as cursor:
            cursor.execute(_reset_sql(endpoint.store_uri, endpoint.pristine))
        connection.commit()
    except BaseException:
        connection.rollback()
        raise
