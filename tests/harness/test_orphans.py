"""Orphan golden files are judged only against what the run collected (pytester, in-process and -n 2).

The scenarios are plain tests: which golden files a test owns depends only on its node id, so the
golden files are written by hand and no store is needed. Each test runs ``--golden-update`` (which
deletes orphans) and asserts which files survived. Where the run collects ``test_kept.py`` whole,
its real orphan ``test_kept/test_gone`` must go too: a run that judged nothing would fail the test.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

InnerRun = Callable[..., pytest.RunResult]

TWO_TESTS = """
import pytest

def test_one():
    pass

@pytest.mark.slow
def test_two():
    pass
"""


def _goldens(pytester: pytest.Pytester, *owners: str) -> list[Path]:
    """Golden file and budget of each ``module/test`` (relative to the golden dir), written by hand."""
    paths = []
    for owner in owners:
        for suffix in (".json", ".calls.json"):
            path = pytester.path / "golden" / (owner + suffix)
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text("{}\n", encoding="utf-8")
            paths.append(path)
    return paths


def _existing(paths: list[Path]) -> list[Path]:
    return [path for path in paths if path.exists()]


@dataclass
class Project:
    other: list[Path]
    """Goldens of ``test_other.py``'s two tests."""
    orphan: list[Path]
    """Goldens of ``test_kept.py::test_gone``, a test that no longer exists."""

    def survivors(self) -> list[Path]:
        """The goldens of ``other`` and ``orphan`` that still exist."""
        return _existing(self.other + self.orphan)


@pytest.fixture
def project(pytester: pytest.Pytester) -> Project:
    """``test_kept.py`` and ``test_other.py``, two tests each (``test_two`` marked ``slow``)."""
    pytester.makepyfile(test_kept=TWO_TESTS, test_other=TWO_TESTS)
    pytester.makeini("[pytest]\nmarkers =\n    slow: a marker to deselect by")
    return Project(
        other=_goldens(pytester, "test_other/test_one", "test_other/test_two"),
        orphan=_goldens(pytester, "test_kept/test_gone"),
    )


# -- never judged: ignored, deselected, uncollected ------------------------------------------------
def test_ignore_keeps_the_ignored_modules_goldens(project: Project, run_inner: InnerRun) -> None:
    run_inner("--golden-update", "--ignore=test_other.py").assert_outcomes(passed=2)
    assert project.survivors() == project.other


def test_a_compare_run_with_ignore_reports_only_the_real_orphan(
    project: Project, run_inner: InnerRun
) -> None:
    result = run_inner("--ignore=test_other.py")
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines(["*2 orphan golden file(s): owned by no test; --golden-update removes them"])
    assert "test_other" not in result.stdout.str()


def test_ignore_glob_keeps_the_ignored_modules_goldens(project: Project, run_inner: InnerRun) -> None:
    run_inner("--golden-update", "--ignore-glob=*other*").assert_outcomes(passed=2)
    assert project.survivors() == project.other


def test_conftest_collect_ignore_keeps_the_ignored_modules_goldens(
    pytester: pytest.Pytester, project: Project, run_inner: InnerRun
) -> None:
    pytester.makeconftest('collect_ignore = ["test_other.py"]')
    run_inner("--golden-update").assert_outcomes(passed=2)
    assert project.survivors() == project.other


def test_keyword_deselection_keeps_the_deselected_tests_goldens(
    project: Project, run_inner: InnerRun
) -> None:
    run_inner("--golden-update", "-k", "one").assert_outcomes(passed=2, deselected=2)
    assert project.survivors() == project.other


def test_marker_deselection_keeps_the_deselected_tests_goldens(project: Project, run_inner: InnerRun) -> None:
    run_inner("--golden-update", "-m", "not slow").assert_outcomes(passed=2, deselected=2)
    assert project.survivors() == project.other


def test_deselect_option_keeps_the_deselected_tests_goldens(project: Project, run_inner: InnerRun) -> None:
    result = run_inner("--golden-update", "--deselect", "test_other.py::test_two")
    result.assert_outcomes(passed=3, deselected=1)
    assert project.survivors() == project.other


DESELECTING_CONFTEST = """
def pytest_collection_modifyitems(config, items):
    dropped = [item for item in items if item.name == "test_two"]
    config.hook.pytest_deselected(items=dropped)
    items[:] = [item for item in items if item not in dropped]
"""


def test_a_plugin_deselecting_through_pytest_deselected_keeps_the_goldens(
    pytester: pytest.Pytester, project: Project, run_inner: InnerRun
) -> None:
    pytester.makeconftest(DESELECTING_CONFTEST)
    run_inner("--golden-update").assert_outcomes(passed=2, deselected=2)
    assert project.survivors() == project.other


