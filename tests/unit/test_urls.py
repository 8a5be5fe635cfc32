"""get_mlflow_run_url (legacy-support §7): base URL derived from the global tracking URI."""

from __future__ import annotations

import mlflow
import pytest
from pytest_mock import MockerFixture

from infrastructure.tracking.mlflow.urls import get_mlflow_run_url


def test_azureml_scheme_has_every_occurrence_rewritten_to_https(local_mlflow: str) -> None:
    mlflow.set_tracking_uri("azureml://ws.azureml.ms/mlflow/v1.0/x/azureml://y")
    assert (
        get_mlflow_run_url("1", "abc")
        == "https://ws.azureml.ms/mlflow/v1.0/x/https://y/#/experiments/1/runs/abc"
    )


def test_other_azure_uri_is_cut_before_the_first_mlflow_segment(local_mlflow: str) -> None:
    mlflow.set_tracking_uri("https://eastus.api.AzureML.ms/mlflow/v1.0/subscriptions/s/mlflow/z")
    assert get_mlflow_run_url("2", "r") == "https://eastus.api.AzureML.ms/#/experiments/2/runs/r"


class _BrokenUri(str):
    """A tracking URI whose inspection fails, to reach the fallback branch."""

    def startswith(self, *args: object, **kwargs: object) -> bool:
        raise RuntimeError("cannot inspect")


def test_error_while_deriving_the_base_falls_back_to_the_raw_uri(
    local_mlflow: str, mocker: MockerFixture
) -> None:
    mocker.patch.object(mlflow, "get_tracking_uri", return_value=_BrokenUri("http://host:5000"))
    assert get_mlflow_run_url("3", "r") == "http://host:5000/#/experiments/3/runs/r"


@pytest.mark.parametrize("uri", ["sqlite:////tmp/mlflow.db", "http://127.0.0.1:5000"])
def test_plain_uris_are_not_web_normalized(local_mlflow: str, uri: str) -> None:
    mlflow.set_tracking_uri(uri)
    assert get_mlflow_run_url("4", "r") == f"{uri}/#/experiments/4/runs/r"


def test_credentials_in_the_uri_do_not_reach_the_url(local_mlflow: str) -> None:
    mlflow.set_tracking_uri("https://alice:s3cr3t@mlflow.example.com/?token=t0k3n")
    assert get_mlflow_run_url("4", "r") == "https://***@mlflow.example.com/?token=***/#/experiments/4/runs/r"


def test_fallback_url_carries_no_credentials(local_mlflow: str, mocker: MockerFixture) -> None:
    mocker.patch.object(mlflow, "get_tracking_uri", return_value=_BrokenUri("http://bob:pw@host:5000"))
    assert get_mlflow_run_url("5", "r") == "http://***@host:5000/#/experiments/5/runs/r"
