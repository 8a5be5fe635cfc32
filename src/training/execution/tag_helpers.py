"""Training tag builders: pure dict helpers, no MLflow calls (legacy-core §3).

The helpers mutate and return the caller's dict. Tag key names for trained_on_full_data, the
grouping hashes and the ``code.lineage.*`` keys come from the tag-key registry; the rest are
literals.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Dict, Optional

from infrastructure.naming.mlflow.tag_keys import (
    get_lineage_hpo_refit_run_id,
    get_lineage_hpo_study_key_hash,
    get_lineage_hpo_sweep_run_id,
    get_lineage_hpo_trial_key_hash,
    get_lineage_hpo_trial_run_id,
    get_lineage_source,
    get_mlflow_run_type,
    get_study_key_hash,
    get_trained_on_full_data,
    get_trial_key_hash,
)

LINEAGE_SOURCE_VALUE = "hpo_best_selected"
LINEAGE_FIELDS = (
    "hpo_study_key_hash",
    "hpo_trial_key_hash",
    "hpo_trial_run_id",
    "hpo_refit_run_id",
    "hpo_sweep_run_id",
)


def add_training_tags(
    tags: Dict[str, str], training_type: str = "final", config_dir: Optional[Path] = None
) -> Dict[str, str]:
    """Set ``mlflow.runType``="training" and ``training_type`` on ``tags`` (mutated, returned).

    ``config_dir`` is accepted but ignored: the keys are literals, the registry is not loaded.
    """
    tags["mlflow.runType"] = "training"
    tags["training_type"] = training_type
    return tags


def add_training_tags_with_lineage(
    tags: Dict[str, str],
    lineage: Dict[str, Any],
    run_name: Optional[str] = None,
    config_dir: Optional[Path] = None,
) -> Dict[str, str]:
    """Add final-training tags, the run name, grouping hashes and lineage tags to ``tags``.

    Mutates and returns ``tags``. Registry errors (TagKeyError) propagate.
    """
    add_training_tags(tags, "final", config_dir)
    keys = _get_training_tag_keys(config_dir)
    tags[keys["trained_on_full_data"]] = "true"
    if run_name:
        tags["mlflow.runName"] = run_name
    if lineage.get("hpo_study_key_hash"):
        tags[keys["study_key_hash"]] = lineage["hpo_study_key_hash"]
    if lineage.get("hpo_trial_key_hash"):
        tags[keys["trial_key_hash"]] = lineage["hpo_trial_key_hash"]
    tags.update(_build_lineage_tags_dict(lineage, config_dir))
    return tags


def _build_lineage_tags_dict(lineage: Dict[str, Any], config_dir: Optional[Path] = None) -> Dict[str, str]:
    """``code.lineage.*`` tags for the truthy lineage fields; ``{}`` (no registry access) if none."""
    if not any(lineage.get(field) for field in LINEAGE_FIELDS):
        return {}
    source_key = get_lineage_source(config_dir)
    field_keys = {
        "hpo_study_key_hash": get_lineage_hpo_study_key_hash(config_dir),
        "hpo_trial_key_hash": get_lineage_hpo_trial_key_hash(config_dir),
        "hpo_trial_run_id": get_lineage_hpo_trial_run_id(config_dir),
        "hpo_refit_run_id": get_lineage_hpo_refit_run_id(config_dir),
        "hpo_sweep_run_id": get_lineage_hpo_sweep_run_id(config_dir),
    }
    lineage_tags: Dict[str, str] = {source_key: LINEAGE_SOURCE_VALUE}
    for field in LINEAGE_FIELDS:
        if lineage.get(field):
            # Values are copied verbatim (no str(), no truncation).
            lineage_tags[field_keys[field]] = lineage[field]
    return lineage_tags


def _get_training_tag_keys(config_dir: Optional[Path] = None) -> Dict[str, str]:
    """Resolve the ten training/lineage tag keys through the registry (TagKeyError on failure)."""
    return {
        "mlflow_run_type": get_mlflow_run_type(config_dir),
        "trained_on_full_data": get_trained_on_full_data(config_dir),
        "study_key_hash": get_study_key_hash(config_dir),
        "trial_key_hash": get_trial_key_hash(config_dir),
        "lineage_source": get_lineage_source(config_dir),
        "lineage_hpo_study_key_hash": get_lineage_hpo_study_key_hash(config_dir),
        "lineage_hpo_trial_key_hash": get_lineage_hpo_trial_key_hash(config_dir),
        "lineage_hpo_trial_run_id": get_lineage_hpo_trial_run_id(config_dir),
        "lineage_hpo_refit_run_id": get_lineage_hpo_refit_run_id(config_dir),
        "lineage_hpo_sweep_run_id": get_lineage_hpo_sweep_run_id(config_dir),
    }
