"""create_run_safe, get_or_create_experiment, resolve_experiment_id (legacy-core §1.2-§1.4)."""

from __future__ import annotations

import mlflow
import pytest
from mlflow.exceptions import MlflowException
from mlflow.tracking import MlflowClient
from pytest_mock import MockerFixture

from infrastructure.tracking.mlflow.runs import (
    create_run_safe,
    get_or_create_experiment,
    resolve_experiment_id,
)
from unit._helpers import PARENT_TAG


@pytest.fixture
def experiment_id(client: MlflowClient) -> str:
    return client.create_experiment("exp")


# --- create_run_safe --------------------------------------------------------------------------


def test_create_run_safe_empty_parent_is_none_without_a_store_call(
    client: MlflowClient, experiment_id: str, mocker: MockerFixture
) -> None:
    spy = mocker.spy(MlflowClient, "__init__")
    assert create_run_safe(experiment_id, "orphan", parent_run_id="") is None
    spy.assert_not_called()
    assert client.search_runs([experiment_id]) == []


def test_create_run_safe_creates_a_running_unstarted_run(client: MlflowClient, experiment_id: str) -> None:
    run_id = create_run_safe(experiment_id, "my-run", tags={"a": "1"})
    assert run_id is not None
    run = client.get_run(run_id)
    assert (run.info.run_name, run.info.status) == ("my-run", "RUNNING")
    assert run.info.experiment_id == experiment_id
    assert run.data.tags == {"a": "1", "mlflow.runName": "my-run"}
    assert mlflow.active_run() is None


def test_create_run_safe_parent_argument_overrides_the_parent_tag(
    client: MlflowClient, experiment_id: str
) -> None:
    run_id = create_run_safe(experiment_id, "r", tags={PARENT_TAG: "from-tags"}, parent_run_id="from-arg")
    assert run_id is not None
    assert client.get_run(run_id).data.tags[PARENT_TAG] == "from-arg"


def test_create_run_safe_does_not_mutate_the_callers_tags(experiment_id: str) -> None:
    tags = {"a": "1"}
    create_run_safe(experiment_id, "r", tags=tags, parent_run_id="p")
    assert tags == {"a": "1"}


def test_create_run_safe_returns_none_for_an_unknown_experiment(local_mlflow: str) -> None:
    assert create_run_safe("424242", "r") is None


def test_create_run_safe_returns_none_on_a_run_name_tag_conflict(
    client: MlflowClient, experiment_id: str
) -> None:
    assert create_run_safe(experiment_id, "r", tags={"mlflow.runName": "other"}) is None
    assert client.search_runs(experiment_ids=[experiment_id]) == []


# --- get_or_create_experiment -----------------------------------------------------------------


def test_get_or_create_experiment_returns_an_existing_id(experiment_id: str) -> None:
    assert get_or_create_experiment("exp") == experiment_id


def test_get_or_create_experiment_creates_a_missing_experiment(client: MlflowClient) -> None:
    created = get_or_create_experiment("fresh")
    experiment = client.get_experiment_by_name("fresh")
    assert experiment is not None
    assert created == experiment.experiment_id


def test_get_or_create_experiment_counts_a_deleted_experiment_as_found(
    client: MlflowClient, experiment_id: str
) -> None:
    client.delete_experiment(experiment_id)
    assert get_or_create_experiment("exp") == experiment_id
    assert client.get_experiment(experiment_id).lifecycle_stage == "deleted"


def test_get_or_create_experiment_returns_none_on_error(local_mlflow: str, mocker: MockerFixture) -> None:
    mocker.patch.object(mlflow, "get_experiment_by_name", side_effect=MlflowException("down"))
    assert get_or_create_experiment("exp") is None


# --- resolve_experiment_id --------------------------------------------------------------------


def test_resolve_prefers_the_parents_experiment_over_the_name(
    client: MlflowClient, experiment_id: str
) -> None:
    client.create_experiment("other")
    parent = client.create_run(experiment_id=experiment_id).info.run_id
    assert resolve_experiment_id(experiment_name="other", parent_run_id=parent) == experiment_id


def test_resolve_falls_back_to_the_name_when_the_parent_is_unreadable(experiment_id: str) -> None:
    assert resolve_experiment_id(experiment_name="exp", parent_run_id="missing") == experiment_id


def test_resolve_uses_the_active_run_argument_last(client: MlflowClient, experiment_id: str) -> None:
    run = client.create_run(experiment_id=experiment_id)
    assert resolve_experiment_id(experiment_name="unknown", active_run=run) == experiment_id


def test_resolve_never_consults_the_fluent_active_run(client: MlflowClient, experiment_id: str) -> None:
    with mlflow.start_run(experiment_id=experiment_id):
        assert resolve_experiment_id(experiment_name="unknown") is None


def test_resolve_returns_none_when_the_active_run_argument_is_unusable(local_mlflow: str) -> None:
    assert resolve_experiment_id(active_run=object()) is None
