"""Golden scenarios: runs.create_child_run, the legacy context manager (legacy-core §1.1, §6.1, §9.1).

Branches reached through real store state only (no faults): the happy path, the experiment-id
sources (parent, experiment name, active run), the F1/F2 fallbacks, a child that cannot start, tag
precedence, the Azure branch and the unsupported ``parent_run_id=None``. Each result records whether
the body ran, what was yielded and the active run inside the body; the error (if any) and the store
state are captured by the harness. Every store starts with the runs and experiments of ``arrange``.
"""

from __future__ import annotations

from typing import Any

import mlflow
import pytest
from _support_child_run import (
    MISSING_RUN_ID,
    PARENT_TAG,
    RUN_NAME_TAG,
    arrange,
    run_child,
    start_live_run,
)
from mlflow.utils.validation import MAX_TAG_VAL_LENGTH

from infrastructure.tracking.mlflow import runs


# -- happy path ----------------------------------------------------------------------------------
def test_happy_path_yields_none_and_ends_the_child_finished(tracking_store, golden):
    known = arrange(tracking_store.client)
    golden.check(result=run_child(golden, known.parent_id, "3"))


def test_happy_path_body_exception_is_reraised_and_the_child_still_ends_finished(tracking_store, golden):
    known = arrange(tracking_store.client)
    golden.check(result=run_child(golden, known.parent_id, "3", raise_in_body=True))


@pytest.mark.parametrize(
    "trial_number",
    ["0", 0, "unknown", None, 3],
    ids=["str-0", "int-0", "str-unknown", "none", "int-3"],
)
def test_trial_number_is_rendered_into_run_name_and_tag(tracking_store, golden, trial_number):
    known = arrange(tracking_store.client)
    golden.check(result=run_child(golden, known.parent_id, trial_number))


# -- parent run state ----------------------------------------------------------------------------
def test_deleted_parent_still_supplies_its_experiment(tracking_store, golden):
    known = arrange(tracking_store.client)
    tracking_store.client.delete_run(known.parent_id)
    golden.check(result=run_child(golden, known.parent_id, "1"))


def test_missing_parent_with_experiment_name_creates_the_child_in_the_named_experiment(
    tracking_store, golden
):
    arrange(tracking_store.client)
    golden.check(result=run_child(golden, MISSING_RUN_ID, "1", experiment_name="named"))


def test_missing_parent_without_experiment_name_falls_back_to_an_independent_run(tracking_store, golden):
    arrange(tracking_store.client)
    golden.check(result=run_child(golden, MISSING_RUN_ID, "1"))


@pytest.mark.parametrize(
    "parent_run_id",
    ["not-a-run-id", 'it\'s "quoted"'],
    ids=["not-a-run-id", "quotes"],
)
def test_malformed_parent_id_without_experiment_name_falls_back_to_an_independent_run(
    tracking_store, golden, parent_run_id
):
    arrange(tracking_store.client)
    golden.check(result=run_child(golden, parent_run_id, "1"))


def test_malformed_parent_id_with_experiment_name_tags_the_child_with_it(tracking_store, golden):
    arrange(tracking_store.client)
    golden.check(result=run_child(golden, "not-a-run-id", "1", experiment_name="named"))


# -- experiment name -----------------------------------------------------------------------------
def test_parent_experiment_wins_over_experiment_name(tracking_store, golden):
    known = arrange(tracking_store.client)
    golden.check(result=run_child(golden, known.parent_id, "1", experiment_name="named"))


def test_unknown_experiment_name_is_not_created_and_falls_back_to_an_independent_run(tracking_store, golden):
    arrange(tracking_store.client)
    golden.check(result=run_child(golden, MISSING_RUN_ID, "1", experiment_name="absent"))


def test_empty_experiment_name_is_ignored(tracking_store, golden):
    arrange(tracking_store.client)
    golden.check(result=run_child(golden, MISSING_RUN_ID, "1", experiment_name=""))


def test_deleted_named_experiment_fails_both_creates_and_raises_at_entry(tracking_store, golden):
    known = arrange(tracking_store.client)
    tracking_store.client.delete_experiment(known.named_experiment_id)
    golden.check(result=run_child(golden, MISSING_RUN_ID, "1", experiment_name="named"))


