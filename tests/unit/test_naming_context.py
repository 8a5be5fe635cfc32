"""NamingContext validation (legacy-core §8.1) and platform detection (§9.2)."""

from __future__ import annotations

import dataclasses

import pytest

from infrastructure.naming.context import NamingContext
from infrastructure.naming.platform import detect_platform

PLATFORM_VARS = (
    "COLAB_GPU",
    "COLAB_TPU",
    "KAGGLE_KERNEL_RUN_TYPE",
    "AZURE_ML_RUN_ID",
    "AZURE_ML_OUTPUT_DIR",
)


def test_field_order_matches_spec() -> None:
    names = [field.name for field in dataclasses.fields(NamingContext)]
    assert names == [
        "process_type",
        "model",
        "environment",
        "stage",
        "storage_env",
        "study_name",
        "spec_fp",
        "exec_fp",
        "variant",
        "trial_id",
        "trial_number",
        "fold_idx",
        "parent_training_id",
        "conv_fp",
        "study_key_hash",
        "trial_key_hash",
        "benchmark_config_hash",
    ]


def test_is_frozen() -> None:
    context = NamingContext("hpo", "bert", "local")
    with pytest.raises(dataclasses.FrozenInstanceError):
        context.model = "other"  # type: ignore[misc]


def test_storage_env_defaults_to_environment() -> None:
    assert NamingContext("hpo", "bert", "colab").storage_env == "colab"


def test_explicit_storage_env_is_kept() -> None:
    assert NamingContext("hpo", "bert", "colab", storage_env="azure").storage_env == "azure"


def test_variant_defaults_to_one() -> None:
    assert NamingContext("hpo", "bert", "local").variant == 1


def test_invalid_process_type() -> None:
    with pytest.raises(ValueError, match=r"^Invalid process_type: training$"):
        NamingContext("training", "bert", "local")


def test_invalid_environment() -> None:
    with pytest.raises(ValueError, match=r"^Invalid environment: aws$"):
        NamingContext("hpo", "bert", "aws")


def test_variant_below_one() -> None:
    with pytest.raises(ValueError, match=r"^Variant must be >= 1, got 0$"):
        NamingContext("hpo", "bert", "local", variant=0)


@pytest.mark.parametrize(("spec_fp", "exec_fp"), [(None, None), ("s", None), (None, "e"), ("", "e")])
def test_final_training_requires_both_fingerprints(spec_fp: str | None, exec_fp: str | None) -> None:
    with pytest.raises(ValueError, match=r"^final_training requires spec_fp and exec_fp$"):
        NamingContext("final_training", "bert", "local", spec_fp=spec_fp, exec_fp=exec_fp)


def test_final_training_with_fingerprints_is_valid() -> None:
    context = NamingContext("final_training", "bert", "local", spec_fp="s", exec_fp="e")
    assert (context.spec_fp, context.exec_fp) == ("s", "e")


@pytest.mark.parametrize(("parent", "conv_fp"), [(None, None), ("p", None), (None, "c")])
def test_conversion_requires_parent_and_conv_fp(parent: str | None, conv_fp: str | None) -> None:
    with pytest.raises(ValueError, match=r"^conversion requires parent_training_id and conv_fp$"):
        NamingContext("conversion", "bert", "local", parent_training_id=parent, conv_fp=conv_fp)


def test_best_configurations_requires_spec_fp() -> None:
    with pytest.raises(ValueError, match=r"^best_configurations requires spec_fp$"):
        NamingContext("best_configurations", "bert", "local")


def test_process_type_is_checked_before_environment() -> None:
    with pytest.raises(ValueError, match="process_type"):
        NamingContext("bad", "bert", "bad")


@pytest.fixture
def clean_platform_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    for name in PLATFORM_VARS:
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


def test_platform_local_without_vars(clean_platform_env: pytest.MonkeyPatch) -> None:
    assert detect_platform() == "local"


@pytest.mark.parametrize(
    ("var", "expected"),
    [
        ("COLAB_GPU", "colab"),
        ("COLAB_TPU", "colab"),
        ("KAGGLE_KERNEL_RUN_TYPE", "kaggle"),
        ("AZURE_ML_RUN_ID", "azure"),
        ("AZURE_ML_OUTPUT_DIR", "azure"),
    ],
)
def test_platform_by_env_var(clean_platform_env: pytest.MonkeyPatch, var: str, expected: str) -> None:
    clean_platform_env.setenv(var, "1")
    assert detect_platform() == expected


def test_platform_first_match_wins(clean_platform_env: pytest.MonkeyPatch) -> None:
    clean_platform_env.setenv("AZURE_ML_RUN_ID", "x")
    clean_platform_env.setenv("KAGGLE_KERNEL_RUN_TYPE", "x")
    clean_platform_env.setenv("COLAB_GPU", "")
    assert detect_platform() == "colab"
