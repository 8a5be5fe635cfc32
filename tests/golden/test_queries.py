"""Golden scenarios: reusable query patterns (legacy-support §4).

query_runs_by_tags (one search call whose filter holds the caller's filter, the required tags
and FINISHED; max_results counts matches; newest first, ties by run name; quoted values; errors),
find_best_run_by_metric (max/min, ties, NaN, none) and group_runs_by_variant (default group,
custom tag, order).
"""

from __future__ import annotations

import math
from typing import Any

from _support_legacy_support import make_run

from infrastructure.tracking.mlflow.queries import (
    find_best_run_by_metric,
    group_runs_by_variant,
    query_runs_by_tags,
)


def _experiment(client: Any, name: str = "hpo") -> str:
    experiment_id: str = client.create_experiment(name)
    return experiment_id


def _tagged_runs(client: Any, experiment_id: str) -> None:
    """Runs oldest to newest: matching FINISHED, matching RUNNING/FAILED, wrong value, missing tag."""
    stage = {"code.stage": "hpo", "code.model": "distilbert"}
    make_run(client, experiment_id, "match-1", tags=stage)
    make_run(client, experiment_id, "match-running", tags=stage, status=None)
    make_run(client, experiment_id, "match-failed", tags=stage, status="FAILED")
    make_run(client, experiment_id, "other-model", tags={**stage, "code.model": "deberta"})
    make_run(client, experiment_id, "no-model-tag", tags={"code.stage": "hpo"})
    make_run(client, experiment_id, "match-2", tags=stage)


def _scored(client: Any, experiment_id: str, scores: list[tuple[str, float | None]]) -> list[Any]:
    """Runs with metric ``f1`` (None: no metric), fetched back in the given order."""
    runs = []
    for name, value in scores:
        run_id = make_run(client, experiment_id, name, status=None)
        if value is not None:
            client.log_metric(run_id, "f1", value)
        client.set_terminated(run_id)
        runs.append(client.get_run(run_id))
    return runs


# -- query_runs_by_tags ----------------------------------------------------------------------------
def test_query_keeps_finished_runs_with_all_required_tags_newest_first(tracking_store, golden):
    experiment_id = _experiment(tracking_store.client)
    _tagged_runs(tracking_store.client, experiment_id)
    found = query_runs_by_tags(
        tracking_store.client, [experiment_id], {"code.stage": "hpo", "code.model": "distilbert"}
    )
    golden.check(result=found)


def test_query_without_required_tags_keeps_every_finished_run(tracking_store, golden):
    experiment_id = _experiment(tracking_store.client)
    _tagged_runs(tracking_store.client, experiment_id)
    golden.check(result=query_runs_by_tags(tracking_store.client, [experiment_id], {}))


def test_query_missing_tag_never_matches_even_an_empty_required_value(tracking_store, golden):
    experiment_id = _experiment(tracking_store.client)
    _tagged_runs(tracking_store.client, experiment_id)
    golden.check(result=query_runs_by_tags(tracking_store.client, [experiment_id], {"code.model": ""}))


def test_query_filter_string_is_passed_to_the_search(tracking_store, golden):
    experiment_id = _experiment(tracking_store.client)
    _tagged_runs(tracking_store.client, experiment_id)
    found = query_runs_by_tags(
        tracking_store.client,
        [experiment_id],
        {"code.stage": "hpo"},
        filter_string="tags.code.model = 'deberta'",
    )
    golden.check(result=found)


def test_query_max_results_counts_only_matching_runs(tracking_store, golden):
    experiment_id = _experiment(tracking_store.client)
    _tagged_runs(tracking_store.client, experiment_id)
    make_run(tracking_store.client, experiment_id, "newest-running", status=None)
    found = query_runs_by_tags(tracking_store.client, [experiment_id], {}, max_results=2)
    golden.check(result=found)


def test_query_spans_several_experiments_newest_first(tracking_store, golden):
    first = _experiment(tracking_store.client, "first")
    second = _experiment(tracking_store.client, "second")
    make_run(tracking_store.client, first, "first-old")
    make_run(tracking_store.client, second, "second-mid")
    make_run(tracking_store.client, first, "first-new")
    golden.check(result=query_runs_by_tags(tracking_store.client, [first, second], {}))


def test_query_required_tag_value_with_a_quote_finds_its_run(tracking_store, golden):
    experiment_id = _experiment(tracking_store.client)
    _tagged_runs(tracking_store.client, experiment_id)
    make_run(tracking_store.client, experiment_id, "quoted-model", tags={"code.model": "bert's"})
    golden.check(result=query_runs_by_tags(tracking_store.client, [experiment_id], {"code.model": "bert's"}))


def test_query_required_tag_value_with_both_quote_kinds_raises_before_the_search(tracking_store, golden):
    experiment_id = _experiment(tracking_store.client)
    _tagged_runs(tracking_store.client, experiment_id)
    with golden.catch_error():
        query_runs_by_tags(tracking_store.client, [experiment_id], {"code.model": 'it\'s "x"'})
    golden.check()


