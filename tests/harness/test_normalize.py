"""Each normalization rule, on hand-built raw snapshots (no store involved)."""

from __future__ import annotations

import hashlib
import math
from pathlib import Path

import pytest
from mlflow.entities import Experiment, Run, RunData, RunInfo
from mlflow.exceptions import MlflowException, RestException

from mlflow_golden._normalize import HarnessError, normalize
from mlflow_golden._recorder import CreationLog
from mlflow_golden._snapshot import dumps
from mlflow_golden._store_reader import RawArtifact, RawExperiment, RawMetricPoint, RawRun, RawSnapshot

RUN_A = "a" * 8 + "0123456789abcdef0123456789ab"[:24]
RUN_B = "b1b2b3b4b5b6" + "c" * 20
TMP = "/tmp/pytest-of-x/pytest-1/test_scenario0"


def _exp(eid: str, name: str, **tags: str) -> RawExperiment:
    return RawExperiment(id=eid, name=name, lifecycle_stage="active", tags=dict(tags))


def _run(rid: str, eid: str = "1", name: str = "r", **tags: str) -> RawRun:
    return RawRun(
        id=rid,
        experiment_id=eid,
        name=name,
        status="RUNNING",
        end_time=None,
        lifecycle_stage="active",
        tags=dict(tags),
        params={},
        metrics={},
    )


def _raw(runs: list[RawRun] | None = None, **kwargs: object) -> RawSnapshot:
    raw = RawSnapshot(
        experiments=[_exp("0", "Default"), _exp("1", "first"), _exp("2", "second")],
        runs=runs if runs is not None else [_run(RUN_A), _run(RUN_B, "2")],
        tmp_path=TMP,
        tracking_uri=f"sqlite:///{TMP}/mlflow.db",
        azureml_uri="azureml://host/mlflow/v1.0/ws",
    )
    for key, value in kwargs.items():
        setattr(raw, key, value)
    return raw


def _run_entity(run_id: str) -> Run:
    info = RunInfo(
        run_id=run_id,
        experiment_id="1",
        user_id="u",
        status="RUNNING",
        start_time=0,
        end_time=None,
        lifecycle_stage="active",
    )
    return Run(info, RunData())


def test_refs_follow_listed_order_with_default_experiment_named_exp_default() -> None:
    snap = normalize(_raw())
    assert [e["ref"] for e in snap["experiments"]] == ["exp-default", "exp-1", "exp-2"]
    assert [(r["ref"], r["experiment"]) for r in snap["runs"]] == [("run-1", "exp-1"), ("run-2", "exp-2")]


def test_full_run_ids_and_12_char_prefixes_are_replaced_inside_any_string() -> None:
    run = _run(RUN_B, note=f"after {RUN_A} and {RUN_A[:12]}, not {RUN_A[:11]}")
    snap = normalize(_raw(runs=[_run(RUN_A), run]))
    assert snap["runs"][1]["tags"]["note"] == f"after run-1 and run-1, not {RUN_A[:11]}"


def test_parent_comes_from_parent_run_id_tag_which_stays_in_tags() -> None:
    snap = normalize(_raw(runs=[_run(RUN_A), _run(RUN_B, **{"mlflow.parentRunId": RUN_A})]))
    assert snap["runs"][1]["parent"] == "run-1"
    assert snap["runs"][1]["tags"]["mlflow.parentRunId"] == "run-1"
    assert snap["runs"][0]["parent"] is None


def test_experiment_id_exact_match_only_bare_or_under_an_experiment_key() -> None:
    run = _run(RUN_A, hpo_experiment_id="2", fold="1")
    snap = normalize(_raw(runs=[run], result={"experiment_id": "1", "trial": "1", "ids": ["2"]}))
    assert snap["runs"][0]["tags"] == {"hpo_experiment_id": "exp-2", "fold": "1"}
    assert snap["result"] == {"experiment_id": "exp-1", "trial": "1", "ids": ["2"]}
    assert normalize(_raw(result="0"))["result"] == "exp-default"
    assert normalize(_raw(result=["1", "2"]))["result"] == ["exp-1", "exp-2"]


def test_experiment_ids_in_free_text_only_after_experiment_context() -> None:
    text = "experiment_id=1, experiment ID 2, Experiment '1', #/experiments/2/runs, trial 1 of 2, exp1"
    snap = normalize(_raw(result={"msg": text}))
    assert snap["result"]["msg"] == (
        "experiment_id=exp-1, experiment ID exp-2, Experiment 'exp-1', "
        "#/experiments/exp-2/runs, trial 1 of 2, exp1"
    )


