"""training.execution.lineage.extract_lineage_from_best_model (legacy-core §5)."""

from __future__ import annotations

import pytest

from training.execution.lineage import extract_lineage_from_best_model


def test_fields_from_record() -> None:
    best = {
        "study_key_hash": "sk",
        "trial_key_hash": "tk",
        "trial_run_id": "tr",
        "run_id": "rr",
        "tags": {"code.lineage.hpo_sweep_run_id": "sw"},
    }
    assert extract_lineage_from_best_model(best) == {
        "hpo_study_key_hash": "sk",
        "hpo_trial_key_hash": "tk",
        "hpo_trial_run_id": "tr",
        "hpo_refit_run_id": "rr",
        "hpo_sweep_run_id": "sw",
    }


def test_hashes_fall_back_to_tags_when_falsy() -> None:
    best = {
        "study_key_hash": "",
        "trial_key_hash": None,
        "tags": {"code.study_key_hash": "tag_s", "code.trial_key_hash": "tag_t"},
    }
    result = extract_lineage_from_best_model(best)
    assert (result["hpo_study_key_hash"], result["hpo_trial_key_hash"]) == ("tag_s", "tag_t")


def test_record_hash_wins_over_tag() -> None:
    best = {"study_key_hash": "rec", "tags": {"code.study_key_hash": "tag"}}
    assert extract_lineage_from_best_model(best)["hpo_study_key_hash"] == "rec"


def test_none_values_dropped() -> None:
    assert extract_lineage_from_best_model({"trial_run_id": None, "run_id": "r"}) == {"hpo_refit_run_id": "r"}


def test_empty_strings_kept() -> None:
    assert extract_lineage_from_best_model({"trial_run_id": "", "run_id": ""}) == {
        "hpo_trial_run_id": "",
        "hpo_refit_run_id": "",
    }


def test_sweep_only_if_tag_present_even_when_empty_or_none() -> None:
    assert "hpo_sweep_run_id" not in extract_lineage_from_best_model({"tags": {}})
    present = extract_lineage_from_best_model({"tags": {"code.lineage.hpo_sweep_run_id": ""}})
    assert present["hpo_sweep_run_id"] == ""
    dropped = extract_lineage_from_best_model({"tags": {"code.lineage.hpo_sweep_run_id": None}})
    assert "hpo_sweep_run_id" not in dropped


def test_tag_names_are_literals_not_registry_keys() -> None:
    best = {"tags": {"code.lineage.hpo_sweep_run_id": "sw", "code.lineage.source": "x"}}
    assert extract_lineage_from_best_model(best) == {"hpo_sweep_run_id": "sw"}


def test_missing_tags_key_is_fine() -> None:
    assert extract_lineage_from_best_model({}) == {}


def test_explicit_none_tags_raises_attribute_error() -> None:
    with pytest.raises(AttributeError):
        extract_lineage_from_best_model({"study_key_hash": "sk", "tags": None})
