"""MLflow tracker for final/continued training runs (stage ``training``)."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Dict, Mapping, Optional

import mlflow

from infrastructure.naming.context import NamingContext
from infrastructure.naming.mlflow.run_keys import build_mlflow_run_key, build_mlflow_run_key_hash
from infrastructure.naming.mlflow.tags import build_mlflow_tags
from infrastructure.tracking.mlflow.masked_logging import get_logger
from infrastructure.tracking.mlflow.trackers.base import (
    ARTIFACT_RETRY,
    BaseTracker,
    log_artifact_with_retry,
    log_metrics_batched,
    stage_option,
    tracked_run,
    update_index_for_run,
    upload_directory_archive,
)
from infrastructure.tracking.mlflow.uri_masking import mask_tracking_uri
from infrastructure.tracking.mlflow.utils import infer_config_dir_from_path

logger = get_logger(__name__)

STAGE = "training"
METADATA_FILE_NAME = "metadata.json"


def _training_section(config: Mapping[str, Any]) -> Mapping[str, Any]:
    section = config.get("training")
    return section if isinstance(section, Mapping) else config


def _backbone(config: Mapping[str, Any]) -> Any:
    model = config.get("model")
    if isinstance(model, Mapping):
        return model.get("backbone")
    return config.get("backbone")


def _merge_mlflow_metadata(output_dir: Path, context: NamingContext, run: Any) -> None:
    """Merge ``{"mlflow": {run_id, experiment_id, tracking_uri, run_key, run_key_hash}}`` into metadata.

    The tracking URI is written masked (no credentials in files).
    """
    path = Path(output_dir) / METADATA_FILE_NAME
    metadata: Dict[str, Any] = {}
    if path.exists():
        metadata = json.loads(path.read_text(encoding="utf-8"))
    run_key = build_mlflow_run_key(context)
    metadata["mlflow"] = {
        "run_id": run.info.run_id,
        "experiment_id": run.info.experiment_id,
        "tracking_uri": mask_tracking_uri(mlflow.get_tracking_uri()),
        "run_key": run_key,
        "run_key_hash": build_mlflow_run_key_hash(run_key),
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(metadata, indent=2), encoding="utf-8")


class MLflowTrainingTracker(BaseTracker):
    """Training runs: base tags, params, metrics, checkpoint/metrics artifacts."""

    @contextmanager
    def start_training_run(
        self,
        run_name: str,
        backbone: Optional[str] = None,
        training_type: str = "final",
        context: Optional[NamingContext] = None,
        output_dir: Optional[Path] = None,
        parent_run_id: Optional[str] = None,
        group_id: Optional[str] = None,
    ) -> Iterator[Optional[Any]]:
        """Start a training run; yields the ActiveRun, or None when disabled or setup failed.

        ``backbone`` is unused (legacy signature). No ``code.run_key_hash`` tag is written.
        """
        config_dir = infer_config_dir_from_path(output_dir)

        def tags() -> Dict[str, Any]:
            run_tags = build_mlflow_tags(
                context=context,
                output_dir=output_dir,
                parent_run_id=parent_run_id,
                group_id=group_id,
                config_dir=config_dir,
            )
            run_tags["mlflow.runType"] = "training"
            run_tags["training_type"] = training_type
            return run_tags

        def setup(active_run: Any) -> None:
            update_index_for_run(context, active_run, output_dir)
            if context is not None and output_dir is not None:
                try:
                    _merge_mlflow_metadata(output_dir, context, active_run)
                except Exception as exc:
                    logger.warning("Could not write MLflow info to metadata.json: %s", exc)

        with tracked_run(run_name, STAGE, config_dir, setup, tags) as run:
            yield run

    def log_training_parameters(
        self,
        config: Mapping[str, Any],
        data_config: Optional[Mapping[str, Any]] = None,
        source_checkpoint: Optional[str] = None,
        data_strategy: Optional[str] = None,
        random_seed: Optional[int] = None,
    ) -> None:
        """Log hyperparameters and data/provenance params (None values are skipped) to the active run.

        Stops at the first error (so only some params may be logged) and only warns.
        """
        training = _training_section(config)
        data = data_config or {}
        params: Dict[str, Any] = {
            "learning_rate": training.get("learning_rate"),
            "batch_size": training.get("batch_size"),
            "dropout": training.get("dropout"),
            "weight_decay": training.get("weight_decay"),
            "epochs": training.get("epochs"),
            "backbone": _backbone(config),
            "data_version": data.get("version"),
            "dataset_path": data.get("local_path"),
            "training_type": "continued" if source_checkpoint else "final",
            "source_checkpoint": source_checkpoint,
            "data_strategy": data_strategy,
            "random_seed": random_seed,
        }
        try:
            for key, value in params.items():
                if value is not None:
                    mlflow.log_param(key, value)
        except Exception as exc:
            logger.warning("Could not log training parameters: %s", exc)

    def log_training_metrics(
        self,
        metrics: Mapping[str, float],
        per_entity_metrics: Optional[Mapping[str, Mapping[str, float]]] = None,
    ) -> None:
        """Log metrics (no step) and per-entity metrics as ``{entity}_{metric}`` to the active run."""

        def pairs() -> Iterator[tuple[str, float]]:
            for key, value in metrics.items():
                yield key, float(value)
            for entity, entity_metrics in (per_entity_metrics or {}).items():
                for key, value in entity_metrics.items():
                    yield f"{entity}_{key}", float(value)

        try:
            log_metrics_batched(pairs())
        except Exception as exc:
            logger.warning("Could not log training metrics: %s", exc)

    def log_training_artifacts(
        self,
        checkpoint_dir: Optional[Path] = None,
        metrics_json_path: Optional[Path] = None,
        log_checkpoint: bool = True,
        log_metrics_json: bool = True,
    ) -> None:
        """Upload ``checkpoint.tar.gz/checkpoint_<random>.tar.gz``, ``checkpoint_manifest.json`` and
        ``metrics.json/`` to the active run.

        The checkpoint honours ``log_checkpoint`` and ``tracking.training.log_checkpoint``; the
        ``log_metrics_json`` flag is ignored (legacy). Upload errors only warn.
        """
        try:
            if checkpoint_dir is not None:
                config_dir = infer_config_dir_from_path(Path(checkpoint_dir))
                if log_checkpoint and stage_option(STAGE, "log_checkpoint", config_dir):
                    upload_directory_archive(
                        Path(checkpoint_dir),
                        archive_name=f"checkpoint_{uuid.uuid4().hex[:8]}.tar.gz",
                        manifest_name="checkpoint_manifest.json",
                        archive_artifact_path="checkpoint.tar.gz",
                    )
            if metrics_json_path is not None and Path(metrics_json_path).is_file():
                log_artifact_with_retry(Path(metrics_json_path), "metrics.json", None, ARTIFACT_RETRY)
        except Exception as exc:
            logger.warning("Could not log training artifacts: %s", exc)
