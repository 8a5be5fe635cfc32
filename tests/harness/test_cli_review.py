"""``pending``, ``review``, ``accept``, ``reject`` on a throwaway git repository, in-process with a stand-in.

The repository's goldens were recorded from version 2 of the code and committed; then version 3 was
committed, and a compare run left the pending files (``<golden>.new``) it would leave: what
``FakeRecorder`` writes for version 3. Accept records from HEAD with ``FakeRecorder`` on a real
worktree, so what it records equals the pending files unless a test edits them. Real manifests and
ledgers; the same against real pytest and MLflow is in test_cli_review_end_to_end.py.
"""

from __future__ import annotations

import io
import json
import tomllib
from pathlib import Path
from typing import Any, NamedTuple

import _cli_project as demo
import pytest
from _cli_fakes import FakeRecorder
from _cli_project import History
from _cli_run import CliRun, run_cli

from mlflow_golden import _manifest as manifest
from mlflow_golden._cli import main
from mlflow_golden._golden_paths import PENDING_SUFFIX, budget_name
from mlflow_golden._pytest_args import UPDATE_OPTION

SWEEP_BUDGET = budget_name(demo.SWEEP_GOLDEN)
SINGLE_BUDGET = budget_name(demo.SINGLE_GOLDEN)
NEW_FEATURE_BUDGET = budget_name(demo.NEW_FEATURE_GOLDEN)
ALL_GOLDENS = sorted(
    [
        demo.SWEEP_GOLDEN,
        SWEEP_BUDGET,
        demo.SINGLE_GOLDEN,
        SINGLE_BUDGET,
        demo.NEW_FEATURE_GOLDEN,
        NEW_FEATURE_BUDGET,
    ]
)
NEW_CHANGE = ("--title", "version 3", "--why", "the version tag says 3 now")


class Changed(NamedTuple):
    """A project with goldens of version 2 committed, version 3 committed at ``head``, pending files."""

    project: Path
    head: str
    recorder: FakeRecorder

    @property
    def golden(self) -> Path:
        return self.project / "golden"

    def cli(self, *args: str) -> CliRun:
        return run_cli(self.project, *args, runner=self.recorder)

    def read(self, name: str) -> str:
        return (self.golden / name).read_text(encoding="utf-8")

    def pending(self) -> list[str]:
        return sorted(
            path.relative_to(self.golden).as_posix() for path in self.golden.rglob("*" + PENDING_SUFFIX)
        )

    def recordings(self) -> list[list[str]]:
        """The arguments of every recording run (collect-only runs left out)."""
        return [call.args for call in self.recorder.calls if UPDATE_OPTION in call.args]


def leave_pending(changed: Changed, names: list[str]) -> None:
    """Write the pending files a compare run of the current code leaves for the golden files ``names``."""
    code = (changed.project / "src" / "demo_code.py").read_text(encoding="utf-8")
    for name in names:
        budget = name.endswith(".calls.json")
        snapshot_name = Path(name.removesuffix(".calls.json") + ".json" if budget else name).name
        text = changed.recorder.contents(snapshot_name, code)[budget]
        (changed.golden / (name + PENDING_SUFFIX)).write_text(text, encoding="utf-8")


@pytest.fixture(scope="module")
def history(tmp_path_factory: pytest.TempPathFactory) -> History:
    return demo.make_history(tmp_path_factory.mktemp("history") / "project")


@pytest.fixture
def changed(history: History, tmp_path: Path) -> Changed:
    copy = demo.copy_history(history, tmp_path / "project")
    recorder = FakeRecorder(real_files=True)
    recorded = run_cli(copy.project, "record", "--from", "HEAD", runner=recorder)
    assert recorded.code == 0, recorded.printed
    demo.commit_all(copy.project, "goldens of version 2")
    demo.write_code(copy.project, version="3", new_feature=True)
    head = demo.commit_all(copy.project, "version 3")
    result = Changed(copy.project, head, FakeRecorder(real_files=True))
    leave_pending(result, ALL_GOLDENS)
    return result


