"""The NER training pipeline's MLflow footprint, end to end, through the legacy layer's public API.

``run_pipeline`` replays the call patterns of legacy-core §9.3 with fixed names, hyperparameters
and metric values (no training happens):

1. HPO: a sweep parent run (sweep tracker); 3 trials as children of the sweep and 2 folds as
   children of each trial, each created with ``create_training_mlflow_run(create_as_child=True)``
   (the training child-run policy of ``runs``) and then resumed with
   a fluent ``start_run(run_id)`` (nested), logging a metric and ending FINISHED.
2. Selection: the best trial by metric among the sweep's finished children (queries), the
   study summary on the sweep (``log_final_metrics``).
3. Refit: ``create_training_mlflow_run`` with ``parent_run_id``; the caller supplies the parent
   tag, the run name and ``azureml.runType=refit``.
4. Final training: ``create_training_mlflow_run`` with root/config dir and context (local index),
   tags from ``build_mlflow_tags`` + ``add_training_tags_with_lineage`` with the lineage of
   ``extract_lineage_from_best_model``.
5. Benchmark and conversion runs (their trackers), linked back to the final training run.

Every run ends FINISHED. The same inputs always leave the same runs, tags, params and metrics.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from statistics import fmean
from typing import Any

import mlflow
import yaml
from mlflow.tracking import MlflowClient

from infrastructure.naming.context import NamingContext
from infrastructure.naming.mlflow.run_keys import build_mlflow_run_key, build_mlflow_run_key_hash
from infrastructure.naming.mlflow.tags import build_mlflow_tags
from infrastructure.naming.platform import detect_platform
from infrastructure.tracking.mlflow.hash_utils import (
    compute_trial_key_hash_from_configs,
    get_study_key_hash_from_run,
)
from infrastructure.tracking.mlflow.queries import find_best_run_by_metric, query_runs_by_tags
from infrastructure.tracking.mlflow.setup import setup_mlflow
from infrastructure.tracking.mlflow.trackers.benchmark_tracker import MLflowBenchmarkTracker
from infrastructure.tracking.mlflow.trackers.conversion_tracker import MLflowConversionTracker
from infrastructure.tracking.mlflow.trackers.sweep_tracker import MLflowSweepTracker
from infrastructure.tracking.mlflow.trackers.training_tracker import MLflowTrainingTracker
from training.execution.lineage import extract_lineage_from_best_model
from training.execution.mlflow_setup import create_training_mlflow_run
from training.execution.run_names import build_training_run_name_with_fallback
from training.execution.tag_helpers import add_training_tags_with_lineage

__all__ = ["PipelineError", "run_pipeline"]

logger = logging.getLogger(__name__)

MODEL = "distilbert"
OBJECTIVE = "macro-f1"
STUDY_NAME = "ner-study"
EXPERIMENTS = {
    "hpo": "ner-hpo",
    "final_training": "ner-final-training",
    "benchmark": "ner-benchmark",
    "conversion": "ner-conversion",
}
DATA_CONFIG: dict[str, Any] = {"name": "resume-ner", "version": "v1", "local_path": "data/resume-ner"}
HPO_CONFIG: dict[str, Any] = {
    "objective": {"metric": OBJECTIVE, "goal": "maximize"},
    "sampling": {"algorithm": "grid", "max_trials": 3},
    "search_space": {"learning_rate": [2e-5, 3e-5, 5e-5], "batch_size": [16, 32], "dropout": [0.1, 0.2]},
    "k_fold": {"n_splits": 2},
    "refit": {"enabled": True},
    "mlflow": {"log_best_checkpoint": False},
}
TRAIN_CONFIG: dict[str, Any] = {"training": {"epochs": 3, "weight_decay": 0.01}}
#: Hyperparameters per trial number.
TRIALS: tuple[dict[str, Any], ...] = (
    {"learning_rate": 2e-5, "batch_size": 16, "dropout": 0.1},
    {"learning_rate": 3e-5, "batch_size": 16, "dropout": 0.2},
    {"learning_rate": 5e-5, "batch_size": 32, "dropout": 0.1},
)
#: Objective per trial and fold (binary fractions, so means are exact); trial 1 is the best.
FOLD_SCORES: tuple[tuple[float, ...], ...] = ((0.6875, 0.71875), (0.8125, 0.78125), (0.75, 0.765625))
REFIT_SCORE = 0.8046875
FINAL_METRICS = {OBJECTIVE: 0.81640625, "loss": 0.25}
FINAL_ENTITY_METRICS = {"SKILL": {"f1": 0.875}, "ORG": {"f1": 0.75}}
SPEC_FP = "spec5a1e0c2f9d"
EXEC_FP = "exec7b3d9e4102"
FINGERPRINTS: dict[str, Any] = {"spec_fp": SPEC_FP, "exec_fp": EXEC_FP, "variant": 1}
CONVERSION_FINGERPRINT = "conv0e1f2a3b"
BENCHMARK_DATA: dict[str, Any] = {
    "batch_results": {
        "1": {
            "mean_ms": 4.5,
            "p50_ms": 4.25,
            "p95_ms": 6.0,
            "p99_ms": 7.5,
            "throughput_samples_per_sec": 222.0,
        },
        "8": {
            "mean_ms": 20.0,
            "p50_ms": 19.5,
            "p95_ms": 24.0,
            "p99_ms": 30.0,
            "throughput_samples_per_sec": 400.0,
        },
    }
}
#: The project's mlflow.yaml: auto-increment off, so run names carry no ``_N`` counter suffix.
MLFLOW_YAML: dict[str, Any] = {
    "naming": {"project_name": "resume-ner", "run_name": {"auto_increment": {"enabled": False}}},
    "index": {"enabled": True},
    "tracking": {
        "training": {"enabled": True},
        "benchmark": {"enabled": True, "log_artifacts": False},
        "conversion": {"enabled": True, "log_onnx_model": False, "log_conversion_log": False},
    },
}
#: The project's naming.yaml (the shipped patterns this pipeline uses).
NAMING_YAML: dict[str, Any] = {
    "schema_version": 1,
    "patterns": {
        "hpo_trial": "{env}_{model}_hpo_trial_study-{study_hash}_t{trial_number}",
        "hpo_trial_fold": "{env}_{model}_hpo_trial_study-{study_hash}_t{trial_number}_fold{fold_idx}",
        "final_training": "{env}_{model}_final_training_spec-{spec_hash}_exec-{exec_hash}_v{variant}",
    },
    "normalize": {"replace_with_underscore": ["/", "-", " "]},
    "hash_length": 8,
}


class PipelineError(RuntimeError):
    """A stage could not be tracked (for example its tracker yielded no run)."""


@dataclass
class _Trial:
    """An optuna-like finished trial, as ``log_final_metrics`` reads it."""

    number: int
    value: float
    params: dict[str, Any]
    state: str = "COMPLETE"


@dataclass
class _Study:
    """An optuna-like study: its trials and the best one."""

    trials: list[_Trial]
    best_trial: _Trial


@dataclass
class _State:
    """What the stages share: paths, URI, client, platform and every run created, in order."""

    root: Path
    config_dir: Path
    tracking_uri: str
    client: Any
    env: str
    trials: Sequence[dict[str, Any]] = TRIALS
    fold_scores: Sequence[Sequence[float]] = FOLD_SCORES
    creation_order: list[str] = field(default_factory=list)

    def created(self, run_id: str) -> str:
        self.creation_order.append(run_id)
        return run_id


def run_pipeline(
    root: Path,
    *,
    tracking_uri: str | None = None,
    trials: Sequence[dict[str, Any]] = TRIALS,
    fold_scores: Sequence[Sequence[float]] = FOLD_SCORES,
) -> dict[str, Any]:
    """Run the whole pipeline against ``tracking_uri`` (default: the current tracking URI).

    ``trials`` (hyperparameters per trial) and ``fold_scores`` (objective per trial and fold)
    size the sweep; the defaults are the 3 x 2 demo sweep, a benchmark passes a bigger one.

    ``root`` receives the project folder: ``config/`` (mlflow.yaml, naming.yaml) and
    ``outputs/`` (the local run index). Sets the global tracking URI. Returns a JSON-able
    summary: run ids and names per stage, the trial metrics, the lineage and
    ``creation_order`` (every run id in creation order).
    """
    uri = tracking_uri or str(mlflow.get_tracking_uri())
    ctx = _State(
        root=root,
        config_dir=_write_project_config(root),
        tracking_uri=uri,
        client=MlflowClient(tracking_uri=uri),
        env=detect_platform(),
        trials=trials,
        fold_scores=fold_scores,
    )
    hpo = _run_hpo(ctx)
    final = _run_final_training(ctx, hpo)
    benchmark = _run_benchmark(ctx, hpo, final)
    conversion = _run_conversion(ctx, final)
    return {
        "tracking_uri": uri,
        "experiments": dict(EXPERIMENTS),
        **hpo,
        "final_training": final,
        "benchmark": benchmark,
        "conversion": conversion,
        "creation_order": list(ctx.creation_order),
    }


def _write_project_config(root: Path) -> Path:
    config_dir = root / "config"
    config_dir.mkdir(parents=True, exist_ok=True)
    for name, content in (("mlflow.yaml", MLFLOW_YAML), ("naming.yaml", NAMING_YAML)):
        (config_dir / name).write_text(yaml.safe_dump(content, sort_keys=False), encoding="utf-8")
    return config_dir


# -- 1-3: HPO sweep, trials, folds, selection, refit -----------------------------------------------
def _run_hpo(ctx: _State) -> dict[str, Any]:
    setup_mlflow(EXPERIMENTS["hpo"], tracking_uri=ctx.tracking_uri)
    tracker = MLflowSweepTracker(EXPERIMENTS["hpo"])
    context = NamingContext("hpo", MODEL, ctx.env, stage="hpo_sweep", study_name=STUDY_NAME)
    with tracker.start_sweep_run(
        run_name=f"{ctx.env}_{MODEL}_hpo_{STUDY_NAME}",
        hpo_config=HPO_CONFIG,
        backbone=MODEL,
        study_name=STUDY_NAME,
        context=context,
        output_dir=ctx.root / "outputs" / "hpo",
        data_config=DATA_CONFIG,
        train_config=TRAIN_CONFIG,
    ) as sweep_run:
        if sweep_run is None:
            raise PipelineError("the sweep tracker yielded no run (stage disabled or setup failed)")
        sweep_id = ctx.created(sweep_run.info.run_id)
        study_key_hash = get_study_key_hash_from_run(sweep_id, ctx.client)
        if not study_key_hash:
            raise PipelineError(f"sweep run {sweep_id} has no study key hash")
        trials = [_run_trial(ctx, number, sweep_id, study_key_hash) for number in range(len(ctx.trials))]
        best = _select_best_trial(ctx, sweep_id, trials)
        refit = _run_refit(ctx, sweep_id, study_key_hash, best)
        study = _Study(
            trials=[_Trial(t["number"], t[OBJECTIVE], t["params"]) for t in trials],
            best_trial=_Trial(best["number"], best[OBJECTIVE], best["params"]),
        )
        tracker.log_final_metrics(
            study,
            OBJECTIVE,
            parent_run_id=sweep_id,
            hpo_config=HPO_CONFIG,
            upload_checkpoint=False,
            config_dir=ctx.config_dir,
        )
    sweep = {"run_id": sweep_id, "name": sweep_run.info.run_name, "study_key_hash": study_key_hash}
    best_trial = {"number": best["number"], "run_id": best["run_id"], OBJECTIVE: best[OBJECTIVE]}
    return {"sweep": sweep, "trials": trials, "best_trial": best_trial, "refit": refit}


def _trial_tags(ctx: _State, number: int, study_key_hash: str, trial_key_hash: str | None) -> dict[str, str]:
    context = NamingContext(
        "hpo", MODEL, ctx.env, trial_id=f"trial_{number}", trial_number=number, study_key_hash=study_key_hash
    )
    return build_mlflow_tags(
        context=context,
        config_dir=ctx.config_dir,
        study_key_hash=study_key_hash,
        trial_key_hash=trial_key_hash,
        run_key_hash=build_mlflow_run_key_hash(build_mlflow_run_key(context)),
    )


def _run_trial(ctx: _State, number: int, sweep_id: str, study_key_hash: str) -> dict[str, Any]:
    """A trial child of the sweep (training child run + nested fluent resume) with one child run per fold."""
    params = dict(ctx.trials[number])
    trial_key_hash = compute_trial_key_hash_from_configs(study_key_hash, params)
    tags = _trial_tags(ctx, number, study_key_hash, trial_key_hash)
    name = build_training_run_name_with_fallback(
        "hpo_trial",
        model=MODEL,
        trial_number=number,
        study_key_hash=study_key_hash,
        config_dir=ctx.config_dir,
    )
    trial_id, _ = create_training_mlflow_run(
        EXPERIMENTS["hpo"],
        name,
        tags=tags,
        parent_run_id=sweep_id,
        tracking_uri=ctx.tracking_uri,
        trial_number=number,
        create_as_child=True,
    )
    ctx.created(trial_id)
    with mlflow.start_run(run_id=trial_id, nested=True):
        mlflow.log_params(params)
        folds = [
            _run_fold(ctx, number, fold_idx, trial_id, study_key_hash, tags)
            for fold_idx in range(len(ctx.fold_scores[number]))
        ]
        value = fmean(fold[OBJECTIVE] for fold in folds)
        mlflow.log_metric(OBJECTIVE, value)
    return {
        "number": number,
        "run_id": trial_id,
        "name": name,
        "params": params,
        "trial_key_hash": trial_key_hash,
        OBJECTIVE: value,
        "folds": folds,
    }


def _run_fold(
    ctx: _State, number: int, fold_idx: int, trial_id: str, study_key_hash: str, trial_tags: dict[str, str]
) -> dict[str, Any]:
    """A fold child of its trial (training child run with fold_idx, nested fluent resume) + its score."""
    name = build_training_run_name_with_fallback(
        "hpo_trial_fold",
        model=MODEL,
        trial_number=number,
        fold_idx=fold_idx,
        study_key_hash=study_key_hash,
        config_dir=ctx.config_dir,
    )
    fold_id, _ = create_training_mlflow_run(
        EXPERIMENTS["hpo"],
        name,
        tags=dict(trial_tags),
        parent_run_id=trial_id,
        tracking_uri=ctx.tracking_uri,
        trial_number=number,
        fold_idx=fold_idx,
        create_as_child=True,
    )
    ctx.created(fold_id)
    score = ctx.fold_scores[number][fold_idx]
    with mlflow.start_run(run_id=fold_id, nested=True):
        mlflow.log_metric(OBJECTIVE, score)
    return {"fold_idx": fold_idx, "run_id": fold_id, "name": name, OBJECTIVE: score}


def _select_best_trial(ctx: _State, sweep_id: str, trials: list[dict[str, Any]]) -> dict[str, Any]:
    """The sweep's finished trial children (not folds) with the highest objective."""
    experiment_id = ctx.client.get_run(sweep_id).info.experiment_id
    children = query_runs_by_tags(
        ctx.client,
        [experiment_id],
        {"mlflow.parentRunId": sweep_id, "azureml.runType": "trial"},
    )
    best_run = find_best_run_by_metric(children, OBJECTIVE, maximize=True)
    if best_run is None:
        raise PipelineError(f"no finished trial of sweep {sweep_id} has metric {OBJECTIVE}")
    by_id = {trial["run_id"]: trial for trial in trials}
    return by_id[best_run.info.run_id]


