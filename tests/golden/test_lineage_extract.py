"""Golden scenarios: training.execution.lineage.extract_lineage_from_best_model (legacy-core §5).

Pure mapping from an HPO best-model record to ``hpo_*`` lineage fields: top-level values first,
the record's tags as fallback for falsy hashes, None dropped, "" kept, sweep id only when its tag
is present. The store stays empty; the result carries the lineage, its key order and the record
after the call.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest

from training.execution.lineage import extract_lineage_from_best_model

FULL_TAGS = {
    "code.study_key_hash": "tag-study-hash",
    "code.trial_key_hash": "tag-trial-hash",
    "code.lineage.hpo_sweep_run_id": "tag-sweep-run",
}

#: Truthy top-level hashes: the record's own values, which win over its tags.
TOP_LEVEL_HASHES = {"study_key_hash": "study-hash", "trial_key_hash": "trial-hash"}


def _extract(best_model: dict[str, Any]) -> dict[str, Any]:
    before = copy.deepcopy(best_model)
    lineage = extract_lineage_from_best_model(best_model)
    return {
        "lineage": lineage,
        "lineage_keys": list(lineage),
        "record_unchanged": best_model == before,
        "same_object": lineage is best_model,
    }


def test_extract_full_record_prefers_top_level_hashes(tracking_store, golden):
    best_model = {**TOP_LEVEL_HASHES, "trial_run_id": "trial-run", "run_id": "refit-run"}
    best_model["tags"] = dict(FULL_TAGS)
    golden.check(result=_extract(best_model))


def test_extract_record_without_tags_has_no_sweep_id(tracking_store, golden):
    best_model = {**TOP_LEVEL_HASHES, "trial_run_id": "t", "run_id": "r"}
    golden.check(result=_extract(best_model))


def test_extract_empty_record_gives_empty_lineage(tracking_store, golden):
    golden.check(result=_extract({}))


@pytest.mark.parametrize("top_level", ["missing", None, "", 0], ids=["missing", "none", "empty", "zero"])
def test_extract_falsy_hashes_fall_back_to_tags(tracking_store, golden, top_level):
    best_model: dict[str, Any] = {"run_id": "refit-run", "tags": dict(FULL_TAGS)}
    if top_level != "missing":
        best_model["study_key_hash"] = top_level
        best_model["trial_key_hash"] = top_level
    golden.check(result={"top_level": top_level, **_extract(best_model)})


@pytest.mark.parametrize("top_level", [None, "", 0], ids=["none", "empty", "zero"])
def test_extract_falsy_hashes_without_tag_fallback(tracking_store, golden, top_level):
    best_model = {"study_key_hash": top_level, "trial_key_hash": top_level, "tags": {}}
    golden.check(result={"top_level": top_level, **_extract(best_model)})


@pytest.mark.parametrize("tag_value", ["", None, 0], ids=["empty", "none", "zero"])
def test_extract_falsy_hash_with_falsy_tag_value(tracking_store, golden, tag_value):
    best_model = {
        "study_key_hash": "",
        "trial_key_hash": None,
        "tags": {"code.study_key_hash": tag_value, "code.trial_key_hash": tag_value},
    }
    golden.check(result={"tag_value": tag_value, **_extract(best_model)})


def test_extract_run_ids_none_dropped_and_empty_kept(tracking_store, golden):
    best_model = {"trial_run_id": None, "run_id": "", "tags": {}}
    golden.check(result=_extract(best_model))


def test_extract_run_ids_falsy_non_none_kept(tracking_store, golden):
    best_model = {"trial_run_id": 0, "run_id": False}
    golden.check(result=_extract(best_model))


def test_extract_run_ids_are_not_taken_from_tags(tracking_store, golden):
    best_model = {
        "tags": {
            "code.trial_run_id": "tag-trial-run",
            "code.lineage.hpo_trial_run_id": "tag-lineage-trial-run",
            "code.lineage.hpo_refit_run_id": "tag-lineage-refit-run",
            "code.lineage.hpo_study_key_hash": "tag-lineage-study",
            "mlflow.runName": "tag-name",
        }
    }
    golden.check(result=_extract(best_model))


@pytest.mark.parametrize("sweep", ["sweep-run", "", None], ids=["value", "empty", "none"])
def test_extract_sweep_id_only_when_the_tag_is_present(tracking_store, golden, sweep):
    best_model = {"run_id": "refit-run", "tags": {"code.lineage.hpo_sweep_run_id": sweep}}
    golden.check(result={"sweep_tag": sweep, **_extract(best_model)})


def test_extract_ignores_a_top_level_sweep_id(tracking_store, golden):
    best_model = {
        "run_id": "refit-run",
        "sweep_run_id": "sweep-run",
        "hpo_sweep_run_id": "sweep-run",
        "tags": {},
    }
    golden.check(result=_extract(best_model))


def test_extract_copies_values_verbatim(tracking_store, golden):
    best_model = {
        "study_key_hash": 123,
        "trial_key_hash": ["a", "b"],
        "trial_run_id": 4.5,
        "run_id": "  spaced  ",
        "tags": {"code.lineage.hpo_sweep_run_id": {"nested": True}},
    }
    golden.check(result=_extract(best_model))


def test_extract_tags_none_raises_attribute_error(tracking_store, golden):
    best_model = {"study_key_hash": "study-hash", "run_id": "refit-run", "tags": None}
    with golden.catch_error():
        extract_lineage_from_best_model(best_model)
    golden.check(result={"record_after": best_model})


def test_extract_tags_not_a_mapping_raises_attribute_error(tracking_store, golden):
    best_model = {"study_key_hash": "study-hash", "run_id": "refit-run", "tags": ["code.study_key_hash"]}
    with golden.catch_error():
        extract_lineage_from_best_model(best_model)
    golden.check(result={"record_after": best_model})


def test_extract_tags_none_with_both_hashes_present(tracking_store, golden):
    # No tag fallback is needed here, yet an explicit None still fails (§5).
    best_model = {
        "study_key_hash": "s",
        "trial_key_hash": "t",
        "trial_run_id": "tr",
        "run_id": "r",
        "tags": None,
    }
    result = None
    with golden.catch_error():
        result = _extract(best_model)
    golden.check(result={"outcome": result, "record_after": best_model})


def test_extract_tags_list_holding_the_sweep_key_raises_type_error(tracking_store, golden):
    best_model = {
        "study_key_hash": "s",
        "trial_key_hash": "t",
        "run_id": "r",
        "tags": ["code.lineage.hpo_sweep_run_id"],
    }
    result = None
    with golden.catch_error():
        result = _extract(best_model)
    golden.check(result={"outcome": result, "record_after": best_model})
