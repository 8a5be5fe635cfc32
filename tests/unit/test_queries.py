"""Query helpers (legacy-support §4) against a real file store."""

from __future__ import annotations

from typing import Any, Dict, Optional

import pytest
from mlflow.tracking import MlflowClient
from pytest_mock import MockerFixture

from infrastructure.tracking.mlflow.queries import (
    find_best_run_by_metric,
    group_runs_by_variant,
    query_runs_by_tags,
)


def make_run(
    client: MlflowClient,
    experiment_id: str,
    name: str,
    tags: Optional[Dict[str, str]] = None,
    metrics: Optional[Dict[str, float]] = None,
    status: Optional[str] = "FINISHED",
    start_time: Optional[int] = None,
) -> Any:
    run = client.create_run(
        experiment_id=experiment_id, run_name=name, tags=tags or {}, start_time=start_time
    )
    for key, value in (metrics or {}).items():
        client.log_metric(run.info.run_id, key, value)
    if status is not None:
        client.set_terminated(run.info.run_id, status=status)
    return client.get_run(run.info.run_id)


@pytest.fixture
def experiment_id(client: MlflowClient) -> str:
    return str(client.create_experiment("queries"))


def names(runs: list[Any]) -> list[str]:
    return [run.info.run_name for run in runs]


def test_query_keeps_only_finished_runs(client: MlflowClient, experiment_id: str) -> None:
    make_run(client, experiment_id, "done", {"code.stage": "hpo"})
    make_run(client, experiment_id, "running", {"code.stage": "hpo"}, status=None)
    make_run(client, experiment_id, "failed", {"code.stage": "hpo"}, status="FAILED")
    runs = query_runs_by_tags(client, [experiment_id], {"code.stage": "hpo"})
    assert names(runs) == ["done"]


def test_query_requires_every_tag_to_match(client: MlflowClient, experiment_id: str) -> None:
    make_run(client, experiment_id, "both", {"code.stage": "hpo", "code.model": "bert"})
    make_run(client, experiment_id, "other-model", {"code.stage": "hpo", "code.model": "roberta"})
    make_run(client, experiment_id, "missing-model", {"code.stage": "hpo"})
    runs = query_runs_by_tags(client, [experiment_id], {"code.stage": "hpo", "code.model": "bert"})
    assert names(runs) == ["both"]


def test_query_without_required_tags_returns_all_finished(client: MlflowClient, experiment_id: str) -> None:
    make_run(client, experiment_id, "a")
    make_run(client, experiment_id, "b")
    assert sorted(names(query_runs_by_tags(client, [experiment_id], {}))) == ["a", "b"]


def test_query_applies_the_filter_string(client: MlflowClient, experiment_id: str) -> None:
    make_run(client, experiment_id, "a", {"code.variant": "1"})
    make_run(client, experiment_id, "b", {"code.variant": "2"})
    runs = query_runs_by_tags(client, [experiment_id], {}, filter_string="tags.code.variant = '2'")
    assert names(runs) == ["b"]


def test_query_max_results_counts_matching_runs(client: MlflowClient, experiment_id: str) -> None:
    make_run(client, experiment_id, "older-match", {"code.stage": "hpo"}, start_time=1_000)
    make_run(client, experiment_id, "newer-other", {"code.stage": "benchmarking"}, start_time=2_000)
    runs = query_runs_by_tags(client, [experiment_id], {"code.stage": "hpo"}, max_results=1)
    assert names(runs) == ["older-match"]


def test_query_tag_value_with_a_quote_is_matched(client: MlflowClient, experiment_id: str) -> None:
    make_run(client, experiment_id, "quoted", {"code.model": "bert's"})
    make_run(client, experiment_id, "other", {"code.model": "bert"})
    assert names(query_runs_by_tags(client, [experiment_id], {"code.model": "bert's"})) == ["quoted"]


def test_query_inexpressible_tag_value_raises_before_the_search(
    client: MlflowClient, experiment_id: str, mocker: MockerFixture
) -> None:
    search = mocker.spy(client, "search_runs")
    with pytest.raises(ValueError, match="cannot express"):
        query_runs_by_tags(client, [experiment_id], {"code.model": 'it\'s "x"'})
    search.assert_not_called()


