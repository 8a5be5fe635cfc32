"""Clock, generated run names and experiment ids are deterministic inside a test."""

from __future__ import annotations

import mlflow
from mlflow.utils import time as mlflow_time

from mlflow_golden import Golden, TrackingStore
from mlflow_golden._determinism import CLOCK_START_MS


def test_clock_advances_one_millisecond_per_call(tracking_store: TrackingStore) -> None:
    first = mlflow_time.get_current_time_millis()
    second = mlflow_time.get_current_time_millis()
    assert second == first + 1
    assert CLOCK_START_MS <= first < CLOCK_START_MS + 1000


def test_run_start_times_order_runs_by_creation(tracking_store: TrackingStore) -> None:
    client = tracking_store.client
    ids = [client.create_run("0", run_name=f"r{i}").info.run_id for i in range(3)]
    latest = client.search_runs(["0"], order_by=["attributes.start_time DESC"])
    assert [run.info.run_id for run in latest] == ids[::-1]
    assert len({run.info.start_time for run in latest}) == 3


def test_unnamed_runs_are_generated_names_in_creation_order(
    tracking_store: TrackingStore, golden: Golden
) -> None:
    with mlflow.start_run():
        pass
    tracking_store.client.create_run("0")
    tracking_store.client.create_run("0", tags={"mlflow.runName": "tagged"})
    snapshot = golden.snapshot()
    assert [run["name"] for run in snapshot["runs"]] == ["generated-1", "generated-2", "tagged"]
    assert [run["tags"]["mlflow.runName"] for run in snapshot["runs"]] == [
        "generated-1",
        "generated-2",
        "tagged",
    ]


def test_experiment_ids_count_from_one_on_every_backend(tracking_store: TrackingStore) -> None:
    ids = [tracking_store.client.create_experiment(f"e{i}") for i in range(3)]
    assert ids == ["1", "2", "3"]