# -- active run / fluent experiment (R3, R4) -----------------------------------------------------
def test_active_run_experiment_is_found_but_the_active_run_blocks_the_child(tracking_store, golden):
    arrange(tracking_store.client)
    start_live_run(tracking_store.client)
    golden.check(result=run_child(golden, MISSING_RUN_ID, "1"))


def test_active_run_does_not_override_the_parent_experiment_but_blocks_the_child(tracking_store, golden):
    known = arrange(tracking_store.client)
    start_live_run(tracking_store.client)
    golden.check(result=run_child(golden, known.parent_id, "1"))


def test_set_experiment_elsewhere_does_not_move_the_child(tracking_store, golden):
    known = arrange(tracking_store.client)
    mlflow.set_experiment("elsewhere")
    golden.check(result=run_child(golden, known.parent_id, "3", additional_tags={"extra": "x"}))


def test_mlflow_run_id_in_the_environment_is_not_resumed_instead_of_the_child(
    tracking_store, golden, monkeypatch
):
    # A trial subprocess may carry MLFLOW_RUN_ID (setup_mlflow_tracking_env): the child is still created.
    known = arrange(tracking_store.client)
    monkeypatch.setenv("MLFLOW_RUN_ID", known.parent_id)
    golden.check(result=run_child(golden, known.parent_id, "3"))


# -- F1: no experiment at all --------------------------------------------------------------------
def test_independent_run_gets_parent_and_trial_tags_but_not_additional_tags(tracking_store, golden):
    arrange(tracking_store.client)
    golden.check(
        result=run_child(golden, MISSING_RUN_ID, "2", additional_tags={"extra": "x", RUN_NAME_TAG: "custom"})
    )


def test_independent_run_ends_failed_on_body_exception(tracking_store, golden):
    arrange(tracking_store.client)
    golden.check(result=run_child(golden, MISSING_RUN_ID, "2", raise_in_body=True))


def test_independent_run_goes_to_the_set_experiment(tracking_store, golden):
    arrange(tracking_store.client)
    mlflow.set_experiment("elsewhere")
    golden.check(result=run_child(golden, MISSING_RUN_ID, "2"))


def test_independent_run_goes_to_the_env_experiment_name(tracking_store, golden, monkeypatch):
    arrange(tracking_store.client)
    monkeypatch.setenv("MLFLOW_EXPERIMENT_NAME", "named")
    golden.check(result=run_child(golden, MISSING_RUN_ID, "2"))


def test_independent_run_with_env_experiment_name_of_a_missing_experiment(
    tracking_store, golden, monkeypatch
):
    arrange(tracking_store.client)
    monkeypatch.setenv("MLFLOW_EXPERIMENT_NAME", "absent")
    golden.check(result=run_child(golden, MISSING_RUN_ID, "2"))


# -- additional_tags -----------------------------------------------------------------------------
@pytest.mark.parametrize(
    "additional_tags",
    [
        {"extra": "x", "another": "y"},
        {"trial_number": "override"},
        {PARENT_TAG: "caller-parent"},
        {RUN_NAME_TAG: "trial_4"},
        {"count": 5},
        {"quoted": 'it\'s "quoted"'},
    ],
    ids=["extra", "trial-number", "parent-tag", "run-name-equal", "int-value", "quoted-value"],
)
def test_additional_tags_are_merged_last_in_a_single_create(tracking_store, golden, additional_tags):
    known = arrange(tracking_store.client)
    golden.check(result=run_child(golden, known.parent_id, "4", additional_tags=additional_tags))


def test_tag_value_at_mlflows_limit_is_stored_whole(tracking_store, golden):
    known = arrange(tracking_store.client)
    golden.check(
        result=run_child(golden, known.parent_id, "4", additional_tags={"long": "v" * MAX_TAG_VAL_LENGTH})
    )


def test_tag_value_over_mlflows_limit_raises_at_the_call_before_any_store_call(tracking_store, golden):
    known = arrange(tracking_store.client)
    golden.check(
        result=run_child(
            golden, known.parent_id, "4", additional_tags={"long": "v" * (MAX_TAG_VAL_LENGTH + 1)}
        )
    )


def test_tag_value_over_mlflows_limit_raises_for_the_tuple_shape_before_any_store_call(
    tracking_store, golden
):
    known = arrange(tracking_store.client)
    with golden.catch_error():
        runs.create_child_run(
            known.parent_id, "4", additional_tags={"long": "v" * (MAX_TAG_VAL_LENGTH + 1)}, return_tuple=True
        )
    golden.check()


