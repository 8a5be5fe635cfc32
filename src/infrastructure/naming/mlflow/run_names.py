"""Policy-driven MLflow run names (patterns from ``naming.yaml``) with optional ``_N`` version suffixes.

Kinds: hpo_trial, hpo_trial_fold, hpo_sweep (process ``hpo``), hpo_refit, benchmarking,
final_training, conversion, best_configurations. For hpo_trial/hpo_sweep/hpo_refit/benchmarking
with auto-increment on, a version is reserved in the run-name counter on every call (run id
``pending_<now-iso>``) and appended with ``version.format``.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any, Dict, Optional

from infrastructure.naming.context import NamingContext
from infrastructure.naming.mlflow.naming_config import load_naming_policy
from infrastructure.naming.mlflow.run_keys import (
    build_mlflow_run_key,
    build_mlflow_run_key_hash,
    build_run_name_counter_key,
)
from infrastructure.tracking.mlflow.config_loader import get_auto_increment_config, get_naming_config
from infrastructure.tracking.mlflow.utils import infer_config_dir_from_path
from infrastructure.tracking.mlflow.version_counter import reserve_run_name_version

logger = logging.getLogger(__name__)

STUDY_HASH_ENV = "HPO_STUDY_KEY_HASH"
UNKNOWN = "unknown"
#: process_type -> auto-increment ``processes`` key; only these process types get a ``_N`` suffix.
AUTO_INCREMENT_PROCESS = {"hpo": "hpo", "hpo_refit": "hpo", "benchmarking": "benchmarking"}


def resolve_run_kind(context: NamingContext) -> str:
    """Pattern kind; hpo runs are trials (trial_id or stage hpo_trial; folds with fold_idx) or sweeps."""
    if context.process_type != "hpo":
        return context.process_type
    if context.stage == "hpo_sweep":
        return "hpo_sweep"
    if context.trial_id or context.stage == "hpo_trial":
        return "hpo_trial_fold" if context.fold_idx is not None else "hpo_trial"
    return "hpo_sweep"


def _normalize(value: str, chars: list[str]) -> str:
    for char in chars:
        value = value.replace(char, "_")
    return value


def _short(value: Optional[str], length: int) -> str:
    return value[:length] if value else UNKNOWN


def _legacy_name(env: str, model: str, context: NamingContext) -> str:
    if context.process_type == "final_training":
        return f"{env}_{model}_final_training_v{context.variant}"
    return f"{env}_{model}_{context.process_type}_legacy"


def _is_valid_name(name: str, policy: Dict[str, Any]) -> bool:
    return len(name) <= policy["max_length"] and not any(c in name for c in policy["forbidden_chars"])


def _version_root(root_dir: Optional[Path], output_dir: Optional[Path], config_dir: Optional[Path]) -> Path:
    """Counter root: ``root_dir``, else the parent of ``output_dir``'s ``outputs`` folder,
    else ``config_dir.parent``, else cwd."""
    if root_dir is not None:
        return root_dir
    if output_dir is not None:
        for candidate in (Path(output_dir), *Path(output_dir).parents):
            if candidate.name == "outputs":
                return candidate.parent
    if config_dir is not None:
        return config_dir.parent
    return Path.cwd()


def _render_fields(
    context: NamingContext, env: str, model: str, study_hash: Optional[str], hash_length: int
) -> Dict[str, Any]:
    trial_number = context.trial_number
    return {
        "env": env,
        "model": model,
        "study_hash": _short(study_hash, hash_length),
        "trial_hash": _short(context.trial_key_hash, hash_length),
        "spec_hash": _short(context.spec_fp, hash_length),
        "exec_hash": _short(context.exec_fp, hash_length),
        "conv_hash": _short(context.conv_fp, hash_length),
        "parent_training_hash": _short(context.parent_training_id, hash_length),
        "trial_number": f"{trial_number:02d}" if trial_number is not None else UNKNOWN,
        "fold_idx": context.fold_idx,
        "variant": context.variant,
        "trial_id": context.trial_id,
    }


def build_mlflow_run_name(
    context: NamingContext,
    config_dir: Optional[Path] = None,
    root_dir: Optional[Path] = None,
    output_dir: Optional[Path] = None,
    *,
    now: Optional[Callable[[], datetime]] = None,
) -> str:
    """Run name for ``context`` per ``naming.yaml``; legacy name if the policy is missing or the name invalid.

    ``now`` is the clock for the ``pending_<iso>`` reservation id (default ``datetime.now``).
    Raises ValueError for stage ``hpo_trial`` without a study hash (context or env).
    """
    kind = resolve_run_kind(context)
    study_hash = context.study_key_hash
    if context.process_type == "hpo" and not study_hash:
        study_hash = os.environ.get(STUDY_HASH_ENV) or None
        if not study_hash and context.stage == "hpo_trial":
            raise ValueError("study_key_hash is required for hpo_trial run names")

    policy_dir = config_dir or infer_config_dir_from_path(output_dir)
    policy = load_naming_policy(policy_dir)
    storage_env = context.storage_env or context.environment
    if policy is None:
        return _legacy_name(storage_env, context.model, context)

    chars = policy["replace_with_underscore"]
    env = _normalize(storage_env, chars)
    model = _normalize(context.model, chars)
    pattern = policy["patterns"].get(kind)
    if not pattern:
        return _legacy_name(env, model, context)
    name = str(pattern).format(**_render_fields(context, env, model, study_hash, policy["hash_length"]))
    if not _is_valid_name(name, policy):
        logger.warning("Run name %r violates the naming policy; using the legacy name", name)
        return _legacy_name(env, model, context)

    process_key = AUTO_INCREMENT_PROCESS.get(context.process_type)
    if process_key is None:
        return name
    if not get_auto_increment_config(policy_dir, process_type=process_key).get("enabled_for_process"):
        return name

    clock = now or datetime.now
    try:
        project = get_naming_config(policy_dir)["project_name"]
        run_key_hash = build_mlflow_run_key_hash(build_mlflow_run_key(context))
        counter_key = build_run_name_counter_key(project, context, run_key_hash)
        version = reserve_run_name_version(
            counter_key,
            f"pending_{clock().isoformat()}",
            _version_root(root_dir, output_dir, config_dir),
            config_dir,
            now=clock,
        )
    except Exception as exc:
        logger.warning("Could not reserve a run-name version (%s); no suffix added", exc)
        if context.trial_id and not study_hash and context.process_type in ("hpo", "benchmarking"):
            return f"{env}_{context.trial_id}"
        return name
    return name + str(policy["version_format"]).format(number=version)
