"""MLflowBenchmarkTracker (legacy-support §9) in a real file store."""

from __future__ import annotations

import hashlib
import json
import shutil
import uuid
from pathlib import Path
from typing import Any, Dict

import pytest
from mlflow.tracking import MlflowClient

from infrastructure.naming.context import NamingContext
from infrastructure.naming.mlflow.run_names import build_mlflow_run_name
from infrastructure.tracking.mlflow.trackers.benchmark_tracker import (
    MLflowBenchmarkTracker,
    build_lineage_tags,
    is_valid_run_id,
)
from infrastructure.tracking.mlflow.version_counter import get_run_name_counter_path
from unit._helpers import stored, tracker_project

REPO_CONFIG = Path(__file__).resolve().parents[2] / "config"
HEX_ID = "0123456789abcdef0123456789abcdef"
DASHED_ID = str(uuid.UUID(int=7))
REFIT_ID = "f" * 32
STUDY = "5" * 64
TRIAL = "7" * 64
MLFLOW_YAML = (
    "naming:\n  project_name: proj\n  run_name:\n    auto_increment:\n      enabled: true\n"
    "tracking:\n  benchmark:\n    enabled: {enabled}\n    log_artifacts: true\n"
)


@pytest.fixture
def project(local_mlflow: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tracker_project(tmp_path, monkeypatch, MLFLOW_YAML.format(enabled="true"), "benchmarking")
    shutil.copy(REPO_CONFIG / "naming.yaml", root / "config" / "naming.yaml")
    return root


@pytest.fixture
def tracker(project: Path) -> MLflowBenchmarkTracker:
    return MLflowBenchmarkTracker("bench-exp")


@pytest.fixture
def context() -> NamingContext:
    return NamingContext("benchmarking", "bert", "local", trial_id="trial_1", study_key_hash=STUDY)


def start(tracker: MLflowBenchmarkTracker, project: Path, context: Any, **kwargs: Any) -> Any:
    args: Dict[str, Any] = {
        "run_name": "bench-run",
        "backbone": "bert",
        "context": context,
        "output_dir": project / "outputs" / "benchmarking",
    }
    args.update(kwargs)
    return tracker.start_benchmark_run(**args)


def runs_in_experiment() -> list[Any]:
    experiment = MlflowClient().get_experiment_by_name("bench-exp")
    return list(MlflowClient().search_runs([experiment.experiment_id]))


@pytest.mark.parametrize(
    ("value", "valid"),
    [
        (HEX_ID, True),
        (DASHED_ID, True),
        (HEX_ID.upper(), True),
        ("trial_1", False),
        ("", False),
        (None, False),
        (HEX_ID[:-1], False),
    ],
)
def test_run_id_validation_accepts_mlflow_and_uuid_ids(value: Any, valid: bool) -> None:
    assert is_valid_run_id(value) is valid


def test_lineage_priority_is_trial_refit_sweep() -> None:
    assert build_lineage_tags(None, REFIT_ID, HEX_ID) == {
        "code.lineage.hpo_refit_run_id": REFIT_ID,
        "code.lineage.hpo_sweep_run_id": HEX_ID,
        "code.lineage.parent_training_run_id": REFIT_ID,
        "code.lineage.parent_kind": "hpo_refit",
    }


def test_invalid_lineage_ids_are_dropped() -> None:
    assert build_lineage_tags("not-an-id", None, DASHED_ID) == {
        "code.lineage.hpo_sweep_run_id": DASHED_ID,
        "code.lineage.parent_training_run_id": DASHED_ID,
        "code.lineage.parent_kind": "hpo_sweep",
    }
    assert build_lineage_tags("bad", None, None) == {}


def test_benchmark_run_tags(tracker: MLflowBenchmarkTracker, project: Path, context: NamingContext) -> None:
    with start(
        tracker,
        project,
        context,
        parent_run_id=REFIT_ID,
        study_key_hash=STUDY,
        trial_key_hash=TRIAL,
        hpo_trial_run_id=HEX_ID,
        hpo_refit_run_id=REFIT_ID,
        benchmark_key="bk-1",
        benchmark_source="hpo_refit",
    ) as run:
        assert run is not None
    result = stored(run)
    tags = result.data.tags
    assert result.info.run_name == "bench-run"
    assert result.info.status == "FINISHED"
    assert tags["code.run_key_hash"] == hashlib.sha256(b"benchmark:bert:trial_1").hexdigest()
    assert tags["code.stage"] == "benchmarking"
    assert tags["code.trial_id"] == "trial_1"
    assert tags["code.parent_run_id"] == REFIT_ID
    assert (tags["code.study_key_hash"], tags["code.trial_key_hash"]) == (STUDY, TRIAL)
    assert tags["code.lineage.hpo_trial_run_id"] == HEX_ID
    assert tags["code.lineage.hpo_refit_run_id"] == REFIT_ID
    assert tags["code.lineage.parent_training_run_id"] == HEX_ID
    assert tags["code.lineage.parent_kind"] == "hpo_trial"
    assert tags["benchmark_source"] == "hpo_refit"
    assert tags["benchmarked_model"] == "bert"
    assert tags["mlflow.runType"] == "benchmark"
    assert tags["mlflow.runName"] == "bench-run"
    assert tags["benchmark_key"] == "bk-1"


def test_no_trial_id_fails_run_and_yields_none(tracker: MLflowBenchmarkTracker, project: Path) -> None:
    context = NamingContext("benchmarking", "bert", "local")
    with start(tracker, project, context) as run:
        assert run is None
    (failed,) = runs_in_experiment()
    assert failed.info.status == "FAILED"


def test_no_context_fails_run_and_yields_none(tracker: MLflowBenchmarkTracker, project: Path) -> None:
    with start(tracker, project, None) as run:
        assert run is None
    assert [r.info.status for r in runs_in_experiment()] == ["FAILED"]


def test_versioned_name_commits_its_reservation(
    tracker: MLflowBenchmarkTracker, project: Path, context: NamingContext
) -> None:
    config_dir = project / "config"
    name = build_mlflow_run_name(context, config_dir=config_dir)
    assert name.endswith("_1")
    with start(tracker, project, context, run_name=name) as run:
        pass
    counter = json.loads(get_run_name_counter_path(project, config_dir).read_text(encoding="utf-8"))
    (entry,) = counter["allocations"]
    assert entry["status"] == "committed"
    assert entry["run_id"] == run.info.run_id
    assert build_mlflow_run_name(context, config_dir=config_dir).endswith("_2")


def test_commit_uses_the_reservation_key_when_storage_env_differs(
    tracker: MLflowBenchmarkTracker, project: Path
) -> None:
    context = NamingContext("benchmarking", "bert", "local", storage_env="drive", trial_id="trial_1")
    config_dir = project / "config"
    name = build_mlflow_run_name(context, config_dir=config_dir)
    with start(tracker, project, context, run_name=name) as run:
        pass
    counter = json.loads(get_run_name_counter_path(project, config_dir).read_text(encoding="utf-8"))
    (entry,) = counter["allocations"]
    assert (entry["status"], entry["run_id"]) == ("committed", run.info.run_id)
    assert entry["counter_key"].endswith(":drive")
    assert build_mlflow_run_name(context, config_dir=config_dir).endswith("_2")


def test_disabled_benchmark_stage(
    tracker: MLflowBenchmarkTracker, project: Path, context: NamingContext
) -> None:
    (project / "config" / "mlflow.yaml").write_text(MLFLOW_YAML.format(enabled="false"), encoding="utf-8")
    with start(tracker, project, context) as run:
        assert run is None
    assert runs_in_experiment() == []


def test_benchmark_results(tracker: MLflowBenchmarkTracker, project: Path, context: NamingContext) -> None:
    results = {
        "batch_results": {
            "1": {
                "mean_ms": 10.0,
                "p50_ms": 9.5,
                "p95_ms": 12.0,
                "p99_ms": 15.0,
                "throughput_samples_per_sec": 100.0,
            },
            "8": {
                "mean_ms": 40.0,
                "p50_ms": 39.0,
                "p95_ms": 45.0,
                "p99_ms": 50.0,
                "throughput_samples_per_sec": 200.0,
            },
        }
    }
    json_path = project / "outputs" / "benchmarking" / "benchmark.json"
    json_path.write_text(json.dumps(results), encoding="utf-8")
    with start(tracker, project, context) as run:
        tracker.log_benchmark_results([1, 8], 100, 10, 128, benchmark_json_path=json_path)
    data = stored(run).data
    assert data.params == {
        "benchmark_batch_sizes": "[1, 8]",
        "benchmark_iterations": "100",
        "benchmark_warmup_iterations": "10",
        "benchmark_max_length": "128",
        "benchmark_device": "auto",
    }
    assert data.metrics == {
        "latency_batch_1_ms": 10.0,
        "latency_batch_1_p50_ms": 9.5,
        "latency_batch_1_p95_ms": 12.0,
        "latency_batch_1_p99_ms": 15.0,
        "latency_batch_8_ms": 40.0,
        "latency_batch_8_p50_ms": 39.0,
        "latency_batch_8_p95_ms": 45.0,
        "latency_batch_8_p99_ms": 50.0,
        "throughput_samples_per_sec": 200.0,
    }
    artifacts = MlflowClient().list_artifacts(run.info.run_id, "benchmark_results.json")
    assert [a.path for a in artifacts] == ["benchmark_results.json/benchmark.json"]


def test_benchmark_results_from_data_with_device(
    tracker: MLflowBenchmarkTracker, project: Path, context: NamingContext
) -> None:
    data = {"batch_results": {"4": {"mean_ms": 5.0}}}
    with start(tracker, project, context) as run:
        tracker.log_benchmark_results([4], 10, 1, 64, device="cuda", benchmark_data=data)
    stored_data = stored(run).data
    assert stored_data.params["benchmark_device"] == "cuda"
    assert stored_data.metrics == {"latency_batch_4_ms": 5.0}
    assert MlflowClient().list_artifacts(run.info.run_id) == []
