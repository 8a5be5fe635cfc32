"""Golden scenarios: training.execution.tag_helpers (legacy-core §3, §6.2, §7).

The helpers only build dicts: the store part of every snapshot stays empty and the result
carries the returned dict, the caller's dict after the call (it is mutated), object identity and
key order. Registry errors are captured with the caller's dict as it was left.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from _support_tags import (
    BROKEN_TAGS_YAML,
    FULL_LINEAGE,
    LINEAGE_FIELDS,
    TAGS_YAML,
    config_dir_with,
    dict_outcome,
    write_tags_yaml,
)
from scenario_support import make_config_dir

from training.execution.tag_helpers import (
    _build_lineage_tags_dict,
    _get_training_tag_keys,
    add_training_tags,
    add_training_tags_with_lineage,
)

VALID_TAGS_YAML = [name for name in TAGS_YAML if name not in BROKEN_TAGS_YAML]


def _outcome(helper: Callable[..., dict[str, Any]], tags: dict[str, Any], *args: Any, **kwargs: Any) -> Any:
    """``dict_outcome`` of ``helper(tags, *args, **kwargs)`` against the caller's ``tags``."""
    return dict_outcome(helper(tags, *args, **kwargs), tags)


# --- add_training_tags (§3.1) ------------------------------------------------------------------


def test_add_training_tags_on_empty_dict_uses_final_by_default(tracking_store, golden):
    tags: dict[str, Any] = {}
    golden.check(result=_outcome(add_training_tags, tags))


def test_add_training_tags_overwrites_existing_values_in_place(tracking_store, golden):
    tags: dict[str, Any] = {"training_type": "hpo", "code.stage": "final_training", "mlflow.runType": "sweep"}
    golden.check(result=_outcome(add_training_tags, tags, "final"))


def test_add_training_tags_sets_the_given_training_type(tracking_store, golden):
    tags: dict[str, Any] = {"code.model": "distilbert"}
    golden.check(result=_outcome(add_training_tags, tags, training_type="continued"))


def test_add_training_tags_sets_an_empty_training_type_verbatim(tracking_store, golden):
    tags: dict[str, Any] = {}
    golden.check(result=_outcome(add_training_tags, tags, training_type=""))


@pytest.mark.parametrize("variant", BROKEN_TAGS_YAML)
def test_add_training_tags_ignores_a_broken_config_dir(tracking_store, golden, variant):
    config_dir = config_dir_with(tracking_store.tmp_path, variant)
    tags: dict[str, Any] = {"code.model": "distilbert"}
    returned = add_training_tags(tags, "final", config_dir)
    golden.check(result={"tags_yaml": variant, **dict_outcome(returned, tags)})


def test_add_training_tags_ignores_an_overridden_run_type_key(tracking_store, golden):
    config_dir = config_dir_with(tracking_store.tmp_path, "override_mlflow_run_type")
    tags: dict[str, Any] = {}
    golden.check(result=_outcome(add_training_tags, tags, "final", config_dir=config_dir))


# --- add_training_tags_with_lineage (§3.2) -----------------------------------------------------


def test_with_lineage_empty_lineage_sets_training_tags_and_full_data_only(tracking_store, golden):
    tags: dict[str, Any] = {}
    golden.check(result=_outcome(add_training_tags_with_lineage, tags, {}))


def test_with_lineage_full_lineage_and_run_name(tracking_store, golden):
    tags: dict[str, Any] = {"code.stage": "final_training", "code.model": "distilbert"}
    lineage = dict(FULL_LINEAGE)
    returned = add_training_tags_with_lineage(tags, lineage, run_name="final-run")
    golden.check(result={**dict_outcome(returned, tags), "lineage_after": lineage})


@pytest.mark.parametrize("field", LINEAGE_FIELDS)
def test_with_lineage_single_field(tracking_store, golden, field):
    tags: dict[str, Any] = {}
    golden.check(result=_outcome(add_training_tags_with_lineage, tags, {field: FULL_LINEAGE[field]}))


def test_with_lineage_partial_lineage_in_mixed_order(tracking_store, golden):
    tags: dict[str, Any] = {}
    lineage = {"hpo_refit_run_id": "refit-run-1", "hpo_trial_key_hash": "trial-hash-1"}
    golden.check(result=_outcome(add_training_tags_with_lineage, tags, lineage, run_name="final-run"))


