"""Tag-key accessors: one function per registry entry, plus get_tag_key (legacy-core §7.1).

Each accessor loads the registry for ``config_dir`` (cached, see tags_registry) and resolves one
key; registry errors (TagKeyError, and load errors) propagate.
"""

from __future__ import annotations

from pathlib import Path
from typing import Optional

from infrastructure.naming.mlflow.tags_registry import load_tags_registry


def get_tag_key(
    section: str, name: str, config_dir: Optional[Path] = None, fallback: Optional[str] = None
) -> str:
    """Resolve ``section.name``; on any error return ``fallback`` if given, else re-raise."""
    try:
        return load_tags_registry(config_dir).key(section, name)
    except Exception:
        if fallback is not None:
            return fallback
        raise


def _key(section: str, name: str, config_dir: Optional[Path]) -> str:
    return load_tags_registry(config_dir).key(section, name)


# --- Grouping ---


def get_study_key_hash(config_dir: Optional[Path] = None) -> str:
    """Tag key for grouping.study_key_hash."""
    return _key("grouping", "study_key_hash", config_dir)


def get_trial_key_hash(config_dir: Optional[Path] = None) -> str:
    """Tag key for grouping.trial_key_hash."""
    return _key("grouping", "trial_key_hash", config_dir)


def get_parent_run_id(config_dir: Optional[Path] = None) -> str:
    """Tag key for grouping.parent_run_id."""
    return _key("grouping", "parent_run_id", config_dir)


def get_study_family_hash(config_dir: Optional[Path] = None) -> str:
    """Tag key for grouping.study_family_hash."""
    return _key("grouping", "study_family_hash", config_dir)


def get_run_key_hash(config_dir: Optional[Path] = None) -> str:
    """Tag key for grouping.run_key_hash."""
    return _key("grouping", "run_key_hash", config_dir)


def get_group_id(config_dir: Optional[Path] = None) -> str:
    """Tag key for grouping.group_id."""
    return _key("grouping", "group_id", config_dir)


def get_grouping_schema_version(config_dir: Optional[Path] = None) -> str:
    """Tag key for grouping.grouping_schema_version."""
    return _key("grouping", "grouping_schema_version", config_dir)


# --- Process ---


def get_stage(config_dir: Optional[Path] = None) -> str:
    """Tag key for process.stage."""
    return _key("process", "stage", config_dir)


def get_project(config_dir: Optional[Path] = None) -> str:
    """Tag key for process.project."""
    return _key("process", "project", config_dir)


def get_backbone(config_dir: Optional[Path] = None) -> str:
    """Tag key for process.backbone."""
    return _key("process", "backbone", config_dir)


def get_model(config_dir: Optional[Path] = None) -> str:
    """Tag key for process.model."""
    return _key("process", "model", config_dir)


def get_run_type(config_dir: Optional[Path] = None) -> str:
    """Tag key for process.run_type."""
    return _key("process", "run_type", config_dir)


def get_env(config_dir: Optional[Path] = None) -> str:
    """Tag key for process.env."""
    return _key("process", "env", config_dir)


def get_storage_env(config_dir: Optional[Path] = None) -> str:
    """Tag key for process.storage_env."""
    return _key("process", "storage_env", config_dir)


def get_execution_platform(config_dir: Optional[Path] = None) -> str:
    """Tag key for process.execution_platform."""
    return _key("process", "execution_platform", config_dir)


def get_created_by(config_dir: Optional[Path] = None) -> str:
    """Tag key for process.created_by."""
    return _key("process", "created_by", config_dir)


# --- Training ---


def get_trained_on_full_data(config_dir: Optional[Path] = None) -> str:
    """Tag key for training.trained_on_full_data."""
    return _key("training", "trained_on_full_data", config_dir)


def get_refit(config_dir: Optional[Path] = None) -> str:
    """Tag key for training.refit."""
    return _key("training", "refit", config_dir)


def get_refit_has_validation(config_dir: Optional[Path] = None) -> str:
    """Tag key for training.refit_has_validation."""
    return _key("training", "refit_has_validation", config_dir)


def get_interrupted(config_dir: Optional[Path] = None) -> str:
    """Tag key for training.interrupted."""
    return _key("training", "interrupted", config_dir)


def get_source_training_run(config_dir: Optional[Path] = None) -> str:
    """Tag key for training.source_training_run."""
    return _key("training", "source_training_run", config_dir)


# --- HPO ---


def get_hpo_trial_number(config_dir: Optional[Path] = None) -> str:
    """Tag key for hpo.trial_number."""
    return _key("hpo", "trial_number", config_dir)


def get_hpo_refit_planned(config_dir: Optional[Path] = None) -> str:
    """Tag key for hpo.refit_planned."""
    return _key("hpo", "refit_planned", config_dir)


def get_hpo_best_trial_run_id(config_dir: Optional[Path] = None) -> str:
    """Tag key for hpo.best_trial_run_id."""
    return _key("hpo", "best_trial_run_id", config_dir)


def get_hpo_best_trial_number(config_dir: Optional[Path] = None) -> str:
    """Tag key for hpo.best_trial_number."""
    return _key("hpo", "best_trial_number", config_dir)


# --- Lineage ---


def get_lineage_source(config_dir: Optional[Path] = None) -> str:
    """Tag key for lineage.source."""
    return _key("lineage", "source", config_dir)


