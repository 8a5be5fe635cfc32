"""The workload's REST calls per endpoint, pinned: a small instance measured against a committed file.

The pinned instance is 3 trials x 2 folds of the benchmark's workload (refit, final training with
lineage, ``apply_lineage_tags``, benchmark, conversion) with this checkout's code, on the harness's
``mlflow server`` over sqlite, started for the measurement and stopped after it. The counts are
exact (the workload is deterministic), so ``tests/perf`` fails on any change, up or down, with a
per-endpoint diff; ``python benchmarks/workload_calls.py --write`` rewrites the file after a
deliberate cut (and refuses a higher total without ``--allow-increase``).
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Mapping
from pathlib import Path

from .runner import ROOT, Workload, current_code, run_worker
from .servers import running_servers

EXPECTED_FILE = ROOT / "tests" / "perf" / "workload_calls.json"
PINNED = Workload(trials=3, folds=2)
STORE = "sqlite"
SCHEMA = 1


def measure(workload: Workload = PINNED, store: str = STORE) -> dict[str, int]:
    """REST calls per ``METHOD /endpoint`` of one run of the workload with this checkout's code."""
    with (
        tempfile.TemporaryDirectory(prefix="workload-calls-") as scratch,
        running_servers([store]) as servers,
    ):
        result = run_worker(current_code(), servers[store], workload, Path(scratch), snapshot=False)
    return {endpoint: int(count) for endpoint, count in sorted(result["rest_calls"].items())}


def read_expected(path: Path = EXPECTED_FILE) -> dict[str, int]:
    data = json.loads(path.read_text(encoding="utf-8"))
    if data.get("schema") != SCHEMA:
        raise ValueError(f"{path}: unknown schema {data.get('schema')!r}")
    calls: dict[str, int] = data["rest_calls"]
    return calls


def write_expected(calls: Mapping[str, int], path: Path = EXPECTED_FILE) -> None:
    data = {
        "schema": SCHEMA,
        "workload": {"trials": PINNED.trials, "folds": PINNED.folds, "server_store": STORE},
        "total": sum(calls.values()),
        "rest_calls": dict(sorted(calls.items())),
    }
    path.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")


def differences(expected: Mapping[str, int], actual: Mapping[str, int]) -> list[str]:
    """One line per endpoint whose count changed, then the totals; empty when equal."""
    lines = []
    for endpoint in sorted(set(expected) | set(actual)):
        before, now = expected.get(endpoint, 0), actual.get(endpoint, 0)
        if before != now:
            lines.append(f"{endpoint}: pinned {before}, now {now} ({now - before:+d})")
    if lines:
        before, now = sum(expected.values()), sum(actual.values())
        lines.append(f"total: pinned {before}, now {now} ({now - before:+d})")
    return lines
