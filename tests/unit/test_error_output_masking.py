"""Error text quoting a URI with credentials is masked in the layer's logs and printed output.

MLflow's REST client quotes the request URL (credentials included) in its errors; the layer logs
and prints such errors. Store calls are made to fail with that text (fault injection).
"""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from mlflow.tracking import MlflowClient
from pytest_mock import MockerFixture

from infrastructure.tracking.mlflow.masked_logging import get_logger
from training.execution.mlflow_setup import create_training_mlflow_run
from training.execution.tags import apply_lineage_tags

LEAKY_ERROR = "API request to https://alice:s3cr3t@mlflow.example.com/api?token=t0k3n failed"
SECRETS = ("s3cr3t", "t0k3n", "alice")


def _assert_no_secret(text: str) -> None:
    for secret in SECRETS:
        assert secret not in text


def test_layer_logger_masks_uris_in_the_formatted_message(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING):
        get_logger("infrastructure.tracking.mlflow.example").warning("failed: %s", RuntimeError(LEAKY_ERROR))
    assert "failed: API request to https://***@mlflow.example.com/api?token=*** failed" in caplog.text
    _assert_no_secret(caplog.text)


def test_layer_logger_keeps_messages_without_credentials(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING):
        get_logger("infrastructure.tracking.mlflow.example").warning("run %s in %s", "r1", "file:///tmp/x")
    assert caplog.records[-1].getMessage() == "run r1 in file:///tmp/x"


def test_training_child_run_error_report_masks_the_uri(
    local_mlflow: str,
    mocker: MockerFixture,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    client = MlflowClient()
    experiment_id = client.create_experiment("hpo")
    parent = client.create_run(experiment_id, run_name="sweep").info.run_id
    mocker.patch.object(MlflowClient, "create_run", side_effect=RuntimeError(LEAKY_ERROR))
    with caplog.at_level(logging.DEBUG), pytest.raises(RuntimeError):
        create_training_mlflow_run("hpo", "trial_0", parent_run_id=parent, create_as_child=True)
    stderr = capsys.readouterr().err
    assert "Error creating child run: API request to https://***@mlflow.example.com/" in stderr
    _assert_no_secret(stderr + caplog.text)


def test_apply_lineage_tags_error_output_masks_the_uri(
    local_mlflow: str, tmp_path: Path, mocker: MockerFixture, capsys: pytest.CaptureFixture[str]
) -> None:
    mocker.patch("training.execution.tags.find_mlflow_run", side_effect=RuntimeError(LEAKY_ERROR))
    apply_lineage_tags("final", None, tmp_path, tmp_path, tmp_path, {})
    captured = capsys.readouterr()
    assert "⚠ Could not set MLflow tags: API request to https://***@mlflow.example.com/" in captured.out
    assert "RuntimeError: API request to https://***@" in captured.err
    _assert_no_secret(captured.out + captured.err)
