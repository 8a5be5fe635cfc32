"""Golden scenarios: the four stage trackers (legacy-support §9; tier 3 per docs/legacy-deviations.md).

For each tracker the stage run it leaves: name, tags, params, metrics, status, the local index
and metadata.json effects; a disabled stage (no run); an exception in the body (FAILED, the
exception propagates: the legacy double yield is not reproduced); setup failures (FAILED run,
None yielded); each artifact upload (conversion ONNX file and log, training and sweep checkpoint
archives with their manifests, training metrics.json, benchmark results JSON).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import mlflow
import pytest
from _support_legacy_support import make_run, read_counter
from pipeline_demo.pipeline import BENCHMARK_DATA
from scenario_support import make_config_dir, read_index

from infrastructure.naming.context import NamingContext
from infrastructure.naming.mlflow.run_names import build_mlflow_run_name
from infrastructure.tracking.mlflow.trackers.benchmark_tracker import MLflowBenchmarkTracker
from infrastructure.tracking.mlflow.trackers.conversion_tracker import MLflowConversionTracker
from infrastructure.tracking.mlflow.trackers.sweep_tracker import MLflowSweepTracker
from infrastructure.tracking.mlflow.trackers.training_tracker import MLflowTrainingTracker

FINAL_CONTEXT = NamingContext("final_training", "deberta", "local", spec_fp="spec01", exec_fp="exec02")
HPO_CONTEXT = NamingContext("hpo", "distilbert", "local", stage="hpo_sweep", study_name="study-a")
BENCH_CONTEXT = NamingContext("benchmarking", "deberta", "local", trial_id="trial_3")
CONVERSION_CONTEXT = NamingContext(
    "conversion", "deberta", "local", parent_training_id="final01", conv_fp="conv01"
)
HPO_CONFIG: dict[str, Any] = {
    "objective": {"metric": "macro-f1", "goal": "maximize"},
    "sampling": {"max_trials": 3},
    "search_space": {"learning_rate": {"type": "loguniform", "low": 1e-5, "high": 1e-4}},
}
DATA_CONFIG = {"name": "conll", "version": "v1", "local_path": "data/conll"}
TRAIN_CONFIG: dict[str, Any] = {"training": {"epochs": 3}}
DASHED_UUID = "12345678-1234-1234-1234-123456789abc"
NO_ARTIFACTS = {"tracking": {"conversion": {"log_onnx_model": False, "log_conversion_log": False}}}


class BodyError(Exception):
    """Raised inside a tracker's ``with`` body."""


def _project(tmp_path: Path, stage: str, mlflow_cfg: dict[str, Any] | None = None) -> tuple[Path, Path]:
    """``<tmp>/project/config`` (with ``mlflow.yaml`` if given) and the stage's output dir below it."""
    config_dir = make_config_dir(tmp_path, mlflow_cfg=mlflow_cfg)
    return config_dir, config_dir.parent / "outputs" / stage


def _disabled(stage: str) -> dict[str, Any]:
    return {"tracking": {stage: {"enabled": False}}}


def _upstream_run(tracking_store: Any, name: str = "upstream") -> str:
    """A finished run in experiment ``upstream`` (an existing parent/source the trackers link to)."""
    experiment_id = tracking_store.client.create_experiment(name)
    return make_run(tracking_store.client, experiment_id, name)


def _yielded(started: Any) -> Any:
    """Enter a tracker's ``start_*_run`` context with an empty body; what it yielded."""
    with started as run:
        pass
    return run


def _raise_in_body(golden: Any, start: Callable[[], Any], message: str) -> None:
    """Raise ``BodyError(message)`` inside the context ``start()`` opens, under ``golden.catch_error()``."""
    with golden.catch_error(), start():
        raise BodyError(message)


def _disabled_output_dir(tracking_store: Any, stage: str) -> Path:
    """The stage's output dir in a project whose ``mlflow.yaml`` disables tracking for ``stage``."""
    return _project(tracking_store.tmp_path, stage, _disabled(stage))[1]


