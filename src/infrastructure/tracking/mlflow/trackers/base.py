"""Shared tracker plumbing: stage switch, guarded run start, base tags, index update, artifact upload.

Every ``start_*_run`` follows one lifecycle (``tracked_run``): a disabled stage yields None
without a run; a failed ``mlflow.start_run`` yields None; a failed setup ends the started run
FAILED and yields None; otherwise the ActiveRun is yielded once and ends FINISHED, or FAILED
when the body raises (the exception propagates).
"""

from __future__ import annotations

import hashlib
import json
import os
import tarfile
import tempfile
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Dict, Optional

import mlflow
from mlflow.environment_variables import MLFLOW_RUN_ID
from mlflow.tracking import MlflowClient

from infrastructure.naming.context import NamingContext
from infrastructure.naming.mlflow.run_keys import build_mlflow_run_key, build_mlflow_run_key_hash
from infrastructure.tracking.mlflow.config_loader import get_tracking_config
from infrastructure.tracking.mlflow.index import update_mlflow_index
from infrastructure.tracking.mlflow.masked_logging import get_logger
from infrastructure.tracking.mlflow.utils import infer_config_dir_from_path, retry_with_backoff

logger = get_logger(__name__)

#: Retry budgets (retries after the first attempt, base delay in seconds) per upload kind:
#: 5, 3 and 3 calls at most, as before max_retries counted retries.
ARTIFACT_RETRY = (4, 2.0)
CONVERSION_RETRY = (2, 2.0)
MANIFEST_RETRY = (2, 1.0)


def is_stage_enabled(stage: str, config_dir: Optional[Path]) -> bool:
    """``tracking.<stage>.enabled`` (default True); config errors count as enabled."""
    try:
        return bool(get_tracking_config(config_dir, stage=stage).get("enabled", True))
    except Exception as exc:
        logger.warning("Could not read tracking config for %s: %s", stage, exc)
        return True


def stage_option(stage: str, option: str, config_dir: Optional[Path], default: bool = True) -> bool:
    """A boolean ``tracking.<stage>.<option>`` (default ``default``); config errors give the default."""
    try:
        return bool(get_tracking_config(config_dir, stage=stage).get(option, default))
    except Exception as exc:
        logger.warning("Could not read tracking config %s.%s: %s", stage, option, exc)
        return default


@contextmanager
def tracked_run(
    run_name: str,
    stage: str,
    config_dir: Optional[Path],
    setup: Callable[[Any], None],
    tags: Optional[Callable[[], Dict[str, Any]]] = None,
) -> Iterator[Optional[Any]]:
    """Run ``mlflow.start_run(run_name=..., tags=tags())``, apply ``setup(active_run)``, yield the
    ActiveRun once.

    A new run is created with its tags (no separate tag write); a run resumed through
    ``MLFLOW_RUN_ID`` gets them in one ``set_tags`` right after the start, before ``setup``. When
    ``tags()`` raises, the run is started without them and ends FAILED, as when ``setup`` raises.
    """
    if not is_stage_enabled(stage, config_dir):
        logger.info("MLflow tracking disabled for stage %s; no run created", stage)
        yield None
        return
    run_tags: Optional[Dict[str, Any]] = None
    tags_error: Optional[Exception] = None
    try:
        run_tags = tags() if tags is not None else None
    except Exception as exc:
        tags_error = exc
    creating = not os.environ.get(MLFLOW_RUN_ID.name)  # else start_run resumes that run
    try:
        active_run = mlflow.start_run(run_name=run_name, tags=run_tags if creating else None)
    except Exception as exc:
        logger.warning("Could not start MLflow run %r: %s", run_name, exc)
        yield None
        return
    try:
        if tags_error is not None:
            raise tags_error
        if run_tags and not creating:
            mlflow.set_tags(run_tags)
        setup(active_run)
    except Exception as exc:
        logger.warning("Setting up MLflow run %r failed: %s; ending it FAILED", run_name, exc)
        mlflow.end_run(status="FAILED")
        yield None
        return
    with active_run:
        yield active_run


