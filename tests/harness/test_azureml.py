"""The test-only azureml scheme stores into the current test's store, on every backend, and exists
only while a test holds a tracking store: outside, MLflow's registry is as the project left it."""

from __future__ import annotations

from collections.abc import Callable

import mlflow
import pytest
from mlflow.tracking import MlflowClient
from mlflow.tracking._tracking_service import utils as tracking_utils
from mlflow.tracking._tracking_service.utils import _get_store

from mlflow_golden import TrackingStore

InnerRun = Callable[..., pytest.RunResult]


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


def test_outside_a_tracking_store_no_azureml_builder_is_registered() -> None:
    """This project installs no azureml-mlflow: outside the fixture the scheme is unknown to MLflow."""
    registry = tracking_utils._tracking_store_registry
    assert "azureml" not in registry._registry
    with pytest.raises(Exception, match=r"unsupported URI 'azureml://x/mlflow/v1\.0/y'"):
        MlflowClient(tracking_uri="azureml://x/mlflow/v1.0/y").search_experiments()


REAL_AZUREML_CONFTEST = """
from mlflow.tracking._tracking_service import utils


class RealAzuremlStore:
    \"\"\"Stands in for the store azureml-mlflow builds.\"\"\"

    def __init__(self, store_uri):
        self.store_uri = store_uri


def _real_builder(store_uri, artifact_uri=None, **kwargs):
    return RealAzuremlStore(store_uri)


_registry = utils._tracking_store_registry._registry
_before = _registry.get("azureml")
utils._tracking_store_registry.register("azureml", _real_builder)  # before the session starts


def pytest_unconfigure(config):
    if _before is None:
        _registry.pop("azureml", None)
    else:
        _registry["azureml"] = _before
    utils._tracking_store_registry._get_store_with_resolved_uri.cache_clear()
"""

REAL_AZUREML_TESTS = """
from mlflow.tracking._tracking_service import utils as tracking_utils
from mlflow.tracking._tracking_service.utils import _get_store

URI = "azureml://real.example/mlflow/v1.0/subscriptions/s/resourceGroups/g/workspaces/w"


def test_1_before_any_tracking_store_the_real_builder_serves_azureml():
    assert type(_get_store(URI)).__name__ == "RealAzuremlStore"


def test_2_inside_tracking_store_azureml_reaches_the_test_store(tracking_store):
    assert isinstance(_get_store(tracking_store.azureml_uri), tracking_store.store_class)


def test_3_after_a_tracking_store_the_real_builder_is_back():
    store = _get_store(URI)
    assert type(store).__name__ == "RealAzuremlStore"
    assert store.store_uri == URI
"""


def test_a_real_azureml_builder_registered_before_the_session_is_intact_outside_the_fixture(
    pytester: pytest.Pytester, run_inner: InnerRun
) -> None:
    pytester.makeconftest(REAL_AZUREML_CONFTEST)
    pytester.makepyfile(test_real_azureml=REAL_AZUREML_TESTS)
    result = run_inner("-p", "no:randomly", "-v")
    result.assert_outcomes(passed=3)
    result.stdout.fnmatch_lines(["*test_1_before*PASSED*", "*test_2_inside*PASSED*", "*test_3_after*PASSED*"])
