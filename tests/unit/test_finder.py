"""find_mlflow_run (legacy-support §3): strategies P1-P7, reports, errors, reproduced defects."""

from __future__ import annotations

import itertools
import json
from pathlib import Path
from typing import Any, Dict, Optional

import pytest
from mlflow.exceptions import MlflowException
from mlflow.tracking import MlflowClient
from pytest_mock import MockerFixture

from infrastructure.naming.context import NamingContext
from infrastructure.tracking.mlflow.finder import (
    ALL_STRATEGIES,
    DIRECT_QUERY_FAILED,
    STRATEGY_DIRECT_QUERY,
    find_mlflow_run,
)
from infrastructure.tracking.mlflow.index import get_mlflow_index_path, update_mlflow_index
from infrastructure.tracking.mlflow.types import RunLookupReport

DIRECT_QUERY_ATTEMPTED = [*ALL_STRATEGIES, STRATEGY_DIRECT_QUERY]
HPO_CONTEXT = NamingContext(process_type="hpo", model="bert", environment="local", trial_id="trial_1")


@pytest.fixture
def experiment_id(client: MlflowClient) -> str:
    return client.create_experiment("exp")


_START_TIMES = itertools.count(1_700_000_000_000, 1000)


def make_run(client: MlflowClient, experiment_id: str, tags: Optional[Dict[str, str]] = None) -> str:
    """Create a run that starts strictly later than every run made before it (no recency ties)."""
    run = client.create_run(experiment_id=experiment_id, tags=tags or {}, start_time=next(_START_TIMES))
    run_id: str = run.info.run_id
    return run_id


def write_metadata(output_dir: Path, content: Dict[str, object]) -> None:
    output_dir.mkdir(parents=True, exist_ok=True)
    (output_dir / "metadata.json").write_text(json.dumps(content), encoding="utf-8")


# --- step 1: experiment -----------------------------------------------------------------------


def test_unknown_experiment_raises_runtime_error(local_mlflow: str) -> None:
    with pytest.raises(RuntimeError) as excinfo:
        find_mlflow_run("absent")
    assert str(excinfo.value) == "Could not get experiment 'absent': Experiment 'absent' not found"


# --- P1 / P2 ----------------------------------------------------------------------------------


def test_direct_run_id_hit_reports_only_the_winning_strategy(
    client: MlflowClient, experiment_id: str
) -> None:
    run_id = make_run(client, experiment_id)
    make_run(client, experiment_id)  # newer: would win P7
    report = find_mlflow_run("exp", run_id=run_id)
    assert (report.found, report.run_id) == (True, run_id)
    assert report.strategy_used == "direct_run_id"
    assert report.strategies_attempted == ["direct_run_id"]
    assert report.error is None


def test_direct_run_id_from_another_experiment_moves_on(client: MlflowClient, experiment_id: str) -> None:
    foreign = make_run(client, client.create_experiment("other"))
    local = make_run(client, experiment_id)
    report = find_mlflow_run("exp", run_id=foreign)
    assert (report.run_id, report.strategy_used) == (local, "most_recent_fallback")


def test_metadata_json_mlflow_info_run_id_is_found(
    client: MlflowClient, experiment_id: str, tmp_path: Path
) -> None:
    run_id = make_run(client, experiment_id)
    make_run(client, experiment_id)
    write_metadata(tmp_path / "out", {"mlflow_info": {"run_id": run_id}})
    report = find_mlflow_run("exp", output_dir=tmp_path / "out")
    assert (report.run_id, report.strategy_used) == (run_id, "metadata_json")


def test_metadata_json_in_the_trackers_mlflow_format_is_found(
    client: MlflowClient, experiment_id: str, tmp_path: Path
) -> None:
    run_id = make_run(client, experiment_id)
    make_run(client, experiment_id)
    write_metadata(tmp_path / "out", {"mlflow": {"run_id": run_id}})
    report = find_mlflow_run("exp", output_dir=tmp_path / "out")
    assert (report.run_id, report.strategy_used) == (run_id, "metadata_json")


