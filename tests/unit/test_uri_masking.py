"""Masked tracking URIs (issue 11): credentials never leave the process in clear."""

from __future__ import annotations

import pytest

from infrastructure.tracking.mlflow.uri_masking import mask_tracking_uri, mask_uris_in_text


@pytest.mark.parametrize(
    "uri",
    [
        "sqlite:////tmp/mlruns/mlflow.db",
        "file:///tmp/mlruns",
        "http://127.0.0.1:5000",
        "https://mlflow.example.com/path?experiment=3&view=list",
        "azureml://golden.azureml.invalid/mlflow/v1.0/subscriptions/00000000-0000-0000-0000-000000000000",
        "databricks",
        "x",
        "C:\\mlruns",
    ],
)
def test_uri_without_credentials_is_unchanged(uri: str) -> None:
    assert mask_tracking_uri(uri) == uri


def test_user_and_password_are_masked() -> None:
    assert (
        mask_tracking_uri("https://alice:s3cr3t@mlflow.example.com/api")
        == "https://***@mlflow.example.com/api"
    )


def test_user_only_token_is_masked() -> None:
    assert mask_tracking_uri("https://ghp_abc123@host") == "https://***@host"


def test_password_containing_at_sign_is_fully_masked() -> None:
    masked = mask_tracking_uri("https://u:p@ss@host:443/x")
    assert masked == "https://***@host:443/x"


SECRET_KEYS = ["token", "access_token", "api_key", "apiKey", "sig", "password", "client_secret"]


@pytest.mark.parametrize("key", SECRET_KEYS)
def test_secret_query_values_are_masked(key: str) -> None:
    assert (
        mask_tracking_uri(f"https://host/mlflow?{key}=abc123&view=1")
        == f"https://host/mlflow?{key}=***&view=1"
    )


def test_other_query_values_are_kept() -> None:
    assert mask_tracking_uri("https://host/?experiment=7&token=t0k") == "https://host/?experiment=7&token=***"


def test_credentials_in_user_info_and_query_are_both_masked() -> None:
    masked = mask_tracking_uri("https://bob:pw@host/?token=t0k")
    assert "pw" not in masked and "t0k" not in masked
    assert masked == "https://***@host/?token=***"


def test_masking_is_idempotent() -> None:
    once = mask_tracking_uri("https://bob:pw@host/?token=t0k")
    assert mask_tracking_uri(once) == once


def test_uris_inside_free_text_are_masked() -> None:
    text = "API request to https://alice:s3cr3t@host/api/2.0/runs/create?token=t0k3n failed: 401"
    masked = "API request to https://***@host/api/2.0/runs/create?token=*** failed: 401"
    assert mask_uris_in_text(text) == masked


def test_text_without_credentials_is_unchanged() -> None:
    text = "Could not reach http://127.0.0.1:5000/api (file:///tmp/mlruns too)"
    assert mask_uris_in_text(text) == text