def test_caller_run_name_tag_names_the_child_in_its_single_create(tracking_store, golden):
    known = arrange(tracking_store.client)
    golden.check(
        result=run_child(golden, known.parent_id, "4", additional_tags={"extra": "x", RUN_NAME_TAG: "custom"})
    )


def test_none_tag_value_is_sent_as_the_string_none(tracking_store, golden):
    known = arrange(tracking_store.client)
    golden.check(
        result=run_child(
            golden, known.parent_id, "4", additional_tags={RUN_NAME_TAG: "custom", "empty": None}
        )
    )


def test_a_tag_key_mlflow_rejects_raises_at_the_call_before_any_store_call(tracking_store, golden):
    known = arrange(tracking_store.client)
    tags: dict[str, Any] = {"bad'key": "v", RUN_NAME_TAG: "custom", "after": "y"}
    golden.check(result=run_child(golden, known.parent_id, "4", additional_tags=tags))


def test_quotes_in_trial_number_reach_run_name_and_tag(tracking_store, golden):
    known = arrange(tracking_store.client)
    golden.check(result=run_child(golden, known.parent_id, 'it\'s "5"'))


# -- Azure URI -----------------------------------------------------------------------------------
def test_azure_child_gets_azure_tags_and_run_name(tracking_store, golden):
    known = arrange(tracking_store.client)
    tracking_store.use_azureml()
    golden.check(result=run_child(golden, known.parent_id, "4"))


def test_azure_caller_parent_tag_is_repaired_after_create(tracking_store, golden):
    known = arrange(tracking_store.client)
    tracking_store.use_azureml()
    golden.check(
        result=run_child(golden, known.parent_id, "4", additional_tags={PARENT_TAG: "caller-parent"})
    )


def test_azure_caller_run_name_equal_to_trial_name_keeps_a_single_create(tracking_store, golden):
    known = arrange(tracking_store.client)
    tracking_store.use_azureml()
    golden.check(result=run_child(golden, known.parent_id, "4", additional_tags={RUN_NAME_TAG: "trial_4"}))


def test_azure_caller_run_name_tag_names_the_child_in_its_single_create(tracking_store, golden):
    known = arrange(tracking_store.client)
    tracking_store.use_azureml()
    golden.check(result=run_child(golden, known.parent_id, "4", additional_tags={RUN_NAME_TAG: "custom"}))


def test_azure_caller_parent_tag_is_repaired_also_with_a_caller_run_name(tracking_store, golden):
    known = arrange(tracking_store.client)
    tracking_store.use_azureml()
    tags = {PARENT_TAG: "caller-parent", RUN_NAME_TAG: "custom"}
    golden.check(result=run_child(golden, known.parent_id, "4", additional_tags=tags))


def test_azure_body_exception_is_reraised_and_the_child_still_ends_finished(tracking_store, golden):
    known = arrange(tracking_store.client)
    tracking_store.use_azureml()
    golden.check(result=run_child(golden, known.parent_id, "4", raise_in_body=True))


def test_azure_independent_run_has_no_azure_tags(tracking_store, golden):
    arrange(tracking_store.client)
    tracking_store.use_azureml()
    golden.check(result=run_child(golden, MISSING_RUN_ID, "4", additional_tags={"extra": "x"}))


def test_azure_missing_parent_with_experiment_name(tracking_store, golden):
    arrange(tracking_store.client)
    tracking_store.use_azureml()
    golden.check(result=run_child(golden, MISSING_RUN_ID, "4", experiment_name="named"))


# -- a missing parent (None or empty): ValueError at the call, before any store call -----------
@pytest.mark.parametrize("parent_run_id", [None, ""], ids=["none", "empty"])
def test_missing_parent_raises_value_error_before_any_store_call(tracking_store, golden, parent_run_id):
    arrange(tracking_store.client)
    golden.check(
        result=run_child(golden, parent_run_id, "1", experiment_name="named", additional_tags={"x": "y"})
    )


@pytest.mark.parametrize("parent_run_id", [None, ""], ids=["none", "empty"])
def test_missing_parent_tuple_shape_raises_value_error_before_any_store_call(
    tracking_store, golden, parent_run_id
):
    arrange(tracking_store.client)
    with golden.catch_error():
        runs.create_child_run(parent_run_id, "1", experiment_name="named", return_tuple=True)
    golden.check()
