"""Golden scenarios that close mutation-testing gaps in mlflow_setup (legacy-core §2).

Every client in create_training_mlflow_run and create_training_child_run is built on the
``tracking_uri`` argument. These scenarios give that argument the harness's store while the
global tracking URI points elsewhere (a sqlite file nothing creates), so a client built on the
global URI instead would leave a different store behind or fail.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import mlflow
import pytest
from _support_mlflow_setup import (
    UNKNOWN_RUN_ID,
    captured_call,
    existing_experiment,
    parent_run,
    printed_canonical,
)

from training.execution.mlflow_setup import create_training_child_run, create_training_mlflow_run


def _call_with_global_uri_elsewhere(
    tracking_store: Any, golden: Any, function: Callable[..., Any], *args: Any, **kwargs: Any
) -> dict[str, Any]:
    """``captured_call`` with ``tracking_uri`` = the harness's store, the global URI elsewhere."""
    mlflow.set_tracking_uri(f"sqlite:///{tracking_store.tmp_path / 'elsewhere.db'}")
    try:
        return captured_call(golden, function, *args, tracking_uri=tracking_store.uri, **kwargs)
    finally:
        mlflow.set_tracking_uri(tracking_store.uri)


def test_run_id_is_fetched_from_the_given_uri(tracking_store, golden):
    run_id = parent_run(tracking_store.client, existing_experiment(tracking_store.client, "train"))
    outcome = _call_with_global_uri_elsewhere(
        tracking_store, golden, create_training_mlflow_run, "train", "ignored", run_id=run_id
    )
    golden.check(result=outcome)


def test_standalone_run_goes_into_the_existing_experiment_of_the_given_uri(tracking_store, golden):
    existing_experiment(tracking_store.client, "train")
    outcome = _call_with_global_uri_elsewhere(
        tracking_store, golden, create_training_mlflow_run, "train", "final", tags={"k": "v"}
    )
    golden.check(result=outcome)


def _hpo_child(
    tracking_store: Any, golden: Any, capsys: Any, function: Callable[..., Any], *args: Any, **kwargs: Any
) -> dict[str, Any]:
    """Child "trial_1" (trial 1) of experiment "hpo" through ``function``, plus what it printed."""
    outcome = _call_with_global_uri_elsewhere(
        tracking_store, golden, function, "hpo", "trial_1", *args, trial_number=1, **kwargs
    )
    return {**outcome, "printed": printed_canonical(capsys)}


def test_child_run_via_create_as_child_goes_into_the_parent_experiment_of_the_given_uri(
    tracking_store, golden, capsys
):
    parent = parent_run(tracking_store.client, existing_experiment(tracking_store.client, "hpo"))
    outcome = _hpo_child(
        tracking_store, golden, capsys, create_training_mlflow_run, parent_run_id=parent, create_as_child=True
    )
    golden.check(result=outcome)


@pytest.mark.parametrize("parent_known", [True, False], ids=["by-parent", "by-experiment-name"])
def test_training_child_run_reads_the_given_uri(tracking_store, golden, capsys, parent_known):
    parent = parent_run(tracking_store.client, existing_experiment(tracking_store.client, "hpo"))
    parent_arg = parent if parent_known else UNKNOWN_RUN_ID
    golden.check(result=_hpo_child(tracking_store, golden, capsys, create_training_child_run, parent_arg))
