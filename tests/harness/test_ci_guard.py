"""The CI guard: when ``CI`` is set (non-empty, not ``0``/``false``), the plugin writes nothing.

These tests set ``CI`` on purpose (conftest clears it for every other test).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import _cli_project as demo
import pytest
from _cli_run import run_cli
from _pending_project import BUDGET, GOLDEN, SNAPSHOT_CHANGE, pending_files, pending_of, write_scenario

from mlflow_golden._ci import CI_ENV, ci_value
from mlflow_golden._scratch import ARGS as SCRATCH_ARGS

InnerRun = Callable[..., pytest.RunResult]

CI_ON = ["1", "true", "yes", "TRUE", "GitHub Actions"]
CI_OFF = ["0", "false", "FALSE", "", " false "]


@pytest.fixture
def recorded(pytester: pytest.Pytester, run_inner: InnerRun) -> pytest.Pytester:
    write_scenario(pytester)
    run_inner("--golden-update").assert_outcomes(passed=1)
    return pytester


@pytest.mark.parametrize("value", CI_ON)
def test_ci_values_that_mark_a_ci_run(value: str) -> None:
    assert ci_value({CI_ENV: value}) == value


@pytest.mark.parametrize("value", CI_OFF)
def test_ci_values_that_do_not(value: str) -> None:
    assert ci_value({CI_ENV: value}) is None


def test_an_unset_ci_is_no_ci_run() -> None:
    assert ci_value({}) is None


@pytest.mark.parametrize("value", ["1", "true", "yes"])
def test_under_ci_a_difference_and_a_missing_golden_write_no_pending_file(
    recorded: pytest.Pytester, run_inner: InnerRun, monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    write_scenario(recorded, **SNAPSHOT_CHANGE)
    recorded.makepyfile(test_new="def test_new(tracking_store, golden):\n    golden.check()\n")
    monkeypatch.setenv(CI_ENV, value)
    result = run_inner()
    result.assert_outcomes(failed=2)
    result.stdout.fnmatch_lines(["*missing golden file *test_new.json*"])
    assert pending_files(recorded.path) == []
    assert not (recorded.path / "golden/test_new").exists()


@pytest.mark.parametrize("value", ["0", "false", "FALSE", ""])
def test_ci_set_to_a_false_value_writes_pending_files(
    recorded: pytest.Pytester, run_inner: InnerRun, monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    write_scenario(recorded, **SNAPSHOT_CHANGE)
    monkeypatch.setenv(CI_ENV, value)
    run_inner().assert_outcomes(failed=1)
    assert pending_files(recorded.path) == [f"{GOLDEN}.new"]


def test_under_ci_a_passing_run_leaves_stale_pending_files_alone(
    recorded: pytest.Pytester, run_inner: InnerRun, monkeypatch: pytest.MonkeyPatch
) -> None:
    stale = pending_of(recorded.path, BUDGET)
    stale.write_text("stale\n", encoding="utf-8")
    monkeypatch.setenv(CI_ENV, "true")
    run_inner().assert_outcomes(passed=1)
    assert stale.read_text(encoding="utf-8") == "stale\n"


@pytest.mark.parametrize("option", ["--golden-update", "--golden-update-missing"])
def test_a_write_option_under_ci_is_a_usage_error_naming_ci(
    pytester: pytest.Pytester, run_inner: InnerRun, monkeypatch: pytest.MonkeyPatch, option: str
) -> None:
    write_scenario(pytester)
    monkeypatch.setenv(CI_ENV, "yes")
    result = run_inner(option)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([f"*{option} writes golden files*environment variable CI is set (CI='yes')*"])
    assert not (pytester.path / "golden").exists()


def test_the_report_header_says_a_ci_run_writes_nothing(
    pytester: pytest.Pytester, run_inner: InnerRun, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_scenario(pytester)
    monkeypatch.setenv(CI_ENV, "true")
    run_inner().stdout.fnmatch_lines(["mlflow_golden: *mode=compare (CI=true: no files written)"])


def test_a_scratch_recording_may_write_under_ci(
    pytester: pytest.Pytester, run_inner: InnerRun, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_scenario(pytester)
    monkeypatch.setenv(CI_ENV, "true")
    run_inner(*SCRATCH_ARGS, "--golden-update").assert_outcomes(passed=1)
    assert (pytester.path / GOLDEN).is_file()
    assert pending_files(pytester.path) == []


# -- the CLI: provenance re-records into a scratch folder (allowed), record writes goldens (refused) --
def test_under_ci_provenance_checks_and_record_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = demo.make_history(tmp_path / "project").project
    recorded = run_cli(project, "record", "--from", "HEAD~1", "-k", "not new_feature")
    assert recorded.code == 0, recorded.printed
    monkeypatch.setenv(CI_ENV, "true")
    checked = run_cli(project, "provenance")
    assert checked.code == 0, checked.printed
    assert checked.lines[-1] == "4 golden files from 1 revisions: 0 with problems"
    refused = run_cli(project, "record", "--from", "HEAD~1", "-k", "not new_feature")
    assert refused.code == 2
    assert "environment variable CI is set (CI='true')" in refused.err
