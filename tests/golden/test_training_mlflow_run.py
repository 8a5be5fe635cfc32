"""Golden scenarios: create_training_mlflow_run (legacy-core §2.1, §2.4, §6.1 CTM, §9.1 quirks 6/7/12).

Every branch: fetch by run_id, child delegation, named-experiment resolution (auto-create,
fluent fallback), parent experiment override, tag pass-through, tracking URI, local index.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from _support_mlflow_setup import (
    CONTEXTS,
    MALFORMED_RUN_ID,
    UNKNOWN_RUN_ID,
    cache_listing,
    call_into,
    captured_call,
    deleted_experiment,
    existing_experiment,
    parent_run,
    printed_canonical,
)
from mlflow.utils.validation import MAX_TAG_VAL_LENGTH
from scenario_support import index_path, make_config_dir, read_index

from training.execution.mlflow_setup import create_training_mlflow_run


def _ctm(golden: Any, *args: Any, **kwargs: Any) -> dict[str, Any]:
    return captured_call(golden, create_training_mlflow_run, *args, **kwargs)


def _index_args(tracking_store: Any, context: str = "final_training", **mlflow_cfg: Any) -> dict[str, Any]:
    """root_dir, config_dir and context for step 6 (config under <tmp>/project/config)."""
    config_dir = make_config_dir(tracking_store.tmp_path, mlflow_cfg=mlflow_cfg or None)
    return {"root_dir": tracking_store.tmp_path, "config_dir": config_dir, "context": CONTEXTS[context]}


def _index_state(config_dir: Any, file_name: str = "mlflow_index.json") -> dict[str, Any]:
    return {"index": read_index(config_dir, file_name), "cache": cache_listing(config_dir)}


# -- step 1: run_id --------------------------------------------------------------------------------
def test_run_id_returns_existing_run_without_creating(tracking_store, golden, capsys):
    exp = existing_experiment(tracking_store.client, "train")
    run_id = parent_run(tracking_store.client, exp)
    outcome = _ctm(golden, "train", "ignored-name", run_id=run_id)
    golden.check(result={**outcome, "printed": printed_canonical(capsys)})


def test_run_id_ignores_every_other_argument(tracking_store, golden, capsys):
    exp = existing_experiment(tracking_store.client, "train")
    run_id = parent_run(tracking_store.client, exp)
    other_parent = parent_run(tracking_store.client, exp)
    index_args = _index_args(tracking_store)
    outcome = _ctm(
        golden,
        "missing-experiment",
        "ignored-name",
        tags={"extra": "x"},
        parent_run_id=other_parent,
        run_id=run_id,
        trial_number=1,
        fold_idx=2,
        create_as_child=True,
        **index_args,
    )
    golden.check(
        result={**outcome, **_index_state(index_args["config_dir"]), "printed": printed_canonical(capsys)}
    )


def test_run_id_deleted_run_is_fetched(tracking_store, golden):
    exp = existing_experiment(tracking_store.client, "train")
    run_id = parent_run(tracking_store.client, exp, deleted=True)
    golden.check(result=_ctm(golden, "train", "run", run_id=run_id))


def test_run_id_with_azureml_tracking_uri_fetches(tracking_store, golden):
    exp = existing_experiment(tracking_store.client, "train")
    run_id = parent_run(tracking_store.client, exp)
    golden.check(result=_ctm(golden, "train", "run", run_id=run_id, tracking_uri=tracking_store.azureml_uri))


def test_run_id_unknown_raises_and_creates_nothing(tracking_store, golden):
    existing_experiment(tracking_store.client, "train")
    golden.check(result=_ctm(golden, "train", "run", run_id=UNKNOWN_RUN_ID))


def test_run_id_malformed_raises_and_creates_nothing(tracking_store, golden):
    existing_experiment(tracking_store.client, "train")
    golden.check(result=_ctm(golden, "train", "run", run_id=MALFORMED_RUN_ID))


def test_run_id_empty_string_creates_a_new_run(tracking_store, golden):
    existing_experiment(tracking_store.client, "train")
    golden.check(result=_ctm(golden, "train", "fresh", run_id=""))


# -- step 2: create_as_child -----------------------------------------------------------------------
def test_create_as_child_with_parent_delegates_to_child_run(tracking_store, golden, capsys):
    exp = existing_experiment(tracking_store.client, "hpo")
    parent = parent_run(tracking_store.client, exp)
    outcome = _ctm(
        golden,
        "hpo",
        "trial_2_fold1",
        tags={"extra": "x"},
        parent_run_id=parent,
        trial_number=2,
        fold_idx=1,
        create_as_child=True,
    )
    golden.check(result={**outcome, "printed": printed_canonical(capsys)})


def test_create_as_child_with_parent_writes_no_index(tracking_store, golden, capsys):
    exp = existing_experiment(tracking_store.client, "hpo")
    parent = parent_run(tracking_store.client, exp)
    index_args = _index_args(tracking_store, "hpo_trial")
    outcome = _ctm(
        golden,
        "hpo",
        "trial_0",
        parent_run_id=parent,
        trial_number=0,
        create_as_child=True,
        **index_args,
    )
    golden.check(
        result={**outcome, **_index_state(index_args["config_dir"]), "printed": printed_canonical(capsys)}
    )


def test_create_as_child_does_not_create_named_experiment(tracking_store, golden, capsys):
    exp = existing_experiment(tracking_store.client, "hpo")
    parent = parent_run(tracking_store.client, exp)
    outcome = _ctm(golden, "never-created", "trial_1", parent_run_id=parent, create_as_child=True)
    golden.check(result={**outcome, "printed": printed_canonical(capsys)})


def test_create_as_child_unknown_parent_and_missing_experiment_raises(tracking_store, golden, capsys):
    existing_experiment(tracking_store.client, "hpo")
    outcome = _ctm(golden, "never-created", "trial_1", parent_run_id=UNKNOWN_RUN_ID, create_as_child=True)
    golden.check(result={**outcome, "printed": printed_canonical(capsys)})


@pytest.mark.parametrize("parent_run_id", [None, ""], ids=["none", "empty"])
def test_create_as_child_without_parent_raises_value_error_before_any_store_call(
    tracking_store, golden, capsys, parent_run_id
):
    existing_experiment(tracking_store.client, "train")
    outcome = _ctm(
        golden, "train", "solo", parent_run_id=parent_run_id, trial_number=4, fold_idx=0, create_as_child=True
    )
    golden.check(result={**outcome, "printed": printed_canonical(capsys)})


# -- step 3: named experiment ----------------------------------------------------------------------
def test_existing_experiment_receives_the_run(tracking_store, golden, capsys):
    existing_experiment(tracking_store.client, "other")
    existing_experiment(tracking_store.client, "train")
    outcome = _ctm(golden, "train", "final")
    golden.check(result={**outcome, "printed": printed_canonical(capsys)})


def test_missing_experiment_is_created(tracking_store, golden):
    existing_experiment(tracking_store.client, "other")
    golden.check(result=_ctm(golden, "brand-new", "final"))


def test_deleted_experiment_is_found_and_create_fails(tracking_store, golden):
    deleted_experiment(tracking_store.client, "train")
    golden.check(result=_ctm(golden, "train", "final"))


def test_lookup_error_fluent_fallback_finds_experiment(tracking_store, golden, store_faults):
    existing_experiment(tracking_store.client, "train")
    store_faults.fail("get_experiment_by_name", calls=1)
    outcome = _ctm(golden, "train", "final")
    golden.check(result={**outcome, "lookups": store_faults.calls("get_experiment_by_name")})


def test_lookup_error_fluent_fallback_finds_none_raises_runtime_error(tracking_store, golden, store_faults):
    existing_experiment(tracking_store.client, "other")
    store_faults.fail("get_experiment_by_name", calls=1)
    outcome = _ctm(golden, "train", "final")
    golden.check(result={**outcome, "lookups": store_faults.calls("get_experiment_by_name")})


def test_lookup_error_and_fluent_error_propagates_fluent_error(tracking_store, golden, store_faults):
    existing_experiment(tracking_store.client, "train")
    store_faults.fail("get_experiment_by_name", calls=[1, 2])
    outcome = _ctm(golden, "train", "final")
    golden.check(result={**outcome, "lookups": store_faults.calls("get_experiment_by_name")})


def test_create_experiment_error_falls_back_to_fluent_lookup(tracking_store, golden, store_faults):
    existing_experiment(tracking_store.client, "other")
    store_faults.watch("get_experiment_by_name")
    store_faults.fail("create_experiment", calls=1)
    outcome = _ctm(golden, "train", "final")
    golden.check(result={**outcome, "lookups": store_faults.calls("get_experiment_by_name")})


def test_lookup_error_with_azureml_tracking_uri_falls_back_to_global_uri(
    tracking_store, golden, store_faults
):
    existing_experiment(tracking_store.client, "train")
    store_faults.fail("get_experiment_by_name", calls=1)
    golden.check(result=_ctm(golden, "train", "final", tracking_uri=tracking_store.azureml_uri))


def test_empty_experiment_name_raises_and_creates_nothing(tracking_store, golden):
    # The error is backend-dependent: the file and sqlite stores find no "" experiment, fail to
    # create it and end in the RuntimeError; the server rejects the by-name lookup itself and its
    # MlflowException escapes from the fluent fallback. Only "it raised" is pinned.
    existing_experiment(tracking_store.client, "other")
    try:
        create_training_mlflow_run("", "final")
        raised = False
    except Exception:
        raised = True
    golden.check(result={"raised": raised})


# A single quote in the name is backend-dependent (the file store's by-name lookup builds an
# unquoted filter string and fails; the SQL stores accept it), so only double quotes are pinned.
def test_experiment_name_with_double_quotes_is_created(tracking_store, golden):
    golden.check(result=_ctm(golden, 'a "quoted" exp', "final"))


def test_experiment_name_with_double_quotes_existing_is_found(tracking_store, golden):
    existing_experiment(tracking_store.client, 'a "quoted" exp')
    golden.check(result=_ctm(golden, 'a "quoted" exp', "final"))


# -- step 4: parent --------------------------------------------------------------------------------
def test_parent_experiment_replaces_named_experiment_without_parent_tag(tracking_store, golden):
    existing_experiment(tracking_store.client, "train")
    parent_exp = existing_experiment(tracking_store.client, "hpo")
    parent = parent_run(tracking_store.client, parent_exp)
    golden.check(result=_ctm(golden, "train", "refit", parent_run_id=parent))


def test_parent_present_named_experiment_still_created(tracking_store, golden):
    parent_exp = existing_experiment(tracking_store.client, "hpo")
    parent = parent_run(tracking_store.client, parent_exp)
    golden.check(result=_ctm(golden, "created-but-unused", "refit", parent_run_id=parent))


def test_parent_unknown_keeps_named_experiment(tracking_store, golden):
    existing_experiment(tracking_store.client, "train")
    golden.check(result=_ctm(golden, "train", "refit", parent_run_id=UNKNOWN_RUN_ID))


def test_parent_malformed_keeps_named_experiment(tracking_store, golden):
    existing_experiment(tracking_store.client, "train")
    golden.check(result=_ctm(golden, "train", "refit", parent_run_id=MALFORMED_RUN_ID))


def test_parent_read_error_keeps_named_experiment(tracking_store, golden, store_faults):
    existing_experiment(tracking_store.client, "train")
    parent_exp = existing_experiment(tracking_store.client, "hpo")
    parent = parent_run(tracking_store.client, parent_exp)
    store_faults.fail("get_run", calls=1)
    golden.check(result=_ctm(golden, "train", "refit", parent_run_id=parent))


def test_parent_deleted_run_experiment_still_used(tracking_store, golden):
    existing_experiment(tracking_store.client, "train")
    parent_exp = existing_experiment(tracking_store.client, "hpo")
    parent = parent_run(tracking_store.client, parent_exp, deleted=True)
    golden.check(result=_ctm(golden, "train", "refit", parent_run_id=parent))


def test_parent_in_deleted_experiment_create_fails(tracking_store, golden):
    existing_experiment(tracking_store.client, "train")
    parent_exp = existing_experiment(tracking_store.client, "hpo")
    parent = parent_run(tracking_store.client, parent_exp)
    tracking_store.client.delete_experiment(parent_exp)
    golden.check(result=_ctm(golden, "train", "refit", parent_run_id=parent))


def test_parent_tag_only_when_caller_passes_it(tracking_store, golden):
    parent_exp = existing_experiment(tracking_store.client, "hpo")
    parent = parent_run(tracking_store.client, parent_exp)
    tags = {"mlflow.parentRunId": parent, "azureml.runType": "refit", "mlflow.runName": "refit"}
    golden.check(result=_ctm(golden, "hpo", "refit", tags=tags, parent_run_id=parent))


# -- step 5: tags and create_run -------------------------------------------------------------------
@pytest.mark.parametrize("tags", [None, {}], ids=["none", "empty"])
def test_no_tags_only_run_name(tracking_store, golden, tags):
    golden.check(result=_ctm(golden, "train", "final", tags=tags))


def test_tags_passed_as_is_and_not_mutated(tracking_store, golden):
    tags = {"code.stage": "final_training", "code.model": "deberta", "b": "2", "a": "1"}
    before = dict(tags)
    outcome = _ctm(golden, "train", "final", tags=tags)
    golden.check(result={**outcome, "input_after": tags, "unchanged": tags == before})


def test_caller_run_name_tag_equal_is_accepted(tracking_store, golden):
    golden.check(result=_ctm(golden, "train", "final", tags={"mlflow.runName": "final"}))


def test_caller_run_name_tag_different_raises(tracking_store, golden):
    existing_experiment(tracking_store.client, "train")
    golden.check(result=_ctm(golden, "train", "final", tags={"mlflow.runName": "other"}))


def test_empty_run_name_uses_caller_run_name_tag(tracking_store, golden):
    golden.check(result=_ctm(golden, "train", "", tags={"mlflow.runName": "from-tag"}))


def test_empty_run_name_without_tag(tracking_store, golden):
    golden.check(result=_ctm(golden, "train", ""))


def test_tag_value_none_is_sent_as_the_string_none(tracking_store, golden):
    existing_experiment(tracking_store.client, "train")
    golden.check(result=_ctm(golden, "train", "final", tags={"kept": "yes", "empty": None}))


def test_tag_value_int(tracking_store, golden):
    existing_experiment(tracking_store.client, "train")
    golden.check(result=_ctm(golden, "train", "final", tags={"trial_number": 3, "zero": 0}))


def test_tag_value_longer_than_5000_characters(tracking_store, golden):
    existing_experiment(tracking_store.client, "train")
    value = "x" * 5001
    outcome = _ctm(golden, "train", "final", tags={"long": value})
    stored = None
    if "returned" in outcome:
        stored = len(tracking_store.client.get_run(outcome["returned"][0]).data.tags["long"])
    golden.check(result={**outcome, "stored_length": stored})


def test_tag_value_at_mlflows_limit_is_stored_whole(tracking_store, golden):
    existing_experiment(tracking_store.client, "train")
    outcome = _ctm(golden, "train", "final", tags={"long": "y" * MAX_TAG_VAL_LENGTH})
    golden.check(result={"created": "returned" in outcome})


def test_tag_value_over_mlflows_limit_raises_before_any_store_call(tracking_store, golden):
    outcome = _ctm(golden, "train", "final", tags={"long": "y" * (MAX_TAG_VAL_LENGTH + 1)})
    golden.check(result={"created": "returned" in outcome})


def test_tag_value_over_mlflows_limit_raises_for_a_child_before_any_store_call(tracking_store, golden):
    outcome = _ctm(
        golden, "train", "final", tags={"long": "y" * (MAX_TAG_VAL_LENGTH + 1)},
        parent_run_id="p" * 32, create_as_child=True,
    )  # fmt: skip
    golden.check(result={"created": "returned" in outcome})


def test_tag_key_mlflow_rejects_raises_before_any_store_call(tracking_store, golden):
    existing_experiment(tracking_store.client, "train")
    golden.check(result=_ctm(golden, "train", "final", tags={"ok": "v", "bad'key": "v"}))


def test_tag_values_with_quotes(tracking_store, golden):
    tags = {"quote.single": "it's", "quote.double": 'say "hi"', "quote.both": "'\"'"}
    golden.check(result=_ctm(golden, "train", "final", tags=tags))


def test_create_run_error_is_reraised(tracking_store, golden, store_faults, capsys):
    existing_experiment(tracking_store.client, "train")
    store_faults.fail("create_run", calls=1)
    outcome = _ctm(golden, "train", "final")
    golden.check(result={**outcome, "printed": printed_canonical(capsys)})


def test_create_run_error_writes_no_index(tracking_store, golden, store_faults):
    existing_experiment(tracking_store.client, "train")
    index_args = _index_args(tracking_store)
    store_faults.fail("create_run", calls=1)
    outcome = _ctm(golden, "train", "final", **index_args)
    golden.check(result={**outcome, **_index_state(index_args["config_dir"])})


# -- tracking URI ----------------------------------------------------------------------------------
def test_explicit_store_uri_same_as_global(tracking_store, golden):
    index_args = _index_args(tracking_store)
    outcome = _ctm(golden, "train", "final", tracking_uri=tracking_store.uri, **index_args)
    golden.check(result={**outcome, **_index_state(index_args["config_dir"])})


def test_explicit_azureml_uri_while_global_is_store(tracking_store, golden):
    index_args = _index_args(tracking_store)
    outcome = _ctm(golden, "train", "final", tracking_uri=tracking_store.azureml_uri, **index_args)
    golden.check(result={**outcome, **_index_state(index_args["config_dir"])})


def test_explicit_store_uri_while_global_is_azureml(tracking_store, golden):
    tracking_store.use_azureml()
    index_args = _index_args(tracking_store)
    outcome = _ctm(golden, "train", "final", tracking_uri=tracking_store.uri, **index_args)
    golden.check(result={**outcome, **_index_state(index_args["config_dir"])})


def test_no_tracking_uri_global_azureml_goes_into_index(tracking_store, golden):
    tracking_store.use_azureml()
    index_args = _index_args(tracking_store)
    outcome = _ctm(golden, "train", "final", **index_args)
    golden.check(result={**outcome, **_index_state(index_args["config_dir"])})


# -- step 6: index ---------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "context", ["hpo_trial", "hpo_study", "hpo_unknown", "hpo_refit", "final_training", "benchmarking"]
)
def test_index_entry_for_context(tracking_store, golden, context):
    index_args = _index_args(tracking_store, context)
    outcome = _ctm(golden, "train", "run", **index_args)
    golden.check(result={**outcome, **_index_state(index_args["config_dir"])})


@pytest.mark.parametrize("missing", ["root_dir", "config_dir", "context"])
def test_index_needs_all_three_arguments(tracking_store, golden, missing):
    index_args = _index_args(tracking_store)
    config_dir = index_args["config_dir"]
    index_args[missing] = None
    outcome = _ctm(golden, "train", "run", **index_args)
    golden.check(
        result={
            **outcome,
            **_index_state(config_dir),
            "cwd_outputs": (tracking_store.tmp_path / "outputs").exists(),
        }
    )


def test_index_location_follows_config_dir_not_root_dir(tracking_store, golden):
    index_args = _index_args(tracking_store)
    index_args["root_dir"] = tracking_store.tmp_path / "elsewhere"
    outcome = _ctm(golden, "train", "run", **index_args)
    golden.check(
        result={
            **outcome,
            **_index_state(index_args["config_dir"]),
            "root_dir_exists": index_args["root_dir"].exists(),
        }
    )


def test_index_disabled_writes_no_file_and_creates_no_folder(tracking_store, golden):
    index_args = _index_args(tracking_store, index={"enabled": False})
    outcome = _ctm(golden, "train", "run", **index_args)
    golden.check(result={**outcome, **_index_state(index_args["config_dir"])})


def test_index_custom_file_name(tracking_store, golden):
    index_args = _index_args(tracking_store, index={"file_name": "runs_index.json"})
    outcome = _ctm(golden, "train", "run", **index_args)
    golden.check(result={**outcome, **_index_state(index_args["config_dir"], "runs_index.json")})


def test_index_invalid_file_name_falls_back_to_default(tracking_store, golden):
    index_args = _index_args(tracking_store, index={"file_name": "sub/dir.json"})
    outcome = _ctm(golden, "train", "run", **index_args)
    golden.check(result={**outcome, **_index_state(index_args["config_dir"])})


def test_index_max_entries_keeps_newest(tracking_store, golden):
    index_args = _index_args(tracking_store, index={"max_entries": 1})
    first: dict[str, Any] = {}
    second: dict[str, Any] = {}
    with golden.catch_error():
        call_into(
            first,
            create_training_mlflow_run,
            "train",
            "first",
            **{**index_args, "context": CONTEXTS["hpo_trial"]},
        )
        call_into(
            second,
            create_training_mlflow_run,
            "train",
            "second",
            **{**index_args, "context": CONTEXTS["benchmarking"]},
        )
    golden.check(result={"first": first, "second": second, **_index_state(index_args["config_dir"])})


def test_index_same_context_overwrites_entry(tracking_store, golden):
    index_args = _index_args(tracking_store)
    first: dict[str, Any] = {}
    second: dict[str, Any] = {}
    third: dict[str, Any] = {}
    with golden.catch_error():
        call_into(first, create_training_mlflow_run, "train", "first", **index_args)
        call_into(
            second,
            create_training_mlflow_run,
            "train",
            "other-context",
            **{**index_args, "context": CONTEXTS["hpo_refit"]},
        )
        call_into(third, create_training_mlflow_run, "train", "second", **index_args)
    golden.check(
        result={"first": first, "second": second, "third": third, **_index_state(index_args["config_dir"])}
    )


def test_index_records_parent_experiment(tracking_store, golden):
    existing_experiment(tracking_store.client, "train")
    parent_exp = existing_experiment(tracking_store.client, "hpo")
    parent = parent_run(tracking_store.client, parent_exp)
    index_args = _index_args(tracking_store, "hpo_refit")
    outcome = _ctm(golden, "train", "refit", parent_run_id=parent, **index_args)
    golden.check(result={**outcome, **_index_state(index_args["config_dir"])})


def test_index_corrupt_file_error_swallowed_file_unchanged(tracking_store, golden):
    index_args = _index_args(tracking_store)
    path = index_path(index_args["config_dir"])
    path.parent.mkdir(parents=True)
    path.write_text("{not json", encoding="utf-8")
    outcome = _ctm(golden, "train", "run", **index_args)
    golden.check(
        result={
            **outcome,
            "file": path.read_text(encoding="utf-8"),
            "cache": cache_listing(index_args["config_dir"]),
        }
    )


def test_index_existing_entries_are_kept(tracking_store, golden):
    index_args = _index_args(tracking_store)
    path = index_path(index_args["config_dir"])
    path.parent.mkdir(parents=True)
    earlier = {"feedface" * 8: {"run_id": "r", "experiment_id": "9", "tracking_uri": "x", "updated_at": "t"}}
    path.write_text(json.dumps(earlier), encoding="utf-8")
    outcome = _ctm(golden, "train", "run", **index_args)
    golden.check(result={**outcome, **_index_state(index_args["config_dir"])})


@pytest.mark.parametrize("context", ["hpo_refit_no_trial", "benchmarking_no_trial"])
def test_index_run_key_error_swallowed(tracking_store, golden, context):
    index_args = _index_args(tracking_store, context)
    outcome = _ctm(golden, "train", "run", **index_args)
    golden.check(result={**outcome, **_index_state(index_args["config_dir"])})
