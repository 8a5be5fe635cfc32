"""``verify``: its lines, total and exit codes, in-process with a stand-in for the pytest subprocess.

Each test hands ``main`` a prepared ``PytestRun`` (what the reporter would have streamed) and reads
what the CLI made of it. The same commands against real pytest and MLflow are in
test_cli_end_to_end.py.
"""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from _cli_fakes import ScriptedRunner, scenarios
from _cli_project import SINGLE_ID, SWEEP_ID
from _cli_run import CliRun, run_cli

from mlflow_golden._cli import main
from mlflow_golden._runner import PytestRun, ScenarioResult
from mlflow_golden._status import Status

ORPHAN = "golden/test_demo/test_gone.json"
BROKEN_MODULE = "tests/golden/test_broken.py"


def _verify(project: Path, run: PytestRun, *args: str) -> CliRun:
    return run_cli(project, "verify", *args, runner=ScriptedRunner([run]))


def _all_ok() -> PytestRun:
    return scenarios((SWEEP_ID, Status.OK), (SINGLE_ID, Status.OK))


def _updated() -> PytestRun:
    """``--golden-update`` wrote both scenarios and removed an orphan."""
    return scenarios((SWEEP_ID, Status.WRITTEN), (SINGLE_ID, Status.WRITTEN), orphans=[ORPHAN], updating=True)


def _broken() -> PytestRun:
    """One scenario differs, one has no golden, one golden file is an orphan."""
    return scenarios((SWEEP_ID, Status.DIFFERS), (SINGLE_ID, Status.MISSING), orphans=[ORPHAN])


@pytest.fixture
def updated(tmp_path: Path) -> CliRun:
    return _verify(tmp_path, _updated(), "--golden-update")


@pytest.fixture
def clean(tmp_path: Path) -> CliRun:
    return _verify(tmp_path, _all_ok())


@pytest.fixture
def broken(tmp_path: Path) -> CliRun:
    return _verify(tmp_path, _broken())


# --- --golden-update ---------------------------------------------------------------------------


def test_update_prints_written_for_each_scenario(updated: CliRun) -> None:
    assert {f"written  {SWEEP_ID}", f"written  {SINGLE_ID}"} <= set(updated.lines)


def test_update_that_wrote_every_scenario_exits_0(updated: CliRun) -> None:
    assert updated.code == 0, updated.err


def test_update_lists_orphans_as_removed(updated: CliRun) -> None:
    assert f"removed  {ORPHAN}" in updated.lines
    assert f"orphan   {ORPHAN}" not in updated.lines


def test_update_ends_with_a_total_line(updated: CliRun) -> None:
    assert updated.lines[-1] == "2 scenarios: 0 ok, 0 differs, 0 missing, 2 written, 0 orphan, 1 removed"


# --- all ok ------------------------------------------------------------------------------------


def test_verify_reports_the_collected_count_first(clean: CliRun) -> None:
    assert clean.lines[0] == "collected 2 scenarios"


def test_verify_shows_progress_instead_of_ok_lines(clean: CliRun) -> None:
    assert clean.lines[1:3] == ["[ 50%] 1/2 scenarios, 0 not ok", "[100%] 2/2 scenarios, 0 not ok"]
    assert not [line for line in clean.lines if line.startswith("ok ")]


def test_verify_of_scenarios_all_ok_exits_0(clean: CliRun) -> None:
    assert clean.code == 0, clean.err


def test_verify_total_line_counts_every_status(clean: CliRun) -> None:
    assert clean.lines[-1] == "2 scenarios: 2 ok, 0 differs, 0 missing, 0 orphan"


def test_verify_v_lists_every_scenario_ok_ones_too(tmp_path: Path) -> None:
    completed = _verify(tmp_path, _all_ok(), "-v")
    assert completed.lines[1:3] == [f"ok       {SWEEP_ID}", f"ok       {SINGLE_ID}"]


# --- differences -------------------------------------------------------------------------------


def test_verify_exits_1_on_differences(broken: CliRun) -> None:
    assert broken.code == 1


def test_verify_marks_a_changed_scenario_differs(broken: CliRun) -> None:
    assert f"differs  {SWEEP_ID}" in broken.lines


def test_verify_marks_a_scenario_without_golden_missing(broken: CliRun) -> None:
    assert f"missing  {SINGLE_ID}" in broken.lines


def test_verify_lists_orphan_golden_files(broken: CliRun) -> None:
    assert f"orphan   {ORPHAN}" in broken.lines