def test_metadata_json_mlflow_key_wins_over_mlflow_info(
    client: MlflowClient, experiment_id: str, tmp_path: Path
) -> None:
    run_id = make_run(client, experiment_id)
    other = make_run(client, experiment_id)
    write_metadata(tmp_path / "out", {"mlflow_info": {"run_id": other}, "mlflow": {"run_id": run_id}})
    report = find_mlflow_run("exp", output_dir=tmp_path / "out")
    assert (report.run_id, report.strategy_used) == (run_id, "metadata_json")


# --- P3: the local index -----------------------------------------------------------------------


def _index(root: Path, run_key_hash: str, run_id: str, experiment_id: str, uri: str) -> None:
    update_mlflow_index(root, run_key_hash, run_id, experiment_id, uri)


def test_index_entry_of_this_uri_and_experiment_is_found(
    client: MlflowClient, experiment_id: str, local_mlflow: str, tmp_path: Path
) -> None:
    indexed = make_run(client, experiment_id)
    make_run(client, experiment_id)  # newer: would win P7
    _index(tmp_path, "a" * 64, indexed, experiment_id, local_mlflow)
    report = find_mlflow_run("exp", run_key_hash="a" * 64, root_dir=tmp_path)
    assert (report.run_id, report.strategy_used) == (indexed, "local_index")


def test_index_root_is_derived_from_the_output_dir(
    client: MlflowClient, experiment_id: str, local_mlflow: str, tmp_path: Path
) -> None:
    indexed = make_run(client, experiment_id)
    make_run(client, experiment_id)
    _index(tmp_path, "a" * 64, indexed, experiment_id, local_mlflow)
    report = find_mlflow_run("exp", run_key_hash="a" * 64, output_dir=tmp_path / "a" / "b" / "c" / "d" / "e")
    assert (report.run_id, report.strategy_used) == (indexed, "local_index")


@pytest.mark.parametrize("mismatch", ["experiment", "tracking_uri"])
def test_index_entry_of_another_experiment_or_uri_is_skipped(
    client: MlflowClient, experiment_id: str, local_mlflow: str, tmp_path: Path, mismatch: str
) -> None:
    indexed = make_run(client, experiment_id)
    newest = make_run(client, experiment_id)
    other = {"experiment": ("999", local_mlflow), "tracking_uri": (experiment_id, "http://elsewhere:5000")}
    _index(tmp_path, "a" * 64, indexed, *other[mismatch])
    report = find_mlflow_run("exp", run_key_hash="a" * 64, root_dir=tmp_path)
    assert (report.run_id, report.strategy_used) == (newest, "most_recent_fallback")