def test_query_errors_propagate(client: MlflowClient, experiment_id: str, mocker: MockerFixture) -> None:
    mocker.patch.object(client, "search_runs", side_effect=RuntimeError("backend down"))
    with pytest.raises(RuntimeError, match="backend down"):
        query_runs_by_tags(client, [experiment_id], {})


def test_best_run_maximizes_by_default(client: MlflowClient, experiment_id: str) -> None:
    runs = [
        make_run(client, experiment_id, "low", metrics={"f1": 0.5}),
        make_run(client, experiment_id, "high", metrics={"f1": 0.9}),
        make_run(client, experiment_id, "mid", metrics={"f1": 0.7}),
    ]
    assert find_best_run_by_metric(runs, "f1").info.run_name == "high"


def test_best_run_minimizes_when_asked(client: MlflowClient, experiment_id: str) -> None:
    runs = [
        make_run(client, experiment_id, "slow", metrics={"loss": 2.0}),
        make_run(client, experiment_id, "fast", metrics={"loss": 0.3}),
    ]
    assert find_best_run_by_metric(runs, "loss", maximize=False).info.run_name == "fast"


@pytest.mark.parametrize("maximize", [True, False])
def test_best_run_tie_goes_to_first(client: MlflowClient, experiment_id: str, maximize: bool) -> None:
    runs = [
        make_run(client, experiment_id, "first", metrics={"f1": 0.8}),
        make_run(client, experiment_id, "second", metrics={"f1": 0.8}),
    ]
    assert find_best_run_by_metric(runs, "f1", maximize=maximize).info.run_name == "first"


def test_best_run_skips_runs_without_the_metric(client: MlflowClient, experiment_id: str) -> None:
    runs = [
        make_run(client, experiment_id, "no-metric", metrics={"loss": 9.0}),
        make_run(client, experiment_id, "has-metric", metrics={"f1": 0.1}),
    ]
    assert find_best_run_by_metric(runs, "f1").info.run_name == "has-metric"


def test_best_run_is_none_when_no_run_has_the_metric(client: MlflowClient, experiment_id: str) -> None:
    runs = [make_run(client, experiment_id, "a", metrics={"loss": 1.0})]
    assert find_best_run_by_metric(runs, "f1") is None
    assert find_best_run_by_metric([], "f1") is None


def test_best_run_does_not_filter_nan(client: MlflowClient, experiment_id: str) -> None:
    runs = [
        make_run(client, experiment_id, "nan-first", metrics={"f1": float("nan")}),
        make_run(client, experiment_id, "real", metrics={"f1": 0.9}),
    ]
    # NaN compares false both ways, so a leading NaN run is never displaced.
    assert find_best_run_by_metric(runs, "f1").info.run_name == "nan-first"


def test_group_by_variant_keeps_input_order(client: MlflowClient, experiment_id: str) -> None:
    runs = [
        make_run(client, experiment_id, "v2-a", {"code.variant": "2"}),
        make_run(client, experiment_id, "v1-a", {"code.variant": "1"}),
        make_run(client, experiment_id, "none"),
        make_run(client, experiment_id, "v2-b", {"code.variant": "2"}),
    ]
    groups = group_runs_by_variant(runs)
    assert list(groups) == ["2", "1", "default"]
    assert {key: names(value) for key, value in groups.items()} == {
        "2": ["v2-a", "v2-b"],
        "1": ["v1-a"],
        "default": ["none"],
    }


def test_group_by_custom_tag(client: MlflowClient, experiment_id: str) -> None:
    runs = [
        make_run(client, experiment_id, "a", {"code.model": "bert", "code.variant": "1"}),
        make_run(client, experiment_id, "b", {"code.model": "roberta", "code.variant": "1"}),
    ]
    groups = group_runs_by_variant(runs, variant_tag="code.model")
    assert {key: names(value) for key, value in groups.items()} == {"bert": ["a"], "roberta": ["b"]}
