"""Store-call budgets: recorded beside each golden, checked on every run (real stores, pytester)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from mlflow_golden import _budgets as budgets

InnerRun = Callable[..., pytest.RunResult]

SCENARIO = """
import mlflow

def test_budgeted(tracking_store, golden):
    c = tracking_store.client
    exp = c.create_experiment("sweep")
    run = c.create_run(exp, run_name="trial", tags={{"stage": "hpo"}})
    {EXTRA}
    golden.snapshot()  # the harness's own reads are not the scenario's calls
    c.set_terminated(run.info.run_id, "FINISHED")
    golden.check()
"""
NODEID = "test_budgeted.py::test_budgeted"
BUDGET = Path("golden/test_budgeted/test_budgeted.calls.json")
GOLDEN = Path("golden/test_budgeted/test_budgeted.json")
RECORDED_CALLS = ["create_experiment", "create_run", "update_run_info"]


def _write(pytester: pytest.Pytester, extra: str = "") -> None:
    pytester.makepyfile(test_budgeted=SCENARIO.format(EXTRA=extra))


@pytest.fixture
def recorded(pytester: pytest.Pytester, run_inner: InnerRun) -> pytest.Pytester:
    _write(pytester)
    run_inner("--golden-update").assert_outcomes(passed=1)
    return pytester


def test_update_records_the_scenarios_store_calls_in_order_beside_its_golden(
    recorded: pytest.Pytester,
) -> None:
    data = json.loads((recorded.path / BUDGET).read_text(encoding="utf-8"))
    assert data == {"schema": 1, "count": 3, "calls": RECORDED_CALLS}
    assert (recorded.path / GOLDEN).is_file()


def test_the_same_calls_pass_without_a_notice(recorded: pytest.Pytester, run_inner: InnerRun) -> None:
    result = run_inner()
    result.assert_outcomes(passed=1)
    assert "BudgetCanBeLowered" not in result.stdout.str()


def test_one_added_store_call_fails_naming_the_scenario_and_showing_both_sequences(
    recorded: pytest.Pytester, run_inner: InnerRun
) -> None:
    _write(recorded, extra="c.get_experiment(exp)")  # a read: the behavior golden stays identical
    result = run_inner()
    result.assert_outcomes(failed=1)
    output = result.stdout.str()
    assert f"store-call budget exceeded: {NODEID} made more store calls than its budget" in output
    result.stdout.fnmatch_lines(
        ["*test_budgeted.calls.json (budget, 3 calls)", "+++ actual (4 calls)",
         " create_experiment", " create_run", "+get_experiment", " update_run_info"]
    )  # fmt: skip


def test_a_different_sequence_of_the_same_length_fails(
    pytester: pytest.Pytester, run_inner: InnerRun
) -> None:
    _write(pytester, extra="c.get_experiment(exp)")
    run_inner("--golden-update").assert_outcomes(passed=1)
    _write(pytester, extra="c.get_run(run.info.run_id)")  # another read: same behavior, same length
    result = run_inner()
    result.assert_outcomes(failed=1)
    output = result.stdout.str()
    assert f"{NODEID} made a different call sequence" in output
    assert "-get_experiment" in output and "+get_run" in output


def test_fewer_calls_pass_with_a_notice_to_lower_the_budget(
    pytester: pytest.Pytester, run_inner: InnerRun
) -> None:
    _write(pytester, extra="c.get_experiment(exp)")
    run_inner("--golden-update").assert_outcomes(passed=1)
    _write(pytester)
    result = run_inner()
    result.assert_outcomes(passed=1, warnings=1)
    result.stdout.fnmatch_lines(
        [f"*BudgetCanBeLowered: {NODEID}: 3 store calls, budget 4 (test_budgeted.calls.json); "
         "lower the budget by re-recording*"]
    )  # fmt: skip


def test_a_missing_budget_fails_like_a_missing_golden(recorded: pytest.Pytester, run_inner: InnerRun) -> None:
    (recorded.path / BUDGET).unlink()
    result = run_inner()
    result.assert_outcomes(failed=1)
    assert f"missing store-call budget {recorded.path / BUDGET}" in result.stdout.str()


def test_a_budget_without_its_scenario_is_an_orphan(recorded: pytest.Pytester, run_inner: InnerRun) -> None:
    stray = recorded.path / "golden" / "test_budgeted" / "test_gone.calls.json"
    stray.write_text(budgets.dumps(["get_run"]), encoding="utf-8")
    result = run_inner()
    result.stdout.fnmatch_lines(["orphan golden file: test_budgeted/test_gone.calls.json"])
    run_inner("--golden-update")
    assert not stray.exists()


# --- the budget file and the verdict, without MLflow -------------------------------------------


def test_dumps_is_canonical_one_call_per_line() -> None:
    assert budgets.dumps(["create_run", "set_tag"]) == (
        '{\n  "calls": [\n    "create_run",\n    "set_tag"\n  ],\n  "count": 2,\n  "schema": 1\n}\n'
    )


@pytest.mark.parametrize(
    ("content", "message"),
    [("{", "corrupt budget file"), ('{"schema": 2, "calls": []}', "not a schema-1 budget file"),
     ('{"schema": 1, "calls": [1]}', "'calls' must be a list of store method names")],
    ids=["not-json", "schema", "calls"],
)  # fmt: skip
def test_an_unusable_budget_file_is_named_in_the_error(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "x.calls.json"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(budgets.BudgetFileError, match=message) as info:
        budgets.judge(path, ["get_run"], "t.py::x", update=False)
    assert str(path) in str(info.value)


def test_updating_writes_only_a_changed_budget(tmp_path: Path) -> None:
    path = tmp_path / "x.calls.json"
    assert budgets.judge(path, ["get_run"], "t.py::x", update=True).status == "written"
    assert budgets.judge(path, ["get_run"], "t.py::x", update=True).status == "ok"
    assert budgets.judge(path, [], "t.py::x", update=True).status == "written"
    assert budgets.load(path) == []


def test_a_scenario_declaring_other_calls_on_this_backend_is_not_budget_checked(
    recorded: pytest.Pytester, run_inner: InnerRun, backend: str
) -> None:
    scenario = SCENARIO.format(EXTRA="c.get_experiment(exp)").replace(
        "def test_budgeted",
        f'@pytest.mark.golden_budget_differs_on("{backend}", reason="demo")\ndef test_budgeted',
    )
    recorded.makepyfile(test_budgeted="import pytest\n" + scenario)
    result = run_inner()
    result.assert_outcomes(passed=1, warnings=1)
    result.stdout.fnmatch_lines([f"*BudgetNotChecked: {NODEID}: budget not checked on {backend}: demo"])
    assert budgets.load(recorded.path / BUDGET) == RECORDED_CALLS
