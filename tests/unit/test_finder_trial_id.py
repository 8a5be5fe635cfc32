"""find_run_by_trial_id: the newest run of a trial not tagged interrupted; never raises."""

from __future__ import annotations

import itertools
from typing import Dict, Optional

import pytest
from mlflow.exceptions import MlflowException
from mlflow.tracking import MlflowClient
from pytest_mock import MockerFixture

from infrastructure.tracking.mlflow import finder
from infrastructure.tracking.mlflow.finder import find_run_by_trial_id

_START_TIMES = itertools.count(1_700_000_000_000, 1000)


def _run(client: MlflowClient, experiment_id: str, interrupted: Optional[str] = None) -> str:
    """A run of trial t1, strictly newer than the runs made before it."""
    tags: Dict[str, str] = {"code.trial_id": "t1"}
    if interrupted is not None:
        tags["code.interrupted"] = interrupted
    run_id: str = client.create_run(experiment_id, tags=tags, start_time=next(_START_TIMES)).info.run_id
    return run_id


@pytest.fixture
def experiment_id(client: MlflowClient) -> str:
    return client.create_experiment("exp")


def test_with_an_experiment_the_newest_uninterrupted_run_is_found(
    client: MlflowClient, experiment_id: str
) -> None:
    _run(client, experiment_id)
    newest = _run(client, experiment_id, interrupted="false")
    _run(client, experiment_id, interrupted="true")
    report = find_run_by_trial_id("t1", experiment_name="exp")
    assert (report.found, report.run_id, report.strategy_used) == (True, newest, "trial_id_tag_search")
    assert report.strategies_attempted == ["trial_id_tag_search"]


def test_without_an_experiment_every_experiment_is_searched(client: MlflowClient, experiment_id: str) -> None:
    client.create_experiment("empty")
    run_id = _run(client, experiment_id)
    assert find_run_by_trial_id("t1").run_id == run_id


def test_interrupted_runs_beyond_the_first_page_are_skipped(
    client: MlflowClient, experiment_id: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(finder, "TRIAL_ID_PAGE_SIZE", 1)
    run_id = _run(client, experiment_id)
    _run(client, experiment_id, interrupted="true")
    _run(client, experiment_id, interrupted="true")
    assert find_run_by_trial_id("t1", experiment_name="exp").run_id == run_id


def test_only_interrupted_runs_is_a_miss(client: MlflowClient, experiment_id: str) -> None:
    _run(client, experiment_id, interrupted="true")
    report = find_run_by_trial_id("t1", experiment_name="exp")
    assert (report.found, report.run_id) == (False, None)
    assert report.error == "No run found with trial_id='t1'"


def test_unknown_experiment_is_reported(local_mlflow: str) -> None:
    report = find_run_by_trial_id("t1", experiment_name="absent")
    assert (report.found, report.error) == (False, "Experiment 'absent' not found")
    assert report.strategies_attempted == ["trial_id_tag_search"]


def test_with_an_experiment_a_search_error_is_reported(
    client: MlflowClient, experiment_id: str, mocker: MockerFixture
) -> None:
    mocker.patch.object(MlflowClient, "search_runs", side_effect=MlflowException("search down"))
    assert find_run_by_trial_id("t1", experiment_name="exp").error == "Trial ID search failed: search down"


def test_without_an_experiment_a_failing_experiment_is_skipped(
    client: MlflowClient, experiment_id: str, mocker: MockerFixture
) -> None:
    run_id = _run(client, experiment_id)
    real = MlflowClient.search_runs
    failing = {client.create_experiment("broken")}

    def search_runs(self: MlflowClient, experiment_ids: list[str], *args: object, **kwargs: object) -> object:
        if set(experiment_ids) & failing:
            raise MlflowException("broken experiment")
        return real(self, experiment_ids, *args, **kwargs)  # type: ignore[arg-type]

    mocker.patch.object(MlflowClient, "search_runs", search_runs)
    assert find_run_by_trial_id("t1").run_id == run_id


def test_listing_failure_is_reported_not_raised(local_mlflow: str, mocker: MockerFixture) -> None:
    mocker.patch.object(MlflowClient, "search_experiments", side_effect=MlflowException("listing down"))
    report = find_run_by_trial_id("t1")
    assert report.error == "Trial ID search failed: listing down"


def test_trial_id_with_a_quote_is_found(client: MlflowClient, experiment_id: str) -> None:
    run_id: str = client.create_run(experiment_id, tags={"code.trial_id": "t'1"}).info.run_id
    assert find_run_by_trial_id("t'1", experiment_name="exp").run_id == run_id


def test_inexpressible_trial_id_raises_before_any_store_call(
    local_mlflow: str, mocker: MockerFixture
) -> None:
    spy = mocker.spy(MlflowClient, "__init__")
    with pytest.raises(ValueError, match="cannot express"):
        find_run_by_trial_id("t'1\"", experiment_name="exp")
    spy.assert_not_called()
