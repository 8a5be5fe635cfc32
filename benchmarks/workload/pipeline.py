"""The workload itself: the pipeline demo's HPO sweep, refit, final training, lineage, benchmark
and conversion, through the project's public functions; and a counter of the REST calls it sends."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

LINEAGE_EXPERIMENT = "ner-final-training"


def sweep_shape(trials: int, folds: int) -> tuple[list[dict[str, Any]], list[list[float]]]:
    """Hyperparameters per trial (cycling the demo's grid) and a distinct objective per fold.

    Scores are binary fractions, so fold means are exact on every variant; trial 1 is the best.
    """
    grid = [
        {"learning_rate": lr, "batch_size": bs, "dropout": dr}
        for lr in (2e-5, 3e-5, 5e-5)
        for bs in (16, 32)
        for dr in (0.1, 0.2)
    ]
    params = [dict(grid[number % len(grid)], seed=number) for number in range(trials)]
    scores = [
        [(0.875 if number == 1 else 0.5) + (number % 8 + fold) / 256 for fold in range(folds)]
        for number in range(trials)
    ]
    return params, scores


def run_pipeline_workload(root: Path, uri: str, trials: int, folds: int) -> None:
    """The HPO pipeline through the project's public functions, then ``apply_lineage_tags``."""
    from pipeline_demo import pipeline

    from infrastructure.naming.context import NamingContext
    from infrastructure.naming.platform import detect_platform
    from training.execution.tags import apply_lineage_tags

    params, scores = sweep_shape(trials, folds)
    summary = pipeline.run_pipeline(root, tracking_uri=uri, trials=params, fold_scores=scores)
    context = NamingContext(
        "final_training",
        pipeline.MODEL,
        detect_platform(),
        spec_fp=pipeline.SPEC_FP,
        exec_fp=pipeline.EXEC_FP,
    )
    apply_lineage_tags(
        LINEAGE_EXPERIMENT,
        context,
        root / "outputs" / "final_training",
        root,
        root / "config",
        summary["final_training"]["lineage"],
    )


@contextmanager
def counting_rest_calls() -> Iterator[Counter[str]]:
    """Count every HTTP request the MLflow client sends, as ``METHOD /endpoint``."""
    import mlflow.store.tracking.rest_store as rest_store
    import mlflow.utils.rest_utils as rest_utils

    counts: Counter[str] = Counter()
    original: Any = rest_utils.http_request

    def counted(host_creds: Any, endpoint: str, method: str, *args: Any, **kwargs: Any) -> Any:
        counts[f"{method} {endpoint}"] += 1
        return original(host_creds, endpoint, method, *args, **kwargs)

    modules = [
        module for module in (rest_utils, rest_store) if getattr(module, "http_request", None) is original
    ]
    for module in modules:
        module.http_request = counted  # type: ignore[attr-defined]
    try:
        yield counts
    finally:
        for module in modules:
            module.http_request = original  # type: ignore[attr-defined]
