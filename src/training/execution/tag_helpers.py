"""Training tag building: the single source of truth (legacy-core §3). Pure dict helpers.

Everything that builds training or lineage tags, or resolves their key names, lives here:
``add_training_tags``, ``add_training_tags_with_lineage``, ``_build_lineage_tags_dict`` and
``_get_training_tag_keys`` (every registry-backed key name; ``training.execution.tags`` uses it
too). The helpers make no MLflow calls; they mutate and return the caller's dict. Key names for
trained_on_full_data, the grouping hashes and the ``code.lineage.*`` keys come from the tag-key
registry; the rest are literals.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
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


#: Registry-backed key names by entry, in resolution order (legacy-core §3.4).
_TAG_KEY_GETTERS: Dict[str, Callable[[Optional[Path]], str]] = {
    "mlflow_run_type": get_mlflow_run_type,
    "trained_on_full_data": get_trained_on_full_data,
    "study_key_hash": get_study_key_hash,
    "trial_key_hash": get_trial_key_hash,
    "lineage_source": get_lineage_source,
    "lineage_hpo_study_key_hash": get_lineage_hpo_study_key_hash,
    "lineage_hpo_trial_key_hash": get_lineage_hpo_trial_key_hash,
    "lineage_hpo_trial_run_id": get_lineage_hpo_trial_run_id,
    "lineage_hpo_refit_run_id": get_lineage_hpo_refit_run_id,
    "lineage_hpo_sweep_run_id": get_lineage_hpo_sweep_run_id,
}
#: The lineage entries ``_build_lineage_tags_dict`` needs: the source key, then one per field.
_LINEAGE_KEY_NAMES = ("lineage_source", *(f"lineage_{field}" for field in LINEAGE_FIELDS))


def _build_lineage_tags_dict(lineage: Dict[str, Any], config_dir: Optional[Path] = None) -> Dict[str, str]:
    """``code.lineage.*`` tags for the truthy lineage fields; ``{}`` (no registry access) if none."""
    if not any(lineage.get(field) for field in LINEAGE_FIELDS):
        return {}
    keys = _get_training_tag_keys(config_dir, _LINEAGE_KEY_NAMES)
    lineage_tags: Dict[str, str] = {keys["lineage_source"]: LINEAGE_SOURCE_VALUE}
    for field in LINEAGE_FIELDS:
        if lineage.get(field):
            # Values are copied verbatim (no str(), no truncation).
            lineage_tags[keys[f"lineage_{field}"]] = lineage[field]
    return lineage_tags


def _get_training_tag_keys(
    config_dir: Optional[Path] = None, names: Optional[Iterable[str]] = None
) -> Dict[str, str]:
    """Resolve training/lineage tag keys through the registry (TagKeyError on failure).

    All ten entries by default (legacy-core §3.4); ``names`` resolves only those entries, in the
    order given, so a caller touches the registry for nothing else.
    """
    return {
        name: _TAG_KEY_GETTERS[name](config_dir) for name in (_TAG_KEY_GETTERS if names is None else names)
    }
