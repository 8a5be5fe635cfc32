"""MLflow tracker for inference benchmarks of trained models (stage ``benchmark``)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Dict, List, Mapping, Optional

import mlflow

from infrastructure.naming.context import NamingContext
from infrastructure.naming.mlflow.run_keys import (
    build_mlflow_run_key,
    build_mlflow_run_key_hash,
    build_run_name_counter_key,
)
from infrastructure.naming.mlflow.tags import build_mlflow_tags
from infrastructure.tracking.mlflow.config_loader import get_naming_config
from infrastructure.tracking.mlflow.masked_logging import get_logger
from infrastructure.tracking.mlflow.trackers.base import (
    ARTIFACT_RETRY,
    BaseTracker,
    log_artifact_with_retry,
    log_metrics_batched,
    stage_option,
    tracked_run,
)
from infrastructure.tracking.mlflow.utils import infer_config_dir_from_path
from infrastructure.tracking.mlflow.version_counter import commit_run_name_version

logger = get_logger(__name__)

STAGE = "benchmark"
#: MLflow run ids: dashed UUIDs or the 32-hex form MLflow generates.
RUN_ID_PATTERN = re.compile(
    r"^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$", re.IGNORECASE
)
VERSION_SUFFIX_PATTERN = re.compile(r"_(\d+)$")


def is_valid_run_id(value: Optional[str]) -> bool:
    """True for a dashed UUID or a 32-hex MLflow run id."""
    return bool(value) and RUN_ID_PATTERN.match(str(value)) is not None


def build_lineage_tags(
    hpo_trial_run_id: Optional[str],
    hpo_refit_run_id: Optional[str],
    hpo_sweep_run_id: Optional[str],
) -> Dict[str, str]:
    """``code.lineage.*`` tags for valid ids; the parent training run is trial > refit > sweep."""
    tags: Dict[str, str] = {}
    candidates = (
        ("hpo_trial", hpo_trial_run_id),
        ("hpo_refit", hpo_refit_run_id),
        ("hpo_sweep", hpo_sweep_run_id),
    )
    valid: List[tuple[str, str]] = []
    for kind, run_id in candidates:
        if run_id is None:
            continue
        if not is_valid_run_id(run_id):
            logger.warning("Ignoring lineage %s run id %r: not a run id", kind, run_id)
            continue
        tags[f"code.lineage.{kind}_run_id"] = run_id
        valid.append((kind, run_id))
    if valid:
        kind, run_id = valid[0]
        tags["code.lineage.parent_training_run_id"] = run_id
        tags["code.lineage.parent_kind"] = kind
    return tags


def _batch_results(benchmark_data: Mapping[str, Any]) -> Dict[int, Mapping[str, Any]]:
    """``{batch_size: stats}`` from ``benchmark_data["batch_results"]`` (keys may be strings)."""
    raw = benchmark_data.get("batch_results") or {}
    return {int(size): stats for size, stats in raw.items()}


class MLflowBenchmarkTracker(BaseTracker):
    """Benchmark runs: lineage tags back to HPO, latency/throughput metrics, results artifact."""

    @contextmanager
    def start_benchmark_run(
        self,
        run_name: str,
        backbone: str,
        benchmark_source: str = "final_training",
        context: Optional[NamingContext] = None,
        output_dir: Optional[Path] = None,
        parent_run_id: Optional[str] = None,
        group_id: Optional[str] = None,
        study_key_hash: Optional[str] = None,
        trial_key_hash: Optional[str] = None,
        hpo_trial_run_id: Optional[str] = None,
        hpo_refit_run_id: Optional[str] = None,
        hpo_sweep_run_id: Optional[str] = None,
        benchmark_key: Optional[str] = None,
    ) -> Iterator[Optional[Any]]:
        """Start a benchmark run; yields the ActiveRun, or None (disabled, or no ``context.trial_id``).

        A run name ending ``_<digits>`` commits that version in the run-name counter.
        """
        config_dir = infer_config_dir_from_path(output_dir)

        def run_key_hash_of(context: Optional[NamingContext]) -> str:
            if context is None:
                raise ValueError("Benchmarking requires trial_id for run_key")
            return build_mlflow_run_key_hash(build_mlflow_run_key(context))

        def tags() -> Dict[str, Any]:
            run_key_hash = run_key_hash_of(context)
            tags = build_mlflow_tags(
                context=context,
                output_dir=output_dir,
                parent_run_id=parent_run_id,
                group_id=group_id,
                config_dir=config_dir,
                study_key_hash=study_key_hash,
                trial_key_hash=trial_key_hash,
                run_key_hash=run_key_hash,
            )
            tags.update(build_lineage_tags(hpo_trial_run_id, hpo_refit_run_id, hpo_sweep_run_id))
            tags["benchmark_source"] = benchmark_source
            tags["benchmarked_model"] = backbone
            tags["mlflow.runType"] = "benchmark"
            tags["mlflow.runName"] = run_name
            if benchmark_key:
                tags["benchmark_key"] = benchmark_key
            return tags

        def setup(active_run: Any) -> None:
            assert context is not None  # tags() raised otherwise and the run ended FAILED
            run_key_hash = run_key_hash_of(context)
            self._commit_name_version(run_name, context, run_key_hash, active_run.info.run_id, config_dir)

        with tracked_run(run_name, STAGE, config_dir, setup, tags) as run:
            yield run

    @staticmethod
    def _commit_name_version(
        run_name: str, context: NamingContext, run_key_hash: str, run_id: str, config_dir: Path
    ) -> None:
        """Commit the ``_N`` suffix of ``run_name`` under the key build_mlflow_run_name reserved it; errors
        only warn."""
        match = VERSION_SUFFIX_PATTERN.search(run_name)
        if match is None:
            return
        try:
            project = get_naming_config(config_dir)["project_name"]
            counter_key = build_run_name_counter_key(project, context, run_key_hash)
            commit_run_name_version(counter_key, run_id, int(match.group(1)), config_dir.parent, config_dir)
        except Exception as exc:
            logger.warning("Could not commit run-name version for %r: %s", run_name, exc)

    def log_benchmark_results(
        self,
        batch_sizes: List[int],
        iterations: int,
        warmup_iterations: int,
        max_length: int,
        device: Optional[str] = None,
        benchmark_json_path: Optional[Path] = None,
        benchmark_data: Optional[Mapping[str, Any]] = None,
    ) -> None:
        """Log benchmark params, per-batch latencies, largest-batch throughput and the results JSON.

        ``benchmark_data`` (else the JSON file) holds ``{"batch_results": {"<b>": {"mean_ms",
        "p50_ms", "p95_ms", "p99_ms", "throughput_samples_per_sec"}}}``. Errors only warn.
        """
        try:
            mlflow.log_params(
                {
                    "benchmark_batch_sizes": str(list(batch_sizes)),
                    "benchmark_iterations": iterations,
                    "benchmark_warmup_iterations": warmup_iterations,
                    "benchmark_max_length": max_length,
                    "benchmark_device": device or "auto",
                }
            )
            data = benchmark_data
            if data is None and benchmark_json_path is not None and Path(benchmark_json_path).is_file():
                data = json.loads(Path(benchmark_json_path).read_text(encoding="utf-8"))
            results = _batch_results(data or {})

            def pairs() -> Iterator[tuple[str, float]]:
                for size, stats in sorted(results.items()):
                    for suffix, key in (
                        ("ms", "mean_ms"),
                        ("p50_ms", "p50_ms"),
                        ("p95_ms", "p95_ms"),
                        ("p99_ms", "p99_ms"),
                    ):
                        if key in stats:
                            yield f"latency_batch_{size}_{suffix}", float(stats[key])
                if results:
                    largest = results[max(results)]
                    throughput = largest.get("throughput_samples_per_sec")
                    if throughput is not None:
                        yield "throughput_samples_per_sec", float(throughput)

            log_metrics_batched(pairs())
            if benchmark_json_path is not None and Path(benchmark_json_path).is_file():
                config_dir = infer_config_dir_from_path(Path(benchmark_json_path))
                if stage_option(STAGE, "log_artifacts", config_dir):
                    log_artifact_with_retry(
                        Path(benchmark_json_path), "benchmark_results.json", None, ARTIFACT_RETRY
                    )
        except Exception as exc:
            logger.warning("Could not log benchmark results: %s", exc)