def _run_refit(ctx: _State, sweep_id: str, study_key_hash: str, best: dict[str, Any]) -> dict[str, Any]:
    """Refit of the best trial's hyperparameters as a child of the sweep (CTM with parent_run_id)."""
    context = NamingContext("hpo_refit", MODEL, ctx.env, trial_id=f"trial_{best['number']}")
    tags = build_mlflow_tags(
        context=context,
        parent_run_id=sweep_id,
        config_dir=ctx.config_dir,
        study_key_hash=study_key_hash,
        trial_key_hash=best["trial_key_hash"],
        run_key_hash=build_mlflow_run_key_hash(build_mlflow_run_key(context)),
    )
    tags.update(
        {
            "mlflow.parentRunId": sweep_id,
            "azureml.runType": "refit",
            "code.lineage.hpo_sweep_run_id": sweep_id,
            "code.lineage.hpo_trial_run_id": best["run_id"],
        }
    )
    name = f"{best['name']}_refit"
    refit_id, _ = create_training_mlflow_run(
        EXPERIMENTS["hpo"], name, tags=tags, parent_run_id=sweep_id, tracking_uri=ctx.tracking_uri
    )
    ctx.created(refit_id)
    with mlflow.start_run(run_id=refit_id, nested=True):
        mlflow.log_params(best["params"])
        mlflow.log_metric(OBJECTIVE, REFIT_SCORE)
    return {"run_id": refit_id, "name": name, OBJECTIVE: REFIT_SCORE}


