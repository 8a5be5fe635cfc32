"""Pending files: a compare run writes what it saw beside a differing or missing golden file
(``<file>.new``), for ``review``; a matching run removes them; nothing reads them as goldens."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from _pending_project import (
    BUDGET,
    BUDGET_LOWER,
    BUDGET_OVER,
    GOLDEN,
    SNAPSHOT_CHANGE,
    pending_files,
    pending_of,
    write_scenario,
)

from mlflow_golden import _budgets as budgets
from mlflow_golden._golden_paths import split_golden_name
from mlflow_golden._manifest import golden_files
from mlflow_golden._pending import REVIEW_COMMAND
from mlflow_golden._recording import GoldenFiles

InnerRun = Callable[..., pytest.RunResult]


@pytest.fixture
def recorded(pytester: pytest.Pytester, run_inner: InnerRun) -> pytest.Pytester:
    write_scenario(pytester)
    run_inner("--golden-update").assert_outcomes(passed=1)
    return pytester


# -- a difference writes a pending file -------------------------------------------------------------
@pytest.mark.parametrize(
    ("change", "golden"),
    [(SNAPSHOT_CHANGE, GOLDEN), (BUDGET_OVER, BUDGET)],
    ids=["snapshot", "budget"],
)
def test_a_difference_writes_the_bytes_golden_update_would_write(
    recorded: pytest.Pytester, run_inner: InnerRun, change: dict[str, str], golden: Path
) -> None:
    write_scenario(recorded, **change)
    result = run_inner()
    result.assert_outcomes(failed=1)
    pending = pending_of(recorded.path, golden).read_bytes()
    result.stdout.fnmatch_lines([f"*pending * written: *{golden.name}.new; review it with: {REVIEW_COMMAND}"])
    run_inner("--golden-update").assert_outcomes(passed=1)
    assert (recorded.path / golden).read_bytes() == pending


@pytest.mark.parametrize(
    ("change", "expected"),
    [(SNAPSHOT_CHANGE, [f"{GOLDEN}.new"]), (BUDGET_OVER, [f"{BUDGET}.new"])],
    ids=["snapshot-differs", "budget-over"],
)
def test_only_the_differing_file_gets_a_pending_file(
    recorded: pytest.Pytester, run_inner: InnerRun, change: dict[str, str], expected: list[str]
) -> None:
    write_scenario(recorded, **change)
    run_inner().assert_outcomes(failed=1)
    assert pending_files(recorded.path) == expected


def test_snapshot_and_budget_both_differing_get_both_pending_files(
    recorded: pytest.Pytester, run_inner: InnerRun
) -> None:
    write_scenario(recorded, **SNAPSHOT_CHANGE, **BUDGET_OVER)
    result = run_inner()
    result.assert_outcomes(failed=1)
    assert pending_files(recorded.path) == [f"{BUDGET}.new", f"{GOLDEN}.new"]
    result.stdout.fnmatch_lines(["*golden snapshot differs from*", "*store-call budget exceeded*"])


def test_a_budget_that_can_be_lowered_passes_and_gets_a_pending_budget(
    recorded: pytest.Pytester, run_inner: InnerRun
) -> None:
    write_scenario(recorded, **BUDGET_LOWER)
    result = run_inner()
    result.assert_outcomes(passed=1, warnings=1)
    assert pending_files(recorded.path) == [f"{BUDGET}.new"]
    lowered = json.loads(pending_of(recorded.path, BUDGET).read_text(encoding="utf-8"))
    assert lowered["calls"] == ["create_experiment", "create_run"]
    result.stdout.fnmatch_lines(["*BudgetCanBeLowered*", "*pending budget written*"])


def test_a_missing_golden_writes_pending_snapshot_and_budget(
    pytester: pytest.Pytester, run_inner: InnerRun
) -> None:
    write_scenario(pytester)
    run_inner().assert_outcomes(failed=1)
    assert pending_files(pytester.path) == [f"{BUDGET}.new", f"{GOLDEN}.new"]
    assert not (pytester.path / GOLDEN).exists()
    assert not (pytester.path / BUDGET).exists()


def test_a_missing_budget_beside_a_matching_golden_gets_only_a_pending_budget(
    recorded: pytest.Pytester, run_inner: InnerRun
) -> None:
    calls = budgets.load(recorded.path / BUDGET)
    (recorded.path / BUDGET).unlink()
    run_inner().assert_outcomes(failed=1)
    assert pending_files(recorded.path) == [f"{BUDGET}.new"]
    assert pending_of(recorded.path, BUDGET).read_text(encoding="utf-8") == budgets.dumps(calls)


# -- a matching run removes stale pending files ----------------------------------------------------
def test_a_passing_run_removes_the_snapshots_stale_pending_files(
    recorded: pytest.Pytester, run_inner: InnerRun
) -> None:
    for golden in (GOLDEN, BUDGET):
        pending_of(recorded.path, golden).write_text("stale\n", encoding="utf-8")
    run_inner().assert_outcomes(passed=1)
    assert pending_files(recorded.path) == []


def test_golden_update_removes_the_pending_files_it_makes_stale(
    recorded: pytest.Pytester, run_inner: InnerRun
) -> None:
    write_scenario(recorded, **SNAPSHOT_CHANGE, **BUDGET_OVER)
    run_inner().assert_outcomes(failed=1)
    run_inner("--golden-update").assert_outcomes(passed=1)
    assert pending_files(recorded.path) == []


def test_summary_counts_the_pending_files_and_names_the_review_command(
    recorded: pytest.Pytester, run_inner: InnerRun
) -> None:
    write_scenario(recorded, **SNAPSHOT_CHANGE, **BUDGET_OVER)
    result = run_inner()
    result.stdout.fnmatch_lines(
        [f"mlflow_golden: 2 pending file(s) written in this run; review them with: {REVIEW_COMMAND}"]
    )


def test_a_passing_run_prints_no_pending_summary(recorded: pytest.Pytester, run_inner: InnerRun) -> None:
    assert REVIEW_COMMAND not in run_inner().stdout.str()


# -- pending files are never goldens, never orphans ------------------------------------------------
def test_a_pending_file_is_not_read_as_the_missing_golden(
    pytester: pytest.Pytester, run_inner: InnerRun
) -> None:
    write_scenario(pytester)
    run_inner().assert_outcomes(failed=1)  # writes the pending files, with exactly the right bytes
    result = run_inner()
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*missing golden file *test_scenario.json; run with --golden-update*"])


PENDING_OF_NO_TEST = (
    "golden/test_scenario/test_gone.json.new",
    "golden/test_scenario/test_scenario.unchecked.json.new",
)


@pytest.mark.parametrize("update", [False, True], ids=["compare", "golden-update"])
def test_pending_files_of_no_test_are_not_orphans(
    recorded: pytest.Pytester, run_inner: InnerRun, update: bool
) -> None:
    for name in PENDING_OF_NO_TEST:
        (recorded.path / name).write_text("{}\n", encoding="utf-8")
    result = run_inner(*(["--golden-update"] if update else []))
    assert result.ret == 0
    assert "orphan golden file" not in result.stdout.str()
    assert pending_files(recorded.path) == sorted(PENDING_OF_NO_TEST)


def test_pending_files_are_not_golden_files(tmp_path: Path) -> None:
    names = ["m/test_x.json", "m/test_x.calls.json", "m/test_x.json.new", "m/test_x.calls.json.new"]
    for name in names:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("{}\n", encoding="utf-8")
    assert golden_files(tmp_path) == ["m/test_x.calls.json", "m/test_x.json"]
    assert GoldenFiles(names, tmp_path).owned_by("tests/m.py::test_x") == names[:2]
    assert [split_golden_name(name.removeprefix("m/"), {"test_x"}) for name in names[2:]] == [None, None]


# -- golden_as replays -------------------------------------------------------------------------------
REPLAY = """
import pytest

