"""MLflowTrainingTracker (legacy-support §9) in a real file store, plus the shared run lifecycle."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import mlflow
import pytest
from mlflow.tracking import MlflowClient
from pytest_mock import MockerFixture

from infrastructure.naming.context import NamingContext
from infrastructure.tracking.mlflow.trackers.training_tracker import MLflowTrainingTracker
from unit._helpers import stored, tracker_project

SPEC = "5" * 64
EXEC = "e" * 64
PARENT = "a" * 32
RUN_KEY = f"final_training:bert:spec_{SPEC}:exec_{EXEC}:v1"
MLFLOW_YAML = "naming:\n  project_name: proj\ntracking:\n  training:\n    enabled: {enabled}\n"


@pytest.fixture
def project(local_mlflow: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A project root with config/mlflow.yaml; cwd stays tmp_path."""
    return tracker_project(tmp_path, monkeypatch, MLFLOW_YAML.format(enabled="true"))


@pytest.fixture
def output_dir(project: Path) -> Path:
    path = project / "outputs" / "final_training" / "bert"
    path.mkdir(parents=True)
    return path


@pytest.fixture
def context() -> NamingContext:
    return NamingContext("final_training", "bert", "local", spec_fp=SPEC, exec_fp=EXEC)


@pytest.fixture
def tracker(local_mlflow: str) -> MLflowTrainingTracker:
    return MLflowTrainingTracker("training-exp")


def code_tags(run: Any) -> dict[str, str]:
    return {k: v for k, v in run.data.tags.items() if k.startswith("code.")}


def all_runs() -> list[Any]:
    experiment = MlflowClient().get_experiment_by_name("training-exp")
    return list(MlflowClient().search_runs([experiment.experiment_id]))


# --- constructor ---------------------------------------------------------------------------


def test_constructor_keeps_tracking_uri_and_sets_experiment(local_mlflow: str) -> None:
    MLflowTrainingTracker("ctor-exp")
    assert mlflow.get_tracking_uri() == local_mlflow
    experiment = MlflowClient().get_experiment_by_name("ctor-exp")
    with mlflow.start_run() as run:
        assert run.info.experiment_id == experiment.experiment_id


def test_constructor_only_warns_on_errors(local_mlflow: str, caplog: pytest.LogCaptureFixture) -> None:
    client = MlflowClient()
    client.delete_experiment(client.create_experiment("gone"))
    MLflowTrainingTracker("gone")
    assert "Could not set MLflow experiment 'gone'" in caplog.text


# --- start_training_run --------------------------------------------------------------------


def test_run_name_status_and_experiment(
    tracker: MLflowTrainingTracker, context: NamingContext, output_dir: Path
) -> None:
    with tracker.start_training_run(
        "local_bert_final", "bert", context=context, output_dir=output_dir
    ) as run:
        assert run is not None
        assert mlflow.active_run().info.run_id == run.info.run_id
    result = stored(run)
    assert result.info.run_name == "local_bert_final"
    assert result.info.status == "FINISHED"
    assert result.info.experiment_id == MlflowClient().get_experiment_by_name("training-exp").experiment_id
    assert mlflow.active_run() is None


def test_tags(tracker: MLflowTrainingTracker, context: NamingContext, output_dir: Path) -> None:
    options: dict[str, Any] = {"training_type": "continued", "parent_run_id": PARENT, "group_id": "group-1"}
    with tracker.start_training_run("r", "bert", context=context, output_dir=output_dir, **options) as run:
        pass
    result = stored(run)
    assert code_tags(result) == {
        "code.stage": "final_training",
        "code.model": "bert",
        "code.storage_env": "local",
        "code.env": "local",
        "code.execution_platform": "local",
        "code.created_by": "tester",
        "code.project": "proj",
        "code.spec_fp": SPEC,
        "code.exec_fp": EXEC,
        "code.variant": "1",
        "code.output_dir": str(output_dir),
        "code.parent_run_id": PARENT,
        "code.group_id": "group-1",
    }
    assert result.data.tags["mlflow.runType"] == "training"
    assert result.data.tags["training_type"] == "continued"
    assert "mlflow.parentRunId" not in result.data.tags


def test_without_context_tags_are_unknown(tracker: MLflowTrainingTracker, project: Path) -> None:
    with tracker.start_training_run("r", "bert") as run:
        pass
    tags = code_tags(stored(run))
    assert (tags["code.stage"], tags["code.model"], tags["code.env"]) == ("unknown", "unknown", "local")
    assert tags["code.project"] == "resume-ner"


def test_updates_index(
    tracker: MLflowTrainingTracker, context: NamingContext, output_dir: Path, project: Path, local_mlflow: str
) -> None:
    with tracker.start_training_run("r", "bert", context=context, output_dir=output_dir) as run:
        pass
    index = json.loads((project / "outputs" / "cache" / "mlflow_index.json").read_text(encoding="utf-8"))
    entry = index[hashlib.sha256(RUN_KEY.encode()).hexdigest()]
    assert entry["run_id"] == run.info.run_id
    assert entry["experiment_id"] == run.info.experiment_id
    assert entry["tracking_uri"] == local_mlflow


