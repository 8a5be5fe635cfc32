"""Cost of the postgres backend's pieces: starting a migrated cluster, and one reset per test.

    .venv/bin/python benchmarks/postgres_reset.py [--repeat N]

Starts a ``PostgresServerStore`` (initdb, postgres, MLflow's migrations, pristine copy) and times
it, then resets it N times two ways, each after writing what a small scenario writes (an
experiment, a parent and two child runs with tags, params and metrics) straight into the tables:

- delete: the harness's reset (DELETE from every table with foreign-key triggers off, pristine
  rows and sequences restored), one transaction;
- truncate: the same with one ``TRUNCATE ... CASCADE`` of every table instead of the DELETEs.

Prints the medians (ms). Run on a quiet machine: a shared one only gives the ratio.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from mlflow_golden import _postgres as postgres
from mlflow_golden._server import ServerEndpoint

_SCENARIO_ROWS = """
INSERT INTO experiments (experiment_id, name, workspace, artifact_location, lifecycle_stage,
    creation_time, last_update_time) VALUES (1, 'hpo', 'default', '', 'active', 1, 1);
INSERT INTO runs (run_uuid, name, experiment_id, status, start_time, lifecycle_stage, source_type,
    source_name, entry_point_name, user_id, source_version, artifact_uri)
    SELECT 'r' || n, 'trial_' || n, 1, 'FINISHED', n, 'active', 'LOCAL', '', '', 'u', '', ''
    FROM generate_series(1, 3) AS n;
INSERT INTO tags (key, value, run_uuid) SELECT 'trial', 'x', 'r' || n FROM generate_series(1, 3) AS n;
INSERT INTO params (key, value, run_uuid) SELECT 'lr', '0.1', 'r' || n FROM generate_series(1, 3) AS n;
"""


def _truncating(script: str) -> str:
    """The harness's reset script with its DELETEs replaced by one TRUNCATE of the same tables."""
    statements = script.split(";\n")
    deletes = [s.removeprefix("DELETE FROM ") for s in statements if s.startswith("DELETE FROM ")]
    rest = [s for s in statements[1:] if not s.startswith("DELETE FROM ")]
    return ";\n".join([f"TRUNCATE {', '.join(deletes)} CASCADE", *rest])


def _time_resets(endpoint: ServerEndpoint, repeat: int) -> float:
    connection: Any = postgres._connection(endpoint.store_uri)
    seconds = []
    for _ in range(repeat):
        with connection.cursor() as cursor:
            cursor.execute(_SCENARIO_ROWS)
        connection.commit()
        began = time.perf_counter()
        postgres.reset(endpoint)
        seconds.append(time.perf_counter() - began)
    return 1000 * statistics.median(seconds)


def main(argv: list[str] | None = None) -> int:
    formatter = argparse.RawDescriptionHelpFormatter
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=formatter)
    parser.add_argument("--repeat", type=int, default=30)
    args = parser.parse_args(argv)
    directory = Path(tempfile.mkdtemp(prefix="mlflow-golden-bench-"))
    store = postgres.PostgresServerStore()
    try:
        began = time.monotonic()
        uri, pristine = store.prepare(directory, directory / "artifacts")
        started = time.monotonic() - began
        endpoint = ServerEndpoint("http://unused", uri, pristine, "postgres")
        postgres.reset(endpoint)  # builds and caches the reset script
        delete_ms = _time_resets(endpoint, args.repeat)
        postgres._RESET_SQL[uri] = _truncating(postgres._RESET_SQL[uri])
        truncate_ms = _time_resets(endpoint, args.repeat)
    finally:
        store.close()
        shutil.rmtree(directory, ignore_errors=True)
    print(f"cluster ready (initdb, start, migrate, pristine copy): {started:.1f} s")
    print(f"reset, median of {args.repeat}: delete {delete_ms:.1f} ms, truncate {truncate_ms:.1f} ms")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
