"""MLflow tracker for HPO sweeps (the parent run of a study; trials are created by the training layer)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Dict, List, Mapping, Optional

import mlflow
from mlflow.entities import Param, RunTag
from mlflow.tracking import MlflowClient

from infrastructure.naming.context import NamingContext
from infrastructure.naming.mlflow.run_keys import build_mlflow_run_key, build_mlflow_run_key_hash
from infrastructure.naming.mlflow.tags import build_mlflow_tags
from infrastructure.tracking.mlflow.filters import NEWEST_FIRST, tags_filter
from infrastructure.tracking.mlflow.hash_utils import (
    compute_study_family_hash,
    compute_study_key_hash_v2,
    get_study_key_hash_from_run,
)
from infrastructure.tracking.mlflow.masked_logging import get_logger
from infrastructure.tracking.mlflow.trackers.base import (
    BaseTracker,
    log_metrics_batched,
    tracked_run,
    upload_directory_archive,
)
from infrastructure.tracking.mlflow.utils import get_mlflow_run_id, infer_config_dir_from_path

logger = get_logger(__name__)

STAGE = "hpo"
BEST_TRIAL_SEARCH_LIMIT = 100
BEST_CHECKPOINT_ARCHIVE = "best_trial_checkpoint.tar.gz"
BEST_CHECKPOINT_MANIFEST = "best_trial_checkpoint_manifest.json"


def _active_or_new_run_id() -> str:
    """The active run's id; with none active, a run is started (as ``mlflow.log_param`` would)."""
    active = mlflow.active_run() or mlflow.start_run()
    return str(active.info.run_id)


def _is_complete(trial: Any) -> bool:
    state = getattr(trial, "state", None)
    return str(getattr(state, "name", state)).upper().endswith("COMPLETE")


def _sweep_params(
    hpo_config: Mapping[str, Any],
    backbone: str,
    study_name: Optional[str],
    checkpoint_config: Optional[Mapping[str, Any]],
    storage_path: Optional[Any],
    should_resume: bool,
) -> Dict[str, Any]:
    """Sweep params; a missing objective.metric/objective.goal/sampling.max_trials raises KeyError."""
    objective = hpo_config["objective"]
    checkpoint = checkpoint_config or {}
    checkpoint_enabled = bool(checkpoint.get("enabled", False))
    return {
        "primary_metric": objective["metric"],
        "objective_goal": objective["goal"],
        "backbone": backbone,
        "max_trials": hpo_config["sampling"]["max_trials"],
        "study_name": study_name,
        "objective_metric": objective["metric"],
        "checkpoint_enabled": checkpoint_enabled,
        "checkpoint_path": str(storage_path) if storage_path is not None else None,
        "checkpoint_storage_type": checkpoint.get("storage_type", "sqlite") if checkpoint_enabled else None,
        "resumed_from_checkpoint": bool(should_resume),
    }


def _best_trial_checkpoint_candidates(
    hpo_output_dir: Path, backbone: str, trial_number: int, fold_splits: Optional[List[Any]]
) -> List[Path]:
    trial_dir = f"trial_{trial_number}"
    candidates = [
        hpo_output_dir / backbone / trial_dir / "checkpoint",
        hpo_output_dir / trial_dir / "checkpoint",
    ]
    if fold_splits:
        candidates += [
            hpo_output_dir / backbone / trial_dir / "fold0" / "checkpoint",
            hpo_output_dir / trial_dir / "fold0" / "checkpoint",
        ]
    return candidates


