"""Golden scenarios: create_training_child_run (legacy-core §2.2, §6.1 CTC, §9.1 quirks 3/5/12).

Experiment from the parent, else the client's by-name lookup, else RuntimeError; Azure trial
tags on every URI; trial/fold tags; caller tags win; stderr report on success and failure.
"""

from __future__ import annotations

from typing import Any

import pytest
from _support_mlflow_setup import (
    MALFORMED_RUN_ID,
    UNKNOWN_RUN_ID,
    captured_call,
    deleted_experiment,
    existing_experiment,
    parent_run,
    printed_canonical,
)

from training.execution.mlflow_setup import create_training_child_run


def _ctc(golden: Any, capsys: pytest.CaptureFixture[str], *args: Any, **kwargs: Any) -> dict[str, Any]:
    """The outcome of one captured call, with what it printed under ``printed``."""
    outcome = captured_call(golden, create_training_child_run, *args, **kwargs)
    return {**outcome, "printed": printed_canonical(capsys)}


def _parent(tracking_store: Any, experiment: str = "hpo") -> str:
    return parent_run(tracking_store.client, existing_experiment(tracking_store.client, experiment))


# -- a missing parent -------------------------------------------------------------------------------
@pytest.mark.parametrize("parent_run_id", [None, ""], ids=["none", "empty"])
def test_missing_parent_raises_value_error_before_any_store_call(
    tracking_store, golden, capsys, parent_run_id
):
    existing_experiment(tracking_store.client, "hpo")
    golden.check(result=_ctc(golden, capsys, "hpo", "trial_1", parent_run_id, trial_number=1))


# -- experiment resolution ---------------------------------------------------------------------------
def test_parent_experiment_used_with_azure_tags_on_local_uri(tracking_store, golden, capsys):
    parent = _parent(tracking_store)
    golden.check(result=_ctc(golden, capsys, "hpo", "trial_1", parent))


def test_parent_experiment_wins_over_named_experiment(tracking_store, golden, capsys):
    existing_experiment(tracking_store.client, "named")
    parent = _parent(tracking_store)
    golden.check(result=_ctc(golden, capsys, "named", "trial_1", parent))


def test_parent_present_named_experiment_missing_is_not_created(tracking_store, golden, capsys):
    parent = _parent(tracking_store)
    golden.check(result=_ctc(golden, capsys, "never-created", "trial_1", parent))


def test_parent_deleted_run_experiment_still_used(tracking_store, golden, capsys):
    exp = existing_experiment(tracking_store.client, "hpo")
    parent = parent_run(tracking_store.client, exp, deleted=True)
    golden.check(result=_ctc(golden, capsys, "hpo", "trial_1", parent))


def test_parent_in_deleted_experiment_create_fails(tracking_store, golden, capsys):
    exp = existing_experiment(tracking_store.client, "hpo")
    parent = parent_run(tracking_store.client, exp)
    tracking_store.client.delete_experiment(exp)
    golden.check(result=_ctc(golden, capsys, "hpo", "trial_1", parent))


def test_parent_unknown_falls_back_to_existing_named_experiment(tracking_store, golden, capsys):
    existing_experiment(tracking_store.client, "other")
    existing_experiment(tracking_store.client, "hpo")
    golden.check(result=_ctc(golden, capsys, "hpo", "trial_1", UNKNOWN_RUN_ID))


def test_parent_malformed_falls_back_to_existing_named_experiment(tracking_store, golden, capsys):
    existing_experiment(tracking_store.client, "hpo")
    golden.check(result=_ctc(golden, capsys, "hpo", "trial_1", MALFORMED_RUN_ID))


def test_parent_read_error_falls_back_to_named_experiment(tracking_store, golden, store_faults, capsys):
    existing_experiment(tracking_store.client, "named")
    parent = _parent(tracking_store)
    store_faults.fail("get_run", calls=1)
    golden.check(result=_ctc(golden, capsys, "named", "trial_1", parent))


def test_parent_unknown_named_experiment_deleted_create_fails(tracking_store, golden, capsys):
    deleted_experiment(tracking_store.client, "hpo")
    golden.check(result=_ctc(golden, capsys, "hpo", "trial_1", UNKNOWN_RUN_ID))


def test_parent_unknown_named_experiment_missing_raises_runtime_error(tracking_store, golden, capsys):
    existing_experiment(tracking_store.client, "other")
    golden.check(result=_ctc(golden, capsys, "hpo", "trial_1", UNKNOWN_RUN_ID))


def test_parent_unknown_name_lookup_error_swallowed_raises_runtime_error(
    tracking_store, golden, store_faults, capsys
):
    existing_experiment(tracking_store.client, "hpo")
    store_faults.fail("get_experiment_by_name", calls=1)
    outcome = _ctc(golden, capsys, "hpo", "trial_1", UNKNOWN_RUN_ID)
    golden.check(
        result={
            **outcome,
            "lookups": store_faults.calls("get_experiment_by_name"),
        }
    )


