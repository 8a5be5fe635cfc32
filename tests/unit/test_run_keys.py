"""Run keys, run-key hash and counter key (legacy-core §8.2)."""

from __future__ import annotations

import hashlib
import re
from typing import Any

import pytest

from infrastructure.naming.context import NamingContext
from infrastructure.naming.mlflow.run_keys import (
    build_counter_key,
    build_mlflow_run_key,
    build_mlflow_run_key_hash,
    build_run_name_counter_key,
)


def ctx(process_type: str, **kwargs: Any) -> NamingContext:
    return NamingContext(process_type, "bert", "local", **kwargs)


def without(context: NamingContext, **fields: Any) -> NamingContext:
    """Bypass NamingContext validation to reach the run-key error branches."""
    for name, value in fields.items():
        object.__setattr__(context, name, value)
    return context


def test_hpo_with_trial_id() -> None:
    assert build_mlflow_run_key(ctx("hpo", trial_id="trial_3", study_key_hash="s")) == "hpo:bert:trial_3"


def test_hpo_with_study_hash_only() -> None:
    assert build_mlflow_run_key(ctx("hpo", study_key_hash="abc")) == "hpo:bert:study_abc"


def test_hpo_without_trial_or_study() -> None:
    assert build_mlflow_run_key(ctx("hpo")) == "hpo:bert:study_unknown"


def test_hpo_refit() -> None:
    assert build_mlflow_run_key(ctx("hpo_refit", trial_id="t1")) == "hpo_refit:bert:t1"


def test_benchmarking() -> None:
    assert build_mlflow_run_key(ctx("benchmarking", trial_id="t1")) == "benchmark:bert:t1"


def test_final_training() -> None:
    context = ctx("final_training", spec_fp="sp", exec_fp="ex", variant=3)
    assert build_mlflow_run_key(context) == "final_training:bert:spec_sp:exec_ex:v3"


def test_conversion() -> None:
    context = ctx("conversion", parent_training_id="pt", conv_fp="cf")
    assert build_mlflow_run_key(context) == "conversion:bert:pt:conv_cf"


@pytest.mark.parametrize(
    ("context", "message"),
    [
        (ctx("hpo_refit"), "HPO refit requires trial_id for run_key"),
        (ctx("benchmarking"), "Benchmarking requires trial_id for run_key"),
        (
            without(ctx("final_training", spec_fp="sp", exec_fp="ex"), exec_fp=None),
            "Final training requires spec_fp and exec_fp for run_key",
        ),
        (
            without(ctx("conversion", parent_training_id="pt", conv_fp="cf"), conv_fp=None),
            "Conversion requires parent_training_id and conv_fp for run_key",
        ),
    ],
    ids=["hpo_refit", "benchmarking", "final_training", "conversion"],
)
def test_missing_key_field_raises_value_error(context: NamingContext, message: str) -> None:
    with pytest.raises(ValueError, match=f"^{re.escape(message)}$"):
        build_mlflow_run_key(context)


def test_other_process_type() -> None:
    assert build_mlflow_run_key(ctx("best_configurations", spec_fp="s")) == "best_configurations:bert:unknown"


def test_key_ignores_environment_and_run_details() -> None:
    base = NamingContext("hpo", "bert", "local", trial_id="t1")
    other = NamingContext(
        "hpo",
        "bert",
        "azure",
        trial_id="t1",
        storage_env="colab",
        stage="hpo_trial",
        fold_idx=2,
        trial_number=9,
        study_name="st",
    )
    assert build_mlflow_run_key(base) == build_mlflow_run_key(other)


def test_hash_is_full_sha256_lowercase_hex() -> None:
    digest = build_mlflow_run_key_hash("hpo:bert:trial_1")
    assert re.fullmatch(r"[0-9a-f]{64}", digest)
    assert digest == hashlib.sha256(b"hpo:bert:trial_1").hexdigest()


def test_hash_encodes_utf8() -> None:
    assert build_mlflow_run_key_hash("é") == hashlib.sha256("é".encode()).hexdigest()


def test_counter_key() -> None:
    assert build_counter_key("proj", "hpo", "h" * 64, "colab") == f"proj:hpo:{'h' * 64}:colab"


@pytest.mark.parametrize(
    ("storage_env", "expected_env"), [(None, "local"), ("", "local"), ("drive", "drive")]
)
def test_run_name_counter_key_uses_storage_env_else_environment(
    storage_env: str | None, expected_env: str
) -> None:
    context = NamingContext("benchmarking", "bert", "local", storage_env=storage_env, trial_id="t1")
    assert (
        build_run_name_counter_key("proj", context, "h" * 64)
        == f"proj:benchmarking:{'h' * 64}:{expected_env}"
    )
