"""setup_mlflow / setup_mlflow_cross_platform (legacy-support §1) against real stores.

An ``azureml`` URI scheme is registered for these tests only (MLflow's own store registry),
routing to the test's file store, so Azure branches run without Azure. ``azureml.mlflow`` is not
installed; tests that need it available put a tiny on-disk package on ``sys.path``.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import mlflow
import pytest
from mlflow.tracking import MlflowClient
from mlflow.tracking._tracking_service import utils as tracking_utils

from infrastructure.tracking.mlflow import setup as mlflow_setup_mod
from infrastructure.tracking.mlflow.setup import (
    get_local_tracking_db_path,
    setup_mlflow,
    setup_mlflow_cross_platform,
)
from unit._helpers import azureml_scheme

AZURE_URI = "azureml://westeurope.api.azureml.ms/mlflow/v1.0/subscriptions/x/resourceGroups/rg/workspaces/ws"
TIMEOUT_ENV = "AZUREML_ARTIFACTS_DEFAULT_TIMEOUT"
PLATFORM_VARS = ("COLAB_GPU", "COLAB_TPU", "KAGGLE_KERNEL_RUN_TYPE", "AZURE_ML_RUN_ID", "AZURE_ML_OUTPUT_DIR")


class Workspace:
    def __init__(self, uri: str) -> None:
        self.mlflow_tracking_uri = uri


class Workspaces:
    def __init__(self, uri: str | None) -> None:
        self.uri = uri
        self.requested: list[str] = []

    def get(self, name: str) -> Workspace:
        self.requested.append(name)
        if self.uri is None:
            raise LookupError("workspace boom")
        return Workspace(self.uri)


class FakeMLClient:
    """Stand-in for azure.ai.ml.MLClient (not installed): only what setup reads."""

    def __init__(self, uri: str | None) -> None:
        self.workspace_name = "ws"
        self.workspaces = Workspaces(uri)


@pytest.fixture(autouse=True)
def clean_env(local_mlflow: str, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in (*PLATFORM_VARS, TIMEOUT_ENV):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def azure_store(local_mlflow: str) -> Iterator[str]:
    """Register ``azureml`` URIs -> the test's file store; restore the registry afterwards."""
    registry: Any = tracking_utils._tracking_store_registry
    target = local_mlflow

    def build(store_uri: str, artifact_uri: str | None = None, **_: Any) -> Any:
        return registry.get_store_builder(target)(store_uri=target, artifact_uri=artifact_uri)

    with azureml_scheme(build):
        yield AZURE_URI


@pytest.fixture
def azureml_mlflow_available(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """An importable (empty) ``azureml.mlflow`` package on sys.path."""
    package = tmp_path / "site" / "azureml" / "mlflow"
    package.mkdir(parents=True)
    (package.parent / "__init__.py").write_text("", encoding="utf-8")
    (package / "__init__.py").write_text("", encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path / "site"))
    yield
    for name in ("azureml.mlflow", "azureml"):
        sys.modules.pop(name, None)


def local_sqlite_uri(cwd: Path) -> str:
    return "sqlite:///" + str(cwd.resolve() / "mlruns" / "mlflow.db")


# --- setup_mlflow --------------------------------------------------------------------------


