"""log_metrics_batched: one store call per batch, the same values as one log_metric per pair."""

from __future__ import annotations

from collections.abc import Iterator

import mlflow
import pytest
from mlflow.tracking import MlflowClient
from pytest_mock import MockerFixture

from infrastructure.tracking.mlflow.trackers.base import log_metrics_batched


class Broken(Exception):
    pass


def _history(run_id: str, key: str) -> list[float]:
    return [metric.value for metric in MlflowClient().get_metric_history(run_id, key)]


def test_distinct_keys_go_in_one_call(local_mlflow: str, mocker: MockerFixture) -> None:
    spy = mocker.spy(mlflow, "log_metrics")
    with mlflow.start_run() as run:
        log_metrics_batched([("a", 1.0), ("b", 2.0)])
    assert spy.call_count == 1
    assert MlflowClient().get_run(run.info.run_id).data.metrics == {"a": 1.0, "b": 2.0}


def test_a_repeated_key_keeps_both_values_in_its_history(local_mlflow: str) -> None:
    with mlflow.start_run() as run:
        log_metrics_batched([("a", 1.0), ("b", 2.0), ("a", 3.0)])
    assert sorted(_history(run.info.run_id, "a")) == [1.0, 3.0]


def test_pairs_before_an_error_land_and_the_error_propagates(local_mlflow: str) -> None:
    def pairs() -> Iterator[tuple[str, float]]:
        yield "a", 1.0
        raise Broken("midway")

    with mlflow.start_run() as run, pytest.raises(Broken):
        log_metrics_batched(pairs())
    assert MlflowClient().get_run(run.info.run_id).data.metrics == {"a": 1.0}


def test_a_failed_flush_is_not_retried(local_mlflow: str, mocker: MockerFixture) -> None:
    failing = mocker.patch.object(mlflow, "log_metrics", side_effect=Broken("store down"))
    with mlflow.start_run(), pytest.raises(Broken):
        log_metrics_batched([("a", 1.0), ("a", 2.0)])
    assert failing.call_count == 1
