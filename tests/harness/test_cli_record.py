"""``record --from REV`` on a throwaway git repository, in-process with a stand-in for pytest.

The repository has two commits: the baseline (code writes tag ``version=1``, two scenarios), then
newer code (``version=2``) plus a new function and its scenario. ``FakeRecorder`` writes each
scenario's golden from the code it is pointed at (``--golden-target-src``), so recording from the
baseline must give the baseline's goldens although HEAD differs. Real worktrees, real manifests;
the same against real pytest and MLflow is in test_cli_end_to_end.py.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import NamedTuple

import _cli_project as demo
import pytest
from _cli_fakes import FakeRecorder, ScriptedRunner, scenarios
from _cli_project import History
from _cli_run import CliRun, run_cli

from mlflow_golden import _ledger as ledger
from mlflow_golden._golden_paths import budget_name
from mlflow_golden._status import Status


class Recorded(NamedTuple):
    history: History
    completed: CliRun
    recorder: FakeRecorder


def _record(history: History, *args: str) -> Recorded:
    recorder = FakeRecorder()
    return Recorded(history, run_cli(history.project, "record", *args, runner=recorder), recorder)


@pytest.fixture(scope="module")
def history(tmp_path_factory: pytest.TempPathFactory) -> History:
    return demo.make_history(tmp_path_factory.mktemp("history") / "project")


@pytest.fixture
def recorded(history: History, tmp_path: Path) -> Recorded:
    """The baseline's scenarios recorded from the baseline commit (HEAD has newer code)."""
    return _record(
        demo.copy_history(history, tmp_path / "project"), "--from", "HEAD~1", demo.SWEEP_ID, demo.SINGLE_ID
    )


# --- record ------------------------------------------------------------------------------------


def test_record_exits_0_when_every_scenario_was_written(recorded: Recorded) -> None:
    assert recorded.completed.code == 0, recorded.completed.printed


def test_record_prints_a_line_for_every_scenario(recorded: Recorded) -> None:
    assert {f"written  {demo.SWEEP_ID}", f"written  {demo.SINGLE_ID}"} <= set(recorded.completed.lines)


def test_record_says_first_what_it_records_from_and_where(recorded: Recorded) -> None:
    project, baseline = recorded.history.project, recorded.history.baseline
    golden_dir = (project / "golden").resolve()
    assert recorded.completed.lines[0] == f"recording from HEAD~1 ({baseline}) into {golden_dir}"


def test_record_says_how_many_files_it_recorded_into_the_manifest(recorded: Recorded) -> None:
    manifest, short = (recorded.history.project / demo.MANIFEST).resolve(), recorded.history.baseline[:12]
    line = f"recorded 4 files from {short}; wrote {manifest} (baseline {short}, 4 files)"
    assert line in recorded.completed.lines


def test_record_ends_with_a_total_line(recorded: Recorded) -> None:
    total = "2 scenarios: 0 ok, 0 differs, 0 missing, 2 written, 0 orphan"
    assert recorded.completed.lines[-1] == total


def test_record_runs_the_current_tests_in_the_project_root(recorded: Recorded) -> None:
    assert [call.cwd for call in recorded.recorder.calls] == [recorded.history.project]


def test_record_gives_the_goldens_of_the_recorded_revision_not_of_head(recorded: Recorded) -> None:
    project = recorded.history.project
    assert 'VERSION = "2"' in (project / "src" / "demo_code.py").read_text(encoding="utf-8")
    assert 'VERSION = "1"' in (project / "golden" / demo.SWEEP_GOLDEN).read_text(encoding="utf-8")
    assert 'VERSION = "1"' in (project / "golden" / demo.SINGLE_GOLDEN).read_text(encoding="utf-8")


def test_record_writes_a_manifest_naming_the_revision_of_every_file(recorded: Recorded) -> None:
    project, baseline = recorded.history.project, recorded.history.baseline
    assert demo.read_manifest(project) == demo.recorded_manifest(
        project / "golden", baseline, demo.BASELINE_FILES
    )


def test_record_writes_the_manifest_with_stable_formatting(recorded: Recorded) -> None:
    text = (recorded.history.project / demo.MANIFEST).read_text(encoding="utf-8")
    assert text == json.dumps(json.loads(text), sort_keys=True, indent=2) + "\n"


def test_record_leaves_the_checkout_and_worktree_list_as_they_were(recorded: Recorded) -> None:
    project = recorded.history.project
    assert demo.git(project, "status", "--porcelain") == "?? golden/"
    assert len(demo.git(project, "worktree", "list").splitlines()) == 1


def test_record_of_a_later_scenario_changes_only_its_entry(recorded: Recorded) -> None:
    before = demo.read_manifest(recorded.history.project)
    extended = _record(recorded.history, "--from", "HEAD", demo.NEW_FEATURE_ID)
    assert extended.completed.code == 0, extended.completed.printed
    after = demo.read_manifest(extended.history.project)
    new_files = {demo.NEW_FEATURE_GOLDEN, budget_name(demo.NEW_FEATURE_GOLDEN)}
    assert {after["files"][name]["revision"] for name in new_files} == {extended.history.head}
    assert {k: v for k, v in after["files"].items() if k not in new_files} == before["files"]
    assert after["baseline_revision"] == extended.history.baseline


def test_record_reports_scenarios_the_revision_cannot_run_and_exits_1(
    history: History, tmp_path: Path
) -> None:
    copy = demo.copy_history(history, tmp_path / "project")
    completed = _record(copy, "--from", copy.baseline).completed
    assert completed.code == 1
    assert f"error    {demo.NEW_FEATURE_ID}" in completed.lines
    assert set(demo.read_manifest(copy.project)["files"]) == demo.BASELINE_FILES