def test_missing_experiment_name_raises(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MLFLOW_EXPERIMENT_NAME", raising=False)
    with pytest.raises(ValueError) as info:
        setup_mlflow()
    assert str(info.value) == "experiment_name must be provided or MLFLOW_EXPERIMENT_NAME must be set"


def test_explicit_uri_sets_uri_and_experiment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MLFLOW_TRACKING_URI")
    uri = (tmp_path / "explicit").as_uri()
    assert setup_mlflow("exp-a", tracking_uri=uri) == uri
    assert mlflow.get_tracking_uri() == uri
    assert MlflowClient(tracking_uri=uri).get_experiment_by_name("exp-a") is not None


def test_experiment_name_and_uri_from_env(local_mlflow: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MLFLOW_EXPERIMENT_NAME", "from-env")
    assert setup_mlflow() == local_mlflow
    with mlflow.start_run() as run:
        assert run.info.experiment_id == MlflowClient().get_experiment_by_name("from-env").experiment_id


def test_explicit_uri_beats_env_uri(tmp_path: Path) -> None:
    uri = (tmp_path / "explicit").as_uri()
    assert setup_mlflow("exp", tracking_uri=uri) == uri


def test_env_uri_beats_ml_client(local_mlflow: str) -> None:
    client = FakeMLClient(AZURE_URI)
    assert setup_mlflow("exp", ml_client=client) == local_mlflow
    assert client.workspaces.requested == []


def test_non_azure_uri_does_not_set_timeout_env(local_mlflow: str) -> None:
    setup_mlflow("exp", tracking_uri=local_mlflow)
    assert TIMEOUT_ENV not in os.environ


def test_set_experiment_errors_propagate(local_mlflow: str) -> None:
    client = MlflowClient()
    client.delete_experiment(client.create_experiment("deleted"))
    with pytest.raises(mlflow.exceptions.MlflowException, match="deleted"):
        setup_mlflow("deleted", tracking_uri=local_mlflow)


def test_unavailable_sdk_falls_back_to_local_sqlite(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MLFLOW_RUN_ID", "r1")
    monkeypatch.setenv("MLFLOW_USE_RUN_ID", "true")
    uri = setup_mlflow("exp", tracking_uri=AZURE_URI)
    assert uri == local_sqlite_uri(tmp_path)
    assert uri.startswith("sqlite:////")
    assert mlflow.get_tracking_uri() == uri
    assert "MLFLOW_RUN_ID" not in os.environ
    assert "MLFLOW_USE_RUN_ID" not in os.environ
    assert MlflowClient(tracking_uri=uri).get_experiment_by_name("exp") is not None
    assert TIMEOUT_ENV not in os.environ


def test_azure_check_reimport_drops_stale_module(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "azureml.mlflow", type(sys)("azureml.mlflow"))
    monkeypatch.setattr(mlflow_setup_mod, "get_local_tracking_uri", lambda: (tmp_path / "fallback").as_uri())
    assert setup_mlflow("exp", tracking_uri=AZURE_URI) == (tmp_path / "fallback").as_uri()
    assert "azureml.mlflow" not in sys.modules


def test_azure_uri_without_fallback_is_kept(azure_store: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MLFLOW_RUN_ID", "r1")
    assert setup_mlflow("exp", tracking_uri=azure_store, fallback_to_local=False) == azure_store
    assert mlflow.get_tracking_uri() == azure_store
    assert os.environ["MLFLOW_RUN_ID"] == "r1"
    assert os.environ[TIMEOUT_ENV] == "600"


def test_azure_uri_kept_when_sdk_available(azure_store: str, azureml_mlflow_available: None) -> None:
    assert setup_mlflow("exp", tracking_uri=azure_store) == azure_store
    assert os.environ[TIMEOUT_ENV] == "600"


def test_timeout_env_is_not_overwritten(azure_store: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(TIMEOUT_ENV, "30")
    setup_mlflow("exp", tracking_uri=azure_store, fallback_to_local=False)
    assert os.environ[TIMEOUT_ENV] == "30"


def test_no_uri_delegates_to_cross_platform_local(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MLFLOW_TRACKING_URI")
    monkeypatch.setattr(mlflow_setup_mod, "get_local_tracking_uri", lambda: (tmp_path / "local").as_uri())
    assert setup_mlflow("exp") == (tmp_path / "local").as_uri()
    assert MlflowClient(tracking_uri=(tmp_path / "local").as_uri()).get_experiment_by_name("exp") is not None


# --- setup_mlflow_cross_platform -----------------------------------------------------------


def test_active_azure_uri_without_client_is_kept(azure_store: str) -> None:
    mlflow.set_tracking_uri(azure_store)
    assert setup_mlflow_cross_platform("exp") == azure_store
    assert os.environ[TIMEOUT_ENV] == "600"
    assert MlflowClient(tracking_uri=azure_store).get_experiment_by_name("exp") is not None


def test_client_without_sdk_falls_back_to_local(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(mlflow_setup_mod, "get_local_tracking_uri", lambda: (tmp_path / "local").as_uri())
    assert setup_mlflow_cross_platform("exp", FakeMLClient(AZURE_URI)) == (tmp_path / "local").as_uri()


def test_client_without_sdk_and_no_fallback_raises() -> None:
    with pytest.raises(RuntimeError, match=r"^Azure ML tracking failed and fallback disabled: "):
        setup_mlflow_cross_platform("exp", FakeMLClient(AZURE_URI), fallback_to_local=False)


def test_client_workspace_uri_is_used(azure_store: str, azureml_mlflow_available: None) -> None:
    client = FakeMLClient(azure_store)
    assert setup_mlflow_cross_platform("exp", client, fallback_to_local=False) == azure_store
    assert client.workspaces.requested == ["ws"]
    assert mlflow.get_tracking_uri() == azure_store
    assert os.environ[TIMEOUT_ENV] == "600"


def test_workspace_lookup_failure_message(azureml_mlflow_available: None) -> None:
    with pytest.raises(RuntimeError) as info:
        setup_mlflow_cross_platform("exp", FakeMLClient(None), fallback_to_local=False)
    assert str(info.value) == (
        "Azure ML tracking failed and fallback disabled: "
        "Failed to get Azure ML workspace tracking URI: workspace boom"
    )


def test_set_experiment_failure_in_azure_branch_falls_back(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, azureml_mlflow_available: None
) -> None:
    # No azureml store is registered here, so set_experiment on the workspace URI fails.
    monkeypatch.setattr(mlflow_setup_mod, "get_local_tracking_uri", lambda: (tmp_path / "local").as_uri())
    assert setup_mlflow_cross_platform("exp", FakeMLClient(AZURE_URI)) == (tmp_path / "local").as_uri()


def test_local_uri_is_sqlite_with_absolute_path_and_parent_created(tmp_path: Path) -> None:
    uri = mlflow_setup_mod.get_local_tracking_uri()
    assert uri == local_sqlite_uri(tmp_path)
    assert uri.startswith("sqlite:////")
    assert (tmp_path / "mlruns").is_dir()


# --- local database path -------------------------------------------------------------------


def test_local_db_path_default(tmp_path: Path) -> None:
    assert get_local_tracking_db_path() == tmp_path / "mlruns" / "mlflow.db"


def test_local_db_path_kaggle(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KAGGLE_KERNEL_RUN_TYPE", "Interactive")
    assert get_local_tracking_db_path() == Path("/kaggle/working/mlflow.db")


def test_local_db_path_colab_without_drive(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLAB_GPU", "1")
    monkeypatch.setattr(mlflow_setup_mod, "COLAB_DRIVE_ROOT", tmp_path / "no-drive")
    assert get_local_tracking_db_path() == Path("/content/mlflow.db")


def test_local_db_path_colab_with_drive(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    drive = tmp_path / "MyDrive"
    drive.mkdir()
    monkeypatch.setenv("COLAB_TPU", "1")
    monkeypatch.setattr(mlflow_setup_mod, "COLAB_DRIVE_ROOT", drive)
    assert get_local_tracking_db_path() == drive / "resume-ner-mlflow" / "mlflow.db"
