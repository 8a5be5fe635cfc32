"""``provenance`` on a throwaway git repository, in-process with a stand-in for pytest.

Goldens are recorded with ``FakeRecorder`` (see test_cli_record.py for the repository), so
re-recording the same revision gives the same bytes, as the real harness must. The same against
real pytest and MLflow is in test_cli_end_to_end.py.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import NamedTuple

import _cli_project as demo
import pytest
from _cli_fakes import FakeRecorder, ScriptedRunner
from _cli_project import History
from _cli_run import CliRun, run_cli

from mlflow_golden._golden_paths import budget_name
from mlflow_golden._pytest_args import GOLDEN_DIR_OPTION
from mlflow_golden._runner import PytestRun


class Checked(NamedTuple):
    history: History
    completed: CliRun
    recorder: FakeRecorder


def _recorded(history: History, destination: Path, *, later_scenario: bool = False) -> History:
    """A copy of ``history`` whose baseline scenarios were recorded from the baseline (and, with
    ``later_scenario``, the new scenario from HEAD)."""
    copy = demo.copy_history(history, destination)
    runs = [("HEAD~1", demo.SWEEP_ID, demo.SINGLE_ID)] + (
        [("HEAD", demo.NEW_FEATURE_ID)] if later_scenario else []
    )
    for rev, *nodeids in runs:
        completed = run_cli(copy.project, "record", "--from", rev, *nodeids, runner=FakeRecorder())
        assert completed.code == 0, completed.printed
    return copy


def _provenance(history: History) -> Checked:
    recorder = FakeRecorder()
    return Checked(history, run_cli(history.project, "provenance", runner=recorder), recorder)


@pytest.fixture(scope="module")
def history(tmp_path_factory: pytest.TempPathFactory) -> History:
    return demo.make_history(tmp_path_factory.mktemp("history") / "project")


@pytest.fixture
def recorded(history: History, tmp_path: Path) -> History:
    """The baseline's two scenarios recorded from the baseline: one revision in the manifest."""
    return _recorded(history, tmp_path / "project")


@pytest.fixture
def two_revisions(history: History, tmp_path: Path) -> Checked:
    """``provenance`` of goldens from two revisions (the new scenario recorded from HEAD), unchanged."""
    return _provenance(_recorded(history, tmp_path / "project", later_scenario=True))


# --- every file re-records identically ----------------------------------------------------------


def test_provenance_passes_when_every_file_re_records_identically(two_revisions: Checked) -> None:
    assert two_revisions.completed.code == 0, two_revisions.completed.printed
    assert two_revisions.completed.lines[-1] == "6 golden files from 2 revisions: 0 with problems"


def test_provenance_says_how_many_files_it_re_records_from_each_revision(two_revisions: Checked) -> None:
    baseline, head = two_revisions.history.baseline, two_revisions.history.head
    lines = two_revisions.completed.lines
    assert f"re-recording 4 files from {baseline[:12]}" in lines  # 2 goldens and their budgets
    assert f"re-recording 2 files from {head[:12]}" in lines


def test_provenance_re_records_a_later_revision_with_only_the_scenarios_owning_its_files(
    two_revisions: Checked,
) -> None:
    later = two_revisions.recorder.calls[1].args
    assert demo.NEW_FEATURE_ID in later
    assert demo.SWEEP_ID not in later and demo.SINGLE_ID not in later


def test_provenance_hides_failures_of_scenarios_a_revision_does_not_record(two_revisions: Checked) -> None:
    # The baseline's code has no new_feature: its scenario errors in the baseline's re-recording.
    assert not any(demo.NEW_FEATURE_ID in line for line in two_revisions.completed.lines)


def test_provenance_re_records_into_a_scratch_folder_it_removes_afterwards(two_revisions: Checked) -> None:
    for call in two_revisions.recorder.calls:
        scratch = Path(next(a for a in call.args if a.startswith(GOLDEN_DIR_OPTION)).partition("=")[2])
        assert not scratch.is_relative_to(two_revisions.history.project)
        assert not scratch.parent.exists()