CLASS_MODULE = """
def test_one():
    pass

class TestK:
    def test_m(self):
        pass
"""


def test_a_node_id_keeps_the_goldens_of_the_modules_other_tests(
    project: Project, run_inner: InnerRun
) -> None:
    run_inner("--golden-update", "test_other.py::test_one").assert_outcomes(passed=1)
    assert _existing(project.other) == project.other


def test_a_node_id_keeps_the_goldens_of_a_class_it_never_expanded(
    pytester: pytest.Pytester, run_inner: InnerRun
) -> None:
    pytester.makepyfile(test_k=CLASS_MODULE)
    goldens = _goldens(pytester, "test_k/TestK/test_m")
    run_inner("--golden-update", "test_k.py::test_one").assert_outcomes(passed=1)
    assert _existing(goldens) == goldens


def test_a_module_argument_keeps_the_goldens_of_modules_outside_it(
    project: Project, run_inner: InnerRun
) -> None:
    run_inner("--golden-update", "test_kept.py").assert_outcomes(passed=2)
    assert project.survivors() == project.other


def test_a_module_skipped_at_collection_keeps_its_goldens(
    pytester: pytest.Pytester, project: Project, run_inner: InnerRun
) -> None:
    pytester.makepyfile(test_other='import pytest\npytest.skip("not here", allow_module_level=True)\n')
    run_inner("--golden-update").assert_outcomes(passed=2, skipped=1)
    assert project.survivors() == project.other


def test_a_collection_error_judges_nothing_and_says_why(
    pytester: pytest.Pytester, project: Project, run_inner: InnerRun
) -> None:
    pytester.makepyfile(test_broken="import no_such_module\n")
    result = run_inner("--golden-update", "--continue-on-collection-errors")
    result.assert_outcomes(passed=4, errors=1)
    assert _existing(project.orphan) == project.orphan
    result.stdout.fnmatch_lines(
        ["mlflow_golden: orphan golden files not judged: collection error in test_broken.py"]
    )


def test_an_ignored_deleted_module_keeps_its_goldens(
    pytester: pytest.Pytester, project: Project, run_inner: InnerRun
) -> None:
    gone = _goldens(pytester, "test_gone/test_one")
    run_inner("--golden-update", "--ignore=test_gone.py").assert_outcomes(passed=4)
    assert _existing(gone) == gone
    assert _existing(project.orphan) == []


REPLAY = """
import pytest

pytestmark = pytest.mark.golden_as("test_gone.py")

def test_one():
    pass
"""


def test_a_replay_keeps_the_goldens_it_compares_with(
    pytester: pytest.Pytester, project: Project, run_inner: InnerRun
) -> None:
    pytester.makepyfile(test_replayed=REPLAY)
    replayed = _goldens(pytester, "test_gone/test_one")
    run_inner("--golden-update").assert_outcomes(passed=5)
    assert _existing(replayed) == replayed
    assert _existing(project.orphan) == []


# -- orphans: the owner is known to be gone --------------------------------------------------------
REMOVED_THE_ORPHAN = [
    "orphan golden file: test_kept/test_gone.calls.json",
    "*2 orphan golden file(s): removed",
]
"""What ``--golden-update`` prints when it removes ``test_kept/test_gone``'s golden and budget."""


def test_goldens_of_a_deleted_module_are_removed(
    pytester: pytest.Pytester, project: Project, run_inner: InnerRun
) -> None:
    pytester.path.joinpath("test_kept.py").unlink()
    result = run_inner("--golden-update")
    result.stdout.fnmatch_lines(REMOVED_THE_ORPHAN)
    assert project.survivors() == project.other


def test_goldens_of_a_deleted_test_in_a_collected_module_are_removed(
    project: Project, run_inner: InnerRun
) -> None:
    result = run_inner("--golden-update")
    result.stdout.fnmatch_lines(REMOVED_THE_ORPHAN)
    assert project.survivors() == project.other


def test_a_folder_the_orphans_leave_empty_is_removed(
    pytester: pytest.Pytester, project: Project, run_inner: InnerRun
) -> None:
    run_inner("--golden-update").assert_outcomes(passed=4)
    assert not (pytester.path / "golden" / "test_kept").exists()
    assert (pytester.path / "golden" / "test_other").is_dir()


def test_a_compare_run_fails_on_an_orphan_and_keeps_it(project: Project, run_inner: InnerRun) -> None:
    result = run_inner()
    result.assert_outcomes(passed=4, errors=2)
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines(["orphan golden file: test_kept/test_gone.json"])
    assert _existing(project.orphan) == project.orphan