def test_merges_mlflow_info_into_metadata(
    tracker: MLflowTrainingTracker, context: NamingContext, output_dir: Path, local_mlflow: str
) -> None:
    (output_dir / "metadata.json").write_text(json.dumps({"status": "trained"}), encoding="utf-8")
    with tracker.start_training_run("r", "bert", context=context, output_dir=output_dir) as run:
        pass
    metadata = json.loads((output_dir / "metadata.json").read_text(encoding="utf-8"))
    assert metadata == {
        "status": "trained",
        "mlflow": {
            "run_id": run.info.run_id,
            "experiment_id": run.info.experiment_id,
            "tracking_uri": local_mlflow,
            "run_key": RUN_KEY,
            "run_key_hash": hashlib.sha256(RUN_KEY.encode()).hexdigest(),
        },
    }


def test_credentials_in_the_tracking_uri_reach_neither_metadata_nor_index(
    tracker: MLflowTrainingTracker,
    context: NamingContext,
    output_dir: Path,
    project: Path,
    mocker: MockerFixture,
) -> None:
    # Only the layer's own reads of the URI see the secret one; the run still goes to the test store.
    mocker.patch.object(mlflow, "get_tracking_uri", return_value="https://alice:s3cr3t@host/?token=t0k3n")
    with tracker.start_training_run("r", "bert", context=context, output_dir=output_dir):
        pass
    metadata = (output_dir / "metadata.json").read_text(encoding="utf-8")
    index = (project / "outputs" / "cache" / "mlflow_index.json").read_text(encoding="utf-8")
    for written in (metadata, index):
        assert "s3cr3t" not in written and "t0k3n" not in written
        assert "https://***@host/?token=***" in written


def test_index_errors_are_swallowed(
    tracker: MLflowTrainingTracker, context: NamingContext, output_dir: Path, project: Path
) -> None:
    cache = project / "outputs" / "cache"
    cache.mkdir(parents=True)
    (cache / "mlflow_index.json").write_text("{corrupt", encoding="utf-8")
    with tracker.start_training_run("r", "bert", context=context, output_dir=output_dir) as run:
        assert run is not None
    assert stored(run).info.status == "FINISHED"


def test_disabled_stage_yields_none_without_run(
    tracker: MLflowTrainingTracker, context: NamingContext, output_dir: Path, project: Path
) -> None:
    (project / "config" / "mlflow.yaml").write_text(MLFLOW_YAML.format(enabled="false"), encoding="utf-8")
    with tracker.start_training_run("r", "bert", context=context, output_dir=output_dir) as run:
        assert run is None
    assert all_runs() == []


def test_body_exception_propagates_and_fails_run(tracker: MLflowTrainingTracker, output_dir: Path) -> None:
    with (
        pytest.raises(KeyError, match="boom"),
        tracker.start_training_run("r", "bert", output_dir=output_dir) as run,
    ):
        raise KeyError("boom")
    assert stored(run).info.status == "FAILED"
    assert mlflow.active_run() is None


def test_setup_error_ends_run_failed_and_yields_none(
    tracker: MLflowTrainingTracker, output_dir: Path, mocker: MockerFixture
) -> None:
    mocker.patch(
        "infrastructure.tracking.mlflow.trackers.training_tracker.build_mlflow_tags",
        side_effect=RuntimeError("tag config broken"),
    )
    with tracker.start_training_run("r", "bert", output_dir=output_dir) as run:
        assert run is None
    (result,) = all_runs()
    assert result.info.status == "FAILED"
    assert mlflow.active_run() is None


def test_a_new_run_is_created_with_its_tags_without_a_separate_tag_write(
    tracker: MLflowTrainingTracker, output_dir: Path, mocker: MockerFixture
) -> None:
    set_tags = mocker.spy(mlflow, "set_tags")
    with tracker.start_training_run("r", "bert", output_dir=output_dir) as run:
        assert run is not None
    assert set_tags.call_count == 0
    assert stored(run).data.tags["mlflow.runType"] == "training"


