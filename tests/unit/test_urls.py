"""get_mlflow_run_url (legacy-support §7, §12.13 fixed): a web URL only for a URI with a web UI."""

from __future__ import annotations

import mlflow
import pytest

from infrastructure.tracking.mlflow.urls import get_mlflow_run_url, web_base_url


def test_http_server_gives_the_ui_url(local_mlflow: str) -> None:
    mlflow.set_tracking_uri("http://127.0.0.1:5000")
    assert get_mlflow_run_url("4", "r") == "http://127.0.0.1:5000/#/experiments/4/runs/r"


@pytest.mark.parametrize(
    "uri",
    [
        "sqlite:////tmp/mlflow.db",
        "sqlite:///mlruns/mlflow.db",
        "file:///tmp/mlruns",
        "/tmp/mlruns",
        "mlruns",
        "postgresql://user@db/mlflow",
        "databricks",
        "http://",
        "http://[::1",
    ],
)
def test_a_uri_without_a_web_ui_gives_no_url(local_mlflow: str, uri: str) -> None:
    mlflow.set_tracking_uri(uri)
    assert get_mlflow_run_url("4", "r") is None


def test_only_the_leading_azureml_scheme_is_rewritten() -> None:
    assert web_base_url("azureml://ws.azureml.ms/mlflow/v1.0/x/azureml://y") == (
        "https://ws.azureml.ms/mlflow/v1.0/x/azureml://y"
    )


def test_azureml_scheme_is_matched_case_insensitively() -> None:
    assert web_base_url("AzureML://ws.azureml.ms/mlflow/v1.0") == "https://ws.azureml.ms/mlflow/v1.0"


def test_azureml_run_url(local_mlflow: str) -> None:
    mlflow.set_tracking_uri("azureml://eastus.api.azureml.ms/mlflow/v1.0/subscriptions/s")
    assert get_mlflow_run_url("1", "abc") == (
        "https://eastus.api.azureml.ms/mlflow/v1.0/subscriptions/s/#/experiments/1/runs/abc"
    )


def test_other_azure_uri_is_cut_before_the_first_mlflow_segment(local_mlflow: str) -> None:
    mlflow.set_tracking_uri("https://eastus.api.AzureML.ms/mlflow/v1.0/subscriptions/s/mlflow/z")
    assert get_mlflow_run_url("2", "r") == "https://eastus.api.AzureML.ms/#/experiments/2/runs/r"


def test_query_fragment_and_trailing_slash_are_dropped() -> None:
    assert web_base_url("https://host:8080/prefix/?a=1#frag") == "https://host:8080/prefix"


def test_credentials_in_the_uri_do_not_reach_the_url(local_mlflow: str) -> None:
    mlflow.set_tracking_uri("https://alice:s3cr3t@mlflow.example.com/?token=t0k3n")
    assert get_mlflow_run_url("4", "r") == "https://***@mlflow.example.com/#/experiments/4/runs/r"
