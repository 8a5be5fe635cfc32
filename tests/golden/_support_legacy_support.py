"""Helpers for the finder, queries, run-name and tracker golden groups (legacy-support §3, §4, §8, §9).

Runs arranged through the client in a fixed order (the deterministic clock gives each a later
start time), lookup reports as plain dicts, and the run-name counter file with its wall-clock
values masked.
"""

from __future__ import annotations

import dataclasses
import json
import re
from pathlib import Path
from typing import Any

from mlflow.tracking import MlflowClient
from scenario_support import index_path

from mlflow_golden._normalize import canonical_message

#: A well-formed run id that no store knows (32 lowercase hex characters).
UNKNOWN_RUN_ID = "deadbeef" * 4
COUNTER_FILE_NAME = "run_name_counter.json"
_TIME_KEYS = ("reserved_at", "committed_at", "expired_at")
_EMBEDDED_ERROR = "failed: "
_PENDING = re.compile(r"^pending_\d{4}-\d\d-\d\dT[\d:.]+$")


def make_run(
    client: MlflowClient,
    experiment_id: str,
    name: str,
    *,
    tags: dict[str, str] | None = None,
    status: str | None = "FINISHED",
    deleted: bool = False,
    start_time: int | None = None,
) -> str:
    """Create a run named ``name``; end it with ``status`` (None leaves it RUNNING)."""
    run_id: str = client.create_run(
        experiment_id, run_name=name, tags=tags or {}, start_time=start_time
    ).info.run_id
    if status is not None:
        client.set_terminated(run_id, status=status)
    if deleted:
        client.delete_run(run_id)
    return run_id


def report(value: Any) -> Any:
    """A RunLookupReport as a dict (the harness snapshots only JSON data).

    An MLflow error embedded in ``error`` ("...failed: <exc>") is canonicalized like a raised
    error: the tracking server prefixes its text with the error code (INVALID_PARAMETER_VALUE: ),
    the local stores do not.
    """
    data = dataclasses.asdict(value)
    error = data.get("error")
    if isinstance(error, str) and _EMBEDDED_ERROR in error:
        head, _, tail = error.partition(_EMBEDDED_ERROR)
        data["error"] = head + _EMBEDDED_ERROR + canonical_message(tail)
    return data


def counter_path(config_dir: Path) -> Path:
    """The run-name counter file next to the local run index of ``config_dir``."""
    return index_path(config_dir).parent / COUNTER_FILE_NAME


def read_counter(config_dir: Path) -> Any:
    """The counter file's JSON, wall-clock timestamps and ``pending_<iso>`` ids masked (None if absent)."""
    path = counter_path(config_dir)
    if not path.exists():
        return None
    data = json.loads(path.read_text(encoding="utf-8"))
    for entry in data.get("allocations", []):
        for key in _TIME_KEYS:
            if entry.get(key) is not None:
                entry[key] = f"<{key}>"
        if isinstance(entry.get("run_id"), str) and _PENDING.match(entry["run_id"]):
            entry["run_id"] = "pending_<now>"
    return data
