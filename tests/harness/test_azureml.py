"""The test-only azureml scheme stores into the current test's store, on every backend."""

from __future__ import annotations

from collections.abc import Callable

import mlflow
import pytest
from mlflow.tracking import MlflowClient
from mlflow.tracking._tracking_service.utils import _get_store

from mlflow_golden.plugin import TrackingStore

InnerRun = Callable[..., pytest.RunResult]


def test_uri_shape(tracking_store: TrackingStore) -> None:
    assert tracking_store.azureml_uri.startswith("azureml://")
    assert "azureml" in tracking_store.azureml_uri and "/mlflow" in tracking_store.azureml_uri


def test_fluent_lifecycle_through_azureml_uri_lands_in_the_test_store(tracking_store: TrackingStore) -> None:
    tracking_store.use_azureml()
    assert mlflow.get_tracking_uri() == tracking_store.azureml_uri
    mlflow.set_experiment("az")
    with mlflow.start_run(run_name="parent") as parent:
        mlflow.set_tag("k", "v")
        mlflow.log_param("p", "1")
        mlflow.log_metric("m", 0.5)
        mlflow.log_dict({"a": 1}, "d.json")
        assert mlflow.artifacts.load_dict(mlflow.get_artifact_uri("d.json")) == {"a": 1}
        with mlflow.start_run(run_name="child", nested=True):
            pass
    runs = tracking_store.client.search_runs(
        [tracking_store.client.get_experiment_by_name("az").experiment_id]
    )
    by_name = {run.info.run_name: run for run in runs}
    assert set(by_name) == {"parent", "child"}
    assert by_name["parent"].data.tags["k"] == "v"
    assert by_name["parent"].data.metrics == {"m": 0.5}
    assert by_name["child"].data.tags["mlflow.parentRunId"] == parent.info.run_id
    assert by_name["parent"].info.status == "FINISHED"


def test_client_with_azureml_uri_uses_the_backend_store_class(tracking_store: TrackingStore) -> None:
    store = _get_store(tracking_store.azureml_uri)
    assert isinstance(store, tracking_store.store_class)
    exp = MlflowClient(tracking_uri=tracking_store.azureml_uri).create_experiment("via-client")
    assert tracking_store.client.get_experiment(exp).name == "via-client"


def test_each_test_gets_its_own_azureml_store_despite_mlflow_store_cache(
    pytester: pytest.Pytester, run_inner: InnerRun
) -> None:
    """MLflow caches stores per URI; the azureml URI is the same in every test."""
    pytester.makepyfile(
        test_az="""
        import pytest
        from mlflow.tracking import MlflowClient

        @pytest.mark.parametrize("n", [1, 2, 3])
        def test_az(tracking_store, n):
            client = MlflowClient(tracking_uri=tracking_store.azureml_uri)
            names = [e.name for e in client.search_experiments()]
            assert names == ["Default"], names
            client.create_experiment(f"exp-{n}")
            names = sorted(e.name for e in tracking_store.client.search_experiments())
            assert names == ["Default", f"exp-{n}"]
        """
    )
    run_inner().assert_outcomes(passed=3)


def test_azureml_uri_outside_a_test_is_refused() -> None:
    with pytest.raises(Exception, match="only works inside a test using tracking_store"):
        MlflowClient(tracking_uri="azureml://x/mlflow/v1.0/y").search_experiments()
