"""setup_mlflow_tracking_env (legacy-core §2.3): a new dict, fixed key order, os.environ untouched."""

from __future__ import annotations

import os

from training.execution.mlflow_setup import setup_mlflow_tracking_env


def test_all_keys_in_order(local_mlflow: str) -> None:
    env = setup_mlflow_tracking_env(
        "exp", tracking_uri="sqlite:///x.db", parent_run_id="p", run_id="r", trial_number=4
    )
    assert list(env.items()) == [
        ("MLFLOW_EXPERIMENT_NAME", "exp"),
        ("MLFLOW_TRACKING_URI", "sqlite:///x.db"),
        ("MLFLOW_PARENT_RUN_ID", "p"),
        ("MLFLOW_RUN_ID", "r"),
        ("MLFLOW_TRIAL_NUMBER", "4"),
    ]


def test_minimal_call_uses_the_current_tracking_uri(local_mlflow: str) -> None:
    assert setup_mlflow_tracking_env("exp") == {
        "MLFLOW_EXPERIMENT_NAME": "exp",
        "MLFLOW_TRACKING_URI": local_mlflow,
    }


def test_explicit_tracking_uri_beats_the_current_one(local_mlflow: str) -> None:
    env = setup_mlflow_tracking_env("exp", tracking_uri="http://server:5000")
    assert env["MLFLOW_TRACKING_URI"] == "http://server:5000"


def test_trial_number_zero_is_included(local_mlflow: str) -> None:
    assert setup_mlflow_tracking_env("exp", trial_number=0)["MLFLOW_TRIAL_NUMBER"] == "0"


def test_additional_vars_are_merged_last_and_override(local_mlflow: str) -> None:
    env = setup_mlflow_tracking_env(
        "exp", run_id="r", additional_vars={"MLFLOW_RUN_ID": "override", "EXTRA": "1"}
    )
    assert list(env) == ["MLFLOW_EXPERIMENT_NAME", "MLFLOW_TRACKING_URI", "MLFLOW_RUN_ID", "EXTRA"]
    assert env["MLFLOW_RUN_ID"] == "override"


def test_os_environ_is_never_touched(local_mlflow: str) -> None:
    before = dict(os.environ)
    setup_mlflow_tracking_env(
        "exp", parent_run_id="p", run_id="r", trial_number=1, additional_vars={"X": "1"}
    )
    assert dict(os.environ) == before