def _ledger(changed: Changed) -> dict[str, Any]:
    return tomllib.loads(changed.read("CHANGES.toml"))


# --- pending -----------------------------------------------------------------------------------


def test_pending_json_lists_every_pending_file_with_its_test_kind_and_state(changed: Changed) -> None:
    (changed.golden / demo.SINGLE_GOLDEN).unlink()  # a golden not written yet
    completed = changed.cli("pending", "--json")
    assert completed.code == 0, completed.printed

    def entry(nodeid: str, golden: str, kind: str, state: str = "changed") -> dict[str, str]:
        return {"nodeid": nodeid, "golden": golden, "pending": golden + ".new", "kind": kind, "state": state}

    assert json.loads(completed.out) == [
        entry(demo.NEW_FEATURE_ID, NEW_FEATURE_BUDGET, "budget"),
        entry(demo.NEW_FEATURE_ID, demo.NEW_FEATURE_GOLDEN, "snapshot"),
        entry(demo.SINGLE_ID, SINGLE_BUDGET, "budget"),
        entry(demo.SINGLE_ID, demo.SINGLE_GOLDEN, "snapshot", "new"),
        entry(demo.SWEEP_ID, SWEEP_BUDGET, "budget"),
        entry(demo.SWEEP_ID, demo.SWEEP_GOLDEN, "snapshot"),
    ]


def test_pending_lists_the_files_per_test_and_a_total(changed: Changed) -> None:
    completed = changed.cli("pending")
    assert completed.lines[:3] == [
        demo.SWEEP_ID,
        f"  changed  budget   {SWEEP_BUDGET}",
        f"  changed  snapshot {demo.SWEEP_GOLDEN}",
    ]
    assert completed.lines[-1] == "6 pending files of 3 tests"


def test_pending_names_a_file_no_collected_test_owns(changed: Changed) -> None:
    stray = changed.golden / "golden/test_demo/test_gone.json.new"
    stray.write_text("{}\n", encoding="utf-8")
    entries = json.loads(changed.cli("pending", "--json").out)
    gone = "golden/test_demo/test_gone.json"
    stray_entry = {
        "nodeid": None,
        "golden": gone,
        "pending": gone + ".new",
        "kind": "snapshot",
        "state": "new",
    }
    assert stray_entry in entries


# --- accept ------------------------------------------------------------------------------------


def test_accept_all_makes_the_pending_files_golden_and_removes_them(changed: Changed) -> None:
    expected = {name: changed.read(name + PENDING_SUFFIX) for name in ALL_GOLDENS}
    completed = changed.cli("accept", "--all", *NEW_CHANGE)
    assert completed.code == 0, completed.printed
    assert {name: changed.read(name) for name in ALL_GOLDENS} == expected
    assert changed.pending() == []


def test_accept_names_the_revision_and_the_change_of_each_file_in_the_manifest(changed: Changed) -> None:
    before = manifest.load(changed.golden / "MANIFEST.json")
    assert changed.cli("accept", demo.SWEEP_ID, *NEW_CHANGE).code == 0
    files = json.loads(changed.read("MANIFEST.json"))["files"]
    for name in (demo.SWEEP_GOLDEN, SWEEP_BUDGET):
        assert files[name] == {
            "sha256": manifest.sha256_file(changed.golden / name), "revision": changed.head, "change": "GC-1"
        }  # fmt: skip
    assert files[demo.SINGLE_GOLDEN]["revision"] == before.files[demo.SINGLE_GOLDEN].revision != changed.head


def test_accept_writes_a_ledger_entry_naming_the_files(changed: Changed) -> None:
    changed.cli("accept", demo.SWEEP_ID, *NEW_CHANGE)
    assert _ledger(changed)["change"] == [
        {
            "id": "GC-1", "title": "version 3", "why": "the version tag says 3 now", "revision": changed.head,
            "files": [SWEEP_BUDGET, demo.SWEEP_GOLDEN],
        }
    ]  # fmt: skip


