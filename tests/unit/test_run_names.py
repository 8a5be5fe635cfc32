"""build_training_run_name_with_fallback (legacy-support §8): env override, policy names, fallbacks."""

from __future__ import annotations

import logging
import shutil
from pathlib import Path
from typing import Any, Dict

import pytest
from mlflow.tracking import MlflowClient
from pytest_mock import MockerFixture

from training.execution import run_names
from training.execution.run_names import build_training_run_name_with_fallback

REPO_CONFIG = Path(__file__).resolve().parents[2] / "config"
STUDY = "0123456789abcdef" * 4
PLATFORM_VARS = ("COLAB_GPU", "COLAB_TPU", "KAGGLE_KERNEL_RUN_TYPE", "AZURE_ML_RUN_ID", "AZURE_ML_OUTPUT_DIR")
FINAL_CONFIG: Dict[str, Any] = {"fingerprints": {"spec_fp": "a1" * 32, "exec_fp": "b2" * 32}}


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in (*PLATFORM_VARS, "MLFLOW_RUN_NAME", "HPO_STUDY_KEY_HASH"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)


def make_config(root: Path, auto_increment: bool = False, naming_text: str | None = None) -> Path:
    config_dir = root / "config"
    config_dir.mkdir(parents=True)
    if naming_text is None:
        shutil.copy(REPO_CONFIG / "naming.yaml", config_dir / "naming.yaml")
    else:
        (config_dir / "naming.yaml").write_text(naming_text, encoding="utf-8")
    flag = "true" if auto_increment else "false"
    (config_dir / "mlflow.yaml").write_text(
        f"naming:\n  run_name:\n    auto_increment:\n      enabled: {flag}\n", encoding="utf-8"
    )
    return config_dir


@pytest.fixture
def config_dir(tmp_path: Path) -> Path:
    return make_config(tmp_path / "project")


def test_env_run_name_wins(monkeypatch: pytest.MonkeyPatch, config_dir: Path) -> None:
    monkeypatch.setenv("MLFLOW_RUN_NAME", "custom name/with:anything")
    name = build_training_run_name_with_fallback(
        "final_training", config=FINAL_CONFIG, backbone="bert", config_dir=config_dir
    )
    assert name == "custom name/with:anything"


