"""create_training_mlflow_run (legacy-core §2.1): fetch, child delegation, standalone, index."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any, Dict, Optional

import mlflow
import pytest
from mlflow.entities import Run
from mlflow.exceptions import MlflowException
from mlflow.tracking import MlflowClient
from pytest_mock import MockerFixture

from infrastructure.naming.context import NamingContext
from training.execution import mlflow_setup
from training.execution.mlflow_setup import create_training_mlflow_run

CONTEXT = NamingContext(
    process_type="final_training", model="bert", environment="local", spec_fp="s1", exec_fp="e1"
)
CONTEXT_HASH = hashlib.sha256(b"final_training:bert:spec_s1:exec_e1:v1").hexdigest()


@pytest.fixture
def config_dir(tmp_path: Path) -> Path:
    path = tmp_path / "project" / "config"
    path.mkdir(parents=True)
    return path


def index_file(config_dir: Path) -> Path:
    return config_dir.parent / "outputs" / "cache" / "mlflow_index.json"


def read_index(config_dir: Path) -> Dict[str, Any]:
    data: Dict[str, Any] = json.loads(index_file(config_dir).read_text(encoding="utf-8"))
    return data


def experiment_id_of(client: MlflowClient, name: str) -> Optional[str]:
    experiment = client.get_experiment_by_name(name)
    return None if experiment is None else str(experiment.experiment_id)


# --- step 1: existing run ---------------------------------------------------------------------


def test_run_id_only_fetches_the_existing_run(client: MlflowClient) -> None:
    existing = client.create_run(experiment_id="0", run_name="old")
    run_id, run = create_training_mlflow_run("never-created", "ignored", run_id=existing.info.run_id)
    assert run_id == existing.info.run_id
    assert isinstance(run, Run)
    assert run.info.run_name == "old"
    assert experiment_id_of(client, "never-created") is None
    assert len(client.search_runs(experiment_ids=["0"])) == 1


def test_run_id_fetch_errors_propagate(local_mlflow: str) -> None:
    with pytest.raises(MlflowException):
        create_training_mlflow_run("exp", "r", run_id="missing")


# --- step 2: child delegation -----------------------------------------------------------------


def test_create_as_child_with_parent_delegates_to_the_child_creator(client: MlflowClient) -> None:
    experiment = client.create_experiment("hpo")
    parent = client.create_run(experiment_id=experiment).info.run_id
    run_id, _ = create_training_mlflow_run(
        "hpo", "fold-run", parent_run_id=parent, trial_number=2, fold_idx=0, create_as_child=True
    )
    tags = client.get_run(run_id).data.tags
    assert tags["mlflow.parentRunId"] == parent
    assert tags["azureml.runType"] == "trial"
    assert (tags["trial_number"], tags["fold_idx"]) == ("2", "0")


@pytest.mark.parametrize("parent_run_id", [None, ""], ids=["none", "empty"])
def test_create_as_child_without_parent_raises_before_any_store_call(
    client: MlflowClient, mocker: MockerFixture, parent_run_id: Any
) -> None:
    spy = mocker.spy(MlflowClient, "__init__")
    with pytest.raises(ValueError, match="A child run needs a parent run id"):
        create_training_mlflow_run("exp", "r", parent_run_id=parent_run_id, create_as_child=True)
    spy.assert_not_called()
    assert client.get_experiment_by_name("exp") is None


# --- steps 3-5: standalone --------------------------------------------------------------------


def test_standalone_run_auto_creates_the_experiment_and_is_running_not_active(client: MlflowClient) -> None:
    run_id, run = create_training_mlflow_run("new-exp", "train", tags={"k": "v"})
    assert run.info.run_id == run_id
    assert run.info.experiment_id == experiment_id_of(client, "new-exp")
    stored = client.get_run(run_id)
    assert (stored.info.run_name, stored.info.status) == ("train", "RUNNING")
    assert stored.data.tags == {"k": "v", "mlflow.runName": "train"}
    assert mlflow.active_run() is None


def test_standalone_tags_are_not_mutated(local_mlflow: str) -> None:
    tags = {"k": "v"}
    create_training_mlflow_run("exp", "train", tags=tags)
    assert tags == {"k": "v"}


def test_parent_replaces_the_named_experiment_without_a_parent_tag(client: MlflowClient) -> None:
    parent_experiment = client.create_experiment("hpo")
    parent = client.create_run(experiment_id=parent_experiment).info.run_id
    run_id, _ = create_training_mlflow_run("final", "refit", parent_run_id=parent)
    run = client.get_run(run_id)
    assert run.info.experiment_id == parent_experiment
    assert "mlflow.parentRunId" not in run.data.tags
    assert experiment_id_of(client, "final") is not None  # created by step 3 all the same


def test_unreadable_parent_keeps_the_named_experiment(client: MlflowClient) -> None:
    run_id, _ = create_training_mlflow_run("final", "refit", parent_run_id="missing")
    assert client.get_run(run_id).info.experiment_id == experiment_id_of(client, "final")


def fail_first_lookup(mocker: MockerFixture, error: Exception) -> None:
    """Make the first MlflowClient.get_experiment_by_name fail (CTM's own client lookup).

    Fluent mlflow.get_experiment_by_name goes through the same method, so later calls pass.
    """
    real_lookup = MlflowClient.get_experiment_by_name
    calls: list[str] = []

    def lookup(self: MlflowClient, name: str) -> Any:
        calls.append(name)
        if len(calls) == 1:
            raise error
        return real_lookup(self, name)

    mocker.patch.object(MlflowClient, "get_experiment_by_name", lookup)


def test_client_lookup_error_falls_back_to_the_fluent_lookup(
    client: MlflowClient, mocker: MockerFixture
) -> None:
    existing = client.create_experiment("exp")
    fail_first_lookup(mocker, MlflowException("client down"))
    run_id, _ = create_training_mlflow_run("exp", "r")
    assert client.get_run(run_id).info.experiment_id == existing


def test_client_lookup_error_without_fluent_match_raises_the_chained_runtime_error(
    local_mlflow: str, mocker: MockerFixture
) -> None:
    original = MlflowException("client down")
    fail_first_lookup(mocker, original)
    with pytest.raises(RuntimeError) as excinfo:
        create_training_mlflow_run("absent", "r")
    assert str(excinfo.value) == (
        "Could not get experiment: absent. Ensure MLflow is configured via "
        "infrastructure.tracking.mlflow.setup.setup_mlflow()"
    )
    assert excinfo.value.__cause__ is original


def test_create_error_is_reraised_unchanged(local_mlflow: str) -> None:
    with pytest.raises(MlflowException, match=r"Both 'run_name' argument and 'mlflow\.runName' tag"):
        create_training_mlflow_run("exp", "r", tags={"mlflow.runName": "other"})


# --- step 6: index ----------------------------------------------------------------------------


def test_index_records_the_run_under_the_context_hash(
    local_mlflow: str, tmp_path: Path, config_dir: Path
) -> None:
    run_id, run = create_training_mlflow_run(
        "exp", "train", root_dir=tmp_path / "elsewhere", config_dir=config_dir, context=CONTEXT
    )
    entry = read_index(config_dir)[CONTEXT_HASH]
    assert {key: entry[key] for key in ("run_id", "experiment_id", "tracking_uri")} == {
        "run_id": run_id,
        "experiment_id": run.info.experiment_id,
        "tracking_uri": local_mlflow,
    }
    assert "updated_at" in entry


def test_index_uses_the_parents_experiment_and_the_explicit_tracking_uri(
    local_mlflow: str, tmp_path: Path, config_dir: Path, client: MlflowClient
) -> None:
    parent_experiment = client.create_experiment("hpo")
    parent = client.create_run(experiment_id=parent_experiment).info.run_id
    create_training_mlflow_run(
        "final",
        "refit",
        parent_run_id=parent,
        root_dir=tmp_path,
        config_dir=config_dir,
        context=CONTEXT,
        tracking_uri=local_mlflow,
    )
    entry = read_index(config_dir)[CONTEXT_HASH]
    assert entry["experiment_id"] == parent_experiment
    assert entry["tracking_uri"] == local_mlflow


@pytest.mark.parametrize("missing", ["root_dir", "config_dir", "context"])
def test_index_is_skipped_unless_root_config_and_context_are_all_given(
    local_mlflow: str, tmp_path: Path, config_dir: Path, missing: str
) -> None:
    arguments: Dict[str, Any] = {"root_dir": tmp_path, "config_dir": config_dir, "context": CONTEXT}
    arguments[missing] = None
    create_training_mlflow_run("exp", "train", **arguments)
    assert not index_file(config_dir).exists()


def test_index_error_from_corrupt_json_is_swallowed(
    client: MlflowClient, tmp_path: Path, config_dir: Path
) -> None:
    index_file(config_dir).parent.mkdir(parents=True)
    index_file(config_dir).write_text("{not json", encoding="utf-8")
    run_id, _ = create_training_mlflow_run(
        "exp", "train", root_dir=tmp_path, config_dir=config_dir, context=CONTEXT
    )
    assert client.get_run(run_id).info.status == "RUNNING"
    assert index_file(config_dir).read_text(encoding="utf-8") == "{not json"


def test_index_error_from_an_incomplete_context_is_swallowed(
    client: MlflowClient, tmp_path: Path, config_dir: Path
) -> None:
    refit_without_trial = NamingContext(process_type="hpo_refit", model="bert", environment="local")
    run_id, _ = create_training_mlflow_run(
        "exp", "train", root_dir=tmp_path, config_dir=config_dir, context=refit_without_trial
    )
    assert client.get_run(run_id) is not None
    assert not index_file(config_dir).exists()


# --- step 7: URL ------------------------------------------------------------------------------


def test_url_error_is_swallowed(client: MlflowClient, mocker: MockerFixture) -> None:
    mocker.patch.object(mlflow_setup, "web_url", side_effect=ValueError("no url"))
    run_id, run = create_training_mlflow_run("exp", "train")
    assert run.info.run_id == run_id
