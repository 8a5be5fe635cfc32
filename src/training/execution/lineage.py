"""Lineage extraction from an HPO best-model record (legacy-core §5)."""

from __future__ import annotations

from typing import Any, Dict


def extract_lineage_from_best_model(best_model: Dict[str, Any]) -> Dict[str, Any]:
    """Map a best-model record to ``hpo_*`` lineage fields; None values dropped, "" kept.

    Tag names are literals (not registry keys). An explicit ``tags: None`` raises AttributeError.
    """
    tags = best_model.get("tags", {})
    if tags is None:
        # Legacy: `tags.get(...)` on None; reproduced explicitly (legacy-core §5).
        raise AttributeError("'NoneType' object has no attribute 'get'")
    lineage: Dict[str, Any] = {
        "hpo_study_key_hash": best_model.get("study_key_hash") or tags.get("code.study_key_hash"),
        "hpo_trial_key_hash": best_model.get("trial_key_hash") or tags.get("code.trial_key_hash"),
        "hpo_trial_run_id": best_model.get("trial_run_id"),
        "hpo_refit_run_id": best_model.get("run_id"),
    }
    if "code.lineage.hpo_sweep_run_id" in tags:
        lineage["hpo_sweep_run_id"] = tags["code.lineage.hpo_sweep_run_id"]
    return {key: value for key, value in lineage.items() if value is not None}
