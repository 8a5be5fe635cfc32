"""verify, record and provenance end to end: the real pytest subprocess on real MLflow stores.

The CLI runs in-process (``main`` with the project root) with its real runner, so every
command here starts a fresh pytest with the plugin and the CLI reporter, as ``python -m
mlflow_golden`` does (several seconds each: MLflow's import dominates). Output and exit-code logic
is tested in-process with stand-ins (test_cli_verify.py, test_cli_record.py,
test_cli_provenance.py); these tests check that the real chain - plugin verdict, reporter event,
runner, CLI line - holds. Each run happens once per session (``run_once``: also across xdist
workers) and is read by several tests, and shows as much as one run can: the run with differences
also passes the options as separate words, on sqlite, under xdist. Tests that change files work on
copies.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any, NamedTuple

import _cli_project as demo
import pytest
from _cli_project import History
from _cli_run import CliRun, run_cli, run_once

ORPHAN = "golden/test_demo/test_gone.json"

Run = tuple[Path, CliRun]


def _copy(source: Path, destination: Path) -> Path:
    shutil.copytree(source, destination)
    return destination


def _run_tag(golden: Path, ref: str, tag: str) -> Any:
    snapshot = json.loads(golden.read_text(encoding="utf-8"))
    return next(run for run in snapshot["runs"] if run["ref"] == ref)["tags"].get(tag)


# =============================================================================================
# verify


@pytest.fixture(scope="module")
def updated(tmp_path_factory: pytest.TempPathFactory) -> Run:
    """A project whose goldens were written by ``verify --golden-update`` (an orphan was present)."""

    def update(root: Path) -> CliRun:
        project = demo.make_project(root / "project")
        orphan = project / "golden" / ORPHAN
        orphan.parent.mkdir(parents=True)
        orphan.write_text("{}\n", encoding="utf-8")
        return run_cli(project, "verify", "--golden-update")

    root, completed = run_once(tmp_path_factory, "updated", update)
    return root / "project", completed


def _golden_outside(updated: Run, root: Path) -> tuple[Path, Path]:
    """A copy of the project, and a copy of its goldens outside it (as a new user would try)."""
    project = _copy(updated[0], root / "project")
    elsewhere = root / "elsewhere" / "golden"
    (project / "golden").rename(elsewhere.parent.mkdir() or elsewhere)
    return project, elsewhere


@pytest.fixture(scope="module")
def broken(updated: Run, tmp_path_factory: pytest.TempPathFactory) -> Run:
    """``verify -v`` after the code changed, one golden was deleted and an orphan appeared; the
    goldens outside the project and the changed code in another tree, both named as separate
    words, on sqlite, with two xdist workers."""

    def verify(root: Path) -> CliRun:
        project, elsewhere = _golden_outside(updated, root)
        (elsewhere / demo.SINGLE_GOLDEN).unlink()
        (elsewhere / ORPHAN).write_text("{}\n", encoding="utf-8")
        code = _copy(project / "src", root / "other-tree" / "src").parent
        demo.write_code(code, version="2")
        return run_cli(
            project, "verify", "-v", "--golden-dir", str(elsewhere), "--golden-target-src", str(code),
            "--golden-backend", "sqlite", "-n", "2", "--show-pytest-output",
        )  # fmt: skip

    root, completed = run_once(tmp_path_factory, "broken", verify)
    return root / "project", completed


@pytest.fixture(scope="module")
def clean(updated: Run, tmp_path_factory: pytest.TempPathFactory) -> Run:
    """``verify --golden-dir=DIR`` of the unchanged project with the goldens outside it."""

    def verify(root: Path) -> CliRun:
        project, elsewhere = _golden_outside(updated, root)
        return run_cli(project, "verify", f"--golden-dir={elsewhere}", "--show-pytest-output")

    root, completed = run_once(tmp_path_factory, "clean", verify)
    return root / "project", completed


def test_update_writes_every_scenarios_golden_and_exits_0(updated: Run) -> None:
    project, completed = updated
    assert completed.code == 0, completed.printed
    assert {f"written  {demo.SWEEP_ID}", f"written  {demo.SINGLE_ID}"} <= set(completed.lines)
    assert (project / "golden" / demo.SWEEP_GOLDEN).is_file()
    assert (project / "golden" / demo.SINGLE_GOLDEN).is_file()


def test_update_removes_orphans_and_says_so(updated: Run) -> None:
    project, completed = updated
    assert f"removed  {ORPHAN}" in completed.lines
    assert not (project / "golden" / ORPHAN).exists()


def test_update_ends_with_a_total_line(updated: Run) -> None:
    total = "2 scenarios: 0 ok, 0 differs, 0 missing, 2 written, 0 orphan, 1 removed"
    assert updated[1].lines[-1] == total


def test_verify_of_the_unchanged_project_passes(clean: Run) -> None:
    completed = clean[1]
    assert completed.code == 0, completed.printed
    assert completed.lines[-1] == "2 scenarios: 2 ok, 0 differs, 0 missing, 0 orphan"


def test_verify_exits_1_on_differences(broken: Run) -> None:
    assert broken[1].code == 1


def test_verify_marks_a_changed_scenario_differs(broken: Run) -> None:
    assert f"differs  {demo.SWEEP_ID}" in broken[1].lines


def test_verify_marks_a_scenario_without_golden_missing(broken: Run) -> None:
    assert f"missing  {demo.SINGLE_ID}" in broken[1].lines


def test_verify_lists_orphan_golden_files(broken: Run) -> None:
    assert f"orphan   {ORPHAN}" in broken[1].lines


def test_verify_shows_the_tree_diff_of_a_differing_scenario(broken: Run) -> None:
    lines = broken[1].lines
    details = lines[lines.index(f"==== differs: {demo.SWEEP_ID} ====") :]
    assert '~   run-1 "sweep" FINISHED' in details
    assert '~       tags.version: "1" -> "2"' in details


def test_verify_total_line_counts_differences(broken: Run) -> None:
    assert broken[1].lines[-1] == "2 scenarios: 0 ok, 1 differs, 1 missing, 1 orphan"


def test_verify_takes_a_golden_dir_outside_the_project_as_a_separate_word(broken: Run) -> None:
    project, completed = broken
    assert f"golden-dir={(project.parent / 'elsewhere' / 'golden').resolve()}" in completed.out
    assert f"rootdir: {project}" in completed.out


def test_verify_takes_a_golden_dir_outside_the_project_after_equals(clean: Run) -> None:
    project, completed = clean
    assert completed.code == 0, completed.printed
    assert f"golden-dir={(project.parent / 'elsewhere' / 'golden').resolve()}" in completed.out
    assert f"rootdir: {project}" in completed.out


def test_verify_takes_target_src_as_a_separate_word(broken: Run) -> None:
    # Only the other tree's code (version 2) makes the sweep differ from its golden.
    assert f"differs  {demo.SWEEP_ID}" in broken[1].lines


def test_verify_passes_the_backend_to_pytest(broken: Run) -> None:
    assert "backend=sqlite" in broken[1].out


def test_verify_streams_scenario_lines_under_xdist(broken: Run) -> None:
    completed = broken[1]
    assert "2 workers" in completed.out
    assert {f"differs  {demo.SWEEP_ID}", f"missing  {demo.SINGLE_ID}"} <= set(completed.lines)


# --- pytest could not run (the reporter's events and checks in the pytest process) -------------


def test_verify_reports_a_module_that_fails_to_collect_and_exits_2(tmp_path: Path) -> None:
    project = demo.make_project(tmp_path / "project")
    (project / "tests" / "golden" / "test_broken.py").write_text("import no_such_module\n", encoding="utf-8")
    completed = run_cli(project, "verify")
    assert completed.code == 2
    assert "error    tests/golden/test_broken.py" in completed.lines
    assert "No module named 'no_such_module'" in completed.err


# =============================================================================================
# record and provenance


class Recorded(NamedTuple):
    history: History
    completed: CliRun


@pytest.fixture(scope="module")
def recorded(tmp_path_factory: pytest.TempPathFactory) -> Recorded:
    """The baseline's scenarios recorded from the baseline commit (HEAD has newer code)."""

    def record(root: Path) -> CliRun:
        project = demo.make_history(root / "project").project
        return run_cli(project, "record", "--from", "HEAD~1", "-k", "not new_feature")

    root, completed = run_once(tmp_path_factory, "recorded", record)
    project = root / "project"
    history = History(
        project, demo.git(project, "rev-parse", "HEAD~1"), demo.git(project, "rev-parse", "HEAD")
    )
    return Recorded(history, completed)


