"""``record --from REV`` and ``provenance`` on a throwaway git repository.

The repository has two commits: the baseline (code writes tag ``version=1``, two scenarios), then
newer code (``version=2``) plus a new function and its scenario. Recording from the baseline must
give the baseline's goldens although HEAD differs. Each CLI call runs real pytest subprocesses,
so the recorded states are module-scoped; tests that change files work on copies.
"""

from __future__ import annotations

import hashlib
import json
import platform
import shutil
import subprocess
from importlib import metadata
from pathlib import Path
from typing import Any, NamedTuple

import pytest
from _cli_project import (
    NEW_FEATURE_GOLDEN,
    NEW_FEATURE_ID,
    SINGLE_GOLDEN,
    SWEEP_GOLDEN,
    commit_all,
    git,
    make_project,
    run_cli,
    write_code,
    write_scenarios,
)

from mlflow_golden import budgets
from mlflow_golden.golden_paths import budget_name

# Shared module fixtures run real pytest subprocesses: keep the module on one xdist worker
# (effective with --dist loadgroup; harmless otherwise).
pytestmark = pytest.mark.xdist_group("cli_record")

MANIFEST = "golden/MANIFEST.json"


class History(NamedTuple):
    project: Path
    baseline: str
    head: str


class Recorded(NamedTuple):
    history: History
    completed: subprocess.CompletedProcess[str]


def _copy(history: History, destination: Path) -> History:
    shutil.copytree(history.project, destination)
    return history._replace(project=destination)


