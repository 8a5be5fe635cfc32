"""Read grouping hashes from MLflow runs and compute study/trial key hashes from configs.

Readers return None when the run has no such tag or does not exist; any other error (network,
server, permissions, a broken tag registry) propagates. Calculators never raise: an error yields
None.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Dict, Mapping, Optional, cast

from mlflow.exceptions import MlflowException
from mlflow.tracking import MlflowClient

from infrastructure.naming.mlflow import hpo_keys
from infrastructure.naming.mlflow.tag_keys import get_tag_key
from infrastructure.tracking.mlflow.masked_logging import get_logger

logger = get_logger(__name__)


#: MLflow error codes of ``get_run`` that mean "no such run": an unknown id, or one the store
#: rejects as malformed (the file store validates ids, the SQL stores only look them up).
NO_SUCH_RUN_ERROR_CODES = frozenset({"RESOURCE_DOES_NOT_EXIST", "INVALID_PARAMETER_VALUE"})


def _get_hash_from_run(
    name: str, run_id: str, mlflow_client: MlflowClient, config_dir: Optional[Path]
) -> Optional[str]:
    """First of tags code.<name>, code.grouping.<name>, registry key grouping.<name> (with config_dir).

    None when the run does not exist; every other error of ``get_run`` propagates.
    """
    try:
        tags: Dict[str, str] = mlflow_client.get_run(run_id).data.tags
    except MlflowException as exc:
        if exc.error_code not in NO_SUCH_RUN_ERROR_CODES:
            raise
        logger.debug("No run %s to read %s from: %s", run_id, name, exc)
        return None
    value = tags.get(f"code.{name}") or tags.get(f"code.grouping.{name}")
    if not value and config_dir is not None:
        value = tags.get(get_tag_key("grouping", name, config_dir))
    return value or None


def get_study_key_hash_from_run(
    run_id: str, mlflow_client: MlflowClient, config_dir: Optional[Path] = None
) -> Optional[str]:
    """The run's study key hash tag, or None."""
    return _get_hash_from_run("study_key_hash", run_id, mlflow_client, config_dir)


def get_trial_key_hash_from_run(
    run_id: str, mlflow_client: MlflowClient, config_dir: Optional[Path] = None
) -> Optional[str]:
    """The run's trial key hash tag, or None."""
    return _get_hash_from_run("trial_key_hash", run_id, mlflow_client, config_dir)


def get_study_family_hash_from_run(
    run_id: str, mlflow_client: MlflowClient, config_dir: Optional[Path] = None
) -> Optional[str]:
    """The run's study family hash tag, or None."""
    return _get_hash_from_run("study_family_hash", run_id, mlflow_client, config_dir)


#: Legacy alias.
compute_trial_key_hash_from_trial_run = get_trial_key_hash_from_run


def derive_eval_config(
    train_config: Optional[Dict[str, Any]], hpo_config: Optional[Dict[str, Any]]
) -> Dict[str, Any]:
    """``train.eval`` if truthy, else ``hpo.evaluation`` if truthy, else a default evaluator config.

    An input dict is returned as-is (aliased, not copied).
    """
    train_eval = (train_config or {}).get("eval")
    if train_eval:
        return cast(Dict[str, Any], train_eval)
    hpo_eval = (hpo_config or {}).get("evaluation")
    if hpo_eval:
        return cast(Dict[str, Any], hpo_eval)
    if hpo_config is not None:
        return {"evaluator_version": "default", "metric": hpo_config.get("objective")}
    return {"evaluator_version": "default"}


def compute_study_key_hash_v2(
    data_config: Optional[Mapping[str, Any]],
    hpo_config: Optional[Dict[str, Any]],
    train_config: Optional[Dict[str, Any]],
    model: str,
    config_dir: Optional[Path] = None,
) -> Optional[str]:
    """Hash of the canonical v2 study key (see ``infrastructure.naming.mlflow.hpo_keys``); None on error."""
    try:
        data_fp = hpo_keys.compute_data_fingerprint(data_config)
        eval_fp = hpo_keys.compute_eval_fingerprint(derive_eval_config(train_config, hpo_config))
        study_key = hpo_keys.build_hpo_study_key_v2(
            data_config, hpo_config, train_config, model, data_fp, eval_fp
        )
        return hpo_keys.build_hpo_study_key_hash(study_key)
    except Exception as exc:
        logger.warning("Could not compute study key hash: %s", exc)
        return None


def compute_study_family_hash(
    data_config: Optional[Mapping[str, Any]],
    hpo_config: Optional[Dict[str, Any]],
    train_config: Optional[Dict[str, Any]] = None,
) -> Optional[str]:
    """Hash of the canonical study-family key (the study key minus model and budget); None on error."""
    try:
        data_fp = hpo_keys.compute_data_fingerprint(data_config)
        eval_fp = hpo_keys.compute_eval_fingerprint(derive_eval_config(train_config, hpo_config))
        family_key = hpo_keys.build_hpo_study_family_key(data_config, hpo_config, data_fp, eval_fp)
        return hpo_keys.build_hpo_study_family_hash(family_key)
    except Exception as exc:
        logger.warning("Could not compute study family hash: %s", exc)
        return None


def compute_trial_key_hash_from_configs(
    study_key_hash: str, hyperparameters: Dict[str, Any], config_dir: Optional[Path] = None
) -> Optional[str]:
    """Hash of the canonical trial key (schema "1.0"); None on error."""
    try:
        trial_key = hpo_keys.build_hpo_trial_key(study_key_hash, hyperparameters)
        return hpo_keys.build_hpo_trial_key_hash(trial_key)
    except Exception as exc:
        logger.warning("Could not compute trial key hash: %s", exc)
        return None