def log_metrics_batched(metrics: Iterable[tuple[str, float]]) -> None:
    """Log ``(key, value)`` pairs to the active run in one ``mlflow.log_metrics`` call (step 0).

    Stores what the legacy ``mlflow.log_metric`` per pair stored: a key that repeats flushes the
    pairs before it first (both values stay in the key's history), and when the iterable raises
    midway the pairs produced before it still land, then the error propagates.
    """
    pending: Dict[str, float] = {}
    try:
        for key, value in metrics:
            if key in pending:
                batch, pending = pending, {}
                mlflow.log_metrics(batch)
            pending[key] = value
    finally:
        if pending:
            mlflow.log_metrics(pending)


class BaseTracker:
    """Binds an experiment on the current tracking URI (the URI itself is left alone)."""

    def __init__(self, experiment_name: str) -> None:
        self.experiment_name = experiment_name
        try:
            mlflow.set_experiment(experiment_name)
        except Exception as exc:
            logger.warning("Could not set MLflow experiment %r: %s", experiment_name, exc)


def update_index_for_run(context: Optional[NamingContext], run: Any, output_dir: Optional[Path]) -> None:
    """Record the run in the local index under the context's run key; every error is swallowed."""
    if context is None:
        return
    try:
        config_dir = infer_config_dir_from_path(output_dir)
        run_key_hash = build_mlflow_run_key_hash(build_mlflow_run_key(context))
        update_mlflow_index(
            root_dir=config_dir.parent,
            run_key_hash=run_key_hash,
            run_id=run.info.run_id,
            experiment_id=run.info.experiment_id,
            tracking_uri=mlflow.get_tracking_uri(),
            config_dir=config_dir,
        )
    except Exception as exc:
        logger.warning("Could not update the MLflow index: %s", exc)


def log_artifact_with_retry(
    local_path: Path,
    artifact_path: Optional[str] = None,
    run_id: Optional[str] = None,
    retry: tuple[int, float] = ARTIFACT_RETRY,
) -> None:
    """Upload one file to ``run_id`` (client) or to the active run (fluent), retrying transient errors."""
    retries, base_delay = retry

    def upload() -> None:
        if run_id is not None:
            MlflowClient().log_artifact(run_id, str(local_path), artifact_path)
        else:
            mlflow.log_artifact(str(local_path), artifact_path)

    retry_with_backoff(
        upload, max_retries=retries, base_delay=base_delay, operation_name=f"upload {local_path.name}"
    )


def build_manifest(directory: Path) -> Dict[str, Any]:
    """``{"file_count", "total_size", "files": [{"path", "size", "sha256"}]}`` for a directory tree."""
    files: list[Dict[str, Any]] = []
    for path in sorted(p for p in directory.rglob("*") if p.is_file()):
        data = path.read_bytes()
        files.append(
            {
                "path": path.relative_to(directory).as_posix(),
                "size": len(data),
                "sha256": hashlib.sha256(data).hexdigest(),
            }
        )
    return {
        "file_count": len(files),
        "total_size": sum(int(f["size"]) for f in files),
        "files": files,
    }


def write_archive(source_dir: Path, archive_path: Path) -> Path:
    """tar.gz of ``source_dir`` (entries relative to it) at ``archive_path``."""
    with tarfile.open(archive_path, "w:gz") as archive:
        archive.add(source_dir, arcname=".")
    return archive_path


def upload_directory_archive(
    source_dir: Path,
    archive_name: str,
    manifest_name: str,
    archive_artifact_path: Optional[str] = None,
    run_id: Optional[str] = None,
) -> bool:
    """Archive ``source_dir`` and upload the archive and its JSON manifest; False if the dir is missing."""
    if not source_dir.is_dir():
        logger.warning("Checkpoint directory %s not found; nothing uploaded", source_dir)
        return False
    with tempfile.TemporaryDirectory() as tmp:
        tmp_dir = Path(tmp)
        archive = write_archive(source_dir, tmp_dir / archive_name)
        manifest = tmp_dir / manifest_name
        manifest.write_text(json.dumps(build_manifest(source_dir), indent=2), encoding="utf-8")
        log_artifact_with_retry(archive, archive_artifact_path, run_id, ARTIFACT_RETRY)
        log_artifact_with_retry(manifest, None, run_id, MANIFEST_RETRY)
    return True
