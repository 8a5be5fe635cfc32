"""Policy run-name builder (legacy-support §8 "Policy builder") with the shipped naming.yaml."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from infrastructure.naming.context import NamingContext
from infrastructure.naming.mlflow.run_names import build_mlflow_run_name, resolve_run_kind
from infrastructure.tracking.mlflow.version_counter import get_run_name_counter_path

REPO_CONFIG = Path(__file__).resolve().parents[2] / "config"
STUDY = "abcdef1234567890" * 4
TRIAL = "1234abcd" * 8
AUTO_OFF = "naming:\n  run_name:\n    auto_increment:\n      enabled: false\n"
AUTO_ON = "naming:\n  project_name: proj\n  run_name:\n    auto_increment:\n      enabled: true\n"


def clock(start: datetime = datetime(2024, 5, 1, 12, 0, 0)) -> Callable[[], datetime]:
    current = [start - timedelta(seconds=1)]

    def now() -> datetime:
        current[0] += timedelta(seconds=1)
        return current[0]

    return now


def make_config(root: Path, mlflow_yaml: str, naming: bool = True) -> Path:
    config_dir = root / "config"
    config_dir.mkdir(parents=True)
    if naming:
        shutil.copy(REPO_CONFIG / "naming.yaml", config_dir / "naming.yaml")
    (config_dir / "mlflow.yaml").write_text(mlflow_yaml, encoding="utf-8")
    return config_dir


@pytest.fixture(autouse=True)
def isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("HPO_STUDY_KEY_HASH", raising=False)


@pytest.fixture
def plain(tmp_path: Path) -> Path:
    """Config dir with the shipped naming.yaml and auto-increment off."""
    return make_config(tmp_path / "plain", AUTO_OFF)


@pytest.fixture
def versioned(tmp_path: Path) -> Path:
    """Config dir with the shipped naming.yaml and auto-increment on."""
    return make_config(tmp_path / "versioned", AUTO_ON)


def hpo(**kwargs: Any) -> NamingContext:
    fields: dict[str, Any] = {"process_type": "hpo", "model": "bert", "environment": "local"}
    fields.update(kwargs)
    return NamingContext(**fields)


def allocations(config_dir: Path) -> list[dict[str, Any]]:
    path = get_run_name_counter_path(config_dir.parent, config_dir)
    data: dict[str, list[dict[str, Any]]] = json.loads(path.read_text(encoding="utf-8"))
    return data["allocations"]


# --- kinds ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("context", "kind"),
    [
        (hpo(trial_id="trial_1"), "hpo_trial"),
        (hpo(stage="hpo_trial"), "hpo_trial"),
        (hpo(trial_id="trial_1", fold_idx=0), "hpo_trial_fold"),
        (hpo(), "hpo_sweep"),
        (hpo(trial_id="trial_1", stage="hpo_sweep"), "hpo_sweep"),
        (NamingContext("benchmarking", "bert", "local", trial_id="t"), "benchmarking"),
    ],
)
def test_run_kind(context: NamingContext, kind: str) -> None:
    assert resolve_run_kind(context) == kind


# --- patterns ------------------------------------------------------------------------------


def test_hpo_trial_pattern(plain: Path) -> None:
    context = hpo(trial_id="trial_3", trial_number=3, study_key_hash=STUDY)
    assert build_mlflow_run_name(context, config_dir=plain) == "local_bert_hpo_trial_study-abcdef12_t03"


def test_hpo_trial_fold_pattern(plain: Path) -> None:
    context = hpo(trial_id="trial_12", trial_number=12, fold_idx=0, study_key_hash=STUDY)
    assert build_mlflow_run_name(context, config_dir=plain) == "local_bert_hpo_trial_study-abcdef12_t12_fold0"


def test_missing_trial_number_renders_tunknown(plain: Path) -> None:
    context = hpo(trial_id="trial_x", study_key_hash=STUDY)
    assert build_mlflow_run_name(context, config_dir=plain).endswith("_tunknown")


def test_env_and_model_are_normalized(plain: Path) -> None:
    context = hpo(
        model="distilbert-base/uncased v2",
        environment="colab",
        storage_env="my-drive",
        trial_id="t",
        trial_number=1,
        study_key_hash=STUDY,
    )
    assert build_mlflow_run_name(context, config_dir=plain) == (
        "my_drive_distilbert_base_uncased_v2_hpo_trial_study-abcdef12_t01"
    )


def test_final_training_pattern(versioned: Path) -> None:
    context = NamingContext("final_training", "bert", "kaggle", spec_fp="s" * 64, exec_fp="e" * 64, variant=2)
    assert build_mlflow_run_name(context, config_dir=versioned) == (
        "kaggle_bert_final_training_spec-ssssssss_exec-eeeeeeee_v2"
    )


def test_hpo_sweep_pattern(plain: Path) -> None:
    assert (
        build_mlflow_run_name(hpo(study_key_hash=STUDY), config_dir=plain) == "local_bert_hpo_study-abcdef12"
    )


def test_missing_hashes_render_unknown(plain: Path) -> None:
    context = NamingContext("benchmarking", "bert", "local", trial_id="trial_1")
    assert (
        build_mlflow_run_name(context, config_dir=plain) == "local_bert_benchmark_study-unknown_trial-unknown"
    )


def test_refit_and_conversion_patterns(plain: Path) -> None:
    refit = NamingContext(
        "hpo_refit", "bert", "local", trial_id="t1", study_key_hash=STUDY, trial_key_hash=TRIAL
    )
    conversion = NamingContext("conversion", "bert", "local", parent_training_id="p" * 32, conv_fp="c" * 64)
    assert (
        build_mlflow_run_name(refit, config_dir=plain) == "local_bert_hpo_refit_study-abcdef12_trial-1234abcd"
    )
    assert (
        build_mlflow_run_name(conversion, config_dir=plain) == "local_bert_conversion_pppppppp_conv-cccccccc"
    )


# --- study hash fallback -------------------------------------------------------------------


def test_study_hash_falls_back_to_env(plain: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HPO_STUDY_KEY_HASH", "feedbeef00000000")
    context = hpo(trial_id="trial_1", trial_number=1)
    assert build_mlflow_run_name(context, config_dir=plain) == "local_bert_hpo_trial_study-feedbeef_t01"


def test_context_hash_beats_env(plain: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HPO_STUDY_KEY_HASH", "feedbeef00000000")
    context = hpo(trial_id="trial_1", trial_number=1, study_key_hash=STUDY)
    assert "study-abcdef12" in build_mlflow_run_name(context, config_dir=plain)


def test_stage_hpo_trial_without_hash_raises(plain: Path) -> None:
    with pytest.raises(ValueError, match="study_key_hash"):
        build_mlflow_run_name(hpo(stage="hpo_trial", trial_number=1), config_dir=plain)


def test_trial_id_without_hash_renders_unknown(plain: Path) -> None:
    context = hpo(trial_id="trial_1", trial_number=1)
    assert build_mlflow_run_name(context, config_dir=plain) == "local_bert_hpo_trial_study-unknown_t01"


# --- legacy names --------------------------------------------------------------------------


def test_missing_policy_file_gives_legacy_names(tmp_path: Path) -> None:
    config_dir = make_config(tmp_path / "nopolicy", AUTO_ON, naming=False)
    final = NamingContext("final_training", "bert", "local", spec_fp="s", exec_fp="e", variant=3)
    assert build_mlflow_run_name(final, config_dir=config_dir) == "local_bert_final_training_v3"
    assert build_mlflow_run_name(hpo(trial_id="t"), config_dir=config_dir) == "local_bert_hpo_legacy"


def test_too_long_name_gives_legacy_name(plain: Path) -> None:
    model = "m" * 260
    context = hpo(model=model, trial_id="t", trial_number=1, study_key_hash=STUDY)
    assert build_mlflow_run_name(context, config_dir=plain) == f"local_{model}_hpo_legacy"


def test_forbidden_character_gives_legacy_name(plain: Path) -> None:
    context = hpo(storage_env="disk:1", trial_id="t", trial_number=1, study_key_hash=STUDY)
    assert build_mlflow_run_name(context, config_dir=plain) == "disk:1_bert_hpo_legacy"


# --- _N suffix -----------------------------------------------------------------------------


def test_trial_gets_growing_suffix_on_every_call(versioned: Path) -> None:
    context = hpo(trial_id="trial_3", trial_number=3, study_key_hash=STUDY)
    now = clock()
    names = [build_mlflow_run_name(context, config_dir=versioned, now=now) for _ in range(3)]
    assert names == [
        "local_bert_hpo_trial_study-abcdef12_t03_1",
        "local_bert_hpo_trial_study-abcdef12_t03_2",
        "local_bert_hpo_trial_study-abcdef12_t03_3",
    ]


def test_reservation_is_written_with_pending_clock_id(versioned: Path) -> None:
    context = hpo(trial_id="trial_3", trial_number=3, study_key_hash=STUDY)
    build_mlflow_run_name(context, config_dir=versioned, now=clock())
    (entry,) = allocations(versioned)
    assert entry["run_id"] == "pending_2024-05-01T12:00:00"
    assert entry["status"] == "reserved"
    assert entry["counter_key"].startswith("proj:hpo:")
    assert entry["counter_key"].endswith(":local")


def test_counter_key_uses_storage_env(versioned: Path) -> None:
    context = NamingContext(
        "benchmarking", "bert", "colab", storage_env="drive", trial_id="trial_1", study_key_hash=STUDY
    )
    assert build_mlflow_run_name(context, config_dir=versioned, now=clock()).endswith("_1")
    assert allocations(versioned)[0]["counter_key"].split(":")[1:4:2] == ["benchmarking", "drive"]


@pytest.mark.parametrize(
    "context",
    [
        hpo(study_key_hash=STUDY),
        NamingContext("hpo_refit", "bert", "local", trial_id="t1", study_key_hash=STUDY),
        NamingContext("benchmarking", "bert", "local", trial_id="t1", study_key_hash=STUDY),
    ],
)
def test_sweep_refit_benchmark_get_a_suffix(versioned: Path, context: NamingContext) -> None:
    assert build_mlflow_run_name(context, config_dir=versioned, now=clock()).endswith("_1")


@pytest.mark.parametrize(
    ("context", "expected"),
    [
        (
            NamingContext("final_training", "bert", "local", spec_fp="s", exec_fp="e"),
            "local_bert_final_training_spec-s_exec-e_v1",
        ),
        (
            NamingContext("conversion", "bert", "local", parent_training_id="p", conv_fp="c"),
            "local_bert_conversion_p_conv-c",
        ),
    ],
)
def test_other_kinds_get_no_suffix_and_no_counter(
    versioned: Path, context: NamingContext, expected: str
) -> None:
    assert build_mlflow_run_name(context, config_dir=versioned, now=clock()) == expected
    assert not get_run_name_counter_path(versioned.parent, versioned).exists()


def test_auto_increment_off_writes_no_counter(plain: Path) -> None:
    build_mlflow_run_name(hpo(trial_id="t", trial_number=1, study_key_hash=STUDY), config_dir=plain)
    assert not get_run_name_counter_path(plain.parent, plain).exists()


def test_counter_root_is_parent_of_outputs(tmp_path: Path) -> None:
    project = tmp_path / "proj"
    make_config(project, AUTO_ON)
    output_dir = project / "outputs" / "hpo" / "trial_1"
    context = hpo(trial_id="trial_1", trial_number=1, study_key_hash=STUDY)
    assert build_mlflow_run_name(context, output_dir=output_dir, now=clock()).endswith("_t01_1")
    assert (project / "outputs" / "cache" / "run_name_counter.json").exists()


def _corrupt_counter(config_dir: Path) -> None:
    path = get_run_name_counter_path(config_dir.parent, config_dir)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("{corrupt", encoding="utf-8")


def test_failed_reservation_adds_no_suffix(versioned: Path) -> None:
    _corrupt_counter(versioned)
    context = hpo(trial_id="trial_2", trial_number=2, study_key_hash=STUDY)
    assert build_mlflow_run_name(context, config_dir=versioned) == "local_bert_hpo_trial_study-abcdef12_t02"


@pytest.mark.parametrize("process_type", ["hpo", "benchmarking"])
def test_failed_reservation_without_hash_gives_env_and_trial_id(versioned: Path, process_type: str) -> None:
    _corrupt_counter(versioned)
    context = NamingContext(process_type, "bert", "local", storage_env="kaggle", trial_id="trial_9")
    assert build_mlflow_run_name(context, config_dir=versioned) == "kaggle_trial_9"
