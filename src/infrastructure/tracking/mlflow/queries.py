"""Reusable MLflow query patterns: tag-filtered run search, best run by metric, grouping by variant."""

from __future__ import annotations

from typing import Any, Dict, List

from mlflow.entities import RunStatus
from mlflow.tracking import MlflowClient

from infrastructure.tracking.mlflow.filters import NEWEST_FIRST, quote_filter_value, tags_filter

FINISHED = RunStatus.to_string(RunStatus.FINISHED)


def query_runs_by_tags(
    client: MlflowClient,
    experiment_ids: List[str],
    required_tags: Dict[str, str],
    filter_string: str = "",
    max_results: int = 1000,
) -> List[Any]:
    """FINISHED runs (newest first) whose tags equal all ``required_tags``, from one ``search_runs``.

    ``filter_string``, the required tags (quoted by ``filters.tags_filter``: a value MLflow cannot
    express raises ValueError before the call) and the FINISHED status form one filter, so
    ``max_results`` counts matching runs. No pagination. Backend errors propagate.
    """
    clauses = (
        filter_string,
        tags_filter(required_tags),
        f"attributes.status = {quote_filter_value(FINISHED)}",
    )
    return list(
        client.search_runs(
            experiment_ids=experiment_ids,
            filter_string=" AND ".join(clause for clause in clauses if clause),
            max_results=max_results,
            order_by=NEWEST_FIRST,
        )
    )


def find_best_run_by_metric(runs: List[Any], metric_name: str, maximize: bool = True) -> Any:
    """Run with the max (or min) ``metric_name`` among runs having it; the first run wins ties; None if none.

    NaN values are not filtered out (comparisons with NaN are simply false).
    """
    best: Any = None
    best_value: float = 0.0
    for run in runs:
        metrics = run.data.metrics
        if metric_name not in metrics:
            continue
        value = metrics[metric_name]
        if best is None or (value > best_value if maximize else value < best_value):
            best, best_value = run, value
    return best


def group_runs_by_variant(runs: List[Any], variant_tag: str = "code.variant") -> Dict[str, List[Any]]:
    """Group runs by the value of ``variant_tag`` (missing tag -> ``"default"``), keeping input order."""
    groups: Dict[str, List[Any]] = {}
    for run in runs:
        groups.setdefault(run.data.tags.get(variant_tag, "default"), []).append(run)
    return groups
