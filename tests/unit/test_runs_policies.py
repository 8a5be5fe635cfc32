"""The single run-creation implementation's named options (runs.ChildRunPolicy and friends)."""

from __future__ import annotations

import dataclasses

import mlflow
import pytest
from mlflow.exceptions import MlflowException
from mlflow.tracking import MlflowClient
from pytest_mock import MockerFixture

from infrastructure.tracking.mlflow import runs
from training.execution.mlflow_setup import TRAINING_CHILD_RUN
from unit._helpers import PARENT_TAG

TRIAL_CHILD_RUN = runs.TRIAL_CHILD_RUN
child_run_tags = runs.child_run_tags
create_child_run = runs.create_child_run
create_run_with_tags = runs.create_run_with_tags
first_experiment_id = runs.first_experiment_id


@pytest.fixture
def experiment_id(client: MlflowClient) -> str:
    """Experiment ``exp`` (the by-name source's target)."""
    return client.create_experiment("exp")


def test_policies_are_frozen() -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        TRIAL_CHILD_RUN.azure_parent_check = False  # type: ignore[misc]


def test_trial_and_training_policies_differ_in_every_named_option() -> None:
    assert (TRIAL_CHILD_RUN.azure_trial_tags, TRAINING_CHILD_RUN.azure_trial_tags) == ("azure_uri", "always")
    assert (TRIAL_CHILD_RUN.trial_tag, TRAINING_CHILD_RUN.trial_tag) == ("always", "if_given")
    assert TRIAL_CHILD_RUN.experiment_sources == ("parent", "name", "active_run")
    assert TRAINING_CHILD_RUN.experiment_sources == ("parent", "name")
    assert (TRIAL_CHILD_RUN.on_create_error, TRAINING_CHILD_RUN.on_create_error) == (
        "retry_without_tags",
        "raise",
    )
    assert (TRIAL_CHILD_RUN.azure_parent_check, TRAINING_CHILD_RUN.azure_parent_check) == (True, False)
    assert TRIAL_CHILD_RUN.report is runs.NO_REPORT
    assert TRAINING_CHILD_RUN.report is not runs.NO_REPORT


def test_trial_policy_tags_a_none_trial_number_and_no_azure_tags_on_a_local_uri(local_mlflow: str) -> None:
    tags = child_run_tags(TRIAL_CHILD_RUN, "p", "trial_None", None, None, None)
    assert tags == {PARENT_TAG: "p", "trial_number": "None"}


def test_training_policy_skips_a_none_trial_number_and_always_adds_azure_tags(local_mlflow: str) -> None:
    tags = child_run_tags(TRAINING_CHILD_RUN, "p", "name", None, 2, {"extra": "x"})
    assert tags == {
        PARENT_TAG: "p",
        "fold_idx": "2",
        "azureml.runType": "trial",
        "azureml.trial": "true",
        "mlflow.runName": "name",
        "extra": "x",
    }


def test_caller_tags_win_over_the_built_parent_tag(local_mlflow: str) -> None:
    tags = child_run_tags(TRIAL_CHILD_RUN, "p", "trial_1", "1", None, {PARENT_TAG: "mine"})
    assert tags[PARENT_TAG] == "mine"


def test_first_experiment_id_takes_sources_in_the_given_order(
    client: MlflowClient, experiment_id: str, parent_id: str
) -> None:
    other = client.create_experiment("other")
    assert (
        first_experiment_id(("name", "parent"), client, parent_run_id=parent_id, experiment_name="other")
        == other
    )
    assert first_experiment_id(
        ("parent", "name"), client, parent_run_id=parent_id, experiment_name="other"
    ) == (experiment_id)


def test_first_experiment_id_skips_a_failing_source(client: MlflowClient, experiment_id: str) -> None:
    assert first_experiment_id(
        ("parent", "name"), client, parent_run_id="missing", experiment_name="exp"
    ) == (experiment_id)


def test_first_experiment_id_reads_the_active_run_source_only_when_listed(
    client: MlflowClient, experiment_id: str
) -> None:
    with mlflow.start_run(experiment_id=experiment_id):
        assert first_experiment_id(("active_run",), client) == experiment_id
        assert first_experiment_id(("parent", "name"), client) is None


def test_create_run_with_tags_raise_policy_reraises_and_creates_nothing(
    client: MlflowClient, experiment_id: str
) -> None:
    with pytest.raises(MlflowException):
        create_run_with_tags(client, experiment_id, "r", {"mlflow.runName": "other"}, "raise")
    assert client.search_runs([experiment_id]) == []


def test_create_run_with_tags_retry_policy_creates_without_tags_then_sets_them(
    client: MlflowClient, experiment_id: str
) -> None:
    run = create_run_with_tags(
        client, experiment_id, "r", {"mlflow.runName": "other", "k": "v"}, "retry_without_tags"
    )
    stored = client.get_run(run.info.run_id)
    assert (stored.info.run_name, stored.data.tags["k"]) == ("other", "v")


def test_create_run_with_tags_runs_before_and_check_inside_the_guard(
    client: MlflowClient, experiment_id: str
) -> None:
    seen: list[str] = []

    def check(run_id: str) -> None:
        seen.append(run_id)
        raise ValueError("check failed")

    run = create_run_with_tags(client, experiment_id, "r", {"k": "v"}, "retry_without_tags", check=check)
    [stored] = client.search_runs([experiment_id])  # F2 keeps the checked run: no second run
    assert seen == [run.info.run_id] == [stored.info.run_id]
    assert stored.data.tags["k"] == "v"


def test_return_tuple_creates_the_child_without_starting_it(
    client: MlflowClient, experiment_id: str, parent_id: str
) -> None:
    run_id, run = create_child_run(parent_id, "4", return_tuple=True)
    assert run.info.run_id == run_id
    stored = client.get_run(run_id)
    assert (stored.info.run_name, stored.info.status) == ("trial_4", "RUNNING")
    assert stored.data.tags[PARENT_TAG] == parent_id
    assert mlflow.active_run() is None


def test_return_tuple_takes_the_named_experiment_and_writes_the_trial_and_caller_tags(
    client: MlflowClient, experiment_id: str
) -> None:
    run_id, _ = create_child_run("missing", "4", "exp", {"k": "v"}, return_tuple=True)
    stored = client.get_run(run_id)
    assert stored.info.experiment_id == experiment_id
    assert stored.data.tags[PARENT_TAG] == "missing"
    assert (stored.data.tags["trial_number"], stored.data.tags["k"]) == ("4", "v")


def test_return_tuple_without_an_experiment_raises_instead_of_an_independent_run(local_mlflow: str) -> None:
    with pytest.raises(RuntimeError, match="Could not determine experiment ID from parent run missing"):
        create_child_run("missing", "1", return_tuple=True)
    assert mlflow.active_run() is None


def test_training_policy_reports_a_failed_create_on_stderr(
    client: MlflowClient,
    experiment_id: str,
    parent_id: str,
    mocker: MockerFixture,
    capsys: pytest.CaptureFixture[str],
) -> None:
    mocker.patch.object(MlflowClient, "create_run", side_effect=MlflowException("store down"))
    with pytest.raises(MlflowException):
        runs.create_child_run_with(TRAINING_CHILD_RUN, parent_id, "r")
    assert capsys.readouterr().err == "  [Training] Error creating child run: store down\n"
