"""Local run index: run_key_hash -> {run_id, experiment_id, tracking_uri, updated_at}.

Lives at ``(config_dir or root_dir/"config").parent/outputs/cache/<index.file_name>``
(legacy-core §2.4, legacy-support §5). Writes take the ``<name>.lock`` lock when they can,
write ``<name>.tmp`` and replace the index with it.
"""

from __future__ import annotations

import json
import logging
import os
import sys
from datetime import datetime
from pathlib import Path
from typing import Any, Dict, Optional

from infrastructure.tracking.mlflow.config_loader import get_index_config
from infrastructure.tracking.mlflow.file_locking import acquire_lock, release_lock

logger = logging.getLogger(__name__)

LOCK_TIMEOUT = 10.0


def _effective_config_dir(root_dir: Path, config_dir: Optional[Path]) -> Path:
    """``config_dir`` when given (``root_dir`` is then ignored), else ``root_dir/config``."""
    return config_dir or root_dir / "config"


def get_mlflow_index_path(root_dir: Path, config_dir: Optional[Path] = None) -> Path:
    """Path of the index file; creates the cache directory (even when only reading)."""
    effective = _effective_config_dir(root_dir, config_dir)
    file_name = get_index_config(effective)["file_name"]
    cache_dir = effective.parent / "outputs" / "cache"
    cache_dir.mkdir(parents=True, exist_ok=True)
    return cache_dir / str(file_name)


def _load_index(index_path: Path) -> Dict[str, Any]:
    """The index mapping; ``{}`` when the file is missing. Corrupt JSON raises JSONDecodeError."""
    if not index_path.exists():
        return {}
    with index_path.open("r", encoding="utf-8") as handle:
        data: Dict[str, Any] = json.load(handle)
    return data


def _evict_lru(index: Dict[str, Any], max_entries: int) -> Dict[str, Any]:
    """Keep the newest ``max_entries`` by ``updated_at`` string (entries without it sort last)."""
    if len(index) <= max_entries:
        return index
    ordered = sorted(
        index.items(),
        key=lambda item: str(item[1].get("updated_at", "")) if isinstance(item[1], dict) else "",
        reverse=True,
    )
    return dict(ordered[:max_entries])


def _write_atomically(index_path: Path, index: Dict[str, Any]) -> None:
    """Write ``<name>.tmp`` then replace the index with it; remove the temp file on error."""
    tmp_path = index_path.with_suffix(".tmp")
    try:
        with tmp_path.open("w", encoding="utf-8") as handle:
            json.dump(index, handle, indent=2)
        if sys.platform == "win32" and index_path.exists():
            index_path.unlink()
        os.replace(tmp_path, index_path)
    except Exception:
        if tmp_path.exists():
            tmp_path.unlink()
        raise


def update_mlflow_index(
    root_dir: Path,
    run_key_hash: str,
    run_id: str,
    experiment_id: str,
    tracking_uri: str,
    config_dir: Optional[Path] = None,
    max_entries: Optional[int] = None,
) -> Path:
    """Record ``run_key_hash`` -> run in the index (if enabled) and return the index path."""
    if not run_key_hash or not run_id or not experiment_id or not tracking_uri:
        raise ValueError("All parameters (run_key_hash, run_id, experiment_id, tracking_uri) are required")

    index_path = get_mlflow_index_path(root_dir, config_dir)
    index_config = get_index_config(_effective_config_dir(root_dir, config_dir))
    if not index_config["enabled"]:
        return index_path
    if max_entries is None:
        max_entries = int(index_config["max_entries"])

    lock_fd = acquire_lock(index_path, timeout=LOCK_TIMEOUT)
    if lock_fd is None:
        logger.warning("Could not lock %s; updating the index without a lock", index_path)
    try:
        index = _load_index(index_path)
        index[run_key_hash] = {
            "run_id": run_id,
            "experiment_id": experiment_id,
            "tracking_uri": tracking_uri,
            "updated_at": datetime.now().isoformat(),
        }
        index = _evict_lru(index, max_entries)
        _write_atomically(index_path, index)
    finally:
        if lock_fd is not None:
            release_lock(lock_fd, index_path)
    return index_path


def find_in_mlflow_index(
    root_dir: Path,
    run_key_hash: str,
    tracking_uri: Optional[str] = None,
    config_dir: Optional[Path] = None,
) -> Optional[Dict[str, str]]:
    """Look ``run_key_hash`` up without locking; None when absent or for another tracking URI.

    Ignores ``index.enabled``. Corrupt JSON raises. Takes no ``experiment_name``.
    """
    if not run_key_hash:
        return None
    index_path = get_mlflow_index_path(root_dir, config_dir)
    if not index_path.exists():
        return None
    entry = _load_index(index_path).get(run_key_hash)
    if not entry:
        return None
    stored_uri = entry.get("tracking_uri")
    if tracking_uri and stored_uri != tracking_uri:
        logger.warning(
            "Index entry for %s has tracking_uri %s, expected %s; ignoring it",
            run_key_hash[:12],
            stored_uri,
            tracking_uri,
        )
        return None
    return {
        "run_id": entry.get("run_id"),
        "experiment_id": entry.get("experiment_id"),
        "tracking_uri": stored_uri,
    }
