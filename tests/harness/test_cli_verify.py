"""``python -m mlflow_golden verify`` on a throwaway project: lines, totals, exit codes, pass-through.

Each CLI call runs a real pytest subprocess on real MLflow stores (about ten seconds: MLflow's
import dominates), so the recorded project and each scenario run are module-scoped and shared by
the tests that read them; every test that changes files works on its own copy.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from _cli_project import (
    SINGLE_GOLDEN,
    SINGLE_ID,
    SWEEP_GOLDEN,
    SWEEP_ID,
    make_project,
    run_cli,
    write_code,
)

# Shared module fixtures run real pytest subprocesses: keep the module on one xdist worker
# (effective with --dist loadgroup; harmless otherwise).
pytestmark = pytest.mark.xdist_group("cli_verify")

ORPHAN = "golden/test_demo/test_gone.json"

Run = tuple[Path, subprocess.CompletedProcess[str]]


def _copy(source: Path, destination: Path) -> Path:
    shutil.copytree(source, destination)
    return destination


def _lines(completed: subprocess.CompletedProcess[str]) -> list[str]:
    return completed.stdout.splitlines()


@pytest.fixture(scope="module")
def recorded(tmp_path_factory: pytest.TempPathFactory) -> Run:
    """A project whose goldens were written by ``verify --golden-update`` (an orphan was present)."""
    project = make_project(tmp_path_factory.mktemp("recorded") / "project")
    orphan = project / "golden" / ORPHAN
    orphan.parent.mkdir(parents=True)
    orphan.write_text("{}\n", encoding="utf-8")
    return project, run_cli(project, "verify", "--golden-update")


@pytest.fixture(scope="module")
def clean(recorded: Run, tmp_path_factory: pytest.TempPathFactory) -> Run:
    """``verify`` on an unchanged copy of the recorded project."""
    project = _copy(recorded[0], tmp_path_factory.mktemp("clean") / "project")
    return project, run_cli(project, "verify")


@pytest.fixture(scope="module")
def broken(recorded: Run, tmp_path_factory: pytest.TempPathFactory) -> Run:
    """``verify`` after the code changed, one golden was deleted and an orphan appeared."""
    project = _copy(recorded[0], tmp_path_factory.mktemp("broken") / "project")
    write_code(project, version="2")
    (project / "golden" / SINGLE_GOLDEN).unlink()
    (project / "golden" / ORPHAN).write_text("{}\n", encoding="utf-8")
    return project, run_cli(project, "verify")


def _golden_outside(recorded: Run, root: Path) -> tuple[Path, Path]:
    """A copy of the project, and a copy of its goldens outside it (as a new user would try)."""
    project = _copy(recorded[0], root / "project")
    elsewhere = root / "elsewhere" / "golden"
    (project / "golden").rename(elsewhere.parent.mkdir() or elsewhere)
    return project, elsewhere


@pytest.fixture(scope="module")
def passthrough(recorded: Run, tmp_path_factory: pytest.TempPathFactory) -> Run:
    """``verify -v`` with the goldens outside the project and changed code in another tree, both
    named as separate words, on sqlite, with two xdist workers."""
    project, elsewhere = _golden_outside(recorded, tmp_path_factory.mktemp("passthrough"))
    code = _copy(project / "src", project.parent / "other-tree" / "src").parent
    write_code(code, version="2")
    completed = run_cli(
        project, "verify", "-v", "--golden-dir", str(elsewhere), "--target-src", str(code),
        "--mlflow-backend", "sqlite", "-n", "2", "--show-pytest-output",
    )  # fmt: skip
    return project, completed


@pytest.fixture(scope="module")
def passthrough_equals(recorded: Run, tmp_path_factory: pytest.TempPathFactory) -> Run:
    """``verify -v --golden-dir=DIR`` with the goldens outside the project."""
    project, elsewhere = _golden_outside(recorded, tmp_path_factory.mktemp("passthrough_equals"))
    return project, run_cli(project, "verify", "-v", f"--golden-dir={elsewhere}", "--show-pytest-output")


# --- --golden-update ---------------------------------------------------------------------------


def test_update_prints_written_for_each_scenario_and_exits_0(recorded: Run) -> None:
    project, completed = recorded
    assert completed.returncode == 0, completed.stderr
    assert f"written  {SWEEP_ID}" in _lines(completed)
    assert f"written  {SINGLE_ID}" in _lines(completed)
    assert (project / "golden" / SWEEP_GOLDEN).is_file()


def test_update_removes_orphans_and_says_so(recorded: Run) -> None:
    project, completed = recorded
    assert f"removed  {ORPHAN}" in _lines(completed)
    assert not (project / "golden" / ORPHAN).exists()


def test_update_ends_with_a_total_line(recorded: Run) -> None:
    total = "2 scenarios: 0 ok, 0 differs, 0 missing, 2 written, 0 orphan, 1 removed"
    assert _lines(recorded[1])[-1] == total


# --- all ok ------------------------------------------------------------------------------------


def test_verify_reports_the_collected_count_first(clean: Run) -> None:
    assert _lines(clean[1])[0] == "collected 2 scenarios"


def test_verify_shows_progress_instead_of_ok_lines_and_exits_0(clean: Run) -> None:
    completed = clean[1]
    assert completed.returncode == 0, completed.stdout + completed.stderr
    assert _lines(completed)[1:3] == ["[ 50%] 1/2 scenarios, 0 not ok", "[100%] 2/2 scenarios, 0 not ok"]
    assert not [line for line in _lines(completed) if line.startswith("ok ")]


def test_verify_total_line_counts_every_status(clean: Run) -> None:
    assert _lines(clean[1])[-1] == "2 scenarios: 2 ok, 0 differs, 0 missing, 0 orphan"


# --- differences -------------------------------------------------------------------------------


def test_verify_exits_1_on_differences(broken: Run) -> None:
    assert broken[1].returncode == 1


def test_verify_marks_a_changed_scenario_differs(broken: Run) -> None:
    assert f"differs  {SWEEP_ID}" in _lines(broken[1])


def test_verify_marks_a_scenario_without_golden_missing(broken: Run) -> None:
    assert f"missing  {SINGLE_ID}" in _lines(broken[1])


def test_verify_lists_orphan_golden_files(broken: Run) -> None:
    assert f"orphan   {ORPHAN}" in _lines(broken[1])


def test_verify_shows_the_tree_diff_of_a_differing_scenario(broken: Run) -> None:
    lines = _lines(broken[1])
    details = lines[lines.index(f"==== differs: {SWEEP_ID} ====") :]
    assert '~   run-1 "sweep" FINISHED' in details
    assert '~       tags.version: "1" -> "2"' in details


def test_verify_total_line_counts_differences(broken: Run) -> None:
    assert _lines(broken[1])[-1] == "2 scenarios: 0 ok, 1 differs, 1 missing, 1 orphan"


# --- pass-through to pytest --------------------------------------------------------------------


def test_verify_takes_a_golden_dir_outside_the_project_as_a_separate_word(passthrough: Run) -> None:
    project, completed = passthrough
    assert completed.returncode == 1, completed.stdout + completed.stderr  # the changed code differs
    assert f"golden-dir={(project.parent / 'elsewhere' / 'golden').resolve()}" in completed.stdout
    assert f"rootdir: {project}" in completed.stdout


def test_verify_takes_a_golden_dir_outside_the_project_after_equals(passthrough_equals: Run) -> None:
    project, completed = passthrough_equals
    assert completed.returncode == 0, completed.stdout + completed.stderr
    assert f"golden-dir={(project.parent / 'elsewhere' / 'golden').resolve()}" in completed.stdout
    assert f"rootdir: {project}" in completed.stdout


def test_verify_takes_target_src_as_a_separate_word(passthrough: Run) -> None:
    # Only the other tree's code (version 2) makes the sweep differ from its golden.
    assert f"differs  {SWEEP_ID}" in _lines(passthrough[1])


def test_verify_passes_the_backend_to_pytest(passthrough: Run) -> None:
    assert "backend=sqlite" in passthrough[1].stdout


def test_verify_streams_scenario_lines_under_xdist(passthrough: Run) -> None:
    completed = passthrough[1]
    assert "2 workers" in completed.stdout
    assert {f"differs  {SWEEP_ID}", f"differs  {SINGLE_ID}"} <= set(_lines(completed))
    assert _lines(completed)[-1] == "2 scenarios: 0 ok, 2 differs, 0 missing, 0 orphan"


def test_verify_v_lists_every_scenario_ok_ones_too(passthrough_equals: Run) -> None:
    assert _lines(passthrough_equals[1])[1:3] == [f"ok       {SWEEP_ID}", f"ok       {SINGLE_ID}"]


# --- pytest could not run ----------------------------------------------------------------------


def test_verify_shows_pytest_usage_errors_and_exits_2(tmp_path: Path) -> None:
    completed = run_cli(make_project(tmp_path / "project", plugin=False), "verify", "--no-such-option")
    assert completed.returncode == 2
    assert "unrecognized arguments: --no-such-option" in completed.stderr


def test_verify_reports_a_module_that_fails_to_collect_and_exits_2(tmp_path: Path) -> None:
    project = make_project(tmp_path / "project")
    (project / "tests" / "golden" / "test_broken.py").write_text("import no_such_module\n", encoding="utf-8")
    completed = run_cli(project, "verify")
    assert completed.returncode == 2
    assert "error    tests/golden/test_broken.py" in _lines(completed)
    assert "No module named 'no_such_module'" in completed.stderr


def test_verify_without_tests_golden_is_a_usage_error(tmp_path: Path) -> None:
    project = make_project(tmp_path / "project", plugin=False)
    shutil.rmtree(project / "tests" / "golden")
    completed = run_cli(project, "verify")
    assert completed.returncode == 2
    assert "no test paths given and no tests/golden folder" in completed.stderr
