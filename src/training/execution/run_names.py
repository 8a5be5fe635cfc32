"""Training run names: env override, else the naming policy, else a fixed fallback pattern."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Dict, Optional

from mlflow.exceptions import MlflowException
from mlflow.tracking import MlflowClient

from infrastructure.naming.context import NamingContext
from infrastructure.naming.mlflow.run_names import build_mlflow_run_name
from infrastructure.naming.platform import detect_platform
from infrastructure.tracking.mlflow.hash_utils import NO_SUCH_RUN_ERROR_CODES
from infrastructure.tracking.mlflow.masked_logging import get_logger
from infrastructure.tracking.mlflow.utils import infer_config_dir_from_path

logger = get_logger(__name__)

RUN_NAME_ENV = "MLFLOW_RUN_NAME"
HPO_TRIAL_TYPES = ("hpo_trial", "hpo_trial_fold")


def _parent_study_hash_and_model(parent_run_id: str) -> tuple[Optional[str], Optional[str]]:
    """``code.study_key_hash`` and ``code.model`` tags of the parent run; (None, None) when it cannot be read.

    A parent that does not exist is logged at debug; any other error (network, server,
    permissions) at warning with its reason, since the name then lacks the parent's hash and model.
    """
    try:
        tags = MlflowClient().get_run(parent_run_id).data.tags
    except Exception as exc:
        missing = isinstance(exc, MlflowException) and exc.error_code in NO_SUCH_RUN_ERROR_CODES
        log = logger.debug if missing else logger.warning
        log("Could not read parent run %s (%s); naming without its study hash and model", parent_run_id, exc)
        return None, None
    return tags.get("code.study_key_hash"), tags.get("code.model")


def _systematic_name(
    process_type: str,
    config: Optional[Dict[str, Any]],
    output_dir: Optional[Path],
    backbone: Optional[str],
    model: Optional[str],
    trial_number: Optional[int],
    fold_idx: Optional[int],
    study_key_hash: Optional[str],
    config_dir: Path,
) -> Optional[str]:
    """Policy name, or None when the inputs do not allow one (errors are handled by the caller)."""
    if process_type == "final_training":
        if not config or not backbone:
            return None
        fingerprints = config["fingerprints"]
        context = NamingContext(
            process_type="final_training",
            model=backbone,
            environment=detect_platform(),
            spec_fp=fingerprints["spec_fp"],
            exec_fp=fingerprints["exec_fp"],
            variant=int(fingerprints.get("variant", 1)),
        )
        return build_mlflow_run_name(context, config_dir=config_dir, output_dir=output_dir)
    if process_type in HPO_TRIAL_TYPES:
        if not model and not study_key_hash:
            return None
        context = NamingContext(
            process_type="hpo",
            model=model or "unknown",
            environment=detect_platform(),
            trial_id=f"trial_{trial_number}" if trial_number is not None else "trial_0",
            trial_number=trial_number,
            fold_idx=fold_idx,
            study_key_hash=study_key_hash,
        )
        return build_mlflow_run_name(context, config_dir=config_dir, output_dir=output_dir)
    return None


def _fallback_name(
    process_type: str,
    backbone: Optional[str],
    model: Optional[str],
    trial_number: Optional[int],
    fold_idx: Optional[int],
    study_key_hash: Optional[str],
    run_id: Optional[str],
) -> str:
    env = detect_platform()
    if process_type == "final_training":
        name = f"{env}_{backbone or 'unknown'}_training_{(run_id or 'unknown')[:8]}"
        for char in ("/", "\\", ":"):
            name = name.replace(char, "_")
        return name
    if process_type in HPO_TRIAL_TYPES:
        study = study_key_hash[:8] if study_key_hash else "unknown"
        name = f"{env}_{model or 'unknown'}_hpo_trial_study-{study}_t{str(trial_number or 0).zfill(2)}"
        if fold_idx is not None:
            name += f"_fold{fold_idx}"
        return name
    return f"training_run_{process_type}"


def build_training_run_name_with_fallback(
    process_type: str,
    config: Optional[Dict[str, Any]] = None,
    output_dir: Optional[Path] = None,
    backbone: Optional[str] = None,
    model: Optional[str] = None,
    trial_number: Optional[int] = None,
    fold_idx: Optional[int] = None,
    study_key_hash: Optional[str] = None,
    run_id: Optional[str] = None,
    parent_run_id: Optional[str] = None,
    config_dir: Optional[Path] = None,
) -> str:
    """Run name for a training subprocess.

    Order: non-empty env ``MLFLOW_RUN_NAME``; the naming-policy name (final_training, hpo_trial,
    hpo_trial_fold; any error means "no name"); a fixed fallback pattern. For HPO trials a missing
    study hash or model is first taken from the parent run's tags (used by both name paths).
    """
    override = os.environ.get(RUN_NAME_ENV)
    if override:
        return override
    if process_type in HPO_TRIAL_TYPES and parent_run_id and (not study_key_hash or not model):
        parent_hash, parent_model = _parent_study_hash_and_model(parent_run_id)
        study_key_hash = study_key_hash or parent_hash
        model = model or parent_model
    try:
        name = _systematic_name(
            process_type,
            config,
            output_dir,
            backbone,
            model,
            trial_number,
            fold_idx,
            study_key_hash,
            config_dir or infer_config_dir_from_path(output_dir),
        )
    except Exception as exc:
        logger.warning("Could not build a systematic run name for %s: %s", process_type, exc)
        name = None
    if name:
        return name
    return _fallback_name(process_type, backbone, model, trial_number, fold_idx, study_key_hash, run_id)
