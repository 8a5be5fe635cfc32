"""Golden scenarios: setup_mlflow_tracking_env (legacy-core §2.3).

The returned dict, its key order, and that os.environ is left alone. The harness has set the
global tracking URI (and env MLFLOW_TRACKING_URI) to the test's store.
"""

from __future__ import annotations

from typing import Any

import pytest
from _support_mlflow_setup import environ_copy

from training.execution.mlflow_setup import setup_mlflow_tracking_env

PARENT = "0123456789abcdef0123456789abcdef"
RUN = "fedcba9876543210fedcba9876543210"
REMOTE_URI = "http://tracking.example.invalid:5000"


def _env(**kwargs: Any) -> dict[str, Any]:
    """Call the function (experiment "train" unless given) and describe its outcome."""
    kwargs.setdefault("experiment_name", "train")
    before = environ_copy()
    returned = setup_mlflow_tracking_env(**kwargs)
    return {
        "returned": returned,
        "keys": list(returned.keys()),
        "environ_unchanged": environ_copy() == before,
    }


def test_experiment_name_only_adds_global_uri(tracking_store, golden):
    golden.check(result=_env())


@pytest.mark.parametrize("name", ["", 'it\'s "quoted"'], ids=["empty", "quotes"])
def test_experiment_name_passed_verbatim(tracking_store, golden, name):
    golden.check(result=_env(experiment_name=name))


@pytest.mark.parametrize(
    "choice", ["store", "azureml", "remote", "empty", "none"], ids=lambda c: f"tracking_uri-{c}"
)
def test_tracking_uri_choice(tracking_store, golden, choice):
    uri = {"store": tracking_store.uri, "azureml": tracking_store.azureml_uri, "remote": REMOTE_URI}
    golden.check(result=_env(tracking_uri=uri.get(choice, "" if choice == "empty" else None)))


@pytest.mark.parametrize("explicit", [None, REMOTE_URI], ids=["none", "remote"])
def test_global_azureml_uri(tracking_store, golden, explicit):
    tracking_store.use_azureml()
    golden.check(result=_env(tracking_uri=explicit))


@pytest.mark.parametrize("value", [PARENT, "", None], ids=["given", "empty", "none"])
def test_parent_run_id(tracking_store, golden, value):
    golden.check(result=_env(parent_run_id=value))


@pytest.mark.parametrize("value", [RUN, "", None], ids=["given", "empty", "none"])
def test_run_id(tracking_store, golden, value):
    golden.check(result=_env(run_id=value))


@pytest.mark.parametrize("value", [0, 5, None], ids=["zero", "five", "none"])
def test_trial_number(tracking_store, golden, value):
    golden.check(result=_env(trial_number=value))


def test_all_arguments_key_order(tracking_store, golden):
    golden.check(
        result=_env(
            tracking_uri=REMOTE_URI,
            parent_run_id=PARENT,
            run_id=RUN,
            trial_number=0,
            additional_vars={"EXTRA_B": "b", "EXTRA_A": "a"},
        )
    )


def test_additional_vars_override_keeps_first_position(tracking_store, golden):
    golden.check(
        result=_env(
            parent_run_id=PARENT,
            trial_number=1,
            additional_vars={
                "MLFLOW_TRIAL_NUMBER": "override",
                "EXTRA": "x",
                "MLFLOW_EXPERIMENT_NAME": "other",
                "MLFLOW_TRACKING_URI": REMOTE_URI,
            },
        )
    )


def test_additional_vars_add_missing_mlflow_keys_at_end(tracking_store, golden):
    golden.check(result=_env(additional_vars={"MLFLOW_RUN_ID": RUN, "MLFLOW_PARENT_RUN_ID": PARENT}))


@pytest.mark.parametrize("extra", [None, {}], ids=["none", "empty"])
def test_no_additional_vars(tracking_store, golden, extra):
    golden.check(result=_env(parent_run_id=PARENT, additional_vars=extra))


def test_additional_vars_values_not_converted(tracking_store, golden):
    golden.check(result=_env(additional_vars={"NUMBER": 3, "NOTHING": None, "EMPTY": ""}))


def test_no_fold_variable(tracking_store, golden):
    golden.check(result=_env(trial_number=2, additional_vars={"FOLD": "1"}))


def test_additional_vars_input_not_mutated(tracking_store, golden):
    extra = {"MLFLOW_EXPERIMENT_NAME": "other", "EXTRA": "x"}
    before = dict(extra)
    outcome = _env(additional_vars=extra)
    golden.check(result={**outcome, "input_after": extra, "unchanged": extra == before})
