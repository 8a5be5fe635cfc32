"""``--golden-update-missing``: write missing golden files and budgets, touch nothing that exists."""

from __future__ import annotations

import os
from collections.abc import Callable

import pytest
from _pending_project import BUDGET, BUDGET_OVER, GOLDEN, SNAPSHOT_CHANGE, pending_files, write_scenario

from mlflow_golden._status import STATUS_PROPERTY

InnerRun = Callable[..., pytest.RunResult]
NEW_ONLY = "--golden-update-missing"
#: An mtime no write can leave behind (2001-09-09).
OLD_MTIME_NS = 1_000_000_000 * 10**9


@pytest.fixture
def recorded(pytester: pytest.Pytester, run_inner: InnerRun) -> pytest.Pytester:
    write_scenario(pytester)
    run_inner("--golden-update").assert_outcomes(passed=1)
    return pytester


def test_it_writes_a_missing_golden_and_its_budget(pytester: pytest.Pytester, run_inner: InnerRun) -> None:
    write_scenario(pytester)
    run_inner(NEW_ONLY).assert_outcomes(passed=1)
    golden, budget = (pytester.path / GOLDEN).read_bytes(), (pytester.path / BUDGET).read_bytes()
    run_inner("--golden-update").assert_outcomes(passed=1)
    assert ((pytester.path / GOLDEN).read_bytes(), (pytester.path / BUDGET).read_bytes()) == (golden, budget)
    assert pending_files(pytester.path) == []


def test_it_writes_a_missing_budget_beside_an_existing_golden(
    recorded: pytest.Pytester, run_inner: InnerRun
) -> None:
    budget = recorded.path / BUDGET
    expected = budget.read_bytes()
    budget.unlink()
    run_inner(NEW_ONLY).assert_outcomes(passed=1)
    assert budget.read_bytes() == expected


@pytest.mark.parametrize(
    ("change", "path"), [(SNAPSHOT_CHANGE, GOLDEN), (BUDGET_OVER, BUDGET)], ids=["snapshot", "budget"]
)
def test_an_existing_differing_file_stays_untouched_and_fails_with_a_pending_file(
    recorded: pytest.Pytester, run_inner: InnerRun, change: dict[str, str], path: str
) -> None:
    existing = recorded.path / path
    os.utime(existing, ns=(OLD_MTIME_NS, OLD_MTIME_NS))
    before = (existing.read_bytes(), existing.stat().st_mtime_ns)
    write_scenario(recorded, **change)
    run_inner(NEW_ONLY).assert_outcomes(failed=1)
    assert (existing.read_bytes(), existing.stat().st_mtime_ns) == before
    assert pending_files(recorded.path) == [f"{path}.new"]


def test_it_keeps_orphans_and_fails_on_them(recorded: pytest.Pytester, run_inner: InnerRun) -> None:
    orphan = recorded.path / "golden/test_scenario/test_gone.json"
    orphan.write_text("{}\n", encoding="utf-8")
    result = run_inner(NEW_ONLY)
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines(["*orphan golden file: test_scenario/test_gone.json*"])
    assert orphan.exists()


def test_a_written_golden_is_reported_as_written(pytester: pytest.Pytester, run_inner: InnerRun) -> None:
    write_scenario(pytester)
    pytester.makeconftest(
        f"""
        def pytest_runtest_logreport(report):
            if report.when == "call":
                print("STATUS", dict(report.user_properties).get({STATUS_PROPERTY!r}))
        """
    )
    run_inner(NEW_ONLY, "-s").stdout.fnmatch_lines(["*STATUS written*"])


def test_with_golden_update_it_is_a_usage_error(pytester: pytest.Pytester, run_inner: InnerRun) -> None:
    write_scenario(pytester)
    result = run_inner(NEW_ONLY, "--golden-update")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*--golden-update already writes missing files*"])


def test_the_report_header_names_the_mode(pytester: pytest.Pytester, run_inner: InnerRun) -> None:
    write_scenario(pytester)
    run_inner(NEW_ONLY).stdout.fnmatch_lines(["mlflow_golden: *mode=update-missing"])