def test_parent_present_makes_no_name_lookup(tracking_store, golden, store_faults, capsys):
    parent = _parent(tracking_store)
    store_faults.watch("get_experiment_by_name")
    outcome = _ctc(golden, capsys, "hpo", "trial_1", parent)
    golden.check(
        result={
            **outcome,
            "lookups": store_faults.calls("get_experiment_by_name"),
        }
    )


# -- tags --------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("trial_number", "fold_idx"),
    [(0, None), (3, None), (None, None), (None, 0), (None, 1), (0, 0), (3, 1)],
    ids=["trial0", "trial3", "neither", "fold0", "fold1", "trial0-fold0", "trial3-fold1"],
)
def test_trial_and_fold_tags(tracking_store, golden, capsys, trial_number, fold_idx):
    parent = _parent(tracking_store)
    golden.check(
        result=_ctc(golden, capsys, "hpo", "trial", parent, trial_number=trial_number, fold_idx=fold_idx)
    )


def test_caller_tags_override_built_tags(tracking_store, golden, capsys):
    parent = _parent(tracking_store)
    other = parent_run(tracking_store.client, existing_experiment(tracking_store.client, "other"))
    tags = {
        "mlflow.parentRunId": other,
        "azureml.runType": "refit",
        "azureml.trial": "false",
        "trial_number": "override",
        "fold_idx": "9",
        "extra": "x",
    }
    before = dict(tags)
    outcome = _ctc(golden, capsys, "hpo", "trial_2", parent, tags=tags, trial_number=2, fold_idx=1)
    golden.check(
        result={
            **outcome,
            "input_after": tags,
            "unchanged": tags == before,
        }
    )


def test_caller_parent_tag_arbitrary_text(tracking_store, golden, capsys):
    parent = _parent(tracking_store)
    golden.check(
        result=_ctc(golden, capsys, "hpo", "trial_1", parent, tags={"mlflow.parentRunId": "not-a-run"})
    )


@pytest.mark.parametrize("tags", [None, {}], ids=["none", "empty"])
def test_no_caller_tags(tracking_store, golden, capsys, tags):
    parent = _parent(tracking_store)
    golden.check(result=_ctc(golden, capsys, "hpo", "trial_1", parent, tags=tags))


def test_caller_run_name_tag_equal_is_accepted(tracking_store, golden, capsys):
    parent = _parent(tracking_store)
    golden.check(result=_ctc(golden, capsys, "hpo", "trial_1", parent, tags={"mlflow.runName": "trial_1"}))


def test_caller_run_name_tag_different_prints_error_and_raises(tracking_store, golden, capsys):
    parent = _parent(tracking_store)
    golden.check(result=_ctc(golden, capsys, "hpo", "trial_1", parent, tags={"mlflow.runName": "renamed"}))


# An empty run_name without a caller mlflow.runName tag is backend-dependent and not pinned: the
# file store replaces the "" tag by a generated name, the SQL stores (sqlite, server) add a second
# mlflow.runName tag row and fail with an IntegrityError.


def test_empty_run_name_with_caller_run_name_tag(tracking_store, golden, capsys):
    parent = _parent(tracking_store)
    golden.check(result=_ctc(golden, capsys, "hpo", "", parent, tags={"mlflow.runName": "from-tag"}))


def test_tag_values_with_quotes(tracking_store, golden, capsys):
    parent = _parent(tracking_store)
    tags = {"quote.single": "it's", "quote.double": 'say "hi"'}
    golden.check(result=_ctc(golden, capsys, "hpo", 'it\'s "trial"', parent, tags=tags))


# -- tracking URI ------------------------------------------------------------------------------------
def test_explicit_store_uri(tracking_store, golden, capsys):
    parent = _parent(tracking_store)
    golden.check(
        result=_ctc(golden, capsys, "hpo", "trial_1", parent, trial_number=1, tracking_uri=tracking_store.uri)
    )


def test_explicit_azureml_uri_same_tags(tracking_store, golden, capsys):
    parent = _parent(tracking_store)
    golden.check(
        result=_ctc(
            golden, capsys, "hpo", "trial_1", parent, trial_number=1, tracking_uri=tracking_store.azureml_uri
        )
    )


def test_global_azureml_uri_same_tags(tracking_store, golden, capsys):
    parent = _parent(tracking_store)
    tracking_store.use_azureml()
    golden.check(result=_ctc(golden, capsys, "hpo", "trial_1", parent, trial_number=1))


# -- create_run failure ------------------------------------------------------------------------------
def test_create_run_error_prints_and_reraises(tracking_store, golden, store_faults, capsys):
    parent = _parent(tracking_store)
    store_faults.fail("create_run", calls=1)
    golden.check(result=_ctc(golden, capsys, "hpo", "trial_1", parent, trial_number=1))
