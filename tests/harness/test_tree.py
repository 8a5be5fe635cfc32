"""Tree rendering of golden snapshots and the tree diff shown in mismatch messages."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from typing import Any

import pytest

from mlflow_golden._tree import render_tree, tree_diff


def _run(
    ref: str, name: str, parent: str | None = None, experiment: str = "exp-1", **fields: Any
) -> dict[str, Any]:
    run: dict[str, Any] = {
        "ref": ref,
        "experiment": experiment,
        "name": name,
        "parent": parent,
        "status": "FINISHED",
        "ended": True,
        "lifecycle_stage": "active",
        "tags": {"mlflow.runName": name},
        "params": {},
        "metrics": {},
        "artifacts": [],
    }
    if parent is not None:
        run["tags"]["mlflow.parentRunId"] = parent
    run.update(fields)
    return run


def _history(*values: float, first_step: int = 0) -> list[dict[str, Any]]:
    """A metric history logged at consecutive steps from ``first_step``."""
    return [{"step": first_step + i, "value": value} for i, value in enumerate(values)]


def _artifact(path: str, size: int, sha256: str = "0123456789abcdef" * 4) -> dict[str, Any]:
    return {"path": path, "size": size, "sha256": sha256}


def _snapshot(*runs: dict[str, Any], **fields: Any) -> dict[str, Any]:
    snapshot: dict[str, Any] = {
        "schema": 2,
        "experiments": [{"ref": "exp-1", "name": "hpo", "lifecycle_stage": "active", "tags": {}}],
        "runs": list(runs),
        "active_run": None,
        "result": None,
        "error": None,
    }
    snapshot.update(fields)
    return snapshot


def _sweep() -> dict[str, Any]:
    """A sweep parent with a trial child that has a fold grandchild, and a second trial."""
    return _snapshot(
        _run("run-1", "sweep", status="RUNNING", ended=False, artifacts=[_artifact("model.onnx", 12)]),
        _run("run-2", "trial_0", parent="run-1", params={"lr": "0.1"}, metrics={"loss": _history(0.5, 0.4)}),
        _run("run-3", "fold_0", parent="run-2"),
        _run("run-4", "trial_1", parent="run-1"),
        active_run="run-1",
        result={"run": "run-1"},
    )


def _lines(text: str) -> list[str]:
    return text.splitlines()


# --- render_tree -------------------------------------------------------------------------------


def test_render_tree_nests_runs_under_their_parents_in_creation_order() -> None:
    snapshot = _sweep()
    for run in snapshot["runs"]:
        run["tags"] = {}
    assert render_tree(snapshot) == (
        'experiment exp-1 "hpo"\n'
        '  run-1 "sweep" RUNNING (active)\n'
        "      artifacts: model.onnx (12 B, sha256 0123456789ab)\n"
        '    run-2 "trial_0" FINISHED\n'
        '        params: lr="0.1"\n'
        "        metrics: loss=[step 0: 0.5, step 1: 0.4]\n"
        '      run-3 "fold_0" FINISHED\n'
        '    run-4 "trial_1" FINISHED\n'
        "active run: run-1\n"
        'result: {"run": "run-1"}\n'
    )


def test_render_tree_lists_tags_sorted_on_one_line_under_the_run() -> None:
    run = _run("run-1", "train", tags={"z.last": "1", "a.first": "x"})
    lines = _lines(render_tree(_snapshot(run)))
    assert lines[lines.index('  run-1 "train" FINISHED') + 1] == '      tags: a.first="x", z.last="1"'


def test_render_tree_shows_experiment_tags_under_the_experiment() -> None:
    snapshot = _snapshot()
    snapshot["experiments"][0]["tags"] = {"team": "ner"}
    assert _lines(render_tree(snapshot))[:2] == ['experiment exp-1 "hpo"', '    tags: team="ner"']


def test_render_tree_shows_the_error_type_and_message() -> None:
    snapshot = _snapshot(error={"type": "RuntimeError", "message": "no run for run-1"})
    assert "error: RuntimeError: no run for run-1" in _lines(render_tree(snapshot))


def test_render_tree_marks_deleted_experiments_and_runs() -> None:
    snapshot = _snapshot(_run("run-1", "gone", lifecycle_stage="deleted"))
    snapshot["experiments"][0]["lifecycle_stage"] = "deleted"
    lines = _lines(render_tree(snapshot))
    assert lines[0] == 'experiment exp-1 "hpo" [deleted]'
    assert lines[1] == '  run-1 "gone" FINISHED [deleted]'


def test_render_tree_shows_a_cross_experiment_parent_next_to_the_run() -> None:
    snapshot = _snapshot(_run("run-1", "parent"), _run("run-2", "child", parent="run-1", experiment="exp-2"))
    snapshot["experiments"].append({"ref": "exp-2", "name": "other", "lifecycle_stage": "active", "tags": {}})
    lines = _lines(render_tree(snapshot))
    assert lines[lines.index('experiment exp-2 "other"') + 1] == '  run-2 "child" FINISHED (parent run-1)'


def test_render_tree_shows_runs_of_an_uncaptured_experiment() -> None:
    snapshot = _snapshot(_run("run-1", "default run", experiment="exp-default"))
    snapshot["experiments"] = []
    assert _lines(render_tree(snapshot))[:2] == [
        "experiment exp-default (not captured)",
        '  run-1 "default run" FINISHED',
    ]


def test_render_tree_flags_a_finished_status_without_end_time() -> None:
    snapshot = _snapshot(_run("run-1", "odd", status="FINISHED", ended=False))
    assert '  run-1 "odd" FINISHED (not ended)' in _lines(render_tree(snapshot))


def test_render_tree_survives_a_parent_cycle() -> None:
    snapshot = _snapshot(_run("run-1", "a", parent="run-2"), _run("run-2", "b", parent="run-1"))
    lines = _lines(render_tree(snapshot))
    assert sum(line.lstrip().startswith("run-") for line in lines) == 2


def test_render_tree_is_independent_of_key_order() -> None:
    snapshot = _sweep()
    reordered = json.loads(json.dumps(snapshot, sort_keys=True))
    for run in reordered["runs"]:
        run["tags"] = dict(reversed(list(run["tags"].items())))
    assert render_tree(reordered) == render_tree(snapshot)


# --- tree_diff ---------------------------------------------------------------------------------


def test_tree_diff_of_equal_snapshots_says_no_differences_and_marks_nothing() -> None:
    text = tree_diff(_sweep(), _sweep())
    lines = _lines(text)
    assert lines[1] == "no differences"
    assert not any(line[:1] in "~+-" for line in lines[2:])


@pytest.mark.parametrize(
    ("change", "header", "expected"),
    [
        pytest.param(
            lambda sweep: sweep["runs"][1]["tags"].update({"code.stage": "hpo", "mlflow.runName": "trial-0"}),
            '~     run-2 "trial_0" FINISHED',
            [
                '~         tags.code.stage: <absent> -> "hpo"',
                '~         tags.mlflow.runName: "trial_0" -> "trial-0"',
            ],
            id="changed_tags",
        ),
        pytest.param(
            lambda sweep: sweep["runs"][3].update(name="trial_x", status="FAILED", parent=None),
            '~   run-4 "trial_x" FAILED',
            [
                '~       name: "trial_1" -> "trial_x"',
                '~       status: "FINISHED" -> "FAILED"',
                '~       parent: "run-1" -> null',
            ],
            id="status_name_and_parent_in_a_fixed_order",
        ),
        pytest.param(
            lambda sweep: sweep["runs"][1].update(
                params={"lr": "0.2", "epochs": "3"}, metrics={"loss": _history(0.5)}
            ),
            '~     run-2 "trial_0" FINISHED',
            [
                '~         params.epochs: <absent> -> "3"',
                '~         params.lr: "0.1" -> "0.2"',
                "~         metrics.loss: [step 0: 0.5, step 1: 0.4] -> [step 0: 0.5]",
            ],
            id="params_and_metrics",
        ),
        pytest.param(
            lambda sweep: sweep["runs"][1].update(metrics={"loss": _history(0.5, 0.4, first_step=1)}),
            '~     run-2 "trial_0" FINISHED',
            ["~         metrics.loss: [step 0: 0.5, step 1: 0.4] -> [step 1: 0.5, step 2: 0.4]"],
            id="metric_at_another_step",
        ),
        pytest.param(
            lambda sweep: sweep["runs"][0].update(artifacts=[]),
            '~   run-1 "sweep" RUNNING (active)',
            ["~       artifact model.onnx: missing (recorded 12 B, sha256 0123456789ab)"],
            id="artifact_missing",
        ),
        pytest.param(
            lambda sweep: sweep["runs"][0]["artifacts"].append(_artifact("logs/x.log", 3, "f" * 64)),
            '~   run-1 "sweep" RUNNING (active)',
            ["~       artifact logs/x.log: not recorded (actual 3 B, sha256 ffffffffffff)"],
            id="artifact_not_recorded",
        ),
        pytest.param(
            lambda sweep: sweep["runs"][0].update(artifacts=[_artifact("model.onnx", 13, "9" * 64)]),
            '~   run-1 "sweep" RUNNING (active)',
            [
                "~       artifact model.onnx: content differs"
                " (12 B, sha256 0123456789ab -> 13 B, sha256 999999999999)"
            ],
            id="artifact_content",
        ),
    ],
)
def test_tree_diff_lists_field_changes_under_the_changed_run(
    change: Callable[[dict[str, Any]], None], header: str, expected: list[str]
) -> None:
    actual = _sweep()
    change(actual)
    lines = _lines(tree_diff(_sweep(), actual))
    below = lines.index(header) + 1
    assert lines[below : below + len(expected)] == expected


def test_tree_diff_keeps_unchanged_runs_unmarked() -> None:
    actual = _sweep()
    actual["runs"][1]["params"]["lr"] = "0.2"
    lines = _lines(tree_diff(_sweep(), actual))
    assert '        run-3 "fold_0" FINISHED' in lines
    assert '      run-4 "trial_1" FINISHED' in lines


def test_tree_diff_nests_a_reparented_run_under_its_actual_parent() -> None:
    actual = _sweep()
    actual["runs"][2]["parent"] = "run-4"
    lines = _lines(tree_diff(_sweep(), actual))
    assert lines.index('~       run-3 "fold_0" FINISHED') == lines.index('      run-4 "trial_1" FINISHED') + 1


def test_tree_diff_marks_a_run_only_in_actual_with_plus_and_shows_its_tags() -> None:
    expected = _sweep()
    actual = _sweep()
    actual["runs"].append(_run("run-5", "trial_2", parent="run-1"))
    lines = _lines(tree_diff(expected, actual))
    added = lines.index('+     run-5 "trial_2" FINISHED')
    assert lines[added + 1] == '+         tags: mlflow.parentRunId="run-1", mlflow.runName="trial_2"'
    assert lines[1].startswith("runs: 0 changed, 1 added, 0 removed")


def test_tree_diff_marks_a_run_only_in_expected_with_minus_in_its_place() -> None:
    actual = _sweep()
    del actual["runs"][2]
    lines = _lines(tree_diff(_sweep(), actual))
    removed = lines.index('-       run-3 "fold_0" FINISHED')
    assert lines[removed - 1] == '      run-2 "trial_0" FINISHED'
    assert lines[1].startswith("runs: 0 changed, 0 added, 1 removed")


def test_tree_diff_shows_a_renamed_experiment() -> None:
    actual = _sweep()
    actual["experiments"][0]["name"] = "hpo-v2"
    lines = _lines(tree_diff(_sweep(), actual))
    assert lines[2:4] == ['~ experiment exp-1 "hpo-v2"', '~     name: "hpo" -> "hpo-v2"']
    assert "experiments: 1 changed, 0 added, 0 removed" in lines[1]


def test_tree_diff_shows_an_added_experiment() -> None:
    actual = _sweep()
    actual["experiments"].append({"ref": "exp-2", "name": "extra", "lifecycle_stage": "active", "tags": {}})
    assert '+ experiment exp-2 "extra"' in _lines(tree_diff(_sweep(), actual))


def test_tree_diff_reports_changed_result_error_and_active_run_last() -> None:
    actual = _sweep()
    actual.update(active_run=None, result=None, error={"type": "ValueError", "message": "bad"})
    lines = _lines(tree_diff(_sweep(), actual))
    assert lines[-3:] == [
        '~ active run: "run-1" -> null',
        '~ result: {"run": "run-1"} -> null',
        '~ error: null -> {"message": "bad", "type": "ValueError"}',
    ]
    assert lines[1].endswith("; active run, result, error changed")


def test_tree_diff_is_deterministic_and_independent_of_key_order() -> None:
    expected, actual = _sweep(), _sweep()
    actual["runs"][1]["tags"]["b"] = "2"
    actual["runs"][1]["tags"]["a"] = "1"
    del actual["runs"][3]
    shuffled = copy.deepcopy(actual)
    shuffled["runs"][1]["tags"] = dict(reversed(list(actual["runs"][1]["tags"].items())))
    assert tree_diff(expected, actual) == tree_diff(expected, shuffled)
    assert tree_diff(expected, actual) == tree_diff(copy.deepcopy(expected), copy.deepcopy(actual))