@pytest.mark.parametrize("absent", ["empty_strings", "nones", "zeros_and_false"])
def test_with_lineage_falsy_values_count_as_absent(tracking_store, golden, absent):
    value: Any = {"empty_strings": "", "nones": None, "zeros_and_false": 0}[absent]
    lineage: dict[str, Any] = {field: value for field in LINEAGE_FIELDS}
    if absent == "zeros_and_false":
        lineage["hpo_sweep_run_id"] = False
    tags: dict[str, Any] = {"code.study_key_hash": "base-study", "code.trial_key_hash": "base-trial"}
    golden.check(result=_outcome(add_training_tags_with_lineage, tags, lineage))


@pytest.mark.parametrize("run_name", ["new-name", None, ""], ids=["given", "none", "empty"])
def test_with_lineage_run_name_given_none_or_empty(tracking_store, golden, run_name):
    tags: dict[str, Any] = {"mlflow.runName": "existing-name"}
    returned = add_training_tags_with_lineage(tags, {}, run_name=run_name)
    golden.check(result={"run_name": run_name, **dict_outcome(returned, tags)})


def test_with_lineage_always_sets_training_type_final(tracking_store, golden):
    tags: dict[str, Any] = {"training_type": "continued", "mlflow.runType": "benchmark"}
    golden.check(result=_outcome(add_training_tags_with_lineage, tags, {"hpo_refit_run_id": "refit-run-1"}))


def test_with_lineage_hashes_overwrite_base_grouping_values(tracking_store, golden):
    tags: dict[str, Any] = {
        "code.study_key_hash": "base-study",
        "code.trial_key_hash": "base-trial",
        "code.trained_on_full_data": "false",
        "code.lineage.source": "manual",
    }
    golden.check(result=_outcome(add_training_tags_with_lineage, tags, dict(FULL_LINEAGE)))


def test_with_lineage_without_hashes_keeps_base_grouping_values(tracking_store, golden):
    tags: dict[str, Any] = {"code.study_key_hash": "base-study", "code.trial_key_hash": "base-trial"}
    golden.check(result=_outcome(add_training_tags_with_lineage, tags, {"hpo_trial_run_id": "trial-run-1"}))


def test_with_lineage_copies_values_verbatim(tracking_store, golden):
    lineage: dict[str, Any] = {
        "hpo_study_key_hash": 12345,
        "hpo_trial_key_hash": 1.5,
        "hpo_trial_run_id": True,
        "hpo_refit_run_id": ["refit", 2],
        "hpo_sweep_run_id": "  " + "s" * 300,
    }
    tags: dict[str, Any] = {}
    golden.check(result=_outcome(add_training_tags_with_lineage, tags, lineage))


def test_with_lineage_ignores_unrelated_lineage_keys(tracking_store, golden):
    lineage = {"parent_training_run_id": "parent-1", "source": "elsewhere", "hpo_trial_number": 3}
    tags: dict[str, Any] = {}
    returned = add_training_tags_with_lineage(tags, lineage)
    golden.check(result={**dict_outcome(returned, tags), "lineage_after": lineage})


def test_with_lineage_default_keys_when_cwd_has_no_config(tracking_store, golden):
    tags: dict[str, Any] = {}
    returned = add_training_tags_with_lineage(tags, dict(FULL_LINEAGE), config_dir=None)
    golden.check(
        result={
            "cwd_config_exists": (tracking_store.tmp_path / "config").exists(),
            **dict_outcome(returned, tags),
        }
    )


def test_with_lineage_config_dir_none_reads_cwd_config_tags_yaml(tracking_store, golden):
    write_tags_yaml(make_config_dir(tracking_store.tmp_path, name="."), "override_all_movable")
    tags: dict[str, Any] = {}
    golden.check(
        result=_outcome(add_training_tags_with_lineage, tags, dict(FULL_LINEAGE), run_name="final-run")
    )


@pytest.mark.parametrize("variant", VALID_TAGS_YAML)
def test_with_lineage_keys_from_config_dir_tags_yaml(tracking_store, golden, variant):
    config_dir = config_dir_with(tracking_store.tmp_path, variant)
    tags: dict[str, Any] = {"code.study_key_hash": "base-study"}
    returned = add_training_tags_with_lineage(tags, dict(FULL_LINEAGE), "final-run", config_dir)
    golden.check(result={"tags_yaml": variant, **dict_outcome(returned, tags)})


