"""A tracking URI with credentials reaches no log line, printed output or file (issue 11).

End to end through a layer entry point that logs a run URL and writes the local index:
``create_training_mlflow_run`` on a real throwaway store. Only the layer's reads of the global
URI (``mlflow.get_tracking_uri``) are given a URI with credentials; the run itself still goes to
the test store.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import mlflow
import pytest
from pytest_mock import MockerFixture

from infrastructure.naming.context import NamingContext
from training.execution.mlflow_setup import create_training_mlflow_run

SECRET_URI = "https://alice:s3cr3t@mlflow.example.com/?token=t0k3n&view=1"
SECRETS = ("s3cr3t", "t0k3n", "alice")


@dataclass
class Outputs:
    project: Path
    logs: str
    printed: str


@pytest.fixture
def outputs(
    local_mlflow: str,
    tmp_path: Path,
    mocker: MockerFixture,
    caplog: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
) -> Outputs:
    """Create a training run with index update while the global URI carries credentials."""
    mocker.patch.object(mlflow, "get_tracking_uri", return_value=SECRET_URI)
    project = tmp_path / "project"
    config_dir = project / "config"
    config_dir.mkdir(parents=True)
    context = NamingContext("hpo", "distilbert", "local", trial_id="trial_1")
    with caplog.at_level(logging.DEBUG):
        create_training_mlflow_run("exp", "run", root_dir=project, config_dir=config_dir, context=context)
    captured = capsys.readouterr()
    return Outputs(project, caplog.text, captured.out + captured.err)


def test_no_log_line_carries_the_credentials(outputs: Outputs) -> None:
    assert "Created MLflow run" in outputs.logs
    assert "https://***@mlflow.example.com/" in outputs.logs
    for secret in SECRETS:
        assert secret not in outputs.logs


def test_nothing_printed_carries_the_credentials(outputs: Outputs) -> None:
    for secret in SECRETS:
        assert secret not in outputs.printed


def test_no_file_written_under_the_project_carries_the_credentials(outputs: Outputs) -> None:
    written = [path for path in outputs.project.rglob("*") if path.is_file()]
    assert [path.name for path in written] == ["mlflow_index.json"]
    for path in written:
        text = path.read_text(encoding="utf-8")
        assert "https://***@mlflow.example.com/?token=***&view=1" in text
        for secret in SECRETS:
            assert secret not in text