# -- 4: final training -----------------------------------------------------------------------------
def _run_final_training(ctx: _State, hpo: dict[str, Any]) -> dict[str, Any]:
    """Final training with lineage back to the refit, trial and sweep (CTM with the local index)."""
    setup_mlflow(EXPERIMENTS["final_training"], tracking_uri=ctx.tracking_uri)
    context = NamingContext("final_training", MODEL, ctx.env, spec_fp=SPEC_FP, exec_fp=EXEC_FP)
    output_dir = ctx.root / "outputs" / "final_training"
    name = build_training_run_name_with_fallback(
        "final_training",
        config={"fingerprints": dict(FINGERPRINTS)},
        backbone=MODEL,
        config_dir=ctx.config_dir,
    )
    refit_run = ctx.client.get_run(hpo["refit"]["run_id"])
    best_model = {
        "run_id": refit_run.info.run_id,
        "trial_run_id": hpo["best_trial"]["run_id"],
        "tags": dict(refit_run.data.tags),
    }
    lineage = extract_lineage_from_best_model(best_model)
    run_key_hash = build_mlflow_run_key_hash(build_mlflow_run_key(context))
    tags = build_mlflow_tags(
        context=context, output_dir=output_dir, config_dir=ctx.config_dir, run_key_hash=run_key_hash
    )
    add_training_tags_with_lineage(tags, lineage, run_name=name, config_dir=ctx.config_dir)
    run_id, _ = create_training_mlflow_run(
        EXPERIMENTS["final_training"],
        name,
        tags=tags,
        root_dir=ctx.root,
        config_dir=ctx.config_dir,
        context=context,
        tracking_uri=ctx.tracking_uri,
    )
    ctx.created(run_id)
    tracker = MLflowTrainingTracker(EXPERIMENTS["final_training"])
    with mlflow.start_run(run_id=run_id):
        config = {
            "training": {**TRAIN_CONFIG["training"], **hpo["trials"][hpo["best_trial"]["number"]]["params"]},
            "model": {"backbone": MODEL},
        }
        tracker.log_training_parameters(config, data_config=DATA_CONFIG, data_strategy="full", random_seed=42)
        tracker.log_training_metrics(FINAL_METRICS, per_entity_metrics=FINAL_ENTITY_METRICS)
    return {"run_id": run_id, "name": name, "run_key_hash": run_key_hash, "lineage": lineage}