pytestmark = pytest.mark.golden_as("test_scenario.py")

def test_scenario(tracking_store, golden):
    c = tracking_store.client
    exp = c.create_experiment("sweep")
    c.create_run(exp, run_name="replayed")
    golden.check()
"""


def test_a_golden_as_replay_writes_no_pending_file(recorded: pytest.Pytester, run_inner: InnerRun) -> None:
    recorded.makepyfile(test_replay=REPLAY)
    result = run_inner("test_replay.py")
    result.assert_outcomes(failed=1)
    assert pending_files(recorded.path) == []
    assert REVIEW_COMMAND not in result.stdout.str()


# -- under xdist: the controller counts what every worker wrote ------------------------------------
MORE_SCENARIOS = """
def test_one(tracking_store, golden):
    tracking_store.client.create_experiment("one")
    golden.check()

def test_two(tracking_store, golden):
    tracking_store.client.create_experiment("two")
    golden.check()
"""


def test_xdist_summary_counts_the_pending_files_of_every_worker(
    pytester: pytest.Pytester, run_subprocess: InnerRun
) -> None:
    write_scenario(pytester)
    pytester.makepyfile(test_more=MORE_SCENARIOS)
    result = run_subprocess("-n", "2")
    result.assert_outcomes(failed=3)
    assert len(pending_files(pytester.path)) == 6
    result.stdout.fnmatch_lines(["mlflow_golden: 6 pending file(s) written in this run; *"])