def test_last_failed_judges_nothing(pytester: pytest.Pytester, project: Project) -> None:
    """``--lf`` collects the files without a failure as empty modules: their goldens must stay."""
    pytester.makepyfile(test_failing="def test_fails():\n    assert False\n")
    plugin = ("-p", "mlflow_golden.plugin", "-p", "no:hypothesispytest")  # with the cache, unlike run_inner
    pytester.runpytest_inprocess(*plugin).assert_outcomes(passed=4, failed=1, errors=2)  # 2: the orphan
    result = pytester.runpytest_inprocess(*plugin, "--lf", "--golden-update")
    result.assert_outcomes(failed=1)
    assert _existing(project.other) == project.other
    assert _existing(project.orphan) == project.orphan


# -- orphans: snapshots a passing test no longer checks --------------------------------------------
# Until the golden fixture reports its checks, the scenario reports them by hand (the same property).
CHECKS_FIRST = """
def test_snap(record_property):
    record_property("golden_file", "test_snap/test_snap.json")
    record_property("golden_file", "test_snap/test_snap.first.json")
    {FAIL}
"""


@dataclass
class Snapshots:
    checked: list[Path]
    """``test_snap.json``, ``test_snap.first.json`` and their budgets."""
    unchecked: list[Path]
    """``test_snap.second.json`` and its budget."""


@pytest.fixture
def snapshots(pytester: pytest.Pytester) -> Snapshots:
    return Snapshots(
        checked=_goldens(pytester, "test_snap/test_snap", "test_snap/test_snap.first"),
        unchecked=_goldens(pytester, "test_snap/test_snap.second"),
    )


def test_a_snapshot_a_passing_test_did_not_check_is_removed_with_its_budget(
    pytester: pytest.Pytester, snapshots: Snapshots, run_inner: InnerRun
) -> None:
    pytester.makepyfile(test_snap=CHECKS_FIRST.format(FAIL=""))
    run_inner("--golden-update", "test_snap.py::test_snap").assert_outcomes(passed=1)
    assert _existing(snapshots.unchecked) == []
    assert _existing(snapshots.checked) == snapshots.checked


def test_a_failing_test_keeps_the_snapshots_it_did_not_reach(
    pytester: pytest.Pytester, snapshots: Snapshots, run_inner: InnerRun
) -> None:
    pytester.makepyfile(test_snap=CHECKS_FIRST.format(FAIL="assert False"))
    run_inner("--golden-update").assert_outcomes(failed=1)
    assert _existing(snapshots.unchecked) == snapshots.unchecked


# -- under xdist: workers collect, the controller judges -------------------------------------------
# A subprocess each (about 30 s on a busy 2-core machine): only the cases xdist changes.
def test_xdist_ignore_keeps_the_ignored_modules_goldens(project: Project, run_subprocess: InnerRun) -> None:
    run_subprocess("-n", "2", "--golden-update", "--ignore=test_other.py").assert_outcomes(passed=2)
    assert project.survivors() == project.other


def test_xdist_plugin_deselection_keeps_the_goldens(
    pytester: pytest.Pytester, project: Project, run_subprocess: InnerRun
) -> None:
    pytester.makeconftest(DESELECTING_CONFTEST)
    run_subprocess("-n", "2", "--golden-update").assert_outcomes(passed=2)
    assert project.survivors() == project.other


CRASHING = """
import os

def test_crashes_its_worker():
    os._exit(3)
"""


def test_xdist_a_crashed_worker_judges_nothing(
    pytester: pytest.Pytester, project: Project, run_subprocess: InnerRun
) -> None:
    pytester.makepyfile(test_crashing=CRASHING)
    result = run_subprocess("-n", "2", "--golden-update")
    result.assert_outcomes(passed=4, failed=1)
    assert _existing(project.orphan) == project.orphan


# -- counted by pytest's own summary -----------------------------------------------------------


def test_an_orphan_is_an_error_in_pytests_own_summary(project: Project, run_inner: InnerRun) -> None:
    result = run_inner()
    result.assert_outcomes(passed=4, errors=2)  # "4 passed, 2 errors": the orphan's golden and budget
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines(["*4 passed, 2 errors*"])
    result.stdout.fnmatch_lines(["ERROR mlflow_golden-orphan::test_kept/test_gone.json - orphan golden*"])


def test_an_orphan_removed_by_update_is_no_error(project: Project, run_inner: InnerRun) -> None:
    result = run_inner("--golden-update")
    result.assert_outcomes(passed=4)
    assert result.ret == pytest.ExitCode.OK