def get_lineage_hpo_study_key_hash(config_dir: Optional[Path] = None) -> str:
    """Tag key for lineage.hpo_study_key_hash."""
    return _key("lineage", "hpo_study_key_hash", config_dir)


def get_lineage_hpo_trial_key_hash(config_dir: Optional[Path] = None) -> str:
    """Tag key for lineage.hpo_trial_key_hash."""
    return _key("lineage", "hpo_trial_key_hash", config_dir)


def get_lineage_hpo_trial_run_id(config_dir: Optional[Path] = None) -> str:
    """Tag key for lineage.hpo_trial_run_id."""
    return _key("lineage", "hpo_trial_run_id", config_dir)


def get_lineage_hpo_refit_run_id(config_dir: Optional[Path] = None) -> str:
    """Tag key for lineage.hpo_refit_run_id."""
    return _key("lineage", "hpo_refit_run_id", config_dir)


def get_lineage_hpo_sweep_run_id(config_dir: Optional[Path] = None) -> str:
    """Tag key for lineage.hpo_sweep_run_id."""
    return _key("lineage", "hpo_sweep_run_id", config_dir)


def get_lineage_parent_training_run_id(config_dir: Optional[Path] = None) -> str:
    """Tag key for lineage.parent_training_run_id."""
    return _key("lineage", "parent_training_run_id", config_dir)


# --- Paths ---


def get_spec_fp(config_dir: Optional[Path] = None) -> str:
    """Tag key for paths.spec_fp."""
    return _key("paths", "spec_fp", config_dir)


def get_exec_fp(config_dir: Optional[Path] = None) -> str:
    """Tag key for paths.exec_fp."""
    return _key("paths", "exec_fp", config_dir)


def get_conv_fp(config_dir: Optional[Path] = None) -> str:
    """Tag key for paths.conv_fp."""
    return _key("paths", "conv_fp", config_dir)


def get_output_dir(config_dir: Optional[Path] = None) -> str:
    """Tag key for paths.output_dir."""
    return _key("paths", "output_dir", config_dir)


def get_refit_protocol_fp(config_dir: Optional[Path] = None) -> str:
    """Tag key for paths.refit_protocol_fp."""
    return _key("paths", "refit_protocol_fp", config_dir)


# --- Azure ML ---


def get_azureml_run_type(config_dir: Optional[Path] = None) -> str:
    """Tag key for azureml.run_type."""
    return _key("azureml", "run_type", config_dir)


def get_azureml_sweep(config_dir: Optional[Path] = None) -> str:
    """Tag key for azureml.sweep."""
    return _key("azureml", "sweep", config_dir)


# --- MLflow ---


def get_mlflow_run_type(config_dir: Optional[Path] = None) -> str:
    """Tag key for mlflow.run_type."""
    return _key("mlflow", "run_type", config_dir)


def get_mlflow_parent_run_id(config_dir: Optional[Path] = None) -> str:
    """Tag key for mlflow.parent_run_id."""
    return _key("mlflow", "parent_run_id", config_dir)


# --- Legacy ---


def get_legacy_trial_number(config_dir: Optional[Path] = None) -> str:
    """Tag key for legacy.trial_number."""
    return _key("legacy", "trial_number", config_dir)


def get_trial_id(config_dir: Optional[Path] = None) -> str:
    """Tag key for legacy.trial_id."""
    return _key("legacy", "trial_id", config_dir)


def get_parent_training_id(config_dir: Optional[Path] = None) -> str:
    """Tag key for legacy.parent_training_id."""
    return _key("legacy", "parent_training_id", config_dir)


def get_variant(config_dir: Optional[Path] = None) -> str:
    """Tag key for legacy.variant."""
    return _key("legacy", "variant", config_dir)


def get_benchmark_config_hash(config_dir: Optional[Path] = None) -> str:
    """Tag key for legacy.benchmark_config_hash."""
    return _key("legacy", "benchmark_config_hash", config_dir)


def get_run_id_prefix(config_dir: Optional[Path] = None) -> str:
    """Tag key for legacy.run_id_prefix."""
    return _key("legacy", "run_id_prefix", config_dir)


# --- Only in the shipped config/tags.yaml (TagKeyError under the built-in defaults) ---


def get_study_key_schema_version(config_dir: Optional[Path] = None) -> str:
    """Tag key for study.key_schema_version."""
    return _key("study", "key_schema_version", config_dir)


def get_fingerprint_data(config_dir: Optional[Path] = None) -> str:
    """Tag key for fingerprint.data."""
    return _key("fingerprint", "data", config_dir)


def get_fingerprint_eval(config_dir: Optional[Path] = None) -> str:
    """Tag key for fingerprint.eval."""
    return _key("fingerprint", "eval", config_dir)


def get_objective_direction(config_dir: Optional[Path] = None) -> str:
    """Tag key for objective.direction."""
    return _key("objective", "direction", config_dir)


def get_artifact_available(config_dir: Optional[Path] = None) -> str:
    """Tag key for artifact.available."""
    return _key("artifact", "available", config_dir)


def get_refit_of_trial_run_id(config_dir: Optional[Path] = None) -> str:
    """Tag key for refit.of_trial_run_id."""
    return _key("refit", "of_trial_run_id", config_dir)
