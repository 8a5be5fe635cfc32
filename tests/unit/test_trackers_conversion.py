"""MLflowConversionTracker (legacy-support §9) in a real file store."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import mlflow
import pytest
from mlflow.tracking import MlflowClient
from pytest_mock import MockerFixture

from infrastructure.naming.context import NamingContext
from infrastructure.tracking.mlflow.trackers.conversion_tracker import MLflowConversionTracker
from unit._helpers import stored, tracker_project

SOURCE = "1" * 32
PARENT = "2" * 32
CONV_FP = "c" * 64
MB = 1024 * 1024


@pytest.fixture
def project(local_mlflow: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    return tracker_project(tmp_path, monkeypatch, "naming:\n  project_name: proj\n", "conversion")


@pytest.fixture
def output_dir(project: Path) -> Path:
    return project / "outputs" / "conversion"


@pytest.fixture
def tracker(project: Path) -> MLflowConversionTracker:
    return MLflowConversionTracker("conv-exp")


@pytest.fixture
def context() -> NamingContext:
    return NamingContext("conversion", "bert", "local", parent_training_id=SOURCE, conv_fp=CONV_FP)


def test_conversion_run_tags(
    tracker: MLflowConversionTracker, context: NamingContext, output_dir: Path
) -> None:
    with tracker.start_conversion_run("conv", "onnx", SOURCE, context=context, output_dir=output_dir) as run:
        assert run is not None
    result = stored(run)
    tags = result.data.tags
    assert result.info.run_name == "conv"
    assert result.info.status == "FINISHED"
    expected_tags = {
        "code.parent_run_id": SOURCE,
        "code.parent_training_id": SOURCE,
        "code.conv_fp": CONV_FP,
        "code.stage": "conversion",
        "conversion_type": "onnx",
        "mlflow.runType": "conversion",
        "source_training_run": SOURCE,
    }
    assert {key: tags.get(key) for key in expected_tags} == expected_tags
    assert "code.run_key_hash" not in tags


def test_explicit_parent_beats_source(
    tracker: MLflowConversionTracker, context: NamingContext, output_dir: Path
) -> None:
    with tracker.start_conversion_run(
        "conv", "onnx", SOURCE, context=context, output_dir=output_dir, parent_run_id=PARENT
    ) as run:
        pass
    tags = stored(run).data.tags
    assert (tags["code.parent_run_id"], tags["source_training_run"]) == (PARENT, SOURCE)


def test_conversion_updates_index(
    tracker: MLflowConversionTracker, context: NamingContext, output_dir: Path, project: Path
) -> None:
    with tracker.start_conversion_run("conv", "onnx", SOURCE, context=context, output_dir=output_dir) as run:
        pass
    index = json.loads((project / "outputs" / "cache" / "mlflow_index.json").read_text(encoding="utf-8"))
    key = hashlib.sha256(f"conversion:bert:{SOURCE}:conv_{CONV_FP}".encode()).hexdigest()
    assert index[key]["run_id"] == run.info.run_id


def test_disabled_conversion_stage(
    tracker: MLflowConversionTracker, context: NamingContext, output_dir: Path, project: Path
) -> None:
    (project / "config" / "mlflow.yaml").write_text(
        "tracking:\n  conversion:\n    enabled: false\n", encoding="utf-8"
    )
    with tracker.start_conversion_run("conv", "onnx", SOURCE, context=context, output_dir=output_dir) as run:
        assert run is None
    experiment = MlflowClient().get_experiment_by_name("conv-exp")
    assert MlflowClient().search_runs([experiment.experiment_id]) == []


def test_conversion_parameters(tracker: MLflowConversionTracker, output_dir: Path) -> None:
    with tracker.start_conversion_run("conv", "onnx", output_dir=output_dir) as run:
        tracker.log_conversion_parameters(
            "ckpt/best", "onnx", quantization="int8", opset_version=17, backbone="bert"
        )
    assert stored(run).data.params == {
        "conversion_source": "ckpt/best",
        "conversion_target": "onnx",
        "quantization": "int8",
        "onnx_opset_version": "17",
        "conversion_backbone": "bert",
    }


def test_conversion_results_and_artifacts(tracker: MLflowConversionTracker, output_dir: Path) -> None:
    onnx = output_dir / "model.onnx"
    onnx.write_bytes(b"\0" * MB)
    log = output_dir / "convert.log"
    log.write_text("ok\n", encoding="utf-8")
    with tracker.start_conversion_run("conv", "onnx", output_dir=output_dir) as run:
        tracker.log_conversion_results(
            True, onnx, original_checkpoint_size=4.0, smoke_test_passed=False, conversion_log_path=log
        )
    assert stored(run).data.metrics == {
        "conversion_success": 1.0,
        "onnx_model_size_mb": 1.0,
        "compression_ratio": 4.0,
        "smoke_test_passed": 0.0,
    }
    client = MlflowClient()
    assert [a.path for a in client.list_artifacts(run.info.run_id, "model.onnx")] == ["model.onnx/model.onnx"]
    assert [a.path for a in client.list_artifacts(run.info.run_id, "conversion_log.txt")] == [
        "conversion_log.txt/convert.log"
    ]


def test_failed_conversion_logs_only_success_flag(tracker: MLflowConversionTracker, output_dir: Path) -> None:
    with tracker.start_conversion_run("conv", "onnx", output_dir=output_dir) as run:
        tracker.log_conversion_results(False)
    assert stored(run).data.metrics == {"conversion_success": 0.0}


def test_artifact_upload_is_retried_three_times(
    tracker: MLflowConversionTracker, output_dir: Path, mocker: MockerFixture
) -> None:
    onnx = output_dir / "model.onnx"
    onnx.write_bytes(b"onnx")
    sleeps: list[float] = []
    mocker.patch("time.sleep", side_effect=sleeps.append)
    failing = mocker.patch("mlflow.log_artifact", side_effect=ConnectionError("connection reset"))
    with tracker.start_conversion_run("conv", "onnx", output_dir=output_dir) as run:
        tracker.log_conversion_results(True, onnx)
    assert failing.call_count == 3
    assert len(sleeps) == 2
    assert 2.0 <= sleeps[0] < 2.2 and 4.0 <= sleeps[1] < 4.4
    assert stored(run).info.status == "FINISHED"
    assert mlflow.active_run() is None
