"""Golden scenarios: training run names (legacy-support §8, §10.4).

build_training_run_name_with_fallback: the MLFLOW_RUN_NAME override, policy names from
naming.yaml for final_training / hpo_trial / hpo_trial_fold, the hash and model taken from a
real parent run, legacy names (no policy, invalid name), ``_N`` suffixes with auto-increment on
(and the counter file they write, wall-clock values masked), and the fixed fallback patterns.
Names that embed the clock never occur: only the counter's ``pending_<iso>`` id does, and it is
masked.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from _support_legacy_support import UNKNOWN_RUN_ID, counter_path, make_run, read_counter
from scenario_support import make_config_dir

from training.execution.run_names import build_training_run_name_with_fallback as build_name

#: The run-name policy (same patterns as the shipped config/naming.yaml).
NAMING: dict[str, Any] = {
    "schema_version": 1,
    "patterns": {
        "hpo_trial": "{env}_{model}_hpo_trial_study-{study_hash}_t{trial_number}",
        "hpo_trial_fold": "{env}_{model}_hpo_trial_study-{study_hash}_t{trial_number}_fold{fold_idx}",
        "hpo_sweep": "{env}_{model}_hpo_study-{study_hash}",
        "final_training": "{env}_{model}_final_training_spec-{spec_hash}_exec-{exec_hash}_v{variant}",
    },
    "normalize": {"replace_with_underscore": ["/", "-", " "]},
    "hash_length": 8,
    "version": {"format": "_{number}"},
    "validation": {"max_length": 256, "forbidden_chars": ["/", "\\", ":", "*", "?", '"', "<", ">", "|"]},
}
AUTO_INCREMENT_ON = {"naming": {"run_name": {"auto_increment": {"enabled": True}}}}
STUDY_HASH = "0123456789abcdef" * 4
FINAL_CONFIG = {"fingerprints": {"spec_fp": "spec0123456789", "exec_fp": "exec9876543210", "variant": 3}}
RUN_ID = "fedcba9876543210" * 2
#: A policy whose patterns name an unknown placeholder: rendering raises, so the fallback applies.
BROKEN_PATTERN: dict[str, Any] = {
    "patterns": {name: "{env}_{no_such_field}" for name in ("hpo_trial", "hpo_trial_fold", "final_training")}
}


def _config(
    tmp_path: Path, *, naming: dict[str, Any] | None = NAMING, mlflow_cfg: dict[str, Any] | None = None
) -> Path:
    return make_config_dir(tmp_path, naming=naming, mlflow_cfg=mlflow_cfg)


# -- MLFLOW_RUN_NAME -------------------------------------------------------------------------------
def test_env_run_name_wins_for_every_process_type(tracking_store, golden, monkeypatch):
    monkeypatch.setenv("MLFLOW_RUN_NAME", "name-from-env")
    config_dir = _config(tracking_store.tmp_path, mlflow_cfg=AUTO_INCREMENT_ON)
    names = {
        process_type: build_name(
            process_type,
            config=FINAL_CONFIG,
            backbone="deberta",
            model="distilbert",
            trial_number=1,
            study_key_hash=STUDY_HASH,
            parent_run_id=UNKNOWN_RUN_ID,
            config_dir=config_dir,
        )
        for process_type in ("final_training", "hpo_trial", "hpo_trial_fold", "benchmarking")
    }
    golden.check(result={"names": names, "counter": read_counter(config_dir)})


def test_empty_env_run_name_is_ignored(tracking_store, golden, monkeypatch):
    monkeypatch.setenv("MLFLOW_RUN_NAME", "")
    golden.check(result=build_name("benchmarking"))


# -- final_training --------------------------------------------------------------------------------
def test_final_training_policy_name(tracking_store, golden):
    config_dir = _config(tracking_store.tmp_path)
    golden.check(
        result=build_name(
            "final_training", config=FINAL_CONFIG, backbone="deberta-v3 large", config_dir=config_dir
        )
    )


def test_final_training_variant_defaults_to_1(tracking_store, golden):
    config_dir = _config(tracking_store.tmp_path)
    config = {"fingerprints": {"spec_fp": "s1", "exec_fp": "e1"}}
    golden.check(
        result=build_name("final_training", config=config, backbone="deberta", config_dir=config_dir)
    )


def test_final_training_without_policy_file_gives_the_legacy_name(tracking_store, golden):
    config_dir = _config(tracking_store.tmp_path, naming=None)
    golden.check(
        result=build_name("final_training", config=FINAL_CONFIG, backbone="deberta", config_dir=config_dir)
    )


def test_final_training_gets_no_suffix_with_auto_increment_on(tracking_store, golden):
    config_dir = _config(tracking_store.tmp_path, mlflow_cfg=AUTO_INCREMENT_ON)
    name = build_name("final_training", config=FINAL_CONFIG, backbone="deberta", config_dir=config_dir)
    golden.check(result={"name": name, "counter_written": counter_path(config_dir).exists()})


@pytest.mark.parametrize(
    "config",
    [None, {}, {"fingerprints": {"spec_fp": "s1"}}, {"other": 1}],
    ids=["no_config", "empty_config", "missing_exec_fp", "no_fingerprints"],
)
def test_final_training_without_fingerprints_falls_back(tracking_store, golden, config):
    config_dir = _config(tracking_store.tmp_path)
    golden.check(
        result=build_name(
            "final_training", config=config, backbone="deberta", run_id=RUN_ID, config_dir=config_dir
        )
    )


@pytest.mark.parametrize(
    "run_id", [None, "ab:cd/ef\\gh-ijkl", "short"], ids=["no_run_id", "separators", "short"]
)
def test_final_training_fallback_run_id_part(tracking_store, golden, run_id):
    golden.check(result=build_name("final_training", backbone="deberta/base", run_id=run_id))


def test_final_training_without_backbone_falls_back_to_unknown(tracking_store, golden):
    config_dir = _config(tracking_store.tmp_path)
    golden.check(
        result=build_name("final_training", config=FINAL_CONFIG, run_id=RUN_ID, config_dir=config_dir)
    )


# -- hpo_trial / hpo_trial_fold --------------------------------------------------------------------
@pytest.mark.parametrize(
    ("process_type", "fold_idx"),
    [("hpo_trial", None), ("hpo_trial_fold", 1), ("hpo_trial", 2), ("hpo_trial_fold", None)],
    ids=["trial", "fold", "trial_with_fold_idx", "fold_without_fold_idx"],
)
def test_hpo_policy_name_kind_follows_fold_idx(tracking_store, golden, process_type, fold_idx):
    config_dir = _config(tracking_store.tmp_path)
    name = build_name(
        process_type,
        model="distilbert",
        trial_number=3,
        fold_idx=fold_idx,
        study_key_hash=STUDY_HASH,
        config_dir=config_dir,
    )
    golden.check(result=name)


def test_hpo_trial_number_none_renders_tunknown(tracking_store, golden):
    config_dir = _config(tracking_store.tmp_path)
    golden.check(
        result=build_name("hpo_trial", model="distilbert", study_key_hash=STUDY_HASH, config_dir=config_dir)
    )


def test_hpo_hash_without_model_uses_unknown_model(tracking_store, golden):
    config_dir = _config(tracking_store.tmp_path)
    golden.check(
        result=build_name("hpo_trial", trial_number=12, study_key_hash=STUDY_HASH, config_dir=config_dir)
    )


def test_hpo_model_without_hash_renders_study_unknown(tracking_store, golden):
    config_dir = _config(tracking_store.tmp_path)
    golden.check(
        result=build_name(
            "hpo_trial_fold", model="distilbert", trial_number=0, fold_idx=0, config_dir=config_dir
        )
    )


def test_hpo_study_hash_env_fills_a_missing_hash(tracking_store, golden, monkeypatch):
    monkeypatch.setenv("HPO_STUDY_KEY_HASH", "feedface" * 8)
    config_dir = _config(tracking_store.tmp_path)
    golden.check(result=build_name("hpo_trial", model="distilbert", trial_number=5, config_dir=config_dir))


@pytest.mark.parametrize(
    ("trial_number", "fold_idx"),
    [(None, None), (0, 0), (7, None), (12, 3)],
    ids=["none", "zero_fold0", "t7", "t12_fold3"],
)
def test_hpo_without_model_or_hash_falls_back(tracking_store, golden, trial_number, fold_idx):
    config_dir = _config(tracking_store.tmp_path)
    golden.check(
        result=build_name(
            "hpo_trial_fold", trial_number=trial_number, fold_idx=fold_idx, config_dir=config_dir
        )
    )


def test_hpo_without_policy_file_gives_the_legacy_name(tracking_store, golden):
    config_dir = _config(tracking_store.tmp_path, naming=None)
    golden.check(
        result=build_name(
            "hpo_trial", model="distilbert", trial_number=3, study_key_hash=STUDY_HASH, config_dir=config_dir
        )
    )


def test_hpo_invalid_policy_name_gives_the_legacy_name(tracking_store, golden):
    config_dir = _config(tracking_store.tmp_path)
    golden.check(
        result=build_name(
            "hpo_trial",
            model="bert:base-cased",
            trial_number=3,
            study_key_hash=STUDY_HASH,
            config_dir=config_dir,
        )
    )


def test_hpo_policy_without_the_pattern_gives_the_legacy_name(tracking_store, golden):
    config_dir = _config(tracking_store.tmp_path, naming={"patterns": {"final_training": "x"}})
    golden.check(
        result=build_name(
            "hpo_trial", model="distilbert", trial_number=3, study_key_hash=STUDY_HASH, config_dir=config_dir
        )
    )


@pytest.mark.parametrize("process_type", ["hpo_trial", "hpo_trial_fold", "final_training"])
def test_policy_rendering_error_falls_back(tracking_store, golden, process_type):
    config_dir = _config(tracking_store.tmp_path, naming=BROKEN_PATTERN)
    name = build_name(
        process_type,
        config=FINAL_CONFIG,
        backbone="deberta",
        model="distilbert",
        trial_number=4,
        fold_idx=1,
        study_key_hash=STUDY_HASH,
        run_id=RUN_ID,
        config_dir=config_dir,
    )
    golden.check(result=name)


def test_hpo_platform_from_environment(tracking_store, golden, monkeypatch):
    monkeypatch.setenv("COLAB_GPU", "1")
    config_dir = _config(tracking_store.tmp_path)
    golden.check(
        result={
            "policy": build_name(
                "hpo_trial",
                model="distilbert",
                trial_number=3,
                study_key_hash=STUDY_HASH,
                config_dir=config_dir,
            ),
            "fallback": build_name("hpo_trial", trial_number=3, config_dir=config_dir),
            "final_fallback": build_name("final_training", backbone="deberta", run_id=RUN_ID),
        }
    )


# -- parent run ------------------------------------------------------------------------------------
def _parent(tracking_store: Any, tags: dict[str, str]) -> str:
    experiment_id = tracking_store.client.create_experiment("hpo")
    make_run(tracking_store.client, experiment_id, "bystander")
    return make_run(tracking_store.client, experiment_id, "sweep", tags=tags, status=None)


def test_parent_run_fills_hash_and_model(tracking_store, golden):
    parent = _parent(tracking_store, {"code.study_key_hash": STUDY_HASH, "code.model": "distilbert"})
    config_dir = _config(tracking_store.tmp_path)
    golden.check(
        result=build_name(
            "hpo_trial_fold", trial_number=2, fold_idx=1, parent_run_id=parent, config_dir=config_dir
        )
    )


def test_parent_run_fills_only_what_is_missing(tracking_store, golden):
    parent = _parent(tracking_store, {"code.study_key_hash": STUDY_HASH, "code.model": "distilbert"})
    config_dir = _config(tracking_store.tmp_path)
    golden.check(
        result={
            "explicit_model": build_name(
                "hpo_trial", model="roberta", trial_number=2, parent_run_id=parent, config_dir=config_dir
            ),
            "explicit_hash": build_name(
                "hpo_trial",
                study_key_hash="cafe" * 16,
                trial_number=2,
                parent_run_id=parent,
                config_dir=config_dir,
            ),
        }
    )


def test_parent_run_fills_the_fallback_name_too(tracking_store, golden):
    parent = _parent(tracking_store, {"code.study_key_hash": STUDY_HASH, "code.model": "distilbert"})
    config_dir = _config(tracking_store.tmp_path, naming=BROKEN_PATTERN)
    golden.check(result=build_name("hpo_trial", trial_number=2, parent_run_id=parent, config_dir=config_dir))


def test_parent_run_without_the_tags_changes_nothing(tracking_store, golden):
    parent = _parent(tracking_store, {"code.stage": "hpo"})
    config_dir = _config(tracking_store.tmp_path)
    golden.check(result=build_name("hpo_trial", trial_number=2, parent_run_id=parent, config_dir=config_dir))


def test_parent_run_unknown_is_swallowed(tracking_store, golden):
    _parent(tracking_store, {"code.study_key_hash": STUDY_HASH, "code.model": "distilbert"})
    config_dir = _config(tracking_store.tmp_path)
    golden.check(
        result=build_name("hpo_trial", trial_number=2, parent_run_id=UNKNOWN_RUN_ID, config_dir=config_dir)
    )


def test_parent_run_is_not_read_for_final_training(tracking_store, golden):
    parent = _parent(tracking_store, {"code.study_key_hash": STUDY_HASH, "code.model": "distilbert"})
    golden.check(result=build_name("final_training", parent_run_id=parent, run_id=RUN_ID))


# -- auto-increment (_N suffix and the counter file) -----------------------------------------------
def test_auto_increment_every_hpo_call_reserves_the_next_number(tracking_store, golden):
    config_dir = _config(tracking_store.tmp_path, mlflow_cfg=AUTO_INCREMENT_ON)
    calls = [
        {"model": "distilbert", "trial_number": 3, "study_key_hash": STUDY_HASH},
        {"model": "distilbert", "trial_number": 3, "study_key_hash": STUDY_HASH},
        {"model": "distilbert", "trial_number": 3, "fold_idx": 0, "study_key_hash": STUDY_HASH},
        {"model": "distilbert", "trial_number": 4, "study_key_hash": STUDY_HASH},
    ]
    names = [build_name("hpo_trial", config_dir=config_dir, **kwargs) for kwargs in calls]
    golden.check(result={"names": names, "counter": read_counter(config_dir)})


def test_auto_increment_disabled_for_hpo_process_adds_no_suffix(tracking_store, golden):
    mlflow_cfg = {"naming": {"run_name": {"auto_increment": {"enabled": True, "processes": {"hpo": False}}}}}
    config_dir = _config(tracking_store.tmp_path, mlflow_cfg=mlflow_cfg)
    name = build_name(
        "hpo_trial", model="distilbert", trial_number=3, study_key_hash=STUDY_HASH, config_dir=config_dir
    )
    golden.check(result={"name": name, "counter": read_counter(config_dir)})


def test_auto_increment_config_inferred_from_output_dir(tracking_store, golden):
    config_dir = _config(tracking_store.tmp_path, mlflow_cfg=AUTO_INCREMENT_ON)
    output_dir = config_dir.parent / "outputs" / "hpo" / "trial_3"
    name = build_name(
        "hpo_trial", output_dir=output_dir, model="distilbert", trial_number=3, study_key_hash=STUDY_HASH
    )
    golden.check(result={"name": name, "counter": read_counter(config_dir)})


def test_auto_increment_config_defaults_to_cwd_config(tracking_store, golden):
    config_dir = make_config_dir(
        tracking_store.tmp_path.parent,
        naming=NAMING,
        mlflow_cfg=AUTO_INCREMENT_ON,
        name=tracking_store.tmp_path.name,
    )
    name = build_name("hpo_trial", model="distilbert", trial_number=3, study_key_hash=STUDY_HASH)
    golden.check(result={"config_dir": config_dir, "name": name, "counter": read_counter(config_dir)})


@pytest.mark.parametrize("study_key_hash", [None, STUDY_HASH], ids=["no_hash", "hash"])
def test_auto_increment_reservation_failure_adds_no_suffix(tracking_store, golden, study_key_hash):
    config_dir = _config(tracking_store.tmp_path, mlflow_cfg=AUTO_INCREMENT_ON)
    path = counter_path(config_dir)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("{corrupt", encoding="utf-8")
    name = build_name(
        "hpo_trial", model="distilbert", trial_number=3, study_key_hash=study_key_hash, config_dir=config_dir
    )
    golden.check(result={"name": name, "counter_text": path.read_text(encoding="utf-8")})


# -- other process types ---------------------------------------------------------------------------
@pytest.mark.parametrize("process_type", ["benchmarking", "hpo_sweep", "hpo", ""])
def test_other_process_types_get_the_generic_fallback(tracking_store, golden, process_type):
    config_dir = _config(tracking_store.tmp_path, mlflow_cfg=AUTO_INCREMENT_ON)
    name = build_name(
        process_type, model="distilbert", trial_number=1, study_key_hash=STUDY_HASH, config_dir=config_dir
    )
    golden.check(result={"name": name, "counter": read_counter(config_dir)})