def test_query_runs_started_together_go_by_run_name(tracking_store, golden):
    experiment_id = _experiment(tracking_store.client)
    _tagged_runs(tracking_store.client, experiment_id)
    for name in ("b-tied", "a-tied", "c-tied"):
        make_run(tracking_store.client, experiment_id, name, tags={"code.stage": "hpo"}, start_time=1_000)
    golden.check(result=query_runs_by_tags(tracking_store.client, [experiment_id], {"code.stage": "hpo"}))


def test_query_search_error_propagates(tracking_store, golden):
    experiment_id = _experiment(tracking_store.client)
    _tagged_runs(tracking_store.client, experiment_id)
    with golden.catch_error():
        query_runs_by_tags(
            tracking_store.client, [experiment_id], {}, filter_string="tags.code.model = 'it's'"
        )
    golden.check()


# -- find_best_run_by_metric -----------------------------------------------------------------------
def test_best_by_metric_maximize_skips_runs_without_the_metric(tracking_store, golden):
    runs = _scored(
        tracking_store.client, _experiment(tracking_store.client), [("a", 0.5), ("none", None), ("b", 0.9)]
    )
    golden.check(result=find_best_run_by_metric(runs, "f1"))


def test_best_by_metric_minimize(tracking_store, golden):
    runs = _scored(
        tracking_store.client, _experiment(tracking_store.client), [("a", 0.5), ("b", 0.9), ("c", 0.2)]
    )
    golden.check(result=find_best_run_by_metric(runs, "f1", maximize=False))


def test_best_by_metric_tie_first_in_list_wins(tracking_store, golden):
    runs = _scored(
        tracking_store.client, _experiment(tracking_store.client), [("a", 0.1), ("b", 0.7), ("c", 0.7)]
    )
    golden.check(
        result={
            "max": find_best_run_by_metric(runs, "f1"),
            "max_reversed": find_best_run_by_metric(runs[::-1], "f1"),
        }
    )


def test_best_by_metric_tie_first_in_list_wins_when_minimizing(tracking_store, golden):
    runs = _scored(
        tracking_store.client, _experiment(tracking_store.client), [("a", 0.3), ("b", 0.3), ("c", 0.9)]
    )
    golden.check(
        result={
            "min": find_best_run_by_metric(runs, "f1", maximize=False),
            "min_reversed": find_best_run_by_metric(runs[::-1], "f1", maximize=False),
        }
    )


def test_best_by_metric_nan_first_is_never_beaten(tracking_store, golden):
    runs = _scored(tracking_store.client, _experiment(tracking_store.client), [("nan", math.nan), ("b", 0.9)])
    golden.check(
        result={
            "max": find_best_run_by_metric(runs, "f1"),
            "min": find_best_run_by_metric(runs, "f1", maximize=False),
        }
    )


def test_best_by_metric_nan_later_is_never_chosen(tracking_store, golden):
    runs = _scored(tracking_store.client, _experiment(tracking_store.client), [("a", 0.4), ("nan", math.nan)])
    golden.check(
        result={
            "max": find_best_run_by_metric(runs, "f1"),
            "min": find_best_run_by_metric(runs, "f1", maximize=False),
        }
    )


def test_best_by_metric_none_when_no_run_has_it(tracking_store, golden):
    runs = _scored(tracking_store.client, _experiment(tracking_store.client), [("a", 0.4)])
    golden.check(
        result={
            "other_metric": find_best_run_by_metric(runs, "loss"),
            "no_runs": find_best_run_by_metric([], "f1"),
        }
    )


def test_best_by_metric_of_a_query_result(tracking_store, golden):
    experiment_id = _experiment(tracking_store.client)
    _scored(tracking_store.client, experiment_id, [("a", 0.61), ("b", 0.74), ("c", 0.58)])
    found = query_runs_by_tags(tracking_store.client, [experiment_id], {})
    golden.check(result=find_best_run_by_metric(found, "f1"))


# -- group_runs_by_variant -------------------------------------------------------------------------
def _grouped(groups: dict[str, list[Any]]) -> dict[str, Any]:
    """The groups plus their key order (the golden file sorts dict keys)."""
    return {"key_order": list(groups), "groups": groups}


def _variant_runs(client: Any) -> list[Any]:
    experiment_id = _experiment(client, "final")
    variants = [("v2-a", "2"), ("v1-a", "1"), ("no-variant", None), ("v2-b", "2"), ("v1-b", "1")]
    runs = []
    for name, variant in variants:
        tags = {"code.variant": variant, "custom.group": f"g{variant}"} if variant else {}
        runs.append(client.get_run(make_run(client, experiment_id, name, tags=tags)))
    return runs


def test_group_by_variant_default_group_and_input_order(tracking_store, golden):
    golden.check(result=_grouped(group_runs_by_variant(_variant_runs(tracking_store.client))))


def test_group_by_custom_variant_tag(tracking_store, golden):
    golden.check(
        result=_grouped(
            group_runs_by_variant(_variant_runs(tracking_store.client), variant_tag="custom.group")
        )
    )


def test_group_by_variant_of_no_runs_is_empty(tracking_store, golden):
    golden.check(result=_grouped(group_runs_by_variant([])))