def test_accept_says_what_it_accepted_as_which_change_from_which_commit(changed: Changed) -> None:
    completed = changed.cli("accept", "--all", *NEW_CHANGE)
    accepted = f"accepted 3 tests (6 files changed) as GC-1 (version 3) from {changed.head[:12]}"
    assert accepted in completed.lines
    assert completed.lines[-1] == (
        f"commit the golden folder {changed.golden.resolve()} (golden files, MANIFEST.json, CHANGES.toml)"
        " as one commit"
    )


def test_accept_records_all_chosen_tests_in_one_pytest_run_from_head(changed: Changed) -> None:
    changed.cli("accept", "--all", *NEW_CHANGE)
    [recording] = changed.recordings()
    assert [arg for arg in recording if "::" in arg] == [demo.SWEEP_ID, demo.SINGLE_ID, demo.NEW_FEATURE_ID]
    assert any(changed.head[:12] in arg for arg in recording)


def test_accept_adds_files_to_an_existing_change_of_the_same_revision(changed: Changed) -> None:
    changed.cli("accept", demo.SWEEP_ID, *NEW_CHANGE)
    completed = changed.cli("accept", demo.SINGLE_ID, "--change", "GC-1")
    assert completed.code == 0, completed.printed
    [entry] = _ledger(changed)["change"]
    assert entry["files"] == [SWEEP_BUDGET, demo.SWEEP_GOLDEN, SINGLE_BUDGET, demo.SINGLE_GOLDEN]


def test_accept_of_a_new_change_without_title_and_why_records_nothing(changed: Changed) -> None:
    completed = changed.cli("accept", "--all")
    assert completed.code == 2
    assert "give it a --title and a --why" in completed.err
    assert changed.recordings() == []


def test_accept_refuses_uncommitted_code_and_names_the_files(changed: Changed) -> None:
    demo.write_code(changed.project, version="4", new_feature=True)
    (changed.project / "notes.txt").write_text("untracked\n", encoding="utf-8")
    completed = changed.cli("accept", "--all", *NEW_CHANGE)
    assert completed.code == 2
    assert "error:   notes.txt" in completed.err.splitlines()
    assert "error:   src/demo_code.py" in completed.err.splitlines()
    assert "commit these changes (or stash them), then accept again" in completed.err
    assert changed.recordings() == []
    assert len(changed.pending()) == 6


def test_accept_ignores_changes_in_the_golden_folder_and_git_ignored_files(changed: Changed) -> None:
    (changed.golden / "scratch.txt").write_text("mine\n", encoding="utf-8")
    (changed.project / "__pycache__").mkdir()
    (changed.project / "__pycache__" / "x.pyc").write_bytes(b"\0")
    assert changed.cli("accept", "--all", *NEW_CHANGE).code == 0


def test_accept_writes_nothing_when_the_recording_is_not_what_was_reviewed(changed: Changed) -> None:
    edited = changed.golden / (demo.SWEEP_GOLDEN + PENDING_SUFFIX)
    edited.write_text(edited.read_text(encoding="utf-8").replace("version 3", "version 9"), encoding="utf-8")
    before = {path: path.read_bytes() for path in changed.golden.rglob("*") if path.is_file()}
    completed = changed.cli("accept", "--all", *NEW_CHANGE)
    assert completed.code == 1
    assert (
        f"mismatch {demo.SWEEP_GOLDEN}: recording differs from the pending file:"
        " 1 of 8 lines differ, 1 lines only in the recording"
    ) in completed.lines
    assert {path: path.read_bytes() for path in changed.golden.rglob("*") if path.is_file()} == before