def _read_json(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else None


def _yielded_index_metadata(run: Any, config_dir: Path, output_dir: Path) -> dict[str, Any]:
    """What a training run yielded, the local index and the output dir's metadata.json."""
    return {
        "yielded": run,
        "index": read_index(config_dir),
        "metadata": _read_json(output_dir / "metadata.json"),
    }


# -- base: constructor -----------------------------------------------------------------------------
def test_constructor_binds_the_experiment_on_the_current_store(tracking_store, golden):
    MLflowTrainingTracker("training-exp")
    run = _yielded(mlflow.start_run(run_name="plain"))
    golden.check(result={"run": run, "tracking_uri_kept": mlflow.get_tracking_uri() == tracking_store.uri})


def test_constructor_error_only_warns_and_runs_land_in_the_default_experiment(tracking_store, golden):
    experiment_id = tracking_store.client.create_experiment("gone")
    tracking_store.client.delete_experiment(experiment_id)
    tracker = MLflowTrainingTracker("gone")
    golden.check(result=_yielded(tracker.start_training_run("final-run")))


# -- training --------------------------------------------------------------------------------------
def _train_body(tracker: MLflowTrainingTracker) -> None:
    tracker.log_training_parameters(
        {
            "training": {
                "learning_rate": 3e-5,
                "batch_size": 16,
                "dropout": 0.1,
                "weight_decay": 0.01,
                "epochs": 3,
            },
            "model": {"backbone": "deberta"},
        },
        data_config={"version": "v2", "local_path": "data/conll"},
        data_strategy="full",
        random_seed=42,
    )
    tracker.log_training_metrics(
        {"macro-f1": 0.81, "loss": 0.25}, per_entity_metrics={"PER": {"f1": 0.9}, "ORG": {"f1": 0.7}}
    )


def test_training_run_structure_index_and_metadata(tracking_store, golden):
    parent = _upstream_run(tracking_store)
    config_dir, output_dir = _project(tracking_store.tmp_path, "final")
    tracker = MLflowTrainingTracker("final_training")
    with tracker.start_training_run(
        "final-run",
        backbone="ignored",
        context=FINAL_CONTEXT,
        output_dir=output_dir,
        parent_run_id=parent,
        group_id="g1",
    ) as run:
        _train_body(tracker)
    golden.check(result=_yielded_index_metadata(run, config_dir, output_dir))


def test_training_metadata_json_is_merged_not_replaced(tracking_store, golden):
    _, output_dir = _project(tracking_store.tmp_path, "final")
    output_dir.mkdir(parents=True)
    (output_dir / "metadata.json").write_text(
        json.dumps({"status": "done", "mlflow": {"old": 1}}), encoding="utf-8"
    )
    tracker = MLflowTrainingTracker("final_training")
    with tracker.start_training_run("final-run", context=FINAL_CONTEXT, output_dir=output_dir):
        pass
    golden.check(result=_read_json(output_dir / "metadata.json"))


def test_training_without_context_writes_no_index_and_no_metadata(tracking_store, golden):
    config_dir, output_dir = _project(tracking_store.tmp_path, "final")
    tracker = MLflowTrainingTracker("final_training")
    with tracker.start_training_run("final-run", output_dir=output_dir) as run:
        _train_body(tracker)
    golden.check(result=_yielded_index_metadata(run, config_dir, output_dir))


def test_training_continued_from_a_checkpoint(tracking_store, golden):
    tracker = MLflowTrainingTracker("final_training")
    with tracker.start_training_run("continued-run", training_type="continued"):
        tracker.log_training_parameters(
            {"learning_rate": 1e-5, "backbone": "deberta"}, source_checkpoint="ckpt/best", random_seed=7
        )
    golden.check()


def test_training_parameters_stop_at_the_first_error(tracking_store, golden):
    tracker = MLflowTrainingTracker("final_training")
    with tracker.start_training_run("final-run"):
        mlflow.log_param("epochs", 5)
        _train_body(tracker)
    golden.check()


def test_training_disabled_stage_yields_none_without_a_run(tracking_store, golden):
    config_dir, output_dir = _project(tracking_store.tmp_path, "final", _disabled("training"))
    tracker = MLflowTrainingTracker("final_training")
    run = _yielded(tracker.start_training_run("final-run", context=FINAL_CONTEXT, output_dir=output_dir))
    golden.check(result={"yielded": run, "index": read_index(config_dir)})


def test_training_body_exception_ends_the_run_failed(tracking_store, golden):
    tracker = MLflowTrainingTracker("final_training")
    with golden.catch_error(), tracker.start_training_run("final-run"):
        mlflow.log_metric("partial", 1.0)
        raise BodyError("training crashed")
    golden.check()


def test_training_with_an_active_run_yields_none(tracking_store, golden):
    tracker = MLflowTrainingTracker("final_training")
    mlflow.start_run(run_name="already-active")
    golden.check(result=_yielded(tracker.start_training_run("final-run")))


def test_training_env_run_id_resumes_and_renames_that_run(tracking_store, golden, monkeypatch):
    tracker = MLflowTrainingTracker("final_training")
    experiment_id = mlflow.get_experiment_by_name("final_training").experiment_id
    existing = make_run(tracking_store.client, experiment_id, "existing", tags={"keep": "me"})
    monkeypatch.setenv("MLFLOW_RUN_ID", existing)
    golden.check(result=_yielded(tracker.start_training_run("final-run")))


# -- sweep -----------------------------------------------------------------------------------------
def _start_sweep(tracker: MLflowSweepTracker, output_dir: Path | None = None, **overrides: Any) -> Any:
    kwargs: dict[str, Any] = {
        "run_name": "sweep",
        "hpo_config": HPO_CONFIG,
        "backbone": "distilbert",
        "study_name": "study-a",
        "checkpoint_config": {"enabled": True, "storage_type": "sqlite"},
        "storage_path": "hpo/study.db",
        "should_resume": True,
        "context": HPO_CONTEXT,
        "output_dir": output_dir,
        "group_id": "g1",
        "data_config": DATA_CONFIG,
        "train_config": TRAIN_CONFIG,
    }
    kwargs.update(overrides)
    return tracker.start_sweep_run(**kwargs)


def _study(best_number: int, values: list[float]) -> Any:
    """An optuna-like study: trial 0 PRUNED, the others COMPLETE; ``best_trial`` is trial ``best_number``."""
    trials = [
        SimpleNamespace(
            number=n, value=v, params={"learning_rate": 1e-5 * (n + 1)}, state="COMPLETE" if n else "PRUNED"
        )
        for n, v in enumerate(values)
    ]
    return SimpleNamespace(trials=trials, best_trial=trials[best_number])


def test_sweep_run_structure(tracking_store, golden):
    tracker = MLflowSweepTracker("hpo")
    golden.check(result=_yielded(_start_sweep(tracker)))


def test_sweep_without_data_config_has_no_grouping_hashes(tracking_store, golden):
    tracker = MLflowSweepTracker("hpo")
    with _start_sweep(
        tracker, data_config=None, checkpoint_config=None, should_resume=False, context=None
    ) as run:
        pass
    golden.check(result=run)


@pytest.mark.parametrize(
    "hpo_config",
    [
        {"objective": {"metric": "f1"}, "sampling": {"max_trials": 3}},
        {"objective": {"metric": "f1", "goal": "max"}},
    ],
    ids=["no_goal", "no_sampling"],
)
def test_sweep_missing_config_key_ends_a_failed_run_and_yields_none(tracking_store, golden, hpo_config):
    golden.check(result=_yielded(_start_sweep(MLflowSweepTracker("hpo"), hpo_config=hpo_config)))


def test_sweep_disabled_stage_yields_none_without_a_run(tracking_store, golden):
    output_dir = _disabled_output_dir(tracking_store, "hpo")
    golden.check(result=_yielded(_start_sweep(MLflowSweepTracker("hpo"), output_dir=output_dir)))


def test_sweep_body_exception_ends_the_run_failed(tracking_store, golden):
    tracker = MLflowSweepTracker("hpo")
    _raise_in_body(golden, lambda: _start_sweep(tracker), "study crashed")
    golden.check()


def _trials(tracking_store: Any, sweep: Any, study_hash: str | None) -> None:
    """Two children of the sweep and a decoy with the same tags under another parent."""
    client = tracking_store.client
    experiment_id = sweep.info.experiment_id
    for number in (0, 1):
        tags = {"mlflow.parentRunId": sweep.info.run_id, "trial_number": str(number)}
        if study_hash:
            tags["code.study_key_hash"] = study_hash
        make_run(client, experiment_id, f"trial-{number}", tags=tags)
    decoy_tags = {
        "mlflow.parentRunId": "0" * 32,
        "trial_number": "1",
        "code.study_key_hash": study_hash or "x",
    }
    make_run(client, experiment_id, "decoy-trial-1", tags=decoy_tags)


def test_sweep_final_metrics_link_the_best_child_trial(tracking_store, golden):
    tracker = MLflowSweepTracker("hpo")
    with _start_sweep(tracker) as sweep:
        study_hash = tracking_store.client.get_run(sweep.info.run_id).data.tags["code.study_key_hash"]
        _trials(tracking_store, sweep, study_hash)
        tracker.log_final_metrics(
            _study(1, [0.5, 0.75]),
            "macro-f1",
            parent_run_id=sweep.info.run_id,
            hpo_config={"refit": {"enabled": True}},
            upload_checkpoint=False,
        )
    golden.check()


def test_sweep_final_metrics_without_study_hash_link_nothing(tracking_store, golden):
    tracker = MLflowSweepTracker("hpo")
    with _start_sweep(tracker, data_config=None) as sweep:
        _trials(tracking_store, sweep, None)
        tracker.log_final_metrics(_study(1, [0.5, 0.75]), "macro-f1", parent_run_id=sweep.info.run_id)
    golden.check()


def test_sweep_final_metrics_errors_are_swallowed_midway(tracking_store, golden):
    tracker = MLflowSweepTracker("hpo")
    broken_study = SimpleNamespace(trials=[SimpleNamespace(state="COMPLETE")], best_trial=None)
    with _start_sweep(tracker) as sweep:
        tracker.log_final_metrics(broken_study, "macro-f1", parent_run_id=sweep.info.run_id)
    golden.check()


@pytest.mark.parametrize("refit_ok", [True, False])
def test_sweep_best_checkpoint_marks_refit_completion_on_the_refit_run(tracking_store, golden, refit_ok):
    tracker = MLflowSweepTracker("hpo")
    with _start_sweep(tracker) as sweep:
        pass
    refit = make_run(tracking_store.client, sweep.info.experiment_id, "refit", status=None)
    tracker.log_best_checkpoint(
        _study(0, [0.5]),
        tracking_store.tmp_path / "no-hpo-outputs",
        "distilbert",
        refit_ok=refit_ok,
        parent_run_id=sweep.info.run_id,
        refit_run_id=refit,
    )
    golden.check()


def test_sweep_best_checkpoint_without_any_target_raises(tracking_store, golden):
    tracker = MLflowSweepTracker("hpo")
    with golden.catch_error():
        tracker.log_best_checkpoint(_study(0, [0.5]), tracking_store.tmp_path, "distilbert", refit_ok=True)
    golden.check()


# -- benchmark -------------------------------------------------------------------------------------
def _start_benchmark(tracker: MLflowBenchmarkTracker, **overrides: Any) -> Any:
    kwargs: dict[str, Any] = {"run_name": "bench", "backbone": "deberta", "context": BENCH_CONTEXT}
    kwargs.update(overrides)
    return tracker.start_benchmark_run(**kwargs)


def test_benchmark_run_structure_and_results(tracking_store, golden):
    trial = _upstream_run(tracking_store, "hpo")
    final = _upstream_run(tracking_store, "final")
    tracker = MLflowBenchmarkTracker("benchmark")
    with _start_benchmark(
        tracker,
        benchmark_source="hpo_trial",
        parent_run_id=final,
        group_id="g1",
        study_key_hash="s" * 64,
        trial_key_hash="t" * 64,
        hpo_trial_run_id=trial,
        hpo_refit_run_id=DASHED_UUID,
        hpo_sweep_run_id="not-a-run-id",
        benchmark_key="bk-1",
    ) as run:
        tracker.log_benchmark_results([1, 8], 100, 10, 128, benchmark_data=BENCHMARK_DATA)
    golden.check(result=run)


def test_benchmark_lineage_parent_prefers_refit_over_sweep(tracking_store, golden):
    sweep = _upstream_run(tracking_store, "hpo")
    tracker = MLflowBenchmarkTracker("benchmark")
    with _start_benchmark(tracker, hpo_refit_run_id=DASHED_UUID, hpo_sweep_run_id=sweep):
        tracker.log_benchmark_results([4], 5, 1, 64, device="cpu")
    golden.check()


def _auto_increment_benchmark_project(
    tracking_store: Any, storage_env: Any
) -> tuple[Any, Any, NamingContext]:
    """A benchmark project whose run names get an ``_N`` version, and its benchmarking context."""
    mlflow_cfg = {"naming": {"run_name": {"auto_increment": {"enabled": True}}}}
    config_dir, output_dir = _project(tracking_store.tmp_path, "benchmark", mlflow_cfg)
    (config_dir / "naming.yaml").write_text(
        'patterns:\n  benchmarking: "{env}_{model}_benchmark_{trial_id}"\n', encoding="utf-8"
    )
    context = NamingContext("benchmarking", "deberta", "local", storage_env=storage_env, trial_id="trial_3")
    return config_dir, output_dir, context


@pytest.mark.parametrize("storage_env", [None, "colab"], ids=["same_env", "storage_env_differs"])
def test_benchmark_version_suffix_commits_the_reserved_name(tracking_store, golden, storage_env):
    config_dir, output_dir, context = _auto_increment_benchmark_project(tracking_store, storage_env)
    name = build_mlflow_run_name(context, config_dir=config_dir)
    reserved = read_counter(config_dir)
    tracker = MLflowBenchmarkTracker("benchmark")
    with _start_benchmark(tracker, run_name=name, context=context, output_dir=output_dir):
        pass
    golden.check(result={"name": name, "reserved": reserved, "after_run": read_counter(config_dir)})


@pytest.mark.parametrize("storage_env", [None, "colab"], ids=["same_env", "storage_env_differs"])
def test_benchmark_next_name_follows_the_committed_version(tracking_store, golden, storage_env):
    """The commit lands under the reservation's key, so the next name gets the next version."""
    config_dir, output_dir, context = _auto_increment_benchmark_project(tracking_store, storage_env)
    tracker = MLflowBenchmarkTracker("benchmark")
    first = build_mlflow_run_name(context, config_dir=config_dir)
    with _start_benchmark(tracker, run_name=first, context=context, output_dir=output_dir):
        pass
    second = build_mlflow_run_name(context, config_dir=config_dir)
    golden.check(result={"names": [first, second], "counter": read_counter(config_dir)})


@pytest.mark.parametrize(
    "context", [None, NamingContext("benchmarking", "deberta", "local")], ids=["no_context", "no_trial_id"]
)
def test_benchmark_without_trial_id_ends_a_failed_run_and_yields_none(tracking_store, golden, context):
    golden.check(result=_yielded(_start_benchmark(MLflowBenchmarkTracker("benchmark"), context=context)))


def test_benchmark_disabled_stage_yields_none_without_a_run(tracking_store, golden):
    output_dir = _disabled_output_dir(tracking_store, "benchmark")
    golden.check(
        result=_yielded(_start_benchmark(MLflowBenchmarkTracker("benchmark"), output_dir=output_dir))
    )


def test_benchmark_body_exception_ends_the_run_failed(tracking_store, golden):
    tracker = MLflowBenchmarkTracker("benchmark")
    _raise_in_body(golden, lambda: _start_benchmark(tracker), "benchmark crashed")
    golden.check()


# -- conversion ------------------------------------------------------------------------------------
def test_conversion_run_structure_index_and_results(tracking_store, golden):
    source = _upstream_run(tracking_store, "final")
    config_dir, output_dir = _project(tracking_store.tmp_path, "conversion", NO_ARTIFACTS)
    output_dir.mkdir(parents=True)
    onnx = output_dir / "model.onnx"
    onnx.write_bytes(b"\0" * 512)
    tracker = MLflowConversionTracker("conversion")
    with tracker.start_conversion_run(
        "convert",
        "onnx",
        source_training_run=source,
        context=CONVERSION_CONTEXT,
        output_dir=output_dir,
        group_id="g1",
    ) as run:
        tracker.log_conversion_parameters(
            "outputs/final/checkpoint", "onnx", quantization="int8", opset_version=17, backbone="deberta"
        )
        tracker.log_conversion_results(
            True, onnx_model_path=onnx, original_checkpoint_size=1.0, smoke_test_passed=True
        )
    golden.check(result={"yielded": run, "index": read_index(config_dir)})


def test_conversion_parent_run_id_beats_the_source_run(tracking_store, golden):
    source = _upstream_run(tracking_store, "final")
    parent = _upstream_run(tracking_store, "other")
    tracker = MLflowConversionTracker("conversion")
    with tracker.start_conversion_run("convert", "onnx", source_training_run=source, parent_run_id=parent):
        tracker.log_conversion_parameters("ckpt", "onnx")
        tracker.log_conversion_results(False, smoke_test_passed=False)
    golden.check()


def test_conversion_disabled_stage_yields_none_without_a_run(tracking_store, golden):
    config_dir, output_dir = _project(tracking_store.tmp_path, "conversion", _disabled("conversion"))
    tracker = MLflowConversionTracker("conversion")
    run = _yielded(
        tracker.start_conversion_run("convert", "onnx", context=CONVERSION_CONTEXT, output_dir=output_dir)
    )
    golden.check(result={"yielded": run, "index": read_index(config_dir)})


def test_conversion_body_exception_ends_the_run_failed(tracking_store, golden):
    tracker = MLflowConversionTracker("conversion")
    with golden.catch_error(), tracker.start_conversion_run("convert", "onnx"):
        mlflow.log_metric("conversion_success", 0.0)
        raise BodyError("export crashed")
    golden.check()


# -- artifact uploads ------------------------------------------------------------------------------
# Each upload of the trackers, with the metrics logged next to it (at their steps). Archives are
# tar.gz files: the gzip header holds the time of writing and the tar entries hold the files'
# mtimes and owner, so their size and hash are volatile (their path is still compared); the
# manifests next to them list sizes and hashes of the archived files and are compared byte for byte.
CHECKPOINT_FILES = {"config.json": '{"layers": 2}\n', "weights/model.bin": "w" * 64}
CHECKPOINT_ARCHIVES = "runs.*.artifacts.checkpoint.tar.gz/*"
BEST_CHECKPOINT_ARCHIVE = "runs.*.artifacts.best_trial_checkpoint.tar.gz"
ARCHIVE_NAME_PREFIX = 0xC0FFEE00


def _checkpoint_dir(path: Path) -> Path:
    """A checkpoint directory at ``path`` holding ``CHECKPOINT_FILES`` (one of them nested)."""
    for name, content in CHECKPOINT_FILES.items():
        (path / name).parent.mkdir(parents=True, exist_ok=True)
        (path / name).write_text(content, encoding="utf-8")
    return path


def _fixed_archive_names(monkeypatch: pytest.MonkeyPatch) -> None:
    """``uuid4`` keeps its random low 96 bits (ids stay unique) under a fixed 8-hex-digit prefix.

    The training tracker names its archive ``checkpoint_<uuid4().hex[:8]>.tar.gz``, so the
    artifact path becomes ``checkpoint.tar.gz/checkpoint_c0ffee00.tar.gz`` on every backend.
    """
    real_uuid4 = uuid.uuid4
    low_bits = (1 << 96) - 1

    def prefixed_uuid4() -> uuid.UUID:
        return uuid.UUID(int=(ARCHIVE_NAME_PREFIX << 96) | (real_uuid4().int & low_bits))

    monkeypatch.setattr(uuid, "uuid4", prefixed_uuid4)


class _RecordingStudy:
    """An optuna-like study (``_study``) that keeps what ``set_user_attr`` stored."""

    def __init__(self, best_number: int, values: list[float]) -> None:
        study = _study(best_number, values)
        self.trials = study.trials
        self.best_trial = study.best_trial
        self.user_attrs: dict[str, Any] = {}

    def set_user_attr(self, key: str, value: Any) -> None:
        self.user_attrs[key] = value


def test_conversion_uploads_the_onnx_model_and_the_conversion_log(tracking_store, golden):
    source = _upstream_run(tracking_store, "final")
    _, output_dir = _project(tracking_store.tmp_path, "conversion")
    output_dir.mkdir(parents=True)
    onnx = output_dir / "model.onnx"
    onnx.write_bytes(bytes(range(256)) * 4)
    log = output_dir / "export.log"
    log.write_text(f"exported {onnx} (opset 17)\nsmoke test passed\n", encoding="utf-8")
    tracker = MLflowConversionTracker("conversion")
    with tracker.start_conversion_run(
        "convert", "onnx", source_training_run=source, context=CONVERSION_CONTEXT, output_dir=output_dir
    ):
        tracker.log_conversion_results(
            True,
            onnx_model_path=onnx,
            original_checkpoint_size=0.5,
            smoke_test_passed=True,
            conversion_log_path=log,
        )
    golden.check()


def test_training_uploads_the_checkpoint_archive_its_manifest_and_metrics_json(
    tracking_store, golden, monkeypatch
):
    _fixed_archive_names(monkeypatch)
    _, output_dir = _project(tracking_store.tmp_path, "final")
    checkpoint = _checkpoint_dir(output_dir / "checkpoint")
    metrics_json = output_dir / "metrics.json"
    metrics_json.write_text(json.dumps({"macro-f1": 0.81, "loss": 0.25}), encoding="utf-8")
    tracker = MLflowTrainingTracker("final_training")
    with tracker.start_training_run("final-run", context=FINAL_CONTEXT, output_dir=output_dir):
        _train_body(tracker)
        tracker.log_training_artifacts(checkpoint_dir=checkpoint, metrics_json_path=metrics_json)
    golden.check(volatile=(CHECKPOINT_ARCHIVES,))


def test_sweep_final_metrics_upload_the_best_trials_checkpoint_to_the_sweep(tracking_store, golden):
    _, hpo_dir = _project(tracking_store.tmp_path, "hpo")
    _checkpoint_dir(hpo_dir / "distilbert" / "trial_1" / "checkpoint")
    tracker = MLflowSweepTracker("hpo")
    with _start_sweep(tracker, output_dir=hpo_dir) as sweep:
        tracker.log_final_metrics(
            _study(1, [0.5, 0.75]),
            "macro-f1",
            parent_run_id=sweep.info.run_id,
            hpo_output_dir=hpo_dir,
            backbone="distilbert",
        )
    golden.check(volatile=(BEST_CHECKPOINT_ARCHIVE,))


def test_sweep_best_checkpoint_from_a_preferred_dir_goes_to_the_refit_run(tracking_store, golden):
    _, hpo_dir = _project(tracking_store.tmp_path, "hpo")
    checkpoint = _checkpoint_dir(hpo_dir / "refit" / "checkpoint")
    tracker = MLflowSweepTracker("hpo")
    with _start_sweep(tracker, output_dir=hpo_dir) as sweep:
        pass
    refit = make_run(tracking_store.client, sweep.info.experiment_id, "refit")
    study = _RecordingStudy(1, [0.5, 0.75])
    tracker.log_best_checkpoint(
        study,
        hpo_dir,
        "distilbert",
        prefer_checkpoint_dir=checkpoint,
        refit_ok=True,
        parent_run_id=sweep.info.run_id,
        refit_run_id=refit,
    )
    golden.check(result=study.user_attrs, volatile=(BEST_CHECKPOINT_ARCHIVE,))


def test_benchmark_uploads_the_results_json(tracking_store, golden):
    _, output_dir = _project(tracking_store.tmp_path, "benchmark")
    output_dir.mkdir(parents=True)
    results = output_dir / "benchmark.json"
    results.write_text(json.dumps(BENCHMARK_DATA, indent=2), encoding="utf-8")
    tracker = MLflowBenchmarkTracker("benchmark")
    with _start_benchmark(tracker, output_dir=output_dir):
        tracker.log_benchmark_results([1, 8], 100, 10, 128, device="cpu", benchmark_json_path=results)
    golden.check()