@pytest.mark.parametrize("variant", BROKEN_TAGS_YAML)
def test_with_lineage_registry_error_raises_after_training_tags(tracking_store, golden, variant):
    config_dir = config_dir_with(tracking_store.tmp_path, variant)
    tags: dict[str, Any] = {"code.model": "distilbert"}
    returned = None
    with golden.catch_error():
        returned = add_training_tags_with_lineage(tags, dict(FULL_LINEAGE), "final-run", config_dir)
    golden.check(
        result={"tags_yaml": variant, "returned": returned, "input_after": tags, "input_keys": list(tags)}
    )


def test_with_lineage_registry_error_names_the_first_key_resolved(tracking_store, golden):
    config_dir = make_config_dir(
        tracking_store.tmp_path,
        tags={
            "lineage": "not-a-section",
            "grouping": {"trial_key_hash": 3},
            "training": {"trained_on_full_data": 1},
        },
    )
    tags: dict[str, Any] = {}
    with golden.catch_error():
        add_training_tags_with_lineage(tags, {}, None, config_dir)
    golden.check(result={"input_after": tags})


def test_with_lineage_registry_errors_even_for_empty_lineage(tracking_store, golden):
    config_dir = config_dir_with(tracking_store.tmp_path, "section_not_dict")
    tags: dict[str, Any] = {}
    with golden.catch_error():
        add_training_tags_with_lineage(tags, {}, None, config_dir)
    golden.check(result={"input_after": tags})


def test_with_lineage_registry_keys_colliding_with_literal_keys(tracking_store, golden):
    # Step order (§3.2): training tags, full-data flag, run name, hashes, lineage dict.
    config_dir = make_config_dir(
        tracking_store.tmp_path,
        tags={
            "training": {"trained_on_full_data": "training_type"},
            "grouping": {"study_key_hash": "mlflow.runName"},
            "lineage": {"source": "mlflow.runType", "hpo_trial_key_hash": "code.trial_key_hash"},
        },
    )
    tags: dict[str, Any] = {}
    golden.check(
        result=_outcome(add_training_tags_with_lineage, tags, dict(FULL_LINEAGE), "final-run", config_dir)
    )


def test_with_lineage_registry_cache_ignores_a_changed_tags_yaml(tracking_store, golden):
    config_dir = config_dir_with(tracking_store.tmp_path, "override_lineage")
    first: dict[str, Any] = {}
    add_training_tags_with_lineage(first, dict(FULL_LINEAGE), None, config_dir)
    write_tags_yaml(config_dir, "override_grouping")
    second: dict[str, Any] = {}
    add_training_tags_with_lineage(second, dict(FULL_LINEAGE), None, config_dir)
    golden.check(result={"first": first, "second_after_file_change": second})


def test_with_lineage_registry_cache_ignores_a_tags_yaml_that_appeared(tracking_store, golden):
    first: dict[str, Any] = {}
    add_training_tags_with_lineage(first, dict(FULL_LINEAGE))
    write_tags_yaml(make_config_dir(tracking_store.tmp_path, name="."), "override_all_movable")
    second: dict[str, Any] = {}
    add_training_tags_with_lineage(second, dict(FULL_LINEAGE))
    golden.check(result={"first": first, "second_after_file_appeared": second})


def test_with_lineage_registry_reloads_after_another_path(tracking_store, golden):
    config_dir = config_dir_with(tracking_store.tmp_path, "override_lineage")
    other_dir = config_dir_with(tracking_store.tmp_path, None, name="other")
    first: dict[str, Any] = {}
    add_training_tags_with_lineage(first, dict(FULL_LINEAGE), None, config_dir)
    write_tags_yaml(config_dir, "override_grouping")
    via_other: dict[str, Any] = {}
    add_training_tags_with_lineage(via_other, dict(FULL_LINEAGE), None, other_dir)
    again: dict[str, Any] = {}
    add_training_tags_with_lineage(again, dict(FULL_LINEAGE), None, config_dir)
    golden.check(result={"first": first, "other_path": via_other, "same_path_again": again})


# --- _build_lineage_tags_dict (§3.3) -----------------------------------------------------------


@pytest.mark.parametrize(
    "lineage",
    [
        {},
        {field: None for field in LINEAGE_FIELDS},
        {field: "" for field in LINEAGE_FIELDS},
        {"hpo_study_key_hash": 0, "hpo_trial_run_id": False, "hpo_sweep_run_id": []},
        {"parent_training_run_id": "parent-1", "source": "x"},
    ],
    ids=["empty", "all_none", "all_empty_strings", "other_falsy", "only_unrelated_keys"],
)
def test_build_lineage_none_present_is_empty_without_touching_registry(tracking_store, golden, lineage):
    config_dir = config_dir_with(tracking_store.tmp_path, "empty")
    returned = _build_lineage_tags_dict(lineage, config_dir)
    golden.check(result={"returned": returned, "lineage_after": lineage})


