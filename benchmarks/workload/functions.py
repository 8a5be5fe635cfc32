"""Probes: one public function of the tracking layer, on its happy path (non-Azure), with the REST
calls of that one call counted (its set-up is not counted).

    python -m benchmarks.workload.functions --probe NAME --uri URI --root DIR --out FILE --expect-src SRC

Each probe runs in a fresh interpreter against an emptied server (``benchmarks/calls_per_function.py``
orchestrates them) and writes ``{"rest_calls": {"METHOD /endpoint": n}, "outcome": "ok" or why
not}`` to ``--out``. The probes
call the functions with the arguments the pipeline demo uses, so the baseline revision and this
checkout run the same calls.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import warnings
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .pipeline import counting_rest_calls

Measure = Callable[[Callable[[], Any]], None]


@dataclass
class Env:
    """What every probe gets: the server URI, a project folder with config, and a counted block."""

    uri: str
    root: Path
    config_dir: Path
    counted: Callable[[], AbstractContextManager[Any]]


class NotHappy(Exception):
    """The function did not take its happy path (its calls are reported, marked as such)."""


def _tags(run_id: str) -> dict[str, str]:
    from mlflow.tracking import MlflowClient

    return dict(MlflowClient().get_run(run_id).data.tags)


def _experiment(name: str) -> str:
    from mlflow.tracking import MlflowClient

    return str(MlflowClient().create_experiment(name))


def _run(experiment_id: str, name: str, tags: dict[str, str] | None = None) -> str:
    from mlflow.tracking import MlflowClient

    return str(MlflowClient().create_run(experiment_id, run_name=name, tags=tags or {}).info.run_id)


def _final_context() -> Any:
    from pipeline_demo import pipeline

    from infrastructure.naming.context import NamingContext
    from infrastructure.naming.platform import detect_platform

    platform = detect_platform()
    return NamingContext(
        "final_training", pipeline.MODEL, platform, spec_fp=pipeline.SPEC_FP, exec_fp=pipeline.EXEC_FP
    )


def probe_create_child_run(env: Env) -> None:
    from infrastructure.tracking.mlflow.runs import create_child_run

    parent = _run(_experiment("hpo"), "sweep")
    with env.counted(), create_child_run(parent, "0", experiment_name="hpo", additional_tags={"k": "v"}):
        pass


def probe_create_training_child_run(env: Env) -> None:
    from training.execution.mlflow_setup import create_training_child_run

    parent = _run(_experiment("hpo"), "sweep")
    with env.counted(), warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        create_training_child_run(
            "hpo", "trial_0", parent, tags={"k": "v"}, trial_number=0, tracking_uri=env.uri
        )


def probe_create_training_mlflow_run_child(env: Env) -> None:
    from training.execution.mlflow_setup import create_training_mlflow_run

    parent = _run(_experiment("hpo"), "sweep")
    with env.counted():
        create_training_mlflow_run(
            "hpo", "trial_0", tags={"k": "v"}, parent_run_id=parent, tracking_uri=env.uri,
            trial_number=0, create_as_child=True,
        )  # fmt: skip


def probe_create_training_mlflow_run_standalone(env: Env) -> None:
    from training.execution.mlflow_setup import create_training_mlflow_run

    _experiment("final")
    with env.counted():
        create_training_mlflow_run("final", "final_run", tags={"k": "v"}, tracking_uri=env.uri)


def probe_create_training_mlflow_run_standalone_indexed(env: Env) -> None:
    from training.execution.mlflow_setup import create_training_mlflow_run

    _experiment("final")
    with env.counted():
        create_training_mlflow_run(
            "final", "final_run", tags={"k": "v"}, root_dir=env.root, config_dir=env.config_dir,
            context=_final_context(), tracking_uri=env.uri,
        )  # fmt: skip


def probe_create_run_safe(env: Env) -> None:
    from infrastructure.tracking.mlflow.runs import create_run_safe

    experiment_id = _experiment("hpo")
    parent = _run(experiment_id, "sweep")
    with env.counted():
        created = create_run_safe(experiment_id, "child", tags={"k": "v"}, parent_run_id=parent)
    if created is None:
        raise NotHappy("create_run_safe returned None")


def probe_apply_lineage_tags(env: Env) -> None:
    from pipeline_demo.pipeline import EXPERIMENTS

    from training.execution.mlflow_setup import create_training_mlflow_run
    from training.execution.tags import apply_lineage_tags

    experiment = EXPERIMENTS["final_training"]
    hpo = _experiment("hpo")
    sweep, trial, refit = (_run(hpo, name) for name in ("sweep", "trial", "refit"))
    _experiment(experiment)
    context = _final_context()
    final, _ = create_training_mlflow_run(
        experiment, "final_run", root_dir=env.root, config_dir=env.config_dir, context=context,
        tracking_uri=env.uri,
    )  # fmt: skip
    lineage = {"hpo_refit_run_id": refit, "hpo_trial_run_id": trial, "hpo_sweep_run_id": sweep}
    with env.counted():
        apply_lineage_tags(
            experiment, context, env.root / "outputs" / "final_training", env.root, env.config_dir, lineage
        )
    if _tags(final).get("code.trained_on_full_data") != "true":
        raise NotHappy("the final training run was not tagged (apply_lineage_tags printed why)")


def _tracker_probe(make: Callable[[Env], tuple[Any, Callable[[Any], AbstractContextManager[Any]]]]) -> Any:
    def probe(env: Env) -> None:
        tracker, start = make(env)
        with env.counted(), start(tracker) as run:
            if run is None:
                raise NotHappy("the tracker yielded no run")

    return probe


def _sweep(env: Env) -> tuple[Any, Callable[[Any], AbstractContextManager[Any]]]:
    from pipeline_demo import pipeline

    from infrastructure.naming.context import NamingContext
    from infrastructure.tracking.mlflow.trackers.sweep_tracker import MLflowSweepTracker

    context = NamingContext("hpo", pipeline.MODEL, "local", stage="hpo_sweep", study_name=pipeline.STUDY_NAME)
    return MLflowSweepTracker("hpo"), lambda tracker: tracker.start_sweep_run(
        run_name="sweep", hpo_config=pipeline.HPO_CONFIG, backbone=pipeline.MODEL,
        study_name=pipeline.STUDY_NAME, context=context, output_dir=env.root / "outputs" / "hpo",
        data_config=pipeline.DATA_CONFIG, train_config=pipeline.TRAIN_CONFIG,
    )  # fmt: skip


def _training(env: Env) -> tuple[Any, Callable[[Any], AbstractContextManager[Any]]]:
    from infrastructure.tracking.mlflow.trackers.training_tracker import MLflowTrainingTracker

    output_dir = env.root / "outputs" / "final_training"
    output_dir.mkdir(parents=True, exist_ok=True)
    return MLflowTrainingTracker("final"), lambda tracker: tracker.start_training_run(
        "final_run", context=_final_context(), output_dir=output_dir
    )


def _benchmark(env: Env) -> tuple[Any, Callable[[Any], AbstractContextManager[Any]]]:
    from pipeline_demo import pipeline

    from infrastructure.naming.context import NamingContext
    from infrastructure.tracking.mlflow.trackers.benchmark_tracker import MLflowBenchmarkTracker

    final = _run(_experiment("final"), "final_run")
    context = NamingContext("benchmarking", pipeline.MODEL, "local", trial_id="trial_1")
    return MLflowBenchmarkTracker("benchmark"), lambda tracker: tracker.start_benchmark_run(
        run_name="benchmark_cpu", backbone=pipeline.MODEL, benchmark_source="final_training",
        context=context, output_dir=env.root / "outputs" / "benchmark", parent_run_id=final,
        benchmark_key="cpu",
    )  # fmt: skip


def _conversion(env: Env) -> tuple[Any, Callable[[Any], AbstractContextManager[Any]]]:
    from pipeline_demo import pipeline

    from infrastructure.naming.context import NamingContext
    from infrastructure.tracking.mlflow.trackers.conversion_tracker import MLflowConversionTracker

    final = _run(_experiment("final"), "final_run")
    fingerprint = pipeline.CONVERSION_FINGERPRINT
    context = NamingContext(
        "conversion", pipeline.MODEL, "local", parent_training_id="a" * 12, conv_fp=fingerprint
    )
    return MLflowConversionTracker("conversion"), lambda tracker: tracker.start_conversion_run(
        "onnx_run", "onnx", source_training_run=final, context=context,
        output_dir=env.root / "outputs" / "conversion",
    )  # fmt: skip


PROBES: dict[str, Callable[[Env], None]] = {
    "create_child_run": probe_create_child_run,
    "create_training_child_run": probe_create_training_child_run,
    "create_training_mlflow_run (create_as_child)": probe_create_training_mlflow_run_child,
    "create_training_mlflow_run standalone": probe_create_training_mlflow_run_standalone,
    "create_training_mlflow_run standalone, indexed": probe_create_training_mlflow_run_standalone_indexed,
    "create_run_safe": probe_create_run_safe,
    "apply_lineage_tags": probe_apply_lineage_tags,
    "MLflowSweepTracker.start_sweep_run (start+end)": _tracker_probe(_sweep),
    "MLflowTrainingTracker.start_training_run (start+end)": _tracker_probe(_training),
    "MLflowBenchmarkTracker.start_benchmark_run (start+end)": _tracker_probe(_benchmark),
    "MLflowConversionTracker.start_conversion_run (start+end)": _tracker_probe(_conversion),
}


def run_probe(name: str, uri: str, root: Path) -> dict[str, Any]:
    """Run one probe: the REST calls of its counted block by endpoint, and "ok" or why not."""
    import mlflow
    from pipeline_demo.pipeline import _write_project_config

    os.environ["MLFLOW_TRACKING_URI"] = uri
    mlflow.set_tracking_uri(uri)
    config_dir = _write_project_config(root)
    os.chdir(root)
    counts: dict[str, int] = {}

    @contextmanager
    def counted() -> Iterator[None]:
        with counting_rest_calls() as calls:
            yield
        counts.update(calls)

    outcome = "ok"
    try:
        PROBES[name](Env(uri, root, config_dir, counted))
    except NotHappy as exc:
        outcome = str(exc)
    return {"rest_calls": dict(sorted(counts.items())), "outcome": outcome}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--probe", choices=sorted(PROBES), required=True)
    for name in ("--uri", "--root", "--out", "--expect-src"):
        parser.add_argument(name, required=True)
    args = parser.parse_args(argv)
    import infrastructure

    code_from = Path(infrastructure.__file__).resolve().parents[1]
    if code_from != Path(args.expect_src).resolve():
        raise SystemExit(f"probe imported the code under test from {code_from}, expected {args.expect_src}")
    root = Path(args.root)
    root.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(run_probe(args.probe, args.uri, root)), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