def test_unknown_ids_are_left_alone() -> None:
    snap = normalize(_raw(result={"msg": "experiment 77 and run 0123456789abcdef0123456789abcdef"}))
    assert snap["result"]["msg"] == "experiment 77 and run 0123456789abcdef0123456789abcdef"


def test_volatile_tags_are_dropped() -> None:
    kept = {"mlflow.runName": "r", "keep": "1"}
    volatile = {
        "mlflow.user": "me",
        "mlflow.source.name": "x.py",
        "mlflow.source.git.commit": "abc",
        "mlflow.gitRepoURL": "u",
    }
    snap = normalize(_raw(runs=[_run(RUN_A, **volatile, **kept)]))
    assert snap["runs"][0]["tags"] == kept


def test_null_tag_value_stays_null() -> None:
    run = _run(RUN_A, keep=f"parent {RUN_B}")
    run.tags["empty"] = None  # type: ignore[assignment]  # the sqlite store keeps NULL tag values
    snap = normalize(_raw(runs=[run, _run(RUN_B, "2")]))
    assert snap["runs"][0]["tags"] == {"keep": "parent run-2", "empty": None}


def test_times_are_not_in_the_snapshot_a_run_keeps_only_ended() -> None:
    finished, running = _run(RUN_A), _run(RUN_B, "2")
    finished.start_time, finished.end_time, finished.status = 1700000000001, 1700000000005, "FINISHED"
    running.start_time = 1700000000007
    raw = _raw(runs=[finished, running])
    raw.experiments[1].creation_time = 1700000000003
    snap = normalize(raw)
    assert [run["ended"] for run in snap["runs"]] == [True, False]
    assert "170000000000" not in dumps(snap)


def test_unnamed_runs_get_generated_names_in_creation_order_everywhere() -> None:
    log = CreationLog(run_ids=[RUN_A, RUN_B], generated_names={RUN_A: "bold-fox-12", RUN_B: "calm-owl-3"})
    runs = [
        _run(RUN_A, name="bold-fox-12", **{"mlflow.runName": "bold-fox-12"}),
        _run(RUN_B, name="calm-owl-3", note="sibling of bold-fox-12, not bold-fox-123"),
    ]
    snap = normalize(_raw(runs=runs, creation=log, result="calm-owl-3"))
    assert [r["name"] for r in snap["runs"]] == ["generated-1", "generated-2"]
    assert snap["runs"][0]["tags"]["mlflow.runName"] == "generated-1"
    assert snap["runs"][1]["tags"]["note"] == "sibling of generated-1, not bold-fox-123"
    assert snap["result"] == "generated-2"


def test_generated_name_swaps_are_applied_in_one_pass() -> None:
    log = CreationLog(generated_names={RUN_A: "generated-2", RUN_B: "generated-1"})
    runs = [_run(RUN_A, name="generated-2"), _run(RUN_B, name="generated-1", note="generated-2")]
    snap = normalize(_raw(runs=runs, creation=log))
    assert [r["name"] for r in snap["runs"]] == ["generated-1", "generated-2"]
    assert snap["runs"][1]["tags"]["note"] == "generated-1"


def test_renamed_generated_run_keeps_its_new_name() -> None:
    log = CreationLog(generated_names={RUN_A: "bold-fox-12"})
    snap = normalize(_raw(runs=[_run(RUN_A, name="final")], creation=log))
    assert snap["runs"][0]["name"] == "final"


def test_paths_and_uris_become_symbols_longest_first() -> None:
    result = {
        "db": f"sqlite:///{TMP}/mlflow.db",
        "file": f"{TMP}/out/model.json",
        "az": "azureml://host/mlflow/v1.0/ws",
        "path": Path(TMP) / "out" / "a.txt",
        "outside": Path("/elsewhere/a.txt"),
    }
    assert normalize(_raw(result=result))["result"] == {
        "db": "<tracking-uri>",
        "file": "<tmp>/out/model.json",
        "az": "<azureml-uri>",
        "path": "out/a.txt",
        "outside": "/elsewhere/a.txt",
    }


def test_result_objects_tuples_and_floats() -> None:
    exp = Experiment("2", "second", "loc", "active")
    result = (_run_entity(RUN_B), exp, 1.5, math.nan, -math.inf, None, True)
    assert normalize(_raw(result=result))["result"] == [
        {"run": "run-2"},
        {"experiment": "exp-2"},
        1.5,
        "NaN",
        "-Infinity",
        None,
        True,
    ]


def test_non_json_able_result_is_a_harness_error_naming_type_and_place() -> None:
    class RunLookupReport:
        pass

    with pytest.raises(
        HarnessError, match=r"result\[1\]\.foo: cannot snapshot object of type RunLookupReport"
    ):
        normalize(_raw(result=[1, {"foo": RunLookupReport()}]))