def test_accept_reports_a_pending_file_the_recording_does_not_write(changed: Changed) -> None:
    leave_pending(changed, ["golden/test_demo/test_sweep.extra.json"])
    completed = changed.cli("accept", demo.SWEEP_ID, *NEW_CHANGE)
    assert completed.code == 1
    extra = "golden/test_demo/test_sweep.extra.json"
    assert f"mismatch {extra}: pending, but the recording from HEAD wrote no such file" in completed.lines


def test_accept_takes_globs_of_node_ids(changed: Changed) -> None:
    completed = changed.cli("accept", "*::test_s*", *NEW_CHANGE)
    assert completed.code == 0, completed.printed
    assert changed.pending() == [NEW_FEATURE_BUDGET + ".new", demo.NEW_FEATURE_GOLDEN + ".new"]


def test_accept_takes_globs_of_golden_files_and_accepts_the_whole_test(changed: Changed) -> None:
    completed = changed.cli("accept", "golden/*/test_single_trial.json", *NEW_CHANGE)
    assert completed.code == 0, completed.printed
    assert SINGLE_BUDGET + ".new" not in changed.pending()
    assert len(changed.pending()) == 4


def test_accept_of_a_pattern_matching_nothing_pending_is_an_error(changed: Changed) -> None:
    completed = changed.cli("accept", demo.SWEEP_ID, "*::test_nope", *NEW_CHANGE)
    assert completed.code == 2
    assert completed.err == "error: nothing pending matches *::test_nope (see 'pending')\n"
    assert changed.recordings() == []


def test_accept_without_patterns_or_all_is_an_error(changed: Changed) -> None:
    assert changed.cli("accept", *NEW_CHANGE).err == "error: name node ids or globs, or --all (not both)\n"


# --- reject ------------------------------------------------------------------------------------


def test_reject_deletes_the_pending_files_of_the_named_tests(changed: Changed) -> None:
    golden_before = changed.read(demo.SWEEP_GOLDEN)
    completed = changed.cli("reject", demo.SWEEP_ID)
    assert completed.code == 0, completed.printed
    assert f"rejected {demo.SWEEP_GOLDEN}.new" in completed.lines
    assert len(changed.pending()) == 4 and demo.SWEEP_GOLDEN + ".new" not in changed.pending()
    assert changed.read(demo.SWEEP_GOLDEN) == golden_before


def test_reject_all_deletes_every_pending_file(changed: Changed) -> None:
    assert changed.cli("reject", "--all").lines[-1] == "rejected 6 pending files"
    assert changed.pending() == []


# --- review ------------------------------------------------------------------------------------


def _review(changed: Changed, answers: str, *args: str) -> CliRun:
    out, err = io.StringIO(), io.StringIO()
    code = main(
        ["review", *args], out=out, err=err, project=changed.project, runner=changed.recorder,
        stdin=io.StringIO(answers),
    )  # fmt: skip
    return CliRun(code, out.getvalue(), err.getvalue())


def test_review_shows_the_tree_diff_and_the_budget_diff_of_each_test(changed: Changed) -> None:
    completed = _review(changed, "q\n")
    assert completed.lines[:10] == [
        f"==== [1/3] {demo.SWEEP_ID} ====",
        f"--- {SWEEP_BUDGET} (budget, 3 calls)",
        "+++ actual (4 calls)",
        "@@ -1,3 +1,4 @@",
        " create_run",
        " set_tag",
        " set_tag",
        "+set_tag",
        f"--- {demo.SWEEP_GOLDEN}",
        f"+++ {demo.SWEEP_GOLDEN}.new",
    ]
    assert '~ result: "test_sweep.json version 2" -> "test_sweep.json version 3"' in completed.lines


def test_review_shows_the_tree_of_a_new_golden(changed: Changed) -> None:
    (changed.golden / demo.SWEEP_GOLDEN).unlink()
    completed = _review(changed, "q\n")
    assert f"new golden file {demo.SWEEP_GOLDEN}:" in completed.lines
    assert "(no experiments)" in completed.lines