def test_a_run_resumed_through_mlflow_run_id_gets_its_tags_after_the_start(
    tracker: MLflowTrainingTracker, output_dir: Path, mocker: MockerFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    experiment_id = mlflow.get_experiment_by_name("training-exp").experiment_id
    existing = MlflowClient().create_run(experiment_id, run_name="existing").info.run_id
    monkeypatch.setenv("MLFLOW_RUN_ID", existing)
    set_tags = mocker.spy(mlflow, "set_tags")
    with tracker.start_training_run("r", "bert", output_dir=output_dir) as run:
        assert run is not None and run.info.run_id == existing
    assert set_tags.call_count == 1
    assert stored(run).data.tags["mlflow.runType"] == "training"


def test_start_error_yields_none(tracker: MLflowTrainingTracker, output_dir: Path) -> None:
    with mlflow.start_run(run_name="outer") as outer:
        with tracker.start_training_run("inner", "bert", output_dir=output_dir) as run:
            assert run is None
        assert mlflow.active_run().info.run_id == outer.info.run_id
    assert [r.info.run_name for r in all_runs()] == ["outer"]


def test_env_run_id_resumes_that_run(
    tracker: MLflowTrainingTracker, output_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    experiment_id = MlflowClient().get_experiment_by_name("training-exp").experiment_id
    existing = MlflowClient().create_run(experiment_id=experiment_id, run_name="existing")
    monkeypatch.setenv("MLFLOW_RUN_ID", existing.info.run_id)
    with tracker.start_training_run("ignored", "bert", output_dir=output_dir) as run:
        assert run.info.run_id == existing.info.run_id
    assert stored(run).data.tags["mlflow.runType"] == "training"


# --- logging -------------------------------------------------------------------------------


def test_training_parameters(tracker: MLflowTrainingTracker, output_dir: Path) -> None:
    config = {
        "model": {"backbone": "bert-base"},
        "training": {
            "learning_rate": 2e-5,
            "batch_size": 16,
            "dropout": 0.1,
            "weight_decay": 0.01,
            "epochs": 3,
        },
    }
    with tracker.start_training_run("r", "bert", output_dir=output_dir) as run:
        tracker.log_training_parameters(
            config,
            {"version": "v2", "local_path": "data/v2"},
            source_checkpoint="ckpt/best",
            data_strategy="combined",
            random_seed=42,
        )
    assert stored(run).data.params == {
        "learning_rate": "2e-05",
        "batch_size": "16",
        "dropout": "0.1",
        "weight_decay": "0.01",
        "epochs": "3",
        "backbone": "bert-base",
        "data_version": "v2",
        "dataset_path": "data/v2",
        "training_type": "continued",
        "source_checkpoint": "ckpt/best",
        "data_strategy": "combined",
        "random_seed": "42",
    }


def test_training_parameters_skip_missing_values(tracker: MLflowTrainingTracker, output_dir: Path) -> None:
    with tracker.start_training_run("r", "bert", output_dir=output_dir) as run:
        tracker.log_training_parameters({"learning_rate": 0.001, "backbone": "bert"})
    assert stored(run).data.params == {
        "learning_rate": "0.001",
        "backbone": "bert",
        "training_type": "final",
    }


def test_training_metrics_and_per_entity(tracker: MLflowTrainingTracker, output_dir: Path) -> None:
    with tracker.start_training_run("r", "bert", output_dir=output_dir) as run:
        tracker.log_training_metrics({"macro-f1": 0.9, "loss": 0.2}, {"SKILL": {"f1": 0.8, "precision": 0.7}})
    assert stored(run).data.metrics == {
        "macro-f1": 0.9,
        "loss": 0.2,
        "SKILL_f1": 0.8,
        "SKILL_precision": 0.7,
    }
    history = MlflowClient().get_metric_history(run.info.run_id, "loss")
    assert [m.step for m in history] == [0]


def test_training_artifacts(tracker: MLflowTrainingTracker, output_dir: Path) -> None:
    checkpoint = output_dir / "checkpoint"
    checkpoint.mkdir()
    (checkpoint / "model.bin").write_bytes(b"weights")
    metrics_json = output_dir / "metrics.json"
    metrics_json.write_text('{"f1": 0.9}', encoding="utf-8")
    with tracker.start_training_run("r", "bert", output_dir=output_dir) as run:
        tracker.log_training_artifacts(checkpoint, metrics_json, log_metrics_json=False)
    client = MlflowClient()
    root = sorted(a.path for a in client.list_artifacts(run.info.run_id))
    assert root == ["checkpoint.tar.gz", "checkpoint_manifest.json", "metrics.json"]
    (archive,) = client.list_artifacts(run.info.run_id, "checkpoint.tar.gz")
    assert archive.path.startswith("checkpoint.tar.gz/checkpoint_") and archive.path.endswith(".tar.gz")
    assert [a.path for a in client.list_artifacts(run.info.run_id, "metrics.json")] == [
        "metrics.json/metrics.json"
    ]
    manifest_path = mlflow.artifacts.download_artifacts(
        run_id=run.info.run_id, artifact_path="checkpoint_manifest.json"
    )
    manifest = json.loads(Path(manifest_path).read_text(encoding="utf-8"))
    assert manifest["file_count"] == 1
    assert manifest["files"][0]["path"] == "model.bin"


def test_checkpoint_upload_respects_config(
    tracker: MLflowTrainingTracker, output_dir: Path, project: Path
) -> None:
    (project / "config" / "mlflow.yaml").write_text(
        "tracking:\n  training:\n    log_checkpoint: false\n", encoding="utf-8"
    )
    checkpoint = output_dir / "checkpoint"
    checkpoint.mkdir()
    (checkpoint / "model.bin").write_bytes(b"weights")
    with tracker.start_training_run("r", "bert", output_dir=output_dir) as run:
        tracker.log_training_artifacts(checkpoint)
    assert MlflowClient().list_artifacts(run.info.run_id) == []