def test_non_string_dict_key_is_a_harness_error() -> None:
    with pytest.raises(HarnessError, match=r"result\.a: cannot snapshot a dict key of type int"):
        normalize(_raw(result={"a": {1: "x"}}))


def test_error_records_type_and_normalized_message() -> None:
    snap = normalize(_raw(error=ValueError(f"bad run {RUN_A} in {TMP}/x")))
    assert snap["error"] == {"type": "ValueError", "message": "bad run run-1 in <tmp>/x"}


def test_rest_exception_is_recorded_as_mlflow_exception_without_error_code() -> None:
    rest = RestException(
        {"error_code": "RESOURCE_DOES_NOT_EXIST", "message": f"Run with id={RUN_A} not found"}
    )
    assert normalize(_raw(error=rest))["error"] == {
        "type": "MlflowException",
        "message": "Run with id=run-1 not found",
    }


@pytest.mark.parametrize(
    ("file_store", "sql_store"),
    [
        (f"Run '{RUN_A}' not found", f"Run with id={RUN_A} not found"),
        ("Could not find experiment with ID 1", "No Experiment with id=1 exists"),
        (
            "Experiment 'dup' already exists.",
            "Experiment(name=dup) already exists. Error: (sqlite3.IntegrityError) UNIQUE constraint failed"
            "\n[SQL: INSERT INTO experiments ...]\n[parameters: ('dup', 1700000000006)]",
        ),
        (
            f"The run {RUN_A} must be in 'active' lifecycle_stage.",
            f"The run {RUN_A} must be in the 'active' state. Current state is deleted.",
        ),
        (
            "Could not create run under non-active experiment with ID 2.",
            "The experiment 2 must be in the 'active' state. Current state is deleted.",
        ),
        (
            f"Changing param values is not allowed. Param with key='p' was already logged with value='1' "
            f"for run ID='{RUN_A}'. Attempted logging new value '3'.",
            "Changing param values is not allowed. Params were already logged="
            f"'[{{'key': 'p', 'old_value': '1', 'new_value': '3'}}]' for run ID='{RUN_A}'.",
        ),
    ],
)
def test_backend_specific_error_phrasings_are_canonicalized(file_store: str, sql_store: str) -> None:
    from_file = normalize(_raw(error=MlflowException(file_store)))["error"]
    from_sql = normalize(_raw(error=MlflowException(sql_store)))["error"]
    assert from_file == from_sql


def test_same_input_gives_identical_bytes() -> None:
    first = dumps(normalize(_raw(result={"b": [1, 2], "a": "é"})))
    second = dumps(normalize(_raw(result={"a": "é", "b": [1, 2]})))
    assert first == second
    assert first.endswith("}\n") and '"a": "é"' in first


def _with_artifact(tmp: str, content: bytes, run_id: str = RUN_A) -> RawSnapshot:
    run = _run(run_id)
    run.artifacts = [RawArtifact("logs/conversion.log", content)]
    return _raw(runs=[run], tmp_path=tmp, tracking_uri=f"sqlite:///{tmp}/mlflow.db")


def test_metric_history_keeps_each_step_in_the_readers_order() -> None:
    run = _run(RUN_A)
    run.metrics = {"loss": [RawMetricPoint(0, 0.5), RawMetricPoint(2, math.nan)]}
    snapshot = normalize(_raw(runs=[run]))
    assert snapshot["runs"][0]["metrics"] == {
        "loss": [{"step": 0, "value": 0.5}, {"step": 2, "value": "NaN"}]
    }


def test_a_text_artifact_hashes_the_same_whatever_temp_path_and_run_id_it_embeds() -> None:
    first = normalize(_with_artifact(TMP, f"{TMP}/model.onnx run {RUN_A}\n".encode()))
    other_tmp = "/tmp/pytest-of-y/pytest-9/test_scenario0"
    second = normalize(_with_artifact(other_tmp, f"{other_tmp}/model.onnx run {RUN_B}\n".encode(), RUN_B))
    assert first["runs"][0]["artifacts"] == second["runs"][0]["artifacts"]
    expected = b"<tmp>/model.onnx run run-1\n"
    assert first["runs"][0]["artifacts"] == [
        {"path": "logs/conversion.log", "size": len(expected), "sha256": hashlib.sha256(expected).hexdigest()}
    ]


def test_a_binary_artifact_is_hashed_raw() -> None:
    content = b"\xff\xfe" + TMP.encode()
    artifact = normalize(_with_artifact(TMP, content))["runs"][0]["artifacts"][0]
    assert artifact["sha256"] == hashlib.sha256(content).hexdigest()
    assert artifact["size"] == len(content)
