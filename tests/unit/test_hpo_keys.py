"""Study/trial key building and hashing (legacy-support §7, hpo_keys)."""

from __future__ import annotations

import hashlib
import json
from typing import Any, Dict

import pytest

from infrastructure.naming.mlflow import hpo_keys

DATA: Dict[str, Any] = {"name": "resumes", "version": "v3", "local_path": "data/resumes", "extra": 1}
HPO: Dict[str, Any] = {
    "search_space": {"learning_rate": {"type": "loguniform", "low": 1e-5, "high": 1e-3}},
    "objective": {"metric": "macro-f1", "goal": "maximize"},
}
TRAIN: Dict[str, Any] = {"training": {"epochs": 3, "max_steps": None, "batch_size": 16}}


def sha(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def test_canonical_json_sorts_keys_and_is_compact() -> None:
    assert hpo_keys.canonical_json({"b": 1, "a": [1, 2]}) == '{"a":[1,2],"b":1}'


def test_data_identity_keeps_only_identity_keys() -> None:
    assert hpo_keys.build_data_identity(DATA) == {
        "name": "resumes",
        "version": "v3",
        "local_path": "data/resumes",
        "schema": None,
    }


def test_data_fingerprint_ignores_non_identity_keys() -> None:
    assert hpo_keys.compute_data_fingerprint(DATA) == hpo_keys.compute_data_fingerprint({**DATA, "extra": 2})
    assert hpo_keys.compute_data_fingerprint(DATA) != hpo_keys.compute_data_fingerprint(
        {**DATA, "version": "v4"}
    )


def test_objective_defaults() -> None:
    assert hpo_keys.build_objective({}) == {"metric": "macro-f1", "goal": "maximize"}
    assert hpo_keys.build_objective({"objective": {"goal": "minimize"}}) == {
        "metric": "macro-f1",
        "goal": "minimize",
    }


def test_training_budget_reads_nested_or_flat_config() -> None:
    assert hpo_keys.build_training_budget(TRAIN) == {"epochs": 3, "max_steps": None, "early_stopping": None}
    assert hpo_keys.build_training_budget({"epochs": 5})["epochs"] == 5


def test_study_key_v2_content() -> None:
    key = hpo_keys.build_hpo_study_key_v2(DATA, HPO, TRAIN, "Distilbert", "dfp", "efp")
    payload = json.loads(key)
    assert payload["schema_version"] == "2.0"
    assert payload["model"] == "distilbert"
    assert payload["fingerprints"] == {"data": "dfp", "eval": "efp"}
    assert payload["hpo"]["objective"] == {"metric": "macro-f1", "goal": "maximize"}
    assert payload["hpo"]["search_space"] == HPO["search_space"]
    assert payload["training"]["epochs"] == 3
    assert key == hpo_keys.canonical_json(payload)


def test_study_key_hash_is_sha256_of_key() -> None:
    assert hpo_keys.build_hpo_study_key_hash("abc") == sha("abc")


def test_study_family_key_has_no_model_or_budget() -> None:
    payload = json.loads(hpo_keys.build_hpo_study_family_key(DATA, HPO, "dfp", "efp"))
    assert "model" not in payload
    assert "training" not in payload


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (0.1, 0.1),
        (1 / 3, float(f"{1 / 3:.12e}")),
        (3, 3),
        (True, True),
        (0.0, "0.0"),
        ("  AdamW ", "adamw"),
        (None, "none"),
    ],
)
def test_hyperparameter_normalization(value: Any, expected: Any) -> None:
    result = hpo_keys.normalize_hyperparameter(value)
    assert result == expected
    assert type(result) is type(expected)


def test_trial_key_drops_run_describing_params() -> None:
    params = {"learning_rate": 0.001, "backbone": "bert", "trial_number": 4, "run_id": "x", "dropout": 0.1}
    payload = json.loads(hpo_keys.build_hpo_trial_key("s" * 64, params))
    assert payload == {
        "schema_version": "1.0",
        "study_key_hash": "s" * 64,
        "hyperparameters": {"learning_rate": 0.001, "dropout": 0.1},
    }


def test_trial_key_hash_is_sha256_of_canonical_key() -> None:
    key = hpo_keys.build_hpo_trial_key("s", {"lr": 0.5})
    assert key == '{"hyperparameters":{"lr":0.5},"schema_version":"1.0","study_key_hash":"s"}'
    assert hpo_keys.build_hpo_trial_key_hash(key) == sha(key)