# -- 5: benchmark and conversion -------------------------------------------------------------------
def _run_benchmark(ctx: _State, hpo: dict[str, Any], final: dict[str, Any]) -> dict[str, Any] | None:
    tracker = MLflowBenchmarkTracker(EXPERIMENTS["benchmark"])
    context = NamingContext("benchmarking", MODEL, ctx.env, trial_id=f"trial_{hpo['best_trial']['number']}")
    with tracker.start_benchmark_run(
        run_name=f"{ctx.env}_{MODEL}_benchmark_cpu",
        backbone=MODEL,
        benchmark_source="final_training",
        context=context,
        output_dir=ctx.root / "outputs" / "benchmark",
        parent_run_id=final["run_id"],
        study_key_hash=hpo["sweep"]["study_key_hash"],
        trial_key_hash=hpo["trials"][hpo["best_trial"]["number"]]["trial_key_hash"],
        hpo_trial_run_id=hpo["best_trial"]["run_id"],
        hpo_refit_run_id=hpo["refit"]["run_id"],
        hpo_sweep_run_id=hpo["sweep"]["run_id"],
        benchmark_key="cpu-bs1-8",
    ) as run:
        if run is None:
            logger.warning("Benchmark tracking yielded no run; stage not recorded")
            return None
        ctx.created(run.info.run_id)
        tracker.log_benchmark_results(
            [1, 8],
            iterations=50,
            warmup_iterations=5,
            max_length=128,
            device="cpu",
            benchmark_data=BENCHMARK_DATA,
        )
    return {"run_id": run.info.run_id, "name": run.info.run_name}


def _run_conversion(ctx: _State, final: dict[str, Any]) -> dict[str, Any] | None:
    tracker = MLflowConversionTracker(EXPERIMENTS["conversion"])
    context = NamingContext(
        "conversion",
        MODEL,
        ctx.env,
        parent_training_id=final["run_key_hash"][:12],
        conv_fp=CONVERSION_FINGERPRINT,
    )
    with tracker.start_conversion_run(
        f"{ctx.env}_{MODEL}_onnx",
        "onnx",
        source_training_run=final["run_id"],
        context=context,
        output_dir=ctx.root / "outputs" / "conversion",
    ) as run:
        if run is None:
            logger.warning("Conversion tracking yielded no run; stage not recorded")
            return None
        ctx.created(run.info.run_id)
        tracker.log_conversion_parameters(
            "outputs/final_training/checkpoint",
            "onnx",
            quantization="dynamic-int8",
            opset_version=17,
            backbone=MODEL,
        )
        tracker.log_conversion_results(True, smoke_test_passed=True)
    return {"run_id": run.info.run_id, "name": run.info.run_name}