def test_empty_env_run_name_is_ignored(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MLFLOW_RUN_NAME", "")
    assert build_training_run_name_with_fallback("evaluation") == "training_run_evaluation"


def test_final_training_uses_policy(config_dir: Path) -> None:
    name = build_training_run_name_with_fallback(
        "final_training", config=FINAL_CONFIG, backbone="bert", config_dir=config_dir
    )
    assert name == "local_bert_final_training_spec-a1a1a1a1_exec-b2b2b2b2_v1"


def test_final_training_variant_from_fingerprints(config_dir: Path) -> None:
    config = {"fingerprints": {**FINAL_CONFIG["fingerprints"], "variant": 4}}
    name = build_training_run_name_with_fallback(
        "final_training", config=config, backbone="bert", config_dir=config_dir
    )
    assert name.endswith("_v4")


@pytest.mark.parametrize(
    ("var", "env"),
    [("COLAB_GPU", "colab"), ("KAGGLE_KERNEL_RUN_TYPE", "kaggle"), ("AZURE_ML_RUN_ID", "azure")],
)
def test_platform_env_vars_pick_the_environment(
    monkeypatch: pytest.MonkeyPatch, config_dir: Path, var: str, env: str
) -> None:
    monkeypatch.setenv(var, "1")
    name = build_training_run_name_with_fallback(
        "final_training", config=FINAL_CONFIG, backbone="bert", config_dir=config_dir
    )
    assert name.startswith(f"{env}_bert_final_training_")


def test_config_dir_is_inferred_from_output_dir(tmp_path: Path) -> None:
    project = tmp_path / "inferred"
    make_config(project)
    output_dir = project / "outputs" / "final_training" / "bert"
    name = build_training_run_name_with_fallback(
        "final_training", config=FINAL_CONFIG, backbone="bert", output_dir=output_dir
    )
    assert name == "local_bert_final_training_spec-a1a1a1a1_exec-b2b2b2b2_v1"


def test_final_training_without_fingerprints_falls_back() -> None:
    name = build_training_run_name_with_fallback(
        "final_training", config={}, backbone="org/bert", run_id="0123456789abcdef"
    )
    assert name == "local_org_bert_training_01234567"


def test_final_training_fallback_sanitizes_run_id_and_defaults() -> None:
    assert build_training_run_name_with_fallback("final_training", run_id="ab:cd\\ef/gh") == (
        "local_unknown_training_ab_cd_ef"
    )
    assert build_training_run_name_with_fallback("final_training") == "local_unknown_training_unknown"


def test_hpo_trial_uses_policy(config_dir: Path) -> None:
    name = build_training_run_name_with_fallback(
        "hpo_trial", model="bert", trial_number=3, study_key_hash=STUDY, config_dir=config_dir
    )
    assert name == "local_bert_hpo_trial_study-01234567_t03"


def test_hpo_trial_fold_uses_policy(config_dir: Path) -> None:
    name = build_training_run_name_with_fallback(
        "hpo_trial_fold",
        model="bert",
        trial_number=3,
        fold_idx=1,
        study_key_hash=STUDY,
        config_dir=config_dir,
    )
    assert name == "local_bert_hpo_trial_study-01234567_t03_fold1"


def test_hpo_trial_gets_versioned_with_auto_increment(tmp_path: Path) -> None:
    config_dir = make_config(tmp_path / "versioned", auto_increment=True)
    kwargs: Dict[str, Any] = {
        "model": "bert",
        "trial_number": 3,
        "study_key_hash": STUDY,
        "config_dir": config_dir,
    }
    first = build_training_run_name_with_fallback("hpo_trial", **kwargs)
    second = build_training_run_name_with_fallback("hpo_trial", **kwargs)
    assert (first, second) == (
        "local_bert_hpo_trial_study-01234567_t03_1",
        "local_bert_hpo_trial_study-01234567_t03_2",
    )


def test_hpo_trial_none_number_renders_tunknown(config_dir: Path) -> None:
    name = build_training_run_name_with_fallback(
        "hpo_trial", model="bert", study_key_hash=STUDY, config_dir=config_dir
    )
    assert name == "local_bert_hpo_trial_study-01234567_tunknown"


def test_hpo_trial_fills_model_and_hash_from_parent_run(local_mlflow: str, config_dir: Path) -> None:
    client = MlflowClient()
    experiment_id = client.create_experiment("parents")
    parent = client.create_run(
        experiment_id=experiment_id, tags={"code.study_key_hash": STUDY, "code.model": "roberta"}
    )
    name = build_training_run_name_with_fallback(
        "hpo_trial", trial_number=5, parent_run_id=parent.info.run_id, config_dir=config_dir
    )
    assert name == "local_roberta_hpo_trial_study-01234567_t05"


def test_missing_parent_is_ignored_quietly(
    local_mlflow: str, config_dir: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger=run_names.__name__):
        name = build_training_run_name_with_fallback(
            "hpo_trial", model="bert", trial_number=1, parent_run_id="f" * 32, config_dir=config_dir
        )
    assert name == "local_bert_hpo_trial_study-unknown_t01"
    assert caplog.records == []


def test_unreadable_parent_is_named_without_it_and_warns_with_the_reason(
    local_mlflow: str, config_dir: Path, caplog: pytest.LogCaptureFixture, mocker: MockerFixture
) -> None:
    mocker.patch.object(MlflowClient, "get_run", side_effect=ConnectionError("network down"))
    with caplog.at_level(logging.WARNING, logger=run_names.__name__):
        name = build_training_run_name_with_fallback(
            "hpo_trial", model="bert", trial_number=1, parent_run_id="f" * 32, config_dir=config_dir
        )
    assert name == "local_bert_hpo_trial_study-unknown_t01"
    assert "Could not read parent run ffffffff" in caplog.text
    assert "network down" in caplog.text


def test_hpo_trial_without_model_or_hash_falls_back(config_dir: Path) -> None:
    assert build_training_run_name_with_fallback("hpo_trial", config_dir=config_dir) == (
        "local_unknown_hpo_trial_study-unknown_t00"
    )


def test_hpo_trial_study_hash_env_feeds_policy(monkeypatch: pytest.MonkeyPatch, config_dir: Path) -> None:
    monkeypatch.setenv("HPO_STUDY_KEY_HASH", "cafebabe11")
    name = build_training_run_name_with_fallback(
        "hpo_trial", model="bert", trial_number=2, config_dir=config_dir
    )
    assert name == "local_bert_hpo_trial_study-cafebabe_t02"


def test_policy_error_falls_back_to_fixed_pattern(tmp_path: Path) -> None:
    broken = make_config(tmp_path / "broken", naming_text="patterns:\n  hpo_trial_fold: '{no_such_field}'\n")
    name = build_training_run_name_with_fallback(
        "hpo_trial_fold", model="bert", trial_number=7, fold_idx=0, study_key_hash=STUDY, config_dir=broken
    )
    assert name == "local_bert_hpo_trial_study-01234567_t07_fold0"


def test_missing_policy_file_gives_legacy_name(tmp_path: Path) -> None:
    empty = tmp_path / "empty_config"
    empty.mkdir()
    name = build_training_run_name_with_fallback("hpo_trial", model="bert", trial_number=1, config_dir=empty)
    assert name == "local_bert_hpo_legacy"


@pytest.mark.parametrize("process_type", ["hpo_refit", "benchmarking", "conversion"])
def test_other_process_types_get_generic_name(process_type: str, config_dir: Path) -> None:
    name = build_training_run_name_with_fallback(process_type, model="bert", config_dir=config_dir)
    assert name == f"training_run_{process_type}"
