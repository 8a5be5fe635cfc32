"""build_mlflow_tags: base code.* tags (legacy-core §8.3)."""

from __future__ import annotations

from pathlib import Path

import pytest

from infrastructure.naming.context import NamingContext
from infrastructure.naming.mlflow.tags import build_mlflow_tags
from infrastructure.tracking.mlflow.config_loader import DEFAULT_PROJECT_NAME

PLATFORM_VARS = ("COLAB_GPU", "COLAB_TPU", "KAGGLE_KERNEL_RUN_TYPE", "AZURE_ML_RUN_ID", "AZURE_ML_OUTPUT_DIR")


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in (*PLATFORM_VARS, "USER", "USERNAME"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("USER", "alice")
    monkeypatch.chdir(tmp_path)  # no config/ here: project name falls back to the default


def test_without_context(tmp_path: Path) -> None:
    assert build_mlflow_tags(config_dir=tmp_path / "config") == {
        "code.stage": "unknown",
        "code.model": "unknown",
        "code.env": "local",
        "code.created_by": "alice",
        "code.project": DEFAULT_PROJECT_NAME,
    }


def test_without_context_env_is_detected_platform(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KAGGLE_KERNEL_RUN_TYPE", "Interactive")
    assert build_mlflow_tags()["code.env"] == "kaggle"


def test_with_minimal_context() -> None:
    context = NamingContext("hpo", "bert", "colab", storage_env="azure")
    assert build_mlflow_tags(context, project_name="p") == {
        "code.stage": "hpo",
        "code.model": "bert",
        "code.storage_env": "azure",
        "code.env": "colab",
        "code.execution_platform": "colab",
        "code.created_by": "alice",
        "code.project": "p",
        "code.variant": "1",
    }


def test_hpo_refit_sets_run_type() -> None:
    tags = build_mlflow_tags(NamingContext("hpo_refit", "bert", "local", trial_id="t1"))
    assert (tags["code.stage"], tags["code.run_type"]) == ("hpo_refit", "refit")


def test_stage_field_is_not_used_for_code_stage() -> None:
    tags = build_mlflow_tags(NamingContext("hpo", "bert", "local", stage="hpo_trial"))
    assert tags["code.stage"] == "hpo"
    assert "code.run_type" not in tags


def test_context_optional_fields() -> None:
    context = NamingContext(
        "final_training",
        "bert",
        "local",
        spec_fp="sp",
        exec_fp="ex",
        variant=2,
        trial_id="t1",
        parent_training_id="pt",
        conv_fp="cf",
        benchmark_config_hash="bh",
    )
    tags = build_mlflow_tags(context)
    assert {key: tags[key] for key in tags if key not in {"code.created_by", "code.project"}} == {
        "code.stage": "final_training",
        "code.model": "bert",
        "code.storage_env": "local",
        "code.env": "local",
        "code.execution_platform": "local",
        "code.spec_fp": "sp",
        "code.exec_fp": "ex",
        "code.variant": "2",
        "code.trial_id": "t1",
        "code.parent_training_id": "pt",
        "code.conv_fp": "cf",
        "code.benchmark_config_hash": "bh",
    }


def test_argument_tags(tmp_path: Path) -> None:
    tags = build_mlflow_tags(
        output_dir=tmp_path / "out",
        parent_run_id="parent",
        group_id="grp",
        refit_protocol_fp="rp",
        run_key_hash="rk",
    )
    assert tags["code.output_dir"] == str(tmp_path / "out")
    assert tags["code.parent_run_id"] == "parent"
    assert tags["code.group_id"] == "grp"
    assert tags["code.refit_protocol_fp"] == "rp"
    assert tags["code.run_key_hash"] == "rk"
    assert "mlflow.parentRunId" not in tags


def test_grouping_hashes_from_arguments() -> None:
    tags = build_mlflow_tags(study_key_hash="s", study_family_hash="f", trial_key_hash="t")
    assert tags["code.grouping_schema_version"] == "1"
    assert (tags["code.study_key_hash"], tags["code.study_family_hash"], tags["code.trial_key_hash"]) == (
        "s",
        "f",
        "t",
    )


def test_grouping_hashes_ignore_context() -> None:
    context = NamingContext("hpo", "bert", "local", study_key_hash="s", trial_key_hash="t")
    tags = build_mlflow_tags(context)
    assert not {"code.grouping_schema_version", "code.study_key_hash", "code.trial_key_hash"} & set(tags)


def test_single_hash_adds_schema_version() -> None:
    tags = build_mlflow_tags(trial_key_hash="t")
    assert tags["code.grouping_schema_version"] == "1"
    assert "code.study_key_hash" not in tags


def test_hpo_trial_number() -> None:
    tags = build_mlflow_tags(NamingContext("hpo", "bert", "local", trial_number=0))
    assert tags["code.hpo.trial_number"] == "0"


def test_trial_number_only_for_hpo() -> None:
    tags = build_mlflow_tags(NamingContext("hpo_refit", "bert", "local", trial_id="t", trial_number=4))
    assert "code.hpo.trial_number" not in tags


def test_truncates_values_over_250() -> None:
    tags = build_mlflow_tags(parent_run_id="x" * 251)
    assert tags["code.parent_run_id"] == "x" * 247 + "..."


def test_keeps_values_of_exactly_250() -> None:
    assert build_mlflow_tags(group_id="y" * 250)["code.group_id"] == "y" * 250


def test_created_by_falls_back_to_username(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("USER")
    monkeypatch.setenv("USERNAME", "bob")
    assert build_mlflow_tags()["code.created_by"] == "bob"


def test_created_by_defaults_to_system(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("USER")
    assert build_mlflow_tags()["code.created_by"] == "system"


def test_project_from_naming_config(tmp_path: Path) -> None:
    config_dir = tmp_path / "cfg"
    config_dir.mkdir()
    (config_dir / "mlflow.yaml").write_text("naming:\n  project_name: fromconfig\n", encoding="utf-8")
    assert build_mlflow_tags(config_dir=config_dir)["code.project"] == "fromconfig"


def test_project_argument_wins_over_config(tmp_path: Path) -> None:
    config_dir = tmp_path / "cfg2"
    config_dir.mkdir()
    (config_dir / "mlflow.yaml").write_text("naming:\n  project_name: fromconfig\n", encoding="utf-8")
    assert build_mlflow_tags(project_name="arg", config_dir=config_dir)["code.project"] == "arg"


def test_registry_override_does_not_move_base_keys(tmp_path: Path) -> None:
    config_dir = tmp_path / "cfg3"
    config_dir.mkdir()
    (config_dir / "tags.yaml").write_text("grouping:\n  study_key_hash: custom.study\n", encoding="utf-8")
    tags = build_mlflow_tags(config_dir=config_dir, study_key_hash="s")
    assert tags["code.study_key_hash"] == "s"
    assert "custom.study" not in tags
