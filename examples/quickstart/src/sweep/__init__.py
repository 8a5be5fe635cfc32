"""A tiny hyper-parameter sweep on MLflow: one parent run, one nested child run per trial."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import mlflow
from mlflow.exceptions import MlflowException

#: An objective takes a trial's parameters and yields its loss after each training step.
Objective = Callable[[Mapping[str, Any]], Iterator[float]]


@dataclass
class SweepResult:
    """What a sweep did: the parent run, each finished trial's final loss, the trials it lost."""

    parent_run_id: str
    losses: dict[str, float] = field(default_factory=dict)
    failed: list[str] = field(default_factory=list)

    @property
    def best(self) -> str | None:
        return min(self.losses, key=self.losses.__getitem__) if self.losses else None


def grid(space: Mapping[str, Sequence[Any]]) -> list[dict[str, Any]]:
    """Every combination of the values in ``space``, in a stable order."""
    keys = sorted(space)
    return [dict(zip(keys, values, strict=True)) for values in itertools.product(*(space[k] for k in keys))]


def trial_name(params: Mapping[str, Any]) -> str:
    return ",".join(f"{key}={params[key]}" for key in sorted(params))


def run_sweep(experiment: str, trials: Sequence[Mapping[str, Any]], objective: Objective) -> SweepResult:
    """Run every trial as a nested child of one sweep run; a trial that fails does not stop the sweep.

    Children log their parameters and the loss at each step; the parent gets the trial count, the
    best trial as tags, and a ``summary.json`` artifact.
    """
    mlflow.set_experiment(experiment)
    with mlflow.start_run(run_name="sweep") as parent:
        mlflow.set_tag("sweep.trials", str(len(trials)))
        result = SweepResult(parent.info.run_id)
        for params in trials:
            name = trial_name(params)
            try:
                result.losses[name] = _run_trial(name, params, objective)
            except (MlflowException, ValueError):
                result.failed.append(name)
        best = result.best
        if best is not None:
            mlflow.set_tag("sweep.best_trial", best)
            mlflow.log_metric("best_loss", result.losses[best])
        if result.failed:
            mlflow.set_tag("sweep.failed_trials", ";".join(result.failed))
        mlflow.log_dict({"losses": result.losses, "failed": result.failed}, "summary.json")
    return result


def _run_trial(name: str, params: Mapping[str, Any], objective: Objective) -> float:
    with mlflow.start_run(run_name=name, nested=True):
        mlflow.log_params(dict(params))
        loss = float("nan")
        for step, loss in enumerate(objective(params)):
            mlflow.log_metric("loss", loss, step=step)
        mlflow.set_tag("trial.status", "done")
        return loss