def test_provenance_re_records_a_later_test_whose_snapshots_are_all_named(recorded: History) -> None:
    named = {"test_new_feature": ("after",)}  # no <test>.json: the test owns test_new_feature.after.json
    completed = run_cli(
        recorded.project, "record", "--from", "HEAD", demo.NEW_FEATURE_ID, runner=FakeRecorder(named)
    )
    assert completed.code == 0, completed.printed
    checked = run_cli(recorded.project, "provenance", runner=FakeRecorder(named))
    assert checked.code == 0, checked.printed
    assert checked.lines[-1] == "6 golden files from 2 revisions: 0 with problems"


# --- problems ----------------------------------------------------------------------------------


def test_provenance_lists_a_hand_edited_golden_and_exits_1(recorded: History) -> None:
    golden = recorded.project / "golden" / demo.SWEEP_GOLDEN
    golden.write_text(golden.read_text(encoding="utf-8").replace('VERSION = "1"', 'VERSION = "9"'))
    completed = _provenance(recorded).completed
    assert completed.code == 1
    assert (
        f"differs  {demo.SWEEP_GOLDEN} (re-recorded from {recorded.baseline[:12]}, bytes differ)"
        in completed.lines
    )
    assert f"changed  {demo.SWEEP_GOLDEN} (sha256 differs from the manifest)" in completed.lines
    assert not any(demo.SINGLE_GOLDEN in line for line in completed.lines)
    assert completed.lines[-1] == "4 golden files from 1 revisions: 1 with problems"


def test_provenance_lists_a_hand_edited_budget_and_exits_1(recorded: History) -> None:
    budget_file = budget_name(demo.SWEEP_GOLDEN)
    (recorded.project / "golden" / budget_file).write_text("edited by hand\n", encoding="utf-8")
    completed = _provenance(recorded).completed
    assert completed.code == 1
    assert (
        f"differs  {budget_file} (re-recorded from {recorded.baseline[:12]}, bytes differ)" in completed.lines
    )
    assert not any(f"{demo.SWEEP_GOLDEN} (" in line for line in completed.lines)


def test_provenance_lists_golden_files_the_manifest_does_not_know(recorded: History) -> None:
    manifest = demo.read_manifest(recorded.project)
    del manifest["files"][demo.SINGLE_GOLDEN]
    (recorded.project / demo.MANIFEST).write_text(json.dumps(manifest), encoding="utf-8")
    completed = _provenance(recorded).completed
    assert completed.code == 1
    assert f"extra    {demo.SINGLE_GOLDEN} (not in the manifest)" in completed.lines


def test_provenance_lists_a_golden_file_deleted_after_recording(recorded: History) -> None:
    (recorded.project / "golden" / demo.SINGLE_GOLDEN).unlink()
    completed = _provenance(recorded).completed
    golden_dir = (recorded.project / "golden").resolve()
    assert completed.code == 1
    assert f"missing  {demo.SINGLE_GOLDEN} (in the manifest, not in {golden_dir})" in completed.lines


# --- cannot check ------------------------------------------------------------------------------


def test_provenance_in_a_shallow_clone_missing_the_revision_exits_3(
    recorded: History, tmp_path: Path
) -> None:
    demo.commit_all(recorded.project, "record goldens")
    clone = tmp_path / "clone"
    demo.git(tmp_path, "clone", "-q", "--depth", "1", recorded.project.as_uri(), str(clone))
    checked = _provenance(History(clone, recorded.baseline, recorded.head))
    assert checked.completed.code == 3
    assert f"revision {recorded.baseline} (4 golden files) is not in this clone (this clone is shallow)" in (
        checked.completed.err
    )
    assert checked.recorder.calls == []


def test_provenance_without_a_manifest_says_to_record_first(history: History) -> None:
    checked = _provenance(history)
    assert checked.completed.code == 2
    assert "no manifest (record goldens with 'record --from REV' first)" in checked.completed.err


def test_provenance_when_pytest_cannot_re_record_exits_2(recorded: History) -> None:
    runner = ScriptedRunner([PytestRun(exit_code=4, output="pytest: error: unrecognized arguments: -x\n")])
    completed = run_cli(recorded.project, "provenance", "-x", runner=runner)
    assert completed.code == 2
    assert completed.err.startswith(
        f"error: pytest could not re-record from {recorded.baseline[:12]} (pytest exit code 4); pytest said:"
    )
