"""``gate``: every change of a golden file is a named, deliberate one (no pytest run: git and files).

Each test builds a small git repository whose ``golden/`` folder holds two snapshots with budgets, a
manifest recorded from a baseline revision and, from the second commit on, a ledger; then makes one
kind of change, deliberate or not, and reads the gate's verdict.
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest
from _cli_project import commit_all, git

from mlflow_golden import _gate as gate
from mlflow_golden import _ledger as ledger
from mlflow_golden import _manifest as manifest
from mlflow_golden._change_record import ChangeRequest, record_change, shas

BASELINE = "b" * 40
LATER = "c" * 40
SNAPSHOT = "golden/test_a/test_x.json"
BUDGET = "golden/test_a/test_x.calls.json"
OTHER = "golden/test_a/test_y.json"
FILES = (SNAPSHOT, BUDGET, OTHER, "golden/test_a/test_y.calls.json")
VERSIONS = {"mlflow_version": "3.17.2", "python_version": "3.11.7"}


def _write(golden: Path, name: str, text: str) -> None:
    (golden / name).parent.mkdir(parents=True, exist_ok=True)
    (golden / name).write_text(text, encoding="utf-8")


def _record_baseline(golden: Path) -> None:
    recorded = manifest.update(None, golden, FILES, BASELINE, baseline=True, **VERSIONS)
    manifest.write(golden / manifest.MANIFEST_NAME, recorded)


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """Baseline goldens and manifest committed; then the (empty) ledger committed."""
    repo = tmp_path / "repo"
    golden = repo / "golden"
    for name in FILES:
        _write(golden, name, f"{name} as the baseline records it\n")
    _record_baseline(golden)
    git(repo, "init", "-q")
    commit_all(repo, "baseline goldens")
    ledger.write(golden / ledger.LEDGER_NAME, ledger.Ledger())
    commit_all(repo, "the golden-change ledger")
    return repo


def _problems(repo: Path) -> list[gate.GateProblem]:
    return gate.check(repo / "golden", repo)


def _accept(repo: Path, names: tuple[str, ...], text: str, revision: str = LATER, **request: str) -> None:
    """What accept does: rewrite ``names`` (as the recorder would), then manifest + ledger as one change."""
    golden = repo / "golden"
    before = shas(golden, list(names))
    for name in names:
        _write(golden, name, text)
    record_change(golden, before, names, revision, ChangeRequest(**request), VERSIONS)


def _re_record_without_a_change(repo: Path, name: str, text: str) -> None:
    """A recording from LATER outside accept: the file and its manifest entry, no ledger entry."""
    golden = repo / "golden"
    _write(golden, name, text)
    previous = manifest.load(golden / manifest.MANIFEST_NAME)
    updated = manifest.update(previous, golden, [name], LATER, baseline=False, **VERSIONS)
    manifest.write(golden / manifest.MANIFEST_NAME, updated)


def test_an_untouched_catalog_passes(repo: Path) -> None:
    assert _problems(repo) == []


def test_a_golden_edited_by_hand_fails_on_its_sha_and_on_the_missing_ledger_entry(repo: Path) -> None:
    _write(repo / "golden", SNAPSHOT, "edited by hand\n")

    problems = _problems(repo)

    assert [p.name for p in problems] == [SNAPSHOT, SNAPSHOT]
    assert "differ from the manifest's sha256" in problems[0].why
    assert "changed in the working tree, and no ledger entry added there names it" in problems[1].why


def test_a_silent_re_record_fails_even_with_a_matching_manifest(repo: Path) -> None:
    _re_record_without_a_change(repo, SNAPSHOT, "re-recorded from newer code\n")
    sha = commit_all(repo, "re-record")

    problems = _problems(repo)

    assert [(p.name, p.why.split(",")[0]) for p in problems] == [(SNAPSHOT, f"changed in commit {sha[:12]}")]


def test_a_change_named_by_a_ledger_entry_of_its_commit_passes(repo: Path) -> None:
    _accept(repo, (SNAPSHOT, BUDGET), "new behavior\n", title="tag fixed", why="the tag was wrong")
    commit_all(repo, "GC-1")

    assert _problems(repo) == []
    entry = manifest.load(repo / "golden" / manifest.MANIFEST_NAME).files[SNAPSHOT]
    assert (entry.revision, entry.change) == (LATER, "GC-1")


def test_an_uncommitted_accept_passes_too(repo: Path) -> None:
    _accept(repo, (SNAPSHOT,), "new behavior\n", title="tag fixed", why="the tag was wrong")

    assert _problems(repo) == []


def test_a_ledger_entry_naming_a_file_its_commit_did_not_change_fails(repo: Path) -> None:
    _accept(repo, (SNAPSHOT,), "new behavior\n", title="tag fixed", why="the tag was wrong")
    path = repo / "golden" / ledger.LEDGER_NAME
    entry = ledger.load(path).changes[0]
    ledger.write(path, ledger.Ledger((entry.__class__(**{**entry.__dict__, "files": (SNAPSHOT, OTHER)}),)))

    problems = _problems(repo)

    assert [(p.name, p.why) for p in problems] == [
        (OTHER, "GC-1 names it, but the working tree did not change it")
    ]


def test_a_ledger_pattern_that_matches_no_golden_fails(repo: Path) -> None:
    _accept(repo, (SNAPSHOT,), "new behavior\n", title="tag fixed", why="the tag was wrong")
    path = repo / "golden" / ledger.LEDGER_NAME
    entry = ledger.load(path).changes[0]
    ledger.write(path, ledger.Ledger((entry.__class__(**{**entry.__dict__, "files": (SNAPSHOT, "gone/*")}),)))

    problems = _problems(repo)

    assert [(p.name, p.why) for p in problems] == [
        (ledger.LEDGER_NAME, "GC-1 names 'gone/*', which matches no golden file")
    ]


def _rerecord_as_schema_2(repo: Path, names: tuple[str, ...]) -> None:
    """``names`` re-recorded from the baseline as one change over the whole catalog (``catalog=FILES``)."""
    golden = repo / "golden"
    before = shas(golden, list(FILES))
    for name in names:
        _write(golden, name, f"{name} in schema 2\n")
    request = ChangeRequest(title="schema 2", why="steps and artifacts")
    record_change(golden, before, FILES, BASELINE, request, VERSIONS, catalog=FILES)


def test_a_whole_catalog_pattern_passes_when_every_file_changed(repo: Path) -> None:
    golden = repo / "golden"
    _rerecord_as_schema_2(repo, FILES)
    commit_all(repo, "schema 2")

    assert ledger.load(golden / ledger.LEDGER_NAME).changes[0].files == ("*",)
    assert _problems(repo) == []


def test_a_whole_catalog_pattern_fails_for_each_file_left_unchanged(repo: Path) -> None:
    golden = repo / "golden"
    _accept(repo, FILES[:-1], "schema 2\n", revision=BASELINE, title="schema 2", why="steps and artifacts")
    entry = ledger.load(golden / ledger.LEDGER_NAME).changes[0]
    ledger.write(golden / ledger.LEDGER_NAME, ledger.Ledger((replace(entry, files=("*",)),)))

    problems = _problems(repo)

    assert [(p.name, p.why) for p in problems] == [
        (FILES[-1], "GC-1 names it, but the working tree did not change it")
    ]


def test_a_snapshots_only_pattern_passes_when_every_snapshot_and_no_budget_changed(repo: Path) -> None:
    golden = repo / "golden"
    _rerecord_as_schema_2(repo, tuple(name for name in FILES if not name.endswith(".calls.json")))

    assert ledger.load(golden / ledger.LEDGER_NAME).changes[0].files == ("*", "!*.calls.json")
    assert _problems(repo) == []


def test_a_manifest_change_id_missing_from_the_ledger_fails(repo: Path) -> None:
    _accept(repo, (SNAPSHOT,), "new behavior\n", title="tag fixed", why="the tag was wrong")
    ledger.write(repo / "golden" / ledger.LEDGER_NAME, ledger.Ledger())

    problems = _problems(repo)

    assert (SNAPSHOT, "the manifest names change GC-1, which the ledger lacks") in [
        (p.name, p.why) for p in problems
    ]


def test_a_committed_ledger_entry_cannot_be_rewritten(repo: Path) -> None:
    _accept(repo, (SNAPSHOT, BUDGET), "new behavior\n", title="tag fixed", why="the tag was wrong")
    commit_all(repo, "GC-1")
    path = repo / "golden" / ledger.LEDGER_NAME
    entry = ledger.load(path).changes[0]
    ledger.write(path, ledger.Ledger((entry.__class__(**{**entry.__dict__, "files": (SNAPSHOT,)}),)))

    problems = _problems(repo)

    assert (
        ledger.LEDGER_NAME,
        "GC-1 was rewritten in the working tree: entries are only appended or extended",
    ) in [(p.name, p.why) for p in problems]


def test_a_revision_moved_without_new_bytes_fails(repo: Path) -> None:
    golden = repo / "golden"
    path = golden / manifest.MANIFEST_NAME
    data = json.loads(path.read_text(encoding="utf-8"))
    data["files"][OTHER]["revision"] = LATER
    path.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n", encoding="utf-8")

    problems = _problems(repo)

    assert [(p.name, p.why.split(",")[0]) for p in problems] == [
        (OTHER, "got another recorded revision in the working tree")
    ]


def test_changes_made_before_the_ledger_existed_are_history(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    golden = repo / "golden"
    for name in FILES:
        _write(golden, name, "first recording\n")
    _record_baseline(golden)
    git(repo, "init", "-q")
    commit_all(repo, "first")
    for name in FILES:
        _write(golden, name, "second recording, before any ledger\n")
    _record_baseline(golden)
    commit_all(repo, "second")
    ledger.write(golden / ledger.LEDGER_NAME, ledger.Ledger())
    commit_all(repo, "ledger")

    assert _problems(repo) == []


def test_a_new_scenario_recorded_later_needs_no_ledger_entry(repo: Path) -> None:
    _re_record_without_a_change(repo, "golden/test_a/test_new.json", "a new scenario\n")
    commit_all(repo, "new scenario for new code")

    assert _problems(repo) == []


def _branch(repo: Path) -> None:
    git(repo, "checkout", "-q", "-b", "fixes")


def _merge(repo: Path) -> None:
    git(repo, "checkout", "-q", "-")
    git(
        repo,
        "-c",
        "user.name=t",
        "-c",
        "user.email=t@example.invalid",
        "merge",
        "-q",
        "--no-ff",
        "fixes",
        "-m",
        "merge",
    )


def test_changes_on_a_merged_branch_are_judged_commit_by_commit(repo: Path) -> None:
    golden = repo / "golden"
    _branch(repo)
    _accept(repo, (OTHER,), "renamed away next\n", title="first fix", why="the first fix")
    commit_all(repo, "GC-1")
    (golden / OTHER).unlink()
    _accept(repo, (SNAPSHOT,), "second fix\n", revision="e" * 40, title="second fix", why="the second fix")
    commit_all(repo, "GC-2, and the test of OTHER renamed away")
    _merge(repo)

    assert _problems(repo) == []


def test_a_silent_re_record_on_a_merged_branch_fails(repo: Path) -> None:
    _branch(repo)
    _re_record_without_a_change(repo, SNAPSHOT, "re-recorded on a branch\n")
    sha = commit_all(repo, "re-record on a branch")
    _merge(repo)

    problems = _problems(repo)

    assert [(p.name, p.why.split(",")[0]) for p in problems] == [(SNAPSHOT, f"changed in commit {sha[:12]}")]
