"""create_child_run's Azure branch (legacy-core §1.1 steps 4-8), without Azure.

The branch is chosen by the global tracking URI containing "azureml". A test-only ``azureml``
scheme is registered in MLflow's tracking-store registry, backed by a local file store, so an
``azureml://`` URI is a working store here (the golden harness does the same with its own
scheme; this fixture is local to this file).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import mlflow
import pytest
from mlflow.entities import Run
from mlflow.exceptions import MlflowException
from mlflow.store.tracking.file_store import FileStore
from mlflow.tracking import MlflowClient
from pytest_mock import MockerFixture

from infrastructure.tracking.mlflow.runs import create_child_run
from unit._helpers import PARENT_TAG, azureml_scheme, user_tags


@pytest.fixture
def azure_uri(local_mlflow: str, tmp_path: Path) -> Iterator[str]:
    """Point the global URI at ``azureml://...`` stored in a local file store under tmp_path."""
    store_root = tmp_path / "azureml-store"

    def build_store(store_uri: str, artifact_uri: Any = None) -> FileStore:
        return FileStore(str(store_root))  # type: ignore[no-untyped-call]

    with azureml_scheme(build_store):
        # The store cache is keyed by URI: a per-test URI gets a fresh store.
        uri = f"azureml://eastus.api.azureml.ms/mlflow/v1.0/{tmp_path.name}"
        mlflow.set_tracking_uri(uri)
        yield uri


@pytest.fixture
def client(azure_uri: str) -> MlflowClient:
    return MlflowClient()


@pytest.fixture
def experiment_id(client: MlflowClient) -> str:
    return client.create_experiment("hpo")


def test_azure_child_gets_trial_tags_and_run_name(client: MlflowClient, parent_id: str) -> None:
    with create_child_run(parent_id, "4") as yielded:
        child = client.get_run(mlflow.active_run().info.run_id)  # type: ignore[union-attr]
    assert yielded is None
    assert user_tags(child) == {
        PARENT_TAG: parent_id,
        "trial_number": "4",
        "azureml.runType": "trial",
        "azureml.trial": "true",
        "mlflow.runName": "trial_4",
    }
    assert client.get_run(child.info.run_id).info.status == "FINISHED"


def test_azure_tag_repair_overrides_a_caller_parent_tag(client: MlflowClient, parent_id: str) -> None:
    with create_child_run(parent_id, "4", additional_tags={PARENT_TAG: "caller-parent", "k": "v"}):
        child = client.get_run(mlflow.active_run().info.run_id)  # type: ignore[union-attr]
    assert child.data.tags[PARENT_TAG] == parent_id
    assert child.data.tags["k"] == "v"


def test_azure_reread_of_parent_moves_the_child_into_the_parents_experiment(
    client: MlflowClient, experiment_id: str, parent_id: str, mocker: MockerFixture
) -> None:
    named_id = client.create_experiment("named")
    real_get_run = MlflowClient.get_run
    parent_reads: list[str] = []

    def fail_first_parent_read(self: MlflowClient, run_id: str) -> Run:
        if run_id == parent_id:
            parent_reads.append(run_id)
            if len(parent_reads) == 1:
                raise MlflowException("transient")
        return real_get_run(self, run_id)

    mocker.patch.object(MlflowClient, "get_run", fail_first_parent_read)
    with create_child_run(parent_id, "1", experiment_name="named"):
        child_id = mlflow.active_run().info.run_id  # type: ignore[union-attr]
    assert len(parent_reads) == 2
    assert client.get_run(child_id).info.experiment_id == experiment_id
    assert client.search_runs(experiment_ids=[named_id]) == []


def test_azure_f1_run_has_no_azure_tags(client: MlflowClient) -> None:
    with create_child_run("missing-parent", "2") as yielded:
        run_id = yielded.info.run_id
    assert user_tags(client.get_run(run_id)) == {
        PARENT_TAG: "missing-parent",
        "trial_number": "2",
        "mlflow.runName": "trial_2",
    }