def test_corrupt_index_is_skipped_with_a_warning(
    client: MlflowClient, experiment_id: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    newest = make_run(client, experiment_id)
    path = get_mlflow_index_path(tmp_path)
    path.parent.mkdir(parents=True)
    path.write_text("{oops", encoding="utf-8")
    report = find_mlflow_run("exp", run_key_hash="a" * 64, root_dir=tmp_path)
    assert (report.run_id, report.strategy_used) == (newest, "most_recent_fallback")
    assert "Local index lookup failed" in caplog.text


def test_index_lookup_creates_no_folder(experiment_id: str, tmp_path: Path) -> None:
    find_mlflow_run("exp", context=HPO_CONTEXT, root_dir=tmp_path / "root")
    assert not (tmp_path / "root").exists()


def test_incomplete_context_raises_the_run_key_value_error(experiment_id: str) -> None:
    refit = NamingContext(process_type="hpo_refit", model="bert", environment="local")
    with pytest.raises(ValueError, match="HPO refit requires trial_id for run_key"):
        find_mlflow_run("exp", context=refit)


# --- P4 / P5 / P7 -----------------------------------------------------------------------------


def test_run_key_hash_tag_is_found_without_a_root(client: MlflowClient, experiment_id: str) -> None:
    run_id = make_run(client, experiment_id, {"code.run_key_hash": "h" * 64})
    make_run(client, experiment_id)
    report = find_mlflow_run("exp", run_key_hash="h" * 64)
    assert (report.run_id, report.strategy_used) == (run_id, "tag_run_key_hash")


def test_quote_in_the_hash_is_quoted_and_finds_the_run(client: MlflowClient, experiment_id: str) -> None:
    tagged = make_run(client, experiment_id, {"code.run_key_hash": "it's"})
    make_run(client, experiment_id)
    report = find_mlflow_run("exp", run_key_hash="it's")
    assert (report.run_id, report.strategy_used) == (tagged, "tag_run_key_hash")


@pytest.mark.parametrize(
    "kwargs",
    [
        {"run_key_hash": 'it\'s "x"'},
        {"context": NamingContext("final_training", 'it\'s "x"', "local", spec_fp="s", exec_fp="e")},
    ],
    ids=["hash", "context"],
)
def test_inexpressible_filter_value_raises_before_any_store_call(
    local_mlflow: str, mocker: MockerFixture, kwargs: Dict[str, Any]
) -> None:
    spy = mocker.spy(MlflowClient, "__init__")
    with pytest.raises(ValueError, match="cannot express"):
        find_mlflow_run("exp", **kwargs)
    spy.assert_not_called()


def test_context_tags_are_matched(client: MlflowClient, experiment_id: str) -> None:
    run_id = make_run(client, experiment_id, {"code.model": "bert", "code.env": "local", "code.variant": "1"})
    make_run(client, experiment_id, {"code.model": "roberta", "code.env": "local", "code.variant": "1"})
    report = find_mlflow_run("exp", context=HPO_CONTEXT)
    assert (report.run_id, report.strategy_used) == (run_id, "tag_context")


def test_context_with_a_stage_never_matches_tracker_tags(client: MlflowClient, experiment_id: str) -> None:
    tracker_run = make_run(
        client,
        experiment_id,
        {"code.stage": "hpo", "code.model": "bert", "code.env": "local", "code.variant": "1"},
    )
    staged = NamingContext(
        process_type="hpo", model="bert", environment="local", trial_id="trial_1", stage="hpo_trial"
    )
    report = find_mlflow_run("exp", context=staged)
    assert (report.run_id, report.strategy_used) == (tracker_run, "most_recent_fallback")


def test_most_recent_fallback_returns_the_newest_run_in_any_status(
    client: MlflowClient, experiment_id: str
) -> None:
    make_run(client, experiment_id)
    newest = make_run(client, experiment_id)
    client.set_terminated(newest, status="FAILED")
    report = find_mlflow_run("exp")
    assert (report.run_id, report.strategy_used) == (newest, "most_recent_fallback")


# --- step 3: misses and strict mode -----------------------------------------------------------


def test_non_strict_miss_lists_all_seven_strategies(experiment_id: str) -> None:
    report = find_mlflow_run("exp", run_id="missing")
    assert report.found is False
    assert report.run_id is None
    assert (
        report.strategies_attempted
        == list(ALL_STRATEGIES)
        == [
            "direct_run_id",
            "metadata_json",
            "local_index",
            "tag_run_key_hash",
            "tag_context",
            "run_name_tag",
            "most_recent_fallback",
        ]
    )
    assert report.error == "Could not find run in experiment 'exp' after trying all strategies"


def test_search_error_in_the_fallback_is_reported_as_a_miss(
    client: MlflowClient, experiment_id: str, mocker: MockerFixture
) -> None:
    make_run(client, experiment_id)
    mocker.patch.object(MlflowClient, "search_runs", side_effect=MlflowException("search down"))
    assert find_mlflow_run("exp").found is False


def test_strict_miss_raises_and_skips_the_fallbacks(client: MlflowClient, experiment_id: str) -> None:
    make_run(client, experiment_id)
    with pytest.raises(ValueError) as excinfo:
        find_mlflow_run("exp", strict=True)
    assert str(excinfo.value) == (
        "Could not find run in experiment 'exp' using strict mode (tried priorities 1-4)"
    )


def _config_dir(tmp_path: Path, mlflow_yaml: Optional[str]) -> Path:
    config_dir = tmp_path / "config"
    config_dir.mkdir()
    if mlflow_yaml is not None:
        (config_dir / "mlflow.yaml").write_text(mlflow_yaml, encoding="utf-8")
    return config_dir


@pytest.mark.parametrize(
    "mlflow_yaml", ["run_finder:\n  strict_mode_default: true\n", None], ids=["true", "loader-default"]
)
def test_config_strict_mode_default_enables_strict_mode(
    client: MlflowClient, experiment_id: str, tmp_path: Path, mlflow_yaml: Optional[str]
) -> None:
    make_run(client, experiment_id)
    with pytest.raises(ValueError, match="using strict mode"):
        find_mlflow_run("exp", config_dir=_config_dir(tmp_path, mlflow_yaml))


def test_config_strict_mode_default_false_tries_every_strategy(
    client: MlflowClient, experiment_id: str, tmp_path: Path
) -> None:
    newest = make_run(client, experiment_id)
    config_dir = _config_dir(tmp_path, "run_finder:\n  strict_mode_default: false\n")
    report = find_mlflow_run("exp", config_dir=config_dir)
    assert (report.run_id, report.strategy_used) == (newest, "most_recent_fallback")


def test_explicit_strict_false_overrides_the_config(
    client: MlflowClient, experiment_id: str, tmp_path: Path
) -> None:
    newest = make_run(client, experiment_id)
    report = find_mlflow_run("exp", config_dir=_config_dir(tmp_path, None), strict=False)
    assert (report.run_id, report.strategy_used) == (newest, "most_recent_fallback")


# --- direct_query_fallback (apply_lineage_tags' last resort) ------------------------------------


def test_direct_query_fallback_finds_the_newest_run_after_a_miss(
    client: MlflowClient, mocker: MockerFixture
) -> None:
    experiment = client.create_experiment("direct")
    run_id = client.create_run(experiment_id=experiment).info.run_id
    real_search = MlflowClient.search_runs
    calls: list[int] = []

    def p7_fails(self: MlflowClient, *args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        if len(calls) == 1:
            raise MlflowException("search down")
        return real_search(self, *args, **kwargs)

    mocker.patch.object(MlflowClient, "search_runs", p7_fails)
    report = find_mlflow_run("direct", strict=False, direct_query_fallback=True)
    assert (report.found, report.run_id, report.strategy_used) == (True, run_id, STRATEGY_DIRECT_QUERY)


def test_direct_query_fallback_reports_its_error_instead_of_raising(
    client: MlflowClient, mocker: MockerFixture
) -> None:
    client.create_experiment("direct")
    mocker.patch.object(MlflowClient, "search_runs", side_effect=MlflowException("search down"))
    report = find_mlflow_run("direct", strict=False, direct_query_fallback=True)
    assert report == RunLookupReport(
        found=False, strategies_attempted=DIRECT_QUERY_ATTEMPTED, error=f"{DIRECT_QUERY_FAILED}search down"
    )


def test_direct_query_fallback_on_an_empty_experiment_is_a_miss_listing_eight_strategies(
    client: MlflowClient,
) -> None:
    client.create_experiment("direct")
    report = find_mlflow_run("direct", strict=False, direct_query_fallback=True)
    assert report == RunLookupReport(
        found=False,
        strategies_attempted=DIRECT_QUERY_ATTEMPTED,
        error="Could not find run in experiment 'direct' after trying all strategies",
    )


def test_direct_query_fallback_treats_a_vanished_experiment_as_a_miss_not_an_error(
    client: MlflowClient, mocker: MockerFixture
) -> None:
    client.create_experiment("direct")
    real_lookup = MlflowClient.get_experiment_by_name
    lookups: list[str] = []

    def gone_after_step_one(self: MlflowClient, name: str) -> Any:
        lookups.append(name)
        return real_lookup(self, name) if len(lookups) == 1 else None

    mocker.patch.object(MlflowClient, "get_experiment_by_name", gone_after_step_one)
    report = find_mlflow_run("direct", strict=False, direct_query_fallback=True)
    assert len(lookups) == 2  # step 1, then the direct query's fresh lookup
    assert report == RunLookupReport(
        found=False,
        strategies_attempted=DIRECT_QUERY_ATTEMPTED,
        error="Could not find run in experiment 'direct' after trying all strategies",
    )


def test_without_direct_query_fallback_a_miss_stays_a_miss(client: MlflowClient) -> None:
    client.create_experiment("direct")
    report = find_mlflow_run("direct", strict=False)
    assert not report.found
    assert report.error == "Could not find run in experiment 'direct' after trying all strategies"