def test_record_exits_0_with_every_scenario_written(recorded: Recorded) -> None:
    completed = recorded.completed
    assert completed.code == 0, completed.printed
    assert completed.lines[-1] == "2 scenarios: 0 ok, 0 differs, 0 missing, 2 written, 0 orphan"


def test_record_gives_the_goldens_of_the_recorded_revision_not_of_head(recorded: Recorded) -> None:
    project = recorded.history.project
    assert 'VERSION = "2"' in (project / "src" / "demo_code.py").read_text(encoding="utf-8")
    assert _run_tag(project / "golden" / demo.SWEEP_GOLDEN, "run-1", "version") == "1"
    assert _run_tag(project / "golden" / demo.SINGLE_GOLDEN, "run-1", "version") == "1"


def test_record_writes_a_manifest_naming_the_revision_of_every_golden_and_budget(recorded: Recorded) -> None:
    project, baseline = recorded.history.project, recorded.history.baseline
    assert demo.read_manifest(project) == demo.recorded_manifest(
        project / "golden", baseline, demo.BASELINE_FILES
    )


def test_provenance_passes_when_every_file_re_records_identically(recorded: Recorded, tmp_path: Path) -> None:
    copy = demo.copy_history(recorded.history, tmp_path / "project")
    completed = run_cli(copy.project, "provenance")
    assert completed.code == 0, completed.printed
    assert f"re-recording 4 files from {copy.baseline[:12]}" in completed.lines  # 2 goldens and their budgets
    assert completed.lines[-1] == "4 golden files from 1 revisions: 0 with problems"