def test_record_puts_every_snapshot_of_a_test_and_its_budget_in_the_manifest(
    history: History, tmp_path: Path
) -> None:
    copy = demo.copy_history(history, tmp_path / "project")
    recorder = FakeRecorder(snapshots={"test_sweep": (None, "1", "after_refit")})
    completed = run_cli(copy.project, "record", "--from", "HEAD~1", demo.SWEEP_ID, runner=recorder)
    assert completed.code == 0, completed.printed
    snapshots = [
        demo.SWEEP_GOLDEN,
        "golden/test_demo/test_sweep.1.json",
        "golden/test_demo/test_sweep.after_refit.json",
    ]
    assert set(demo.read_manifest(copy.project)["files"]) == {*snapshots, *map(budget_name, snapshots)}


def test_record_lists_the_orphans_it_removed(history: History, tmp_path: Path) -> None:
    copy = demo.copy_history(history, tmp_path / "project")
    orphan = "golden/test_demo/test_gone.json"
    runner = ScriptedRunner([scenarios((demo.SWEEP_ID, Status.WRITTEN), orphans=[orphan], updating=True)])
    completed = run_cli(copy.project, "record", "--from", "HEAD", runner=runner)
    assert f"removed  {orphan}" in completed.lines
    assert completed.lines[-1] == "1 scenarios: 0 ok, 0 differs, 0 missing, 1 written, 0 orphan, 1 removed"


def test_record_into_a_golden_dir_relative_to_the_project_root(history: History, tmp_path: Path) -> None:
    copy = demo.copy_history(history, tmp_path / "project")
    completed = _record(copy, "--from", "HEAD~1", "--golden-dir", "elsewhere", demo.SWEEP_ID).completed
    assert completed.code == 0, completed.printed
    assert set(demo.read_manifest(copy.project, "elsewhere/MANIFEST.json")["files"]) == {
        demo.SWEEP_GOLDEN, budget_name(demo.SWEEP_GOLDEN)
    }  # fmt: skip
    assert not (copy.project / "golden").exists()


def test_record_of_a_project_in_a_subfolder_takes_the_code_from_that_subfolder(tmp_path: Path) -> None:
    history = demo.make_history(tmp_path / "repo" / "project", repo=tmp_path / "repo")
    recorded = _record(history, "--from", "HEAD~1", demo.SWEEP_ID)
    assert recorded.completed.code == 0, recorded.completed.printed
    assert 'VERSION = "1"' in (history.project / "golden" / demo.SWEEP_GOLDEN).read_text(encoding="utf-8")


def test_record_of_an_unknown_revision_names_it_and_exits_2(history: History, tmp_path: Path) -> None:
    copy = demo.copy_history(history, tmp_path / "project")
    recorded = _record(copy, "--from", "no-such-rev")
    assert recorded.completed.code == 2
    assert "unknown revision 'no-such-rev'" in recorded.completed.err
    assert not (copy.project / "golden").exists()
    assert recorded.recorder.calls == []


def test_record_outside_a_git_repository_says_so(tmp_path: Path) -> None:
    project = demo.make_project(tmp_path / "project", plugin=False)
    recorded = _record(History(project, "", ""), "--from", "HEAD")
    assert recorded.completed.code == 2
    assert "not a git repository" in recorded.completed.err


# --- record --change: a deliberate change, named in the ledger ---------------------------------


def _changed(recorded: Recorded, *args: str) -> Recorded:
    """``recorded`` (baseline goldens) re-recorded from HEAD's code as a ledger change."""
    return _record(recorded.history, "--from", "HEAD", *args, demo.SWEEP_ID)


def test_record_as_a_change_names_the_changed_files_in_the_ledger(recorded: Recorded) -> None:
    changed = _changed(recorded, "--title", "version 2", "--why", "the tag moved on")
    assert changed.completed.code == 0, changed.completed.printed
    entries = ledger.load(changed.history.project / "golden" / ledger.LEDGER_NAME).changes
    assert entries == (
        ledger.Change(
            "GC-1", "version 2", "the tag moved on", changed.history.head,
            (budget_name(demo.SWEEP_GOLDEN), demo.SWEEP_GOLDEN),
        ),
    )  # fmt: skip


def test_record_as_a_change_gives_its_files_the_change_id_and_leaves_the_rest(recorded: Recorded) -> None:
    before = demo.read_manifest(recorded.history.project)["files"]
    changed = _changed(recorded, "--title", "version 2", "--why", "the tag moved on")
    after = demo.read_manifest(changed.history.project)["files"]
    assert after[demo.SWEEP_GOLDEN]["change"] == "GC-1"
    assert after[demo.SWEEP_GOLDEN]["revision"] == changed.history.head
    assert after[demo.SINGLE_GOLDEN] == before[demo.SINGLE_GOLDEN]


def test_record_as_a_new_change_without_a_why_stops_before_recording(recorded: Recorded) -> None:
    changed = _changed(recorded, "--title", "version 2")
    assert changed.completed.code == 2
    assert "GC-1 is a new change: give it a --title and a --why" in changed.completed.err
    assert changed.recorder.calls == []


def test_record_into_an_existing_change_of_another_revision_is_refused(recorded: Recorded) -> None:
    first = _changed(recorded, "--title", "version 2", "--why", "the tag moved on")
    assert first.completed.code == 0, first.completed.printed
    again = _record(recorded.history, "--from", "HEAD~1", "--change", "GC-1", demo.SINGLE_ID)
    assert again.completed.code == 2
    assert "GC-1 was recorded from" in again.completed.err
