"""Local run index: run_key_hash -> {run_id, experiment_id, tracking_uri, updated_at}.

Lives at ``(config_dir or root_dir/"config").parent/outputs/cache/<index.file_name>``
(legacy-core §2.4, legacy-support §5). Writes hold the cross-process lock for the whole
read-modify-write and replace the file atomically, so parallel writers lose no entry and
lock-free readers never see a partial file; a lock timeout raises and writes nothing. The
tracking URI is stored (and compared) in its masked form: credentials never reach the file.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any, Dict, Optional

from infrastructure.tracking.mlflow.atomic_json import write_json_atomically
from infrastructure.tracking.mlflow.config_loader import get_index_config
from infrastructure.tracking.mlflow.file_locking import DEFAULT_TIMEOUT, exclusive_lock
from infrastructure.tracking.mlflow.masked_logging import get_logger
from infrastructure.tracking.mlflow.uri_masking import mask_tracking_uri

logger = get_logger(__name__)

LOCK_TIMEOUT = DEFAULT_TIMEOUT


def _effective_config_dir(root_dir: Path, config_dir: Optional[Path]) -> Path:
    """``config_dir`` when given (``root_dir`` is then ignored), else ``root_dir/config``."""
    return config_dir or root_dir / "config"


def get_mlflow_index_path(root_dir: Path, config_dir: Optional[Path] = None) -> Path:
    """Path of the index file; creates nothing (the writer creates the cache folder)."""
    effective = _effective_config_dir(root_dir, config_dir)
    return effective.parent / "outputs" / "cache" / str(get_index_config(effective)["file_name"])


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


def update_mlflow_index(
    root_dir: Path,
    run_key_hash: str,
    run_id: str,
    experiment_id: str,
    tracking_uri: str,
    config_dir: Optional[Path] = None,
    max_entries: Optional[int] = None,
) -> Path:
    """Record ``run_key_hash`` -> run in the index (if enabled) and return the index path.

    Creates the cache folder only when it writes (a disabled index creates nothing).

    Raises ``LockTimeoutError`` (nothing written) when the lock is not acquired in time.
    """
    if not run_key_hash or not run_id or not experiment_id or not tracking_uri:
        raise ValueError("All parameters (run_key_hash, run_id, experiment_id, tracking_uri) are required")

    index_path = get_mlflow_index_path(root_dir, config_dir)
    index_config = get_index_config(_effective_config_dir(root_dir, config_dir))
    if not index_config["enabled"]:
        return index_path
    if max_entries is None:
        max_entries = int(index_config["max_entries"])

    index_path.parent.mkdir(parents=True, exist_ok=True)
    with exclusive_lock(index_path, timeout=LOCK_TIMEOUT):
        index = _load_index(index_path)
        index[run_key_hash] = {
            "run_id": run_id,
            "experiment_id": experiment_id,
            "tracking_uri": mask_tracking_uri(tracking_uri),
            "updated_at": datetime.now().isoformat(),
        }
        write_json_atomically(index_path, _evict_lru(index, max_entries))
    return index_path


def find_in_mlflow_index(
    root_dir: Path,
    run_key_hash: str,
    tracking_uri: Optional[str] = None,
    config_dir: Optional[Path] = None,
) -> Optional[Dict[str, str]]:
    """Look ``run_key_hash`` up without locking or creating folders; None when absent or for another URI.

    URIs are compared (and returned, and logged) masked. Ignores ``index.enabled``. Corrupt JSON
    raises. Takes no ``experiment_name``.
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
    if stored_uri is not None:
        stored_uri = mask_tracking_uri(str(stored_uri))
    if tracking_uri and stored_uri != mask_tracking_uri(tracking_uri):
        logger.warning(
            "Index entry for %s has tracking_uri %s, expected %s; ignoring it",
            run_key_hash[:12],
            stored_uri,
            mask_tracking_uri(tracking_uri),
        )
        return None
    return {
        "run_id": entry.get("run_id"),
        "experiment_id": entry.get("experiment_id"),
        "tracking_uri": stored_uri,
    }