def test_review_applies_accept_reject_and_skip_at_the_end(changed: Changed) -> None:
    expected = changed.read(demo.SWEEP_GOLDEN + ".new")
    single = changed.read(demo.SINGLE_GOLDEN)
    completed = _review(changed, "a\nr\ns\n", *NEW_CHANGE)
    assert completed.code == 0, completed.printed
    assert "reviewed 3 of 3 tests: 1 to accept, 1 rejected, 1 skipped" in completed.lines
    assert changed.read(demo.SWEEP_GOLDEN) == expected
    assert changed.read(demo.SINGLE_GOLDEN) == single
    assert changed.pending() == [NEW_FEATURE_BUDGET + ".new", demo.NEW_FEATURE_GOLDEN + ".new"]
    assert [entry["files"] for entry in _ledger(changed)["change"]] == [[SWEEP_BUDGET, demo.SWEEP_GOLDEN]]


def test_review_accepts_everything_in_one_recording_run(changed: Changed) -> None:
    _review(changed, "a\naccept\nA\n", *NEW_CHANGE)
    assert len(changed.recordings()) == 1
    assert changed.pending() == []


def test_review_asks_for_the_title_and_why_of_a_new_change(changed: Changed) -> None:
    completed = _review(changed, "a\nq\nfaster sweep\nbecause\n")
    assert completed.code == 0, completed.printed
    [entry] = _ledger(changed)["change"]
    assert (entry["title"], entry["why"]) == ("faster sweep", "because")


def test_review_quit_stops_and_applies_the_decisions_made_so_far(changed: Changed) -> None:
    completed = _review(changed, "r\nq\n", *NEW_CHANGE)
    assert "reviewed 1 of 3 tests: 0 to accept, 1 rejected, 0 skipped" in completed.lines
    assert len(changed.pending()) == 4
    assert changed.recordings() == []


def test_review_asks_again_after_an_unknown_answer(changed: Changed) -> None:
    completed = _review(changed, "maybe\ns\ns\ns\n")
    assert "answer a (accept), r (reject), s (skip) or q (quit)" in completed.lines
    assert "reviewed 3 of 3 tests: 0 to accept, 0 rejected, 3 skipped" in completed.lines


def test_review_stops_at_the_end_of_the_input_as_if_quit(changed: Changed) -> None:
    completed = _review(changed, "")
    assert completed.code == 0
    assert "reviewed 0 of 3 tests: 0 to accept, 0 rejected, 0 skipped" in completed.lines
    assert len(changed.pending()) == 6


def test_accept_all_leaves_out_files_no_collected_test_owns_and_says_so(changed: Changed) -> None:
    leave_pending(changed, ["golden/test_demo/test_gone.json"])
    completed = changed.cli("accept", "--all", *NEW_CHANGE)
    assert completed.code == 0, completed.printed
    assert (
        "not accepted: no collected test owns golden/test_demo/test_gone.json.new (reject it?)"
        in completed.lines
    )
    assert changed.pending() == ["golden/test_demo/test_gone.json.new"]


def test_accept_of_a_file_no_collected_test_owns_is_an_error(changed: Changed) -> None:
    leave_pending(changed, ["golden/test_demo/test_gone.json"])
    completed = changed.cli("accept", "golden/test_demo/test_gone.json", *NEW_CHANGE)
    assert completed.code == 2
    assert "no collected test owns golden/test_demo/test_gone.json.new" in completed.err


def test_review_warns_up_front_that_uncommitted_code_blocks_accepting(changed: Changed) -> None:
    demo.write_code(changed.project, version="4", new_feature=True)
    completed = _review(changed, "r\nq\n")
    assert completed.lines[0].startswith(
        "note: 1 uncommitted paths outside the golden folder (src/demo_code.py"
    )
    assert len(changed.pending()) == 4  # the reject still applies
