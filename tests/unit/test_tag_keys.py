"""tag_keys accessors and get_tag_key fallback (legacy-core §7.1)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Optional

import pytest

from infrastructure.naming.mlflow import tag_keys
from infrastructure.naming.mlflow.tags_registry import TagKeyError

REPO_CONFIG = Path(__file__).resolve().parents[2] / "config"

Accessor = Callable[[Optional[Path]], str]

ACCESSORS: list[tuple[Accessor, str]] = [
    (tag_keys.get_study_key_hash, "code.study_key_hash"),
    (tag_keys.get_trial_key_hash, "code.trial_key_hash"),
    (tag_keys.get_parent_run_id, "code.parent_run_id"),
    (tag_keys.get_study_family_hash, "code.study_family_hash"),
    (tag_keys.get_run_key_hash, "code.run_key_hash"),
    (tag_keys.get_group_id, "code.group_id"),
    (tag_keys.get_grouping_schema_version, "code.grouping_schema_version"),
    (tag_keys.get_stage, "code.stage"),
    (tag_keys.get_project, "code.project"),
    (tag_keys.get_backbone, "code.backbone"),
    (tag_keys.get_model, "code.model"),
    (tag_keys.get_run_type, "code.run_type"),
    (tag_keys.get_env, "code.env"),
    (tag_keys.get_storage_env, "code.storage_env"),
    (tag_keys.get_execution_platform, "code.execution_platform"),
    (tag_keys.get_created_by, "code.created_by"),
    (tag_keys.get_trained_on_full_data, "code.trained_on_full_data"),
    (tag_keys.get_refit, "code.refit"),
    (tag_keys.get_refit_has_validation, "code.refit_has_validation"),
    (tag_keys.get_interrupted, "code.interrupted"),
    (tag_keys.get_source_training_run, "source_training_run"),
    (tag_keys.get_hpo_trial_number, "code.hpo.trial_number"),
    (tag_keys.get_hpo_refit_planned, "code.refit_planned"),
    (tag_keys.get_hpo_best_trial_run_id, "best_trial_run_id"),
    (tag_keys.get_hpo_best_trial_number, "best_trial_number"),
    (tag_keys.get_lineage_source, "code.lineage.source"),
    (tag_keys.get_lineage_hpo_study_key_hash, "code.lineage.hpo_study_key_hash"),
    (tag_keys.get_lineage_hpo_trial_key_hash, "code.lineage.hpo_trial_key_hash"),
    (tag_keys.get_lineage_hpo_trial_run_id, "code.lineage.hpo_trial_run_id"),
    (tag_keys.get_lineage_hpo_refit_run_id, "code.lineage.hpo_refit_run_id"),
    (tag_keys.get_lineage_hpo_sweep_run_id, "code.lineage.hpo_sweep_run_id"),
    (tag_keys.get_lineage_parent_training_run_id, "code.lineage.parent_training_run_id"),
    (tag_keys.get_spec_fp, "code.spec_fp"),
    (tag_keys.get_exec_fp, "code.exec_fp"),
    (tag_keys.get_conv_fp, "code.conv_fp"),
    (tag_keys.get_output_dir, "code.output_dir"),
    (tag_keys.get_refit_protocol_fp, "code.refit_protocol_fp"),
    (tag_keys.get_azureml_run_type, "azureml.runType"),
    (tag_keys.get_azureml_sweep, "azureml.sweep"),
    (tag_keys.get_mlflow_run_type, "mlflow.runType"),
    (tag_keys.get_mlflow_parent_run_id, "mlflow.parentRunId"),
    (tag_keys.get_legacy_trial_number, "trial_number"),
    (tag_keys.get_trial_id, "code.trial_id"),
    (tag_keys.get_parent_training_id, "code.parent_training_id"),
    (tag_keys.get_variant, "code.variant"),
    (tag_keys.get_benchmark_config_hash, "code.benchmark_config_hash"),
    (tag_keys.get_run_id_prefix, "code.run_id_prefix"),
]

FILE_ONLY: list[tuple[Accessor, str]] = [
    (tag_keys.get_study_key_schema_version, "code.study.key_schema_version"),
    (tag_keys.get_fingerprint_data, "code.fingerprint.data"),
    (tag_keys.get_fingerprint_eval, "code.fingerprint.eval"),
    (tag_keys.get_objective_direction, "code.objective.direction"),
    (tag_keys.get_artifact_available, "code.artifact.available"),
    (tag_keys.get_refit_of_trial_run_id, "code.refit.of_trial_run_id"),
]


@pytest.mark.parametrize(("accessor", "expected"), ACCESSORS, ids=[a.__name__ for a, _ in ACCESSORS])
def test_accessor_default(tmp_path: Path, accessor: Accessor, expected: str) -> None:
    assert accessor(tmp_path / "config") == expected


@pytest.mark.parametrize(("accessor", "expected"), FILE_ONLY, ids=[a.__name__ for a, _ in FILE_ONLY])
def test_file_only_accessor_with_shipped_config(accessor: Accessor, expected: str) -> None:
    assert accessor(REPO_CONFIG) == expected


@pytest.mark.parametrize(("accessor", "expected"), FILE_ONLY, ids=[a.__name__ for a, _ in FILE_ONLY])
def test_file_only_accessor_raises_under_defaults(tmp_path: Path, accessor: Accessor, expected: str) -> None:
    with pytest.raises(TagKeyError):
        accessor(tmp_path / "config")


def test_accessor_follows_override(tmp_path: Path) -> None:
    config_dir = tmp_path / "config"
    config_dir.mkdir()
    (config_dir / "tags.yaml").write_text("grouping:\n  study_key_hash: custom.study\n", encoding="utf-8")
    assert tag_keys.get_study_key_hash(config_dir) == "custom.study"


def test_accessor_without_config_dir_uses_cwd(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "config").mkdir()
    (tmp_path / "config" / "tags.yaml").write_text("lineage:\n  source: cwd.src\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    assert tag_keys.get_lineage_source() == "cwd.src"


def test_get_tag_key_resolves(tmp_path: Path) -> None:
    assert tag_keys.get_tag_key("mlflow", "parent_run_id", tmp_path / "config") == "mlflow.parentRunId"


def test_get_tag_key_returns_fallback_on_missing_key(tmp_path: Path) -> None:
    assert tag_keys.get_tag_key("nope", "x", tmp_path / "config", fallback="fb") == "fb"


def test_get_tag_key_reraises_without_fallback(tmp_path: Path) -> None:
    with pytest.raises(TagKeyError, match=r"Missing tag key: nope\.x"):
        tag_keys.get_tag_key("nope", "x", tmp_path / "config")


def test_get_tag_key_fallback_covers_load_errors(tmp_path: Path) -> None:
    config_dir = tmp_path / "config"
    config_dir.mkdir()
    (config_dir / "tags.yaml").write_text("", encoding="utf-8")
    assert tag_keys.get_tag_key("lineage", "source", config_dir, fallback="fb") == "fb"


def test_get_tag_key_load_error_reraised_without_fallback(tmp_path: Path) -> None:
    config_dir = tmp_path / "config"
    config_dir.mkdir()
    (config_dir / "tags.yaml").write_text("", encoding="utf-8")
    with pytest.raises(AttributeError):
        tag_keys.get_tag_key("lineage", "source", config_dir)
