"""Several snapshots per test: numbered or named, each with its own golden file and budget."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

InnerRun = Callable[..., pytest.RunResult]

TWO_UNNAMED = """
def test_steps(tracking_store, golden):
    client = tracking_store.client
    exp = client.create_experiment("a")
    golden.check(result="{FIRST}")
    client.create_run(exp, run_name="r")
    golden.check(result="second")
"""

NAMED = """
def test_steps(tracking_store, golden):
    client = tracking_store.client
    client.create_experiment("a")
    golden.check()
    client.create_experiment("b")
    golden.check(name="after_b")
"""

FOLDER = Path("golden/test_steps")


def _result(path: Path) -> object:
    return json.loads(path.read_text(encoding="utf-8"))["result"]


def _record(pytester: pytest.Pytester, run_inner: InnerRun, source: str) -> None:
    pytester.makepyfile(test_steps=source)
    run_inner("--golden-update").assert_outcomes(passed=1)


def test_the_second_unnamed_check_gets_its_own_numbered_file(
    pytester: pytest.Pytester, run_inner: InnerRun
) -> None:
    _record(pytester, run_inner, TWO_UNNAMED.replace("{FIRST}", "first"))
    assert _result(pytester.path / FOLDER / "test_steps.json") == "first"
    assert _result(pytester.path / FOLDER / "test_steps.1.json") == "second"


def test_each_snapshot_has_the_budget_of_the_calls_since_the_previous_check(
    pytester: pytest.Pytester, run_inner: InnerRun
) -> None:
    _record(pytester, run_inner, TWO_UNNAMED.replace("{FIRST}", "first"))
    first = json.loads((pytester.path / FOLDER / "test_steps.calls.json").read_text(encoding="utf-8"))
    second = json.loads((pytester.path / FOLDER / "test_steps.1.calls.json").read_text(encoding="utf-8"))
    assert first["calls"] == ["create_experiment"]
    assert second["calls"] == ["create_run"]


def test_a_run_after_recording_two_snapshots_compares_both_and_passes(
    pytester: pytest.Pytester, run_inner: InnerRun
) -> None:
    _record(pytester, run_inner, TWO_UNNAMED.replace("{FIRST}", "first"))
    run_inner().assert_outcomes(passed=1)


def test_a_change_in_the_first_snapshot_fails_naming_its_file(
    pytester: pytest.Pytester, run_inner: InnerRun
) -> None:
    _record(pytester, run_inner, TWO_UNNAMED.replace("{FIRST}", "first"))
    pytester.makepyfile(test_steps=TWO_UNNAMED.replace("{FIRST}", "changed"))
    result = run_inner()
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*golden snapshot differs from *test_steps.json*"])


def test_a_named_check_writes_the_file_of_its_name(pytester: pytest.Pytester, run_inner: InnerRun) -> None:
    _record(pytester, run_inner, NAMED)
    names = sorted(path.name for path in (pytester.path / FOLDER).iterdir())
    assert names == [
        "test_steps.after_b.calls.json",
        "test_steps.after_b.json",
        "test_steps.calls.json",
        "test_steps.json",
    ]


@pytest.mark.parametrize("name", ["calls", "7", "a b", "../x", ""])
def test_a_snapshot_name_that_could_collide_or_escape_is_refused(
    pytester: pytest.Pytester, run_inner: InnerRun, name: str
) -> None:
    pytester.makepyfile(
        test_steps=f"""
def test_steps(tracking_store, golden):
    golden.check(name={name!r})
"""
    )
    result = run_inner("--golden-update")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines([f"*ValueError: snapshot name {name!r}*"])
    assert not (pytester.path / "golden").exists()


def test_a_name_used_twice_in_one_test_is_refused(pytester: pytest.Pytester, run_inner: InnerRun) -> None:
    pytester.makepyfile(
        test_steps="""
def test_steps(tracking_store, golden):
    golden.check(name="x")
    golden.check(name="x")
"""
    )
    result = run_inner("--golden-update")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*snapshot name 'x' used twice in *test_steps*"])


def test_the_verdict_of_a_test_is_its_worst_snapshots(pytester: pytest.Pytester, run_inner: InnerRun) -> None:
    """One snapshot re-written and one unchanged under --golden-update: the test says written."""
    _record(pytester, run_inner, TWO_UNNAMED.replace("{FIRST}", "first"))
    pytester.makepyfile(test_steps=TWO_UNNAMED.replace("{FIRST}", "changed"))
    pytester.makeconftest(
        """
def pytest_runtest_logreport(report):
    if report.when == "teardown":
        print("VERDICT", [v for k, v in report.user_properties if k == "golden"])
"""
    )
    assert "VERDICT ['written']" in run_inner("--golden-update", "-s").stdout.str()
