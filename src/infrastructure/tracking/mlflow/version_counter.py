"""Run-name version counter: reserve/commit ``_N`` suffix numbers per counter key in a JSON file.

File: ``<index cache dir>/run_name_counter.json`` =
``{"allocations": [{counter_key, version, run_id, status, reserved_at, committed_at, expired_at?}]}``,
status in reserved|committed|expired. Entries are never removed. Timestamps are naive local
``isoformat()``; every function takes an optional ``now`` clock so callers can control time.

Every read-modify-write holds the cross-process lock and replaces the file atomically, so
parallel reservations get distinct versions and none is lost. Reserve and commit raise
``LockTimeoutError`` (nothing written) when the lock is not acquired in time.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Dict, List, Optional

from infrastructure.tracking.mlflow.atomic_json import write_json_atomically
from infrastructure.tracking.mlflow.file_locking import DEFAULT_TIMEOUT, LockTimeoutError, exclusive_lock
from infrastructure.tracking.mlflow.index import get_mlflow_index_path
from infrastructure.tracking.mlflow.masked_logging import get_logger

logger = get_logger(__name__)

COUNTER_FILE_NAME = "run_name_counter.json"
LOCK_TIMEOUT_SECONDS = DEFAULT_TIMEOUT
RESERVED = "reserved"
COMMITTED = "committed"
EXPIRED = "expired"
PENDING_RUN_ID = "pending"

Clock = Callable[[], datetime]


def get_run_name_counter_path(root_dir: Path, config_dir: Optional[Path] = None) -> Path:
    """Counter file next to the local run index; creates nothing (writers create the cache folder)."""
    return get_mlflow_index_path(root_dir, config_dir).parent / COUNTER_FILE_NAME


def _load(path: Path) -> Dict[str, Any]:
    """Counter data; a missing file is empty, a corrupt one raises ``JSONDecodeError``."""
    if not path.exists():
        return {"allocations": []}
    with path.open("r", encoding="utf-8") as handle:
        data: Dict[str, Any] = json.load(handle)
    data.setdefault("allocations", [])
    return data


def _latest_per_version(allocations: List[Dict[str, Any]], counter_key: str) -> List[Dict[str, Any]]:
    """This key's allocations, one per version: the one with the newest ``reserved_at``."""
    latest: Dict[int, Dict[str, Any]] = {}
    for entry in allocations:
        if entry.get("counter_key") != counter_key:
            continue
        version = int(entry["version"])
        current = latest.get(version)
        if current is None or str(entry.get("reserved_at") or "") >= str(current.get("reserved_at") or ""):
            latest[version] = entry
    return list(latest.values())


def _next_version(entries: List[Dict[str, Any]]) -> int:
    """``max(committed)+1`` (1 when nothing is committed), skipping reserved and expired versions."""
    committed = [int(e["version"]) for e in entries if e.get("status") == COMMITTED]
    taken = {int(e["version"]) for e in entries if e.get("status") in (RESERVED, EXPIRED)}
    version = max(committed) + 1 if committed else 1
    while version in taken:
        version += 1
    return version


def reserve_run_name_version(
    counter_key: str,
    run_id: str,
    root_dir: Path,
    config_dir: Optional[Path] = None,
    *,
    now: Optional[Clock] = None,
) -> int:
    """Reserve the next version for ``counter_key`` (or return the one ``run_id`` already reserved)."""
    clock = now or datetime.now
    path = get_run_name_counter_path(root_dir, config_dir)
    path.parent.mkdir(parents=True, exist_ok=True)
    with exclusive_lock(path, timeout=LOCK_TIMEOUT_SECONDS):
        data = _load(path)
        entries = _latest_per_version(data["allocations"], counter_key)
        for entry in entries:
            if entry.get("run_id") == run_id and entry.get("status") == RESERVED:
                return int(entry["version"])
        version = _next_version(entries)
        data["allocations"].append(
            {
                "counter_key": counter_key,
                "version": version,
                "run_id": run_id,
                "status": RESERVED,
                "reserved_at": clock().isoformat(),
                "committed_at": None,
            }
        )
        write_json_atomically(path, data)
        return version


def commit_run_name_version(
    counter_key: str,
    run_id: str,
    version: int,
    root_dir: Path,
    config_dir: Optional[Path] = None,
    *,
    now: Optional[Clock] = None,
) -> bool:
    """Mark the first reserved ``(counter_key, version)`` entry committed; the file is always rewritten.

    The entry's run id becomes ``run_id`` unless that is ``"pending"`` and the stored one is not.
    Returns whether an entry matched.
    """
    clock = now or datetime.now
    path = get_run_name_counter_path(root_dir, config_dir)
    path.parent.mkdir(parents=True, exist_ok=True)
    with exclusive_lock(path, timeout=LOCK_TIMEOUT_SECONDS):
        data = _load(path)
        matched = False
        for entry in data["allocations"]:
            if (
                entry.get("counter_key") == counter_key
                and int(entry.get("version", -1)) == version
                and entry.get("status") == RESERVED
            ):
                entry["status"] = COMMITTED
                entry["committed_at"] = clock().isoformat()
                if not (run_id == PENDING_RUN_ID and entry.get("run_id") != PENDING_RUN_ID):
                    entry["run_id"] = run_id
                matched = True
                break
        write_json_atomically(path, data)
        return matched


def cleanup_stale_reservations(
    root_dir: Path,
    config_dir: Optional[Path] = None,
    stale_minutes: int = 30,
    *,
    now: Optional[Clock] = None,
) -> int:
    """Expire reservations older than ``stale_minutes``; return how many were expired.

    Returns 0 without touching anything when the file is missing or cannot be locked; writes
    only when something changed.
    """
    clock = now or datetime.now
    path = get_run_name_counter_path(root_dir, config_dir)
    if not path.exists():
        return 0
    try:
        with exclusive_lock(path, timeout=LOCK_TIMEOUT_SECONDS):
            return _expire_stale(path, clock(), stale_minutes)
    except LockTimeoutError:
        logger.warning("Could not lock %s; skipping stale-reservation cleanup", path)
        return 0


def _expire_stale(path: Path, current: datetime, stale_minutes: int) -> int:
    """Mark reserved entries older than ``stale_minutes`` expired (the caller holds the lock)."""
    data = _load(path)
    cutoff = current - timedelta(minutes=stale_minutes)
    expired = 0
    for entry in data["allocations"]:
        if entry.get("status") != RESERVED:
            continue
        try:
            reserved_at = datetime.fromisoformat(str(entry.get("reserved_at")))
        except ValueError:
            continue
        if reserved_at < cutoff:
            entry["status"] = EXPIRED
            entry["expired_at"] = current.isoformat()
            expired += 1
    if expired:
        write_json_atomically(path, data)
    return expired
