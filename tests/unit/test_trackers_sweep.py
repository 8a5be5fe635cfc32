"""MLflowSweepTracker (legacy-support §9) in a real file store."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Optional

import mlflow
import pytest
from mlflow.tracking import MlflowClient

from infrastructure.naming.context import NamingContext
from infrastructure.tracking.mlflow.hash_utils import compute_study_family_hash, compute_study_key_hash_v2
from infrastructure.tracking.mlflow.trackers.sweep_tracker import MLflowSweepTracker
from unit._helpers import stored, tracker_project

HPO: Dict[str, Any] = {
    "objective": {"metric": "macro-f1", "goal": "maximize"},
    "sampling": {"max_trials": 4},
    "search_space": {"learning_rate": {"type": "loguniform", "low": 1e-5, "high": 1e-3}},
    "refit": {"enabled": True},
}
DATA: Dict[str, Any] = {"name": "resumes", "version": "v1"}
TRAIN: Dict[str, Any] = {"training": {"epochs": 2}}
STUDY = "5" * 64


@dataclass
class Trial:
    number: int
    value: Optional[float]
    params: Dict[str, Any]
    state: str = "COMPLETE"


@dataclass
class Study:
    """Duck-typed optuna Study: trials, best_trial, set_user_attr."""

    trials: List[Trial]
    user_attrs: Dict[str, Any] = field(default_factory=dict)

    @property
    def best_trial(self) -> Trial:
        return max((t for t in self.trials if t.value is not None), key=lambda t: float(t.value or 0))

    def set_user_attr(self, key: str, value: Any) -> None:
        self.user_attrs[key] = value


STUDY_OBJ = Study(
    [
        Trial(0, 0.71, {"learning_rate": 1e-4}),
        Trial(1, 0.83, {"learning_rate": 3e-5, "dropout": 0.2}),
        Trial(2, None, {"learning_rate": 5e-4}, state="PRUNED"),
    ]
)


@pytest.fixture
def project(local_mlflow: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    return tracker_project(tmp_path, monkeypatch, "naming:\n  project_name: proj\n", "hpo")


@pytest.fixture
def tracker(project: Path) -> MLflowSweepTracker:
    return MLflowSweepTracker("hpo-exp")


@pytest.fixture
def context() -> NamingContext:
    return NamingContext("hpo", "bert", "local", study_key_hash=STUDY)


def start(tracker: MLflowSweepTracker, project: Path, context: Optional[NamingContext], **kwargs: Any) -> Any:
    args: Dict[str, Any] = {
        "run_name": "local_bert_hpo_study-55555555_1",
        "hpo_config": HPO,
        "backbone": "bert",
        "study_name": "hpo_bert",
        "checkpoint_config": {"enabled": True},
        "storage_path": project / "outputs" / "hpo" / "study.db",
        "should_resume": False,
        "context": context,
        "output_dir": project / "outputs" / "hpo",
    }
    args.update(kwargs)
    return tracker.start_sweep_run(**args)


def make_trial_run(parent_id: str, number: int, study_hash: str = STUDY) -> str:
    client = MlflowClient()
    parent = client.get_run(parent_id)
    run = client.create_run(
        experiment_id=parent.info.experiment_id,
        run_name=f"trial_{number}",
        tags={
            "mlflow.parentRunId": parent_id,
            "trial_number": str(number),
            "code.study_key_hash": study_hash,
        },
    )
    return str(run.info.run_id)


def test_sweep_run_tags(tracker: MLflowSweepTracker, project: Path, context: NamingContext) -> None:
    with start(tracker, project, context, group_id="g1", data_config=DATA, train_config=TRAIN) as run:
        assert run is not None
    tags = stored(run).data.tags
    expected_study = compute_study_key_hash_v2(DATA, HPO, TRAIN, "bert")
    assert tags["code.study_key_hash"] == expected_study
    assert tags["code.study_family_hash"] == compute_study_family_hash(DATA, HPO, TRAIN)
    assert tags["code.grouping_schema_version"] == "1"
    assert tags["code.run_key_hash"] == hashlib.sha256(f"hpo:bert:study_{STUDY}".encode()).hexdigest()
    assert tags["code.stage"] == "hpo"
    assert tags["code.group_id"] == "g1"
    assert tags["code.project"] == "proj"
    assert (tags["azureml.runType"], tags["mlflow.runType"], tags["azureml.sweep"]) == (
        "sweep",
        "sweep",
        "true",
    )
    assert stored(run).info.run_name == "local_bert_hpo_study-55555555_1"
    assert stored(run).info.status == "FINISHED"


def test_study_hash_needs_all_configs(
    tracker: MLflowSweepTracker, project: Path, context: NamingContext
) -> None:
    with start(tracker, project, context, data_config=DATA) as run:
        pass
    tags = stored(run).data.tags
    assert "code.study_key_hash" not in tags
    assert "code.study_family_hash" in tags


def test_sweep_params(tracker: MLflowSweepTracker, project: Path, context: NamingContext) -> None:
    with start(tracker, project, context, should_resume=True) as run:
        pass
    assert stored(run).data.params == {
        "primary_metric": "macro-f1",
        "objective_goal": "maximize",
        "backbone": "bert",
        "max_trials": "4",
        "study_name": "hpo_bert",
        "objective_metric": "macro-f1",
        "checkpoint_enabled": "True",
        "checkpoint_path": str(project / "outputs" / "hpo" / "study.db"),
        "checkpoint_storage_type": "sqlite",
        "resumed_from_checkpoint": "True",
    }


def test_missing_config_key_fails_run_and_yields_none(
    tracker: MLflowSweepTracker, project: Path, context: NamingContext
) -> None:
    broken = {"objective": {"metric": "macro-f1", "goal": "maximize"}}
    with start(tracker, project, context, hpo_config=broken) as run:
        assert run is None
    experiment = MlflowClient().get_experiment_by_name("hpo-exp")
    (failed,) = MlflowClient().search_runs([experiment.experiment_id])
    assert failed.info.status == "FAILED"


def test_final_metrics_and_best_trial_link(
    tracker: MLflowSweepTracker, project: Path, context: NamingContext
) -> None:
    with start(tracker, project, context) as run:
        parent_id = run.info.run_id
        mlflow.set_tag("code.study_key_hash", STUDY)
        make_trial_run(parent_id, 0)
        best_child = make_trial_run(parent_id, 1)
        tracker.log_final_metrics(STUDY_OBJ, "macro-f1", parent_id, hpo_config=HPO, upload_checkpoint=False)
    result = stored(run).data
    assert result.metrics == {"n_trials": 3.0, "n_completed_trials": 2.0, "best_macro-f1": 0.83}
    assert result.params["best_learning_rate"] == "3e-05"
    assert result.params["best_dropout"] == "0.2"
    assert result.params["best_trial_run_id"] == best_child
    assert result.tags["best_trial_run_id"] == best_child
    assert result.tags["best_trial_number"] == "1"
    assert result.tags["code.refit_planned"] == "true"


def test_best_trial_must_belong_to_the_parent(
    tracker: MLflowSweepTracker, project: Path, context: NamingContext
) -> None:
    client = MlflowClient()
    experiment_id = client.get_experiment_by_name("hpo-exp").experiment_id
    other_parent = client.create_run(experiment_id=experiment_id).info.run_id
    make_trial_run(other_parent, 1)
    with start(tracker, project, context) as run:
        mlflow.set_tag("code.study_key_hash", STUDY)
        tracker.log_final_metrics(
            STUDY_OBJ,
            "macro-f1",
            run.info.run_id,
            hpo_config={"refit": {"enabled": False}},
            upload_checkpoint=False,
        )
    tags = stored(run).data.tags
    assert "best_trial_run_id" not in tags
    assert "code.refit_planned" not in tags


def test_final_metrics_swallow_errors(
    tracker: MLflowSweepTracker, project: Path, context: NamingContext
) -> None:
    with start(tracker, project, context) as run:
        tracker.log_final_metrics(object(), "macro-f1", run.info.run_id)
    assert stored(run).info.status == "FINISHED"
    assert stored(run).data.metrics == {}


def test_final_metrics_upload_best_checkpoint_from_trial_dir(
    tracker: MLflowSweepTracker, project: Path, context: NamingContext
) -> None:
    hpo_dir = project / "outputs" / "hpo"
    checkpoint = hpo_dir / "bert" / "trial_1" / "checkpoint"
    checkpoint.mkdir(parents=True)
    (checkpoint / "model.bin").write_bytes(b"best")
    with start(tracker, project, context) as run:
        tracker.log_final_metrics(
            STUDY_OBJ, "macro-f1", run.info.run_id, hpo_output_dir=hpo_dir, backbone="bert", hpo_config=HPO
        )
    paths = sorted(a.path for a in MlflowClient().list_artifacts(run.info.run_id))
    assert paths == ["best_trial_checkpoint.tar.gz", "best_trial_checkpoint_manifest.json"]


def test_final_metrics_skip_checkpoint_when_config_says_so(
    tracker: MLflowSweepTracker, project: Path, context: NamingContext
) -> None:
    hpo_dir = project / "outputs" / "hpo"
    (hpo_dir / "bert" / "trial_1" / "checkpoint").mkdir(parents=True)
    (hpo_dir / "bert" / "trial_1" / "checkpoint" / "model.bin").write_bytes(b"best")
    config = {**HPO, "mlflow": {"log_best_checkpoint": False}}
    with start(tracker, project, context) as run:
        tracker.log_final_metrics(
            STUDY_OBJ, "macro-f1", run.info.run_id, hpo_output_dir=hpo_dir, backbone="bert", hpo_config=config
        )
    assert MlflowClient().list_artifacts(run.info.run_id) == []


def test_best_checkpoint_to_refit_run(tmp_path: Path, tracker: MLflowSweepTracker, project: Path) -> None:
    client = MlflowClient()
    experiment_id = client.get_experiment_by_name("hpo-exp").experiment_id
    parent = client.create_run(experiment_id=experiment_id).info.run_id
    refit = client.create_run(experiment_id=experiment_id).info.run_id
    checkpoint = tmp_path / "refit_ckpt"
    checkpoint.mkdir()
    (checkpoint / "model.bin").write_bytes(b"refit")
    study = Study(list(STUDY_OBJ.trials))
    tracker.log_best_checkpoint(
        study,
        tmp_path,
        "bert",
        prefer_checkpoint_dir=checkpoint,
        refit_ok=True,
        parent_run_id=parent,
        refit_run_id=refit,
    )
    assert sorted(a.path for a in client.list_artifacts(refit)) == [
        "best_trial_checkpoint.tar.gz",
        "best_trial_checkpoint_manifest.json",
    ]
    assert client.get_run(refit).data.tags["code.artifact.available"] == "true"
    assert client.get_run(refit).data.tags["code.refit_completed"] == "true"
    assert client.get_run(parent).data.tags["code.artifact.available"] == "true"
    assert study.user_attrs == {"best_checkpoint_run_id": refit, "best_checkpoint_uploaded": True}


def test_best_checkpoint_missing_dir_still_sets_study_attrs(
    tmp_path: Path, tracker: MLflowSweepTracker, project: Path
) -> None:
    client = MlflowClient()
    parent = client.create_run(
        experiment_id=client.get_experiment_by_name("hpo-exp").experiment_id
    ).info.run_id
    study = Study(list(STUDY_OBJ.trials))
    tracker.log_best_checkpoint(
        study,
        tmp_path,
        "bert",
        prefer_checkpoint_dir=tmp_path / "missing",
        refit_ok=False,
        parent_run_id=parent,
    )
    tags = client.get_run(parent).data.tags
    assert tags["code.refit_completed"] == "false"
    assert "code.artifact.available" not in tags
    assert study.user_attrs["best_checkpoint_uploaded"] is False


def test_best_checkpoint_without_target_raises(tmp_path: Path, tracker: MLflowSweepTracker) -> None:
    with pytest.raises(ValueError, match="No MLflow run"):
        tracker.log_best_checkpoint(STUDY_OBJ, tmp_path, "bert")


def test_disabled_sweep_stage(tracker: MLflowSweepTracker, project: Path, context: NamingContext) -> None:
    (project / "config" / "mlflow.yaml").write_text(
        "tracking:\n  hpo:\n    enabled: false\n", encoding="utf-8"
    )
    with start(tracker, project, context) as run:
        assert run is None
    experiment = MlflowClient().get_experiment_by_name("hpo-exp")
    assert MlflowClient().search_runs([experiment.experiment_id]) == []