def _manifest(project: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((project / MANIFEST).read_text(encoding="utf-8"))
    return data


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _run_tag(golden: Path, ref: str, tag: str) -> Any:
    snapshot = json.loads(golden.read_text(encoding="utf-8"))
    return next(run for run in snapshot["runs"] if run["ref"] == ref)["tags"].get(tag)


@pytest.fixture(scope="module")
def history(tmp_path_factory: pytest.TempPathFactory) -> History:
    project = make_project(tmp_path_factory.mktemp("history") / "project", version="1")
    git(project, "init", "-q")
    baseline = commit_all(project, "baseline")
    write_code(project, version="2", new_feature=True)
    write_scenarios(project, new_feature=True)
    head = commit_all(project, "newer code and a new scenario")
    return History(project, baseline, head)


@pytest.fixture(scope="module")
def recorded(history: History, tmp_path_factory: pytest.TempPathFactory) -> Recorded:
    """The baseline's scenarios recorded from the baseline commit (HEAD has newer code)."""
    copy = _copy(history, tmp_path_factory.mktemp("recorded") / "project")
    return Recorded(copy, run_cli(copy.project, "record", "--from", "HEAD~1", "-k", "not new_feature"))


@pytest.fixture(scope="module")
def extended(recorded: Recorded, tmp_path_factory: pytest.TempPathFactory) -> Recorded:
    """Then the new scenario recorded from HEAD, alone."""
    copy = _copy(recorded.history, tmp_path_factory.mktemp("extended") / "project")
    return Recorded(copy, run_cli(copy.project, "record", "--from", "HEAD", NEW_FEATURE_ID))


# --- record ------------------------------------------------------------------------------------


def test_record_exits_0_and_lists_written_scenarios(recorded: Recorded) -> None:
    completed = recorded.completed
    assert completed.returncode == 0, completed.stdout + completed.stderr
    assert completed.stdout.splitlines()[-1] == "2 scenarios: 0 ok, 0 differs, 0 missing, 2 written, 0 orphan"


def test_record_gives_the_goldens_of_the_recorded_revision_not_of_head(recorded: Recorded) -> None:
    project = recorded.history.project
    assert 'VERSION = "2"' in (project / "src" / "demo_code.py").read_text(encoding="utf-8")
    assert _run_tag(project / "golden" / SWEEP_GOLDEN, "run-1", "version") == "1"
    assert _run_tag(project / "golden" / SINGLE_GOLDEN, "run-1", "version") == "1"


def test_record_writes_a_manifest_naming_the_revision_of_every_file(recorded: Recorded) -> None:
    project, baseline = recorded.history.project, recorded.history.baseline
    assert _manifest(project) == {
        "schema": 1,
        "baseline_revision": baseline,
        "mlflow_version": metadata.version("mlflow"),
        "python_version": platform.python_version(),
        "files": {
            name: {"sha256": _sha256(project / "golden" / name), "revision": baseline}
            for name in (SINGLE_GOLDEN, SWEEP_GOLDEN, budget_name(SINGLE_GOLDEN), budget_name(SWEEP_GOLDEN))
        },
    }


def test_record_writes_the_manifest_with_stable_formatting(recorded: Recorded) -> None:
    text = (recorded.history.project / MANIFEST).read_text(encoding="utf-8")
    assert text == json.dumps(json.loads(text), sort_keys=True, indent=2) + "\n"


def test_record_leaves_the_checkout_and_worktree_list_as_they_were(recorded: Recorded) -> None:
    project = recorded.history.project
    assert git(project, "status", "--porcelain") == "?? golden/"
    assert len(git(project, "worktree", "list").splitlines()) == 1


def test_record_of_a_later_scenario_changes_only_its_entry(recorded: Recorded, extended: Recorded) -> None:
    assert extended.completed.returncode == 0, extended.completed.stdout + extended.completed.stderr
    before, after = _manifest(recorded.history.project), _manifest(extended.history.project)
    new_files = {NEW_FEATURE_GOLDEN, budget_name(NEW_FEATURE_GOLDEN)}
    assert {after["files"][name]["revision"] for name in new_files} == {extended.history.head}
    assert {k: v for k, v in after["files"].items() if k not in new_files} == before["files"]
    assert after["baseline_revision"] == extended.history.baseline


def test_record_reports_scenarios_the_revision_cannot_run_and_exits_1(
    history: History, tmp_path: Path
) -> None:
    copy = _copy(history, tmp_path / "project")
    completed = run_cli(copy.project, "record", "--from", copy.baseline)
    assert completed.returncode == 1
    assert f"error    {NEW_FEATURE_ID}" in completed.stdout.splitlines()
    assert set(_manifest(copy.project)["files"]) == {
        SINGLE_GOLDEN, SWEEP_GOLDEN, budget_name(SINGLE_GOLDEN), budget_name(SWEEP_GOLDEN)
    }  # fmt: skip


def test_record_of_an_unknown_revision_names_it_and_exits_2(history: History, tmp_path: Path) -> None:
    copy = _copy(history, tmp_path / "project")
    completed = run_cli(copy.project, "record", "--from", "no-such-rev")
    assert completed.returncode == 2
    assert "unknown revision 'no-such-rev'" in completed.stderr
    assert not (copy.project / "golden").exists()


def test_record_outside_a_git_repository_says_so(tmp_path: Path) -> None:
    project = make_project(tmp_path / "project", plugin=False)
    completed = run_cli(project, "record", "--from", "HEAD")
    assert completed.returncode == 2
    assert "not a git repository" in completed.stderr


# --- provenance --------------------------------------------------------------------------------


def test_provenance_passes_when_every_file_re_records_identically(
    extended: Recorded, tmp_path: Path
) -> None:
    copy = _copy(extended.history, tmp_path / "project")
    completed = run_cli(copy.project, "provenance")
    assert completed.returncode == 0, completed.stdout + completed.stderr
    lines = completed.stdout.splitlines()
    assert f"re-recording 4 files from {copy.baseline[:12]}" in lines  # 2 goldens and their budgets
    assert f"re-recording 2 files from {copy.head[:12]}" in lines
    assert lines[-1] == "6 golden files from 2 revisions: 0 with problems"


def test_provenance_lists_a_hand_edited_golden_and_exits_1(recorded: Recorded, tmp_path: Path) -> None:
    copy = _copy(recorded.history, tmp_path / "project")
    golden = copy.project / "golden" / SWEEP_GOLDEN
    golden.write_text(golden.read_text(encoding="utf-8").replace('"version": "1"', '"version": "9"'))
    completed = run_cli(copy.project, "provenance")
    assert completed.returncode == 1
    lines = completed.stdout.splitlines()
    assert f"differs  {SWEEP_GOLDEN} (re-recorded from {copy.baseline[:12]}, bytes differ)" in lines
    assert f"changed  {SWEEP_GOLDEN} (sha256 differs from the manifest)" in lines
    assert not any(SINGLE_GOLDEN in line for line in lines)
    assert lines[-1] == "4 golden files from 1 revisions: 1 with problems"


def test_provenance_lists_a_hand_edited_budget_and_exits_1(recorded: Recorded, tmp_path: Path) -> None:
    copy = _copy(recorded.history, tmp_path / "project")
    budget = copy.project / "golden" / budget_name(SWEEP_GOLDEN)
    data = json.loads(budget.read_text(encoding="utf-8"))
    budget.write_text(budgets.dumps(data["calls"][:-1]), encoding="utf-8")
    completed = run_cli(copy.project, "provenance")
    assert completed.returncode == 1
    lines, budget_file = completed.stdout.splitlines(), budget_name(SWEEP_GOLDEN)
    assert f"differs  {budget_file} (re-recorded from {copy.baseline[:12]}, bytes differ)" in lines
    assert not any(f"{SWEEP_GOLDEN} (" in line for line in lines)


def test_provenance_lists_golden_files_the_manifest_does_not_know(recorded: Recorded, tmp_path: Path) -> None:
    copy = _copy(recorded.history, tmp_path / "project")
    manifest = _manifest(copy.project)
    del manifest["files"][SINGLE_GOLDEN]
    (copy.project / MANIFEST).write_text(json.dumps(manifest), encoding="utf-8")
    completed = run_cli(copy.project, "provenance")
    assert completed.returncode == 1
    assert f"extra    {SINGLE_GOLDEN} (not in the manifest)" in completed.stdout.splitlines()


def test_provenance_in_a_shallow_clone_missing_the_revision_exits_3(
    recorded: Recorded, tmp_path: Path
) -> None:
    source = _copy(recorded.history, tmp_path / "source")
    commit_all(source.project, "record goldens")
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", "--depth", "1", source.project.as_uri(), str(clone))
    completed = run_cli(clone, "provenance")
    assert completed.returncode == 3
    assert f"revision {source.baseline} (4 golden files) is not in this clone (this clone is shallow)" in (
        completed.stderr
    )


def test_provenance_without_a_manifest_says_to_record_first(history: History, tmp_path: Path) -> None:
    copy = _copy(history, tmp_path / "project")
    completed = run_cli(copy.project, "provenance")
    assert completed.returncode == 2
    assert "no manifest (record goldens with 'record --from REV' first)" in completed.stderr
