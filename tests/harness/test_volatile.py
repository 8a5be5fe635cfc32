"""Volatile paths: the path syntax on snapshots (unit), and the ini option and volatile= (pytester)."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest

from mlflow_golden._volatile import VolatilePathError, apply, parse

InnerRun = Callable[..., pytest.RunResult]

SNAPSHOT: dict[str, Any] = {
    "schema": 2,
    "experiments": [{"ref": "exp-1", "name": "e", "lifecycle_stage": "active", "tags": {"build.id": "7"}}],
    "runs": [
        {
            "ref": "run-1", "experiment": "exp-1", "name": "fit", "parent": None, "status": "FINISHED",
            "ended": True, "lifecycle_stage": "active",
            "tags": {"mlflow.note.content": "x", "stage": "hpo"},
            "params": {"seed": "3", "lr": "0.1"},
            "metrics": {"train_time": [{"step": 0, "value": 1.5}]},
            "artifacts": [
                {"path": "logs/a.log", "size": 3, "sha256": "ab"},
                {"path": "m.onnx", "size": 1, "sha256": "cd"},
            ],
        },
    ],
    "active_run": None,
    "result": {"trials": [{"started_at": "t0"}, {"started_at": "t1"}]},
    "error": None,
}  # fmt: skip


def _applied(*patterns: str) -> dict[str, Any]:
    snapshot = copy.deepcopy(SNAPSHOT)
    apply(snapshot, strict=patterns)
    return snapshot


def test_a_param_keeps_its_key_and_gets_the_volatile_value() -> None:
    assert _applied("runs.*.params.seed")["runs"][0]["params"] == {"seed": "<volatile>", "lr": "0.1"}


def test_a_tag_key_is_the_rest_of_the_pattern_dots_included() -> None:
    tags = _applied("runs.run-1.tags.mlflow.note.*")["runs"][0]["tags"]
    assert tags == {"mlflow.note.content": "<volatile>", "stage": "hpo"}


def test_a_volatile_metric_loses_its_whole_history() -> None:
    assert _applied("runs.*.metrics.train_time")["runs"][0]["metrics"] == {"train_time": "<volatile>"}


def test_a_volatile_artifact_keeps_its_path_and_loses_size_and_hash() -> None:
    artifacts = _applied("runs.*.artifacts.logs/*.log")["runs"][0]["artifacts"]
    assert artifacts == [
        {"path": "logs/a.log", "size": "<volatile>", "sha256": "<volatile>"},
        {"path": "m.onnx", "size": 1, "sha256": "cd"},
    ]


def test_result_segments_walk_dict_keys_and_list_indices() -> None:
    result = _applied("result.trials.*.started_at")["result"]
    assert result == {"trials": [{"started_at": "<volatile>"}, {"started_at": "<volatile>"}]}


def test_null_is_not_volatile_and_matches_nothing() -> None:
    with pytest.raises(VolatilePathError, match="'error' matched nothing"):
        _applied("error")


def test_a_per_check_pattern_that_matches_nothing_is_an_error_naming_it() -> None:
    with pytest.raises(VolatilePathError, match=r"volatile path 'runs.\*.params.sed' matched nothing"):
        _applied("runs.*.params.sed")


def test_a_project_wide_pattern_may_match_nothing() -> None:
    snapshot = copy.deepcopy(SNAPSHOT)
    apply(snapshot, lenient=["runs.*.params.duration_s"])
    assert snapshot == SNAPSHOT


@pytest.mark.parametrize(
    ("pattern", "message"),
    [
        ("run.*.params.seed", "'run' names no part of a snapshot"),
        ("runs.*.param.seed", "'param' names no field of runs"),
        ("runs.*", "name a field of each item"),
        ("result..x", "empty segment"),
    ],
)
def test_malformed_patterns_are_rejected_naming_the_problem(pattern: str, message: str) -> None:
    with pytest.raises(VolatilePathError, match=message):
        parse(pattern)


SCENARIO = """
def test_scenario(tracking_store, golden):
    c = tracking_store.client
    run_id = c.create_run(c.create_experiment("e"), run_name="fit").info.run_id
    c.log_param(run_id, "duration_s", "{DURATION}")
    c.log_param(run_id, "seed", "{SEED}")
    golden.check(volatile={VOLATILE})
"""
INI = "[pytest]\ngolden_volatile_paths =\n    runs.*.params.duration_s\n    runs.*.metrics.never_logged\n"


def _write(pytester: pytest.Pytester, duration: str = "1.5", seed: str = "3", volatile: str = "()") -> None:
    pytester.makepyfile(test_scenario=SCENARIO.format(DURATION=duration, SEED=seed, VOLATILE=volatile))


def _params(pytester: pytest.Pytester) -> dict[str, str]:
    import json

    text = (pytester.path / "golden/test_scenario/test_scenario.json").read_text(encoding="utf-8")
    params: dict[str, str] = json.loads(text)["runs"][0]["params"]
    return params


def test_ini_volatile_paths_keep_the_key_and_let_the_value_change(
    pytester: pytest.Pytester, run_inner: InnerRun
) -> None:
    pytester.makeini(INI)
    _write(pytester)
    run_inner("--golden-update").assert_outcomes(passed=1)
    assert _params(pytester) == {"duration_s": "<volatile>", "seed": "3"}
    _write(pytester, duration="9.75")
    run_inner().assert_outcomes(passed=1)


def test_per_check_volatile_paths_keep_the_key_and_let_the_value_change(
    pytester: pytest.Pytester, run_inner: InnerRun
) -> None:
    _write(pytester, volatile='("runs.*.params.seed",)')
    run_inner("--golden-update").assert_outcomes(passed=1)
    assert _params(pytester) == {"duration_s": "1.5", "seed": "<volatile>"}
    _write(pytester, seed="4", volatile='("runs.*.params.seed",)')
    run_inner().assert_outcomes(passed=1)


def test_a_per_check_pattern_matching_nothing_fails_the_check(
    pytester: pytest.Pytester, run_inner: InnerRun
) -> None:
    _write(pytester, volatile='("runs.*.params.sed",)')
    result = run_inner("--golden-update")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*volatile path 'runs.*.params.sed' matched nothing in the snapshot*"])


def test_a_malformed_ini_pattern_stops_the_session(pytester: pytest.Pytester, run_inner: InnerRun) -> None:
    pytester.makeini("[pytest]\ngolden_volatile_paths =\n    run.*.params.x\n")
    _write(pytester)
    result = run_inner()
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*golden_volatile_paths: volatile path 'run.*.params.x'*"])