@pytest.mark.parametrize("field", LINEAGE_FIELDS)
def test_build_lineage_single_field(tracking_store, golden, field):
    lineage = {field: FULL_LINEAGE[field]}
    returned = _build_lineage_tags_dict(lineage)
    golden.check(result={"returned": returned, "returned_keys": list(returned), "lineage_after": lineage})


def test_build_lineage_all_fields_in_fixed_key_order(tracking_store, golden):
    lineage = {field: FULL_LINEAGE[field] for field in reversed(LINEAGE_FIELDS)}
    lineage["parent_training_run_id"] = "parent-1"
    returned = _build_lineage_tags_dict(lineage)
    golden.check(
        result={
            "returned": returned,
            "returned_keys": list(returned),
            "lineage_after": lineage,
            "same_object": returned is lineage,
        }
    )


def test_build_lineage_copies_values_verbatim(tracking_store, golden):
    lineage: dict[str, Any] = {
        "hpo_trial_run_id": 42,
        "hpo_refit_run_id": {"nested": "x"},
        "hpo_sweep_run_id": "a'b\"c",
    }
    returned = _build_lineage_tags_dict(lineage)
    golden.check(result={"returned": returned, "returned_keys": list(returned)})


@pytest.mark.parametrize("variant", ["override_lineage", "override_all_movable", "unparsable"])
def test_build_lineage_keys_from_config_dir(tracking_store, golden, variant):
    config_dir = config_dir_with(tracking_store.tmp_path, variant)
    returned = _build_lineage_tags_dict(dict(FULL_LINEAGE), config_dir)
    golden.check(result={"tags_yaml": variant, "returned": returned, "returned_keys": list(returned)})


def test_build_lineage_two_fields_mapped_to_one_key_last_wins(tracking_store, golden):
    config_dir = make_config_dir(
        tracking_store.tmp_path,
        tags={"lineage": {"hpo_trial_run_id": "code.lineage.run", "hpo_refit_run_id": "code.lineage.run"}},
    )
    returned = _build_lineage_tags_dict(dict(FULL_LINEAGE), config_dir)
    golden.check(result={"returned": returned, "returned_keys": list(returned)})


@pytest.mark.parametrize("variant", BROKEN_TAGS_YAML)
def test_build_lineage_registry_error_when_a_field_is_present(tracking_store, golden, variant):
    config_dir = config_dir_with(tracking_store.tmp_path, variant)
    with golden.catch_error():
        _build_lineage_tags_dict({"hpo_refit_run_id": "refit-run-1"}, config_dir)
    golden.check(result={"tags_yaml": variant})


# --- _get_training_tag_keys (§3.4) -------------------------------------------------------------


def test_training_tag_keys_default_when_cwd_has_no_config(tracking_store, golden):
    keys = _get_training_tag_keys()
    golden.check(result={"keys": keys, "entry_order": list(keys)})


def test_training_tag_keys_default_for_config_dir_without_tags_yaml(tracking_store, golden):
    keys = _get_training_tag_keys(config_dir_with(tracking_store.tmp_path, None))
    golden.check(result={"keys": keys, "entry_order": list(keys)})


@pytest.mark.parametrize("variant", VALID_TAGS_YAML)
def test_training_tag_keys_overridden_by_tags_yaml(tracking_store, golden, variant):
    keys = _get_training_tag_keys(config_dir_with(tracking_store.tmp_path, variant))
    golden.check(result={"tags_yaml": variant, "keys": keys})


@pytest.mark.parametrize("variant", BROKEN_TAGS_YAML)
def test_training_tag_keys_registry_error(tracking_store, golden, variant):
    config_dir = config_dir_with(tracking_store.tmp_path, variant)
    with golden.catch_error():
        _get_training_tag_keys(config_dir)
    golden.check(result={"tags_yaml": variant})


def test_training_tag_keys_error_names_the_first_entry_resolved(tracking_store, golden):
    config_dir = make_config_dir(
        tracking_store.tmp_path,
        tags={"lineage": {"hpo_sweep_run_id": None}, "grouping": "flat", "mlflow": {"run_type": ["x"]}},
    )
    with golden.catch_error():
        _get_training_tag_keys(config_dir)
    golden.check(result=None)