def test_verify_shows_the_report_of_each_failing_scenario_under_a_header(broken: CliRun) -> None:
    lines = broken.lines
    assert lines[lines.index(f"==== differs: {SWEEP_ID} ====") + 1] == f"report of {SWEEP_ID}"
    assert lines[lines.index(f"==== missing: {SINGLE_ID} ====") + 1] == f"report of {SINGLE_ID}"


def test_verify_no_details_leaves_the_reports_out(tmp_path: Path) -> None:
    completed = _verify(tmp_path, _broken(), "--no-details")
    assert f"report of {SWEEP_ID}" not in completed.out
    assert f"differs  {SWEEP_ID}" in completed.lines


def test_verify_total_line_counts_differences(broken: CliRun) -> None:
    assert broken.lines[-1] == "2 scenarios: 0 ok, 1 differs, 1 missing, 1 orphan"


def test_verify_total_line_counts_errors_and_skips_when_there_are_any(tmp_path: Path) -> None:
    run = scenarios((SWEEP_ID, Status.ERROR), (SINGLE_ID, Status.SKIPPED))
    completed = _verify(tmp_path, run)
    assert completed.lines[-1] == "2 scenarios: 0 ok, 0 differs, 0 missing, 1 error, 1 skipped, 0 orphan"


def test_verify_exits_1_on_an_orphan_alone(tmp_path: Path) -> None:
    run = scenarios((SWEEP_ID, Status.OK), orphans=[ORPHAN])
    assert _verify(tmp_path, run).code == 1


def test_verify_exits_1_when_pytest_failed_outside_the_scenarios(tmp_path: Path) -> None:
    run = _all_ok()
    run.exit_code = 1  # e.g. a session fixture failed at teardown
    completed = _verify(tmp_path, run)
    assert completed.code == 1
    assert completed.err.startswith("error: pytest failed outside the scenarios (pytest exit code 1)")


# --- pass-through to pytest --------------------------------------------------------------------


def test_verify_passes_the_options_it_does_not_know_to_pytest_unchanged(tmp_path: Path) -> None:
    runner = ScriptedRunner([_all_ok()])
    args = ["--golden-dir", "/elsewhere", "--golden-backend", "sqlite", "-n", "2", "-k", "sweep"]
    run_cli(tmp_path, "verify", "-v", *args, runner=runner)
    assert runner.calls[0].args == args


def test_verify_runs_pytest_in_the_project_root(tmp_path: Path) -> None:
    runner = ScriptedRunner([_all_ok()])
    run_cli(tmp_path, "verify", runner=runner)
    assert runner.calls[0].cwd == tmp_path


def test_main_takes_the_current_folder_as_the_project_root(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    runner = ScriptedRunner([_all_ok()])
    main(["verify"], out=io.StringIO(), err=io.StringIO(), runner=runner)
    assert runner.calls[0].cwd == tmp_path


def test_verify_show_pytest_output_prints_what_pytest_printed(tmp_path: Path) -> None:
    assert "pytest's own output" in _verify(tmp_path, _all_ok(), "--show-pytest-output").lines


# --- pytest could not run ----------------------------------------------------------------------


def test_verify_shows_pytest_usage_errors_and_exits_2(tmp_path: Path) -> None:
    usage = "ERROR: usage: pytest [options]\npytest: error: unrecognized arguments: --no-such-option\n"
    completed = _verify(tmp_path, PytestRun(exit_code=4, output=usage), "--no-such-option")
    assert completed.code == 2
    assert (
        completed.err
        == "error: pytest could not run the scenarios (pytest exit code 4); pytest said:\n" + usage
    )


def test_verify_reports_a_module_that_fails_to_collect_and_exits_2(tmp_path: Path) -> None:
    error = ScenarioResult(
        BROKEN_MODULE, Status.ERROR, "ModuleNotFoundError: No module named 'no_such_module'"
    )
    run = PytestRun(exit_code=2, output="E   ModuleNotFoundError: No module named 'no_such_module'\n")
    run.collect_errors.append(error)
    completed = _verify(tmp_path, run)
    assert completed.code == 2
    assert f"error    {BROKEN_MODULE}" in completed.lines
    assert "No module named 'no_such_module'" in completed.err


def test_verify_that_collected_nothing_says_so_and_exits_2(tmp_path: Path) -> None:
    completed = _verify(tmp_path, PytestRun(exit_code=5, output="no tests ran\n", collected=[]))
    assert completed.code == 2
    assert completed.err.startswith("error: no scenarios collected (pytest exit code 5)")
