"""The training child run (legacy-core §2.2): experiment, tags, stderr output, errors.

Through ``runs.create_child_run_with(TRAINING_CHILD_RUN, ...)``, the single implementation; the
deprecated ``create_training_child_run`` only warns and delegates to it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import mlflow
import pytest
from mlflow.exceptions import MlflowException
from mlflow.tracking import MlflowClient

from infrastructure.tracking.mlflow.runs import create_child_run_with
from training.execution.mlflow_setup import TRAINING_CHILD_RUN, create_training_child_run
from unit._helpers import PARENT_TAG


def _training_child(experiment: str, run_name: str, parent_run_id: str, **kwargs: Any) -> tuple[str, Any]:
    return create_child_run_with(
        TRAINING_CHILD_RUN, parent_run_id, run_name, experiment_name=experiment, **kwargs
    )


@pytest.fixture
def experiment_id(client: MlflowClient) -> str:
    return client.create_experiment("hpo")


def test_child_has_parent_azure_trial_fold_and_name_tags(
    client: MlflowClient, experiment_id: str, parent_id: str
) -> None:
    run_id, run = _training_child("hpo", "trial-fold", parent_id, trial_number=3, fold_idx=1)
    assert run.info.run_id == run_id
    stored = client.get_run(run_id)
    assert stored.info.experiment_id == experiment_id
    assert stored.data.tags == {
        PARENT_TAG: parent_id,
        "azureml.runType": "trial",
        "azureml.trial": "true",
        "trial_number": "3",
        "fold_idx": "1",
        "mlflow.runName": "trial-fold",
    }


def test_zero_trial_number_and_fold_are_tagged(client: MlflowClient, parent_id: str) -> None:
    run_id, _ = _training_child("hpo", "r", parent_id, trial_number=0, fold_idx=0)
    tags = client.get_run(run_id).data.tags
    assert (tags["trial_number"], tags["fold_idx"]) == ("0", "0")


def test_none_trial_number_and_fold_are_not_tagged(client: MlflowClient, parent_id: str) -> None:
    run_id, _ = _training_child("hpo", "r", parent_id)
    tags = client.get_run(run_id).data.tags
    assert "trial_number" not in tags
    assert "fold_idx" not in tags


def test_caller_tags_win_over_the_built_tags(client: MlflowClient, parent_id: str) -> None:
    run_id, _ = _training_child("hpo", "r", parent_id, tags={PARENT_TAG: "other", "azureml.runType": "refit"})
    tags = client.get_run(run_id).data.tags
    assert (tags[PARENT_TAG], tags["azureml.runType"]) == ("other", "refit")


def test_child_is_running_and_not_started(client: MlflowClient, parent_id: str) -> None:
    run_id, _ = _training_child("hpo", "r", parent_id)
    assert client.get_run(run_id).info.status == "RUNNING"
    assert mlflow.active_run() is None


def test_success_is_reported_on_stderr(parent_id: str, capsys: pytest.CaptureFixture[str]) -> None:
    run_id, _ = _training_child("hpo", "r", parent_id)
    captured = capsys.readouterr()
    assert captured.err == f"  [Training] ✓ Created child run: {run_id[:12]}...\n"
    assert captured.out == ""


def test_unreadable_parent_falls_back_to_the_clients_named_experiment(
    client: MlflowClient, experiment_id: str
) -> None:
    run_id, _ = _training_child("hpo", "r", "missing-parent")
    run = client.get_run(run_id)
    assert run.info.experiment_id == experiment_id
    assert run.data.tags[PARENT_TAG] == "missing-parent"


def test_no_parent_and_no_experiment_raises_runtime_error(local_mlflow: str) -> None:
    with pytest.raises(RuntimeError) as excinfo:
        _training_child("absent", "r", "missing-parent")
    assert str(excinfo.value) == (
        "Could not determine experiment ID from parent run missing-parent or experiment name absent"
    )


def test_no_experiment_is_not_created_and_the_active_run_is_not_used(
    client: MlflowClient, experiment_id: str
) -> None:
    with mlflow.start_run(experiment_id=experiment_id), pytest.raises(RuntimeError):
        _training_child("absent", "r", "missing-parent")
    assert client.get_experiment_by_name("absent") is None


def test_create_error_is_reported_on_stderr_and_reraised(
    client: MlflowClient, experiment_id: str, parent_id: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(MlflowException) as excinfo:
        _training_child("hpo", "r", parent_id, tags={"mlflow.runName": "other"})
    assert capsys.readouterr().err == f"  [Training] Error creating child run: {excinfo.value}\n"
    assert len(client.search_runs(experiment_ids=[experiment_id])) == 1  # only the parent


def test_tracking_uri_argument_selects_the_store(client: MlflowClient, tmp_path: Path) -> None:
    other_uri = (tmp_path / "other-store").as_uri()
    other = MlflowClient(tracking_uri=other_uri)
    other_parent = other.create_run(experiment_id=other.create_experiment("hpo")).info.run_id
    run_id, _ = _training_child("hpo", "r", other_parent, tracking_uri=other_uri)
    assert other.get_run(run_id).data.tags[PARENT_TAG] == other_parent
    assert client.get_experiment_by_name("hpo") is None


def test_deprecated_create_training_child_run_warns_with_its_replacement(
    client: MlflowClient, parent_id: str
) -> None:
    with pytest.deprecated_call(match=r"create_child_run_with\(TRAINING_CHILD_RUN, parent_run_id") as record:
        run_id, _ = create_training_child_run("hpo", "r", parent_id, trial_number=2)
    assert record[0].filename == __file__  # stacklevel=2: the caller's line
    assert client.get_run(run_id).data.tags["trial_number"] == "2"