class MLflowSweepTracker(BaseTracker):
    """HPO parent runs: study grouping tags, sweep params, final metrics, best checkpoint."""

    @contextmanager
    def start_sweep_run(
        self,
        run_name: str,
        hpo_config: Mapping[str, Any],
        backbone: str,
        study_name: Optional[str] = None,
        checkpoint_config: Optional[Mapping[str, Any]] = None,
        storage_path: Optional[Any] = None,
        should_resume: bool = False,
        context: Optional[NamingContext] = None,
        output_dir: Optional[Path] = None,
        group_id: Optional[str] = None,
        data_config: Optional[Mapping[str, Any]] = None,
        benchmark_config: Optional[Mapping[str, Any]] = None,
        train_config: Optional[Dict[str, Any]] = None,
    ) -> Iterator[Optional[Any]]:
        """Start the HPO parent run; yields the ActiveRun, or None (disabled, or a missing config key).

        ``benchmark_config`` is accepted for signature compatibility and not used.
        """
        config_dir = infer_config_dir_from_path(output_dir)

        def params() -> Dict[str, Any]:
            return _sweep_params(
                dict(hpo_config), backbone, study_name, checkpoint_config, storage_path, should_resume
            )

        def tags() -> Dict[str, Any]:
            params()  # a missing config key raises before any tag is written (the run ends FAILED)
            hpo = dict(hpo_config)
            study_key_hash = None
            if data_config and train_config and context is not None and context.model:
                study_key_hash = compute_study_key_hash_v2(data_config, hpo, train_config, context.model)
            study_family_hash = None
            if data_config:
                study_family_hash = compute_study_family_hash(data_config, hpo, train_config)
            run_key_hash = (
                build_mlflow_run_key_hash(build_mlflow_run_key(context)) if context is not None else None
            )
            tags = build_mlflow_tags(
                context=context,
                output_dir=output_dir,
                group_id=group_id,
                config_dir=config_dir,
                study_key_hash=study_key_hash,
                study_family_hash=study_family_hash,
                run_key_hash=run_key_hash,
            )
            tags["azureml.runType"] = "sweep"
            tags["mlflow.runType"] = "sweep"
            tags["azureml.sweep"] = "true"
            return tags

        def setup(active_run: Any) -> None:
            mlflow.log_params({key: value for key, value in params().items() if value is not None})

        with tracked_run(run_name, STAGE, config_dir, setup, tags) as run:
            yield run

    def log_final_metrics(
        self,
        study: Any,
        objective_metric: str,
        parent_run_id: str,
        run_name: Optional[str] = None,
        should_resume: bool = False,
        hpo_output_dir: Optional[Path] = None,
        backbone: Optional[str] = None,
        run_id: Optional[str] = None,
        fold_splits: Optional[List[Any]] = None,
        hpo_config: Optional[Mapping[str, Any]] = None,
        child_runs_map: Optional[Mapping[int, str]] = None,
        upload_checkpoint: bool = True,
        output_dir: Optional[Path] = None,
        config_dir: Optional[Path] = None,
    ) -> None:
        """Log study summary metrics, best params, best-trial link and refit plan to the active run.

        Every error is swallowed (logged).
        """
        best: Any = None

        def summary() -> Iterator[tuple[str, float]]:
            nonlocal best
            trials = list(study.trials)
            yield "n_trials", len(trials)
            yield "n_completed_trials", sum(1 for t in trials if _is_complete(t))
            best = study.best_trial
            yield f"best_{objective_metric}", float(best.value)

        try:
            log_metrics_batched(summary())
            if best.params:
                mlflow.log_params({f"best_{key}": value for key, value in best.params.items()})
            self._link_best_trial(parent_run_id, best.number, config_dir)
            hpo = hpo_config or {}
            log_best = bool((hpo.get("mlflow") or {}).get("log_best_checkpoint", True))
            if upload_checkpoint and log_best and hpo_output_dir is not None and backbone:
                self.log_best_checkpoint(
                    study,
                    hpo_output_dir,
                    backbone,
                    run_id=run_id,
                    fold_splits=fold_splits,
                    parent_run_id=parent_run_id,
                )
            if (hpo.get("refit") or {}).get("enabled"):
                mlflow.set_tag("code.refit_planned", "true")
        except Exception as exc:
            logger.warning("Could not log final HPO metrics: %s", exc)

    def _link_best_trial(self, parent_run_id: str, trial_number: int, config_dir: Optional[Path]) -> None:
        """Tag the active run with the child run of the best trial (same study hash and trial number)."""
        client = MlflowClient()
        study_key_hash = get_study_key_hash_from_run(parent_run_id, client, config_dir)
        if not study_key_hash:
            logger.info("Parent run %s has no study key hash; best trial not linked", parent_run_id)
            return
        experiment_id = client.get_run(parent_run_id).info.experiment_id
        filter_string = tags_filter({"code.study_key_hash": study_key_hash, "trial_number": trial_number})
        runs = client.search_runs(
            experiment_ids=[experiment_id],
            filter_string=filter_string,
            max_results=BEST_TRIAL_SEARCH_LIMIT,
            order_by=NEWEST_FIRST,
        )
        for run in runs:
            if run.data.tags.get("mlflow.parentRunId") == parent_run_id:
                best_id = run.info.run_id
                tags = [RunTag("best_trial_run_id", best_id), RunTag("best_trial_number", str(trial_number))]
                client.log_batch(
                    _active_or_new_run_id(), params=[Param("best_trial_run_id", best_id)], tags=tags
                )
                return

    def log_best_checkpoint(
        self,
        study: Any,
        hpo_output_dir: Path,
        backbone: str,
        run_id: Optional[str] = None,
        fold_splits: Optional[List[Any]] = None,
        prefer_checkpoint_dir: Optional[Path] = None,
        refit_ok: Optional[bool] = None,
        parent_run_id: Optional[str] = None,
        refit_run_id: Optional[str] = None,
    ) -> None:
        """Upload the best checkpoint; target run = refit, else parent, else active/env run (else ValueError).

        With ``prefer_checkpoint_dir`` the archive and manifest go to the target run and, on success,
        ``code.artifact.available=true`` is set on target and parent; errors are re-raised. Otherwise
        the best trial's checkpoint directory is searched and uploaded to the active run.
        """
        target = refit_run_id or parent_run_id or get_mlflow_run_id()
        if not target:
            raise ValueError("No MLflow run to attach the best checkpoint to")
        client = MlflowClient()
        if refit_ok is not None:
            client.set_tag(target, "code.refit_completed", "true" if refit_ok else "false")

        if prefer_checkpoint_dir is not None:
            uploaded = upload_directory_archive(
                Path(prefer_checkpoint_dir), BEST_CHECKPOINT_ARCHIVE, BEST_CHECKPOINT_MANIFEST, run_id=target
            )
            if uploaded:
                for tagged in dict.fromkeys(r for r in (target, parent_run_id) if r):
                    client.set_tag(tagged, "code.artifact.available", "true")
            if hasattr(study, "set_user_attr"):
                study.set_user_attr("best_checkpoint_run_id", target)
                study.set_user_attr("best_checkpoint_uploaded", bool(uploaded))
            return

        if mlflow.active_run() is None:
            logger.warning("No active MLflow run; best checkpoint not uploaded")
            return
        best_number = int(study.best_trial.number)
        candidates = _best_trial_checkpoint_candidates(
            Path(hpo_output_dir), backbone, best_number, fold_splits
        )
        for candidate in candidates:
            if candidate.is_dir():
                upload_directory_archive(candidate, BEST_CHECKPOINT_ARCHIVE, BEST_CHECKPOINT_MANIFEST)
                return
        logger.warning("No checkpoint found for best trial %s under %s", best_number, hpo_output_dir)
