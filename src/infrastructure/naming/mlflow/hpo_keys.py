"""Canonical HPO study/trial keys and their sha256 hashes (study key schema 2.0, trial key schema 1.0).

A *study key* identifies one HPO study: data identity, search space and objective, training
budget, data/eval fingerprints and the lowercased model. A *study family* is the same study for
any model (no model, no budget). A *trial key* is the study key hash plus normalized
hyperparameters. Keys are canonical JSON (sorted keys, ``,``/``:`` separators).
"""

from __future__ import annotations

import hashlib
import json
from typing import Any, Dict, Mapping, Optional

STUDY_KEY_SCHEMA_VERSION = "2.0"
STUDY_FAMILY_SCHEMA_VERSION = "1.0"
TRIAL_KEY_SCHEMA_VERSION = "1.0"
DEFAULT_OBJECTIVE_METRIC = "macro-f1"
DEFAULT_OBJECTIVE_GOAL = "maximize"

#: Hyperparameters that describe the run, not the trial's configuration.
EXCLUDED_TRIAL_PARAMS = frozenset({"backbone", "trial_number", "run_id"})
#: Data-config keys that identify a dataset.
DATA_IDENTITY_KEYS = ("name", "version", "local_path", "schema")
#: Training-config keys that make up the training budget.
TRAINING_BUDGET_KEYS = ("epochs", "max_steps", "early_stopping")


def canonical_json(value: Any) -> str:
    """JSON with sorted keys and compact separators; non-JSON values are rendered with ``str``."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), default=str)


def sha256_hex(text: str) -> str:
    """Lowercase 64-hex sha256 digest of the UTF-8 text."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _section(config: Optional[Mapping[str, Any]], name: str) -> Mapping[str, Any]:
    """``config[name]`` when it is a mapping, else ``config`` itself (flat configs), else empty."""
    if not config:
        return {}
    value = config.get(name)
    return value if isinstance(value, Mapping) else config


def build_data_identity(data_config: Optional[Mapping[str, Any]]) -> Dict[str, Any]:
    """The dataset-identifying subset of a data config (missing keys are None)."""
    data = data_config or {}
    return {key: data.get(key) for key in DATA_IDENTITY_KEYS}


def compute_data_fingerprint(data_config: Optional[Mapping[str, Any]]) -> str:
    """sha256 of the canonical data identity."""
    return sha256_hex(canonical_json(build_data_identity(data_config)))


def compute_eval_fingerprint(eval_config: Optional[Mapping[str, Any]]) -> str:
    """sha256 of the canonical evaluation config."""
    return sha256_hex(canonical_json(dict(eval_config or {})))


def build_objective(hpo_config: Optional[Mapping[str, Any]]) -> Dict[str, Any]:
    """HPO objective ``{metric, goal}`` with defaults ``macro-f1`` / ``maximize``."""
    objective = (hpo_config or {}).get("objective") or {}
    return {
        "metric": objective.get("metric", DEFAULT_OBJECTIVE_METRIC),
        "goal": objective.get("goal", DEFAULT_OBJECTIVE_GOAL),
    }


def build_training_budget(train_config: Optional[Mapping[str, Any]]) -> Dict[str, Any]:
    """Training budget (epochs, max_steps, early_stopping) from ``train_config['training']`` or flat."""
    training = _section(train_config, "training")
    return {key: training.get(key) for key in TRAINING_BUDGET_KEYS}


def build_hpo_study_key_v2(
    data_config: Optional[Mapping[str, Any]],
    hpo_config: Optional[Mapping[str, Any]],
    train_config: Optional[Mapping[str, Any]],
    model: str,
    data_fingerprint: str,
    eval_fingerprint: str,
) -> str:
    """Canonical v2 study key (schema "2.0")."""
    payload = {
        "schema_version": STUDY_KEY_SCHEMA_VERSION,
        "data": build_data_identity(data_config),
        "hpo": {
            "search_space": (hpo_config or {}).get("search_space", {}),
            "objective": build_objective(hpo_config),
        },
        "training": build_training_budget(train_config),
        "fingerprints": {"data": data_fingerprint, "eval": eval_fingerprint},
        "model": model.lower(),
    }
    return canonical_json(payload)


def build_hpo_study_family_key(
    data_config: Optional[Mapping[str, Any]],
    hpo_config: Optional[Mapping[str, Any]],
    data_fingerprint: str,
    eval_fingerprint: str,
) -> str:
    """Canonical study-family key: the study key without model and training budget."""
    payload = {
        "schema_version": STUDY_FAMILY_SCHEMA_VERSION,
        "data": build_data_identity(data_config),
        "hpo": {
            "search_space": (hpo_config or {}).get("search_space", {}),
            "objective": build_objective(hpo_config),
        },
        "fingerprints": {"data": data_fingerprint, "eval": eval_fingerprint},
    }
    return canonical_json(payload)


def build_hpo_study_key_hash(study_key: str) -> str:
    """sha256 of a canonical study key."""
    return sha256_hex(study_key)


def build_hpo_study_family_hash(study_family_key: str) -> str:
    """sha256 of a canonical study-family key."""
    return sha256_hex(study_family_key)


def normalize_hyperparameter(value: Any) -> Any:
    """Nonzero floats -> ``float(f"{v:.12e}")``; ints/bools kept; anything else -> ``str(v).lower().strip()``.

    A zero float is "anything else" and becomes ``"0.0"`` (as specified).
    """
    if isinstance(value, float) and value != 0:
        return float(f"{value:.12e}")
    if isinstance(value, bool | int):
        return value
    return str(value).lower().strip()


def normalize_hyperparameters(hyperparameters: Mapping[str, Any]) -> Dict[str, Any]:
    """Drop run-describing keys (backbone, trial_number, run_id) and normalize the rest."""
    return {
        key: normalize_hyperparameter(value)
        for key, value in hyperparameters.items()
        if key not in EXCLUDED_TRIAL_PARAMS
    }


def build_hpo_trial_key(study_key_hash: str, hyperparameters: Mapping[str, Any]) -> str:
    """Canonical trial key ``{"schema_version":"1.0", study_key_hash, hyperparameters}``."""
    payload = {
        "schema_version": TRIAL_KEY_SCHEMA_VERSION,
        "study_key_hash": study_key_hash,
        "hyperparameters": normalize_hyperparameters(hyperparameters),
    }
    return canonical_json(payload)


def build_hpo_trial_key_hash(trial_key: str) -> str:
    """sha256 of a canonical trial key."""
    return sha256_hex(trial_key)
