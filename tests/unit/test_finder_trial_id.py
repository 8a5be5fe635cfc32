"""find_run_by_trial_id (legacy-support §3): never raises; its OR/IS NULL filter always misses."""

from __future__ import annotations

import pytest
from mlflow.exceptions import MlflowException
from mlflow.tracking import MlflowClient
from pytest_mock import MockerFixture

from infrastructure.tracking.mlflow.finder import find_run_by_trial_id


@pytest.fixture
def tagged_run(client: MlflowClient) -> str:
    experiment_id = client.create_experiment("exp")
    run_id: str = client.create_run(experiment_id=experiment_id, tags={"code.trial_id": "t1"}).info.run_id
    return run_id


def test_with_an_experiment_the_unsupported_filter_is_reported_as_a_search_failure(tagged_run: str) -> None:
    report = find_run_by_trial_id("t1", experiment_name="exp")
    assert report.found is False
    assert report.strategies_attempted == ["trial_id_tag_search"]
    assert report.error is not None
    assert report.error.startswith("Trial ID search failed: Invalid clause(s) in filter string")


def test_unknown_experiment_is_reported(local_mlflow: str) -> None:
    report = find_run_by_trial_id("t1", experiment_name="absent")
    assert (report.found, report.error) == (False, "Experiment 'absent' not found")
    assert report.strategies_attempted == ["trial_id_tag_search"]


def test_without_an_experiment_per_experiment_errors_are_swallowed_into_a_miss(tagged_run: str) -> None:
    report = find_run_by_trial_id("t1")
    assert (report.found, report.run_id) == (False, None)
    assert report.error == "No run found with trial_id='t1'"


def test_listing_failure_is_reported_not_raised(local_mlflow: str, mocker: MockerFixture) -> None:
    mocker.patch.object(MlflowClient, "search_experiments", side_effect=MlflowException("listing down"))
    report = find_run_by_trial_id("t1")
    assert report.error == "Trial ID search failed: listing down"
