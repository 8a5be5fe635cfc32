"""Schema 2 content on real stores (pytester, outer --golden-backend): metric steps and artifacts."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from _scenario_variants import BUDGET, GOLDEN, ScenarioVariants

InnerRun = Callable[..., pytest.RunResult]

SCENARIO = ScenarioVariants(
    """
import mlflow

def test_scenario(tracking_store, golden):
    c = tracking_store.client
    exp = c.create_experiment("train")
    run_id = c.create_run(exp, run_name="fit").info.run_id
    c.log_metric(run_id, "loss", 0.5, step={STEP})
    log = tracking_store.tmp_path / "work" / "train.log"
    log.parent.mkdir()
    log.write_text(f"run {{run_id}} wrote to {{tracking_store.tmp_path}}\\n", encoding="utf-8")
    c.log_artifact(run_id, str(log), "logs")
    model = tracking_store.tmp_path / "model.onnx"
    model.write_bytes({MODEL})
    {LOG_MODEL}
    golden.snapshot()  # the harness's own reads (artifacts included) are not the scenario's calls
    golden.check()
""",
    STEP="0",
    MODEL="bytes(range(256))",
    LOG_MODEL="c.log_artifact(run_id, str(model))",
)


@pytest.fixture
def recorded(pytester: pytest.Pytester, run_inner: InnerRun) -> pytest.Pytester:
    return SCENARIO.record(pytester, run_inner)


def _run(pytester: pytest.Pytester) -> dict[str, object]:
    snapshot = json.loads((pytester.path / GOLDEN).read_text(encoding="utf-8"))
    run: dict[str, object] = snapshot["runs"][0]
    return run


def test_a_metric_is_recorded_with_its_steps(recorded: pytest.Pytester) -> None:
    assert _run(recorded)["metrics"] == {"loss": [{"step": 0, "value": 0.5}]}


def test_artifacts_are_recorded_recursively_by_path_with_size_and_hash(recorded: pytest.Pytester) -> None:
    artifacts = _run(recorded)["artifacts"]
    assert isinstance(artifacts, list)
    assert [artifact["path"] for artifact in artifacts] == ["logs/train.log", "model.onnx"]
    model = artifacts[1]
    assert model["size"] == 256
    assert model["sha256"] == "40aff2e9d2d8922e47afd4648e6967497158785fbd1da870e7110266bf944880"


def _compare_fails_with(recorded: pytest.Pytester, run_inner: InnerRun, line: str, **changes: str) -> None:
    """The variant with ``changes`` fails its compare run, and the report holds ``line``."""
    SCENARIO.write(recorded, **changes)
    result = run_inner()
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines([line])


def test_a_metric_logged_at_another_step_fails_showing_both_steps(
    recorded: pytest.Pytester, run_inner: InnerRun
) -> None:
    _compare_fails_with(
        recorded, run_inner, "*metrics.loss: [[]step 0: 0.5[]] -> [[]step 1: 0.5[]]*", STEP="1"
    )


def test_an_artifact_no_longer_logged_fails_naming_it_missing(
    recorded: pytest.Pytester, run_inner: InnerRun
) -> None:
    line = "*artifact model.onnx: missing (recorded 256 B, sha256 40aff2e9d2d8)*"
    _compare_fails_with(recorded, run_inner, line, LOG_MODEL="pass")


def test_an_artifact_with_other_content_fails(recorded: pytest.Pytester, run_inner: InnerRun) -> None:
    line = "*artifact model.onnx: content differs (256 B, sha256 40aff2e9d2d8 -> 256 B*"
    _compare_fails_with(recorded, run_inner, line, MODEL="bytes(range(255, -1, -1))")


def test_a_text_artifact_embedding_the_temp_path_and_run_id_hashes_the_same_elsewhere(
    recorded: pytest.Pytester, run_inner: InnerRun, tmp_path: Path
) -> None:
    """The second run has other run ids and another temp folder, both written into train.log."""
    run_inner(f"--basetemp={tmp_path / 'elsewhere'}").assert_outcomes(passed=1)


def test_reading_artifacts_adds_no_store_call_to_the_budget(recorded: pytest.Pytester) -> None:
    calls = json.loads((recorded.path / BUDGET).read_text(encoding="utf-8"))["calls"]
    assert calls == ["create_experiment", "create_run", "log_metric", "get_run"]
