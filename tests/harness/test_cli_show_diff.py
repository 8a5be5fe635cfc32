"""``show`` and ``diff``: golden files as trees, tree diffs of files and folders, clear errors."""

from __future__ import annotations

import copy
import io
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from _cli_run import cli_env

from mlflow_golden import _budgets as budgets
from mlflow_golden._cli import main
from mlflow_golden._snapshot import dumps


def _snapshot(version: str = "1") -> dict[str, Any]:
    return {
        "schema": 2,
        "experiments": [{"ref": "exp-1", "name": "demo", "lifecycle_stage": "active", "tags": {}}],
        "runs": [
            {
                "ref": "run-1",
                "experiment": "exp-1",
                "name": "sweep",
                "parent": None,
                "status": "FINISHED",
                "ended": True,
                "lifecycle_stage": "active",
                "tags": {"version": version},
                "params": {},
                "metrics": {},
                "artifacts": [],
            }
        ],
        "active_run": None,
        "result": {"run": "run-1"},
        "error": None,
    }


def _write(path: Path, snapshot: dict[str, Any]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(dumps(snapshot), encoding="utf-8")
    return path


def _main(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(args), out=out, err=err)
    return code, out.getvalue(), err.getvalue()


# --- show --------------------------------------------------------------------------------------


def test_show_prints_the_golden_file_as_a_tree(tmp_path: Path) -> None:
    code, out, _ = _main("show", str(_write(tmp_path / "a.json", _snapshot())))
    assert code == 0
    assert out.splitlines() == [
        'experiment exp-1 "demo"',
        '  run-1 "sweep" FINISHED',
        '      tags: version="1"',
        'result: {"run": "run-1"}',
    ]


def test_show_of_a_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    code, out, err = _main("show", str(tmp_path / "nope.json"))
    assert (code, out) == (2, "")
    assert err == f"error: {tmp_path / 'nope.json'}: no such file\n"


def test_show_of_corrupt_json_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "bad.json"
    path.write_text('{"schema": 1,', encoding="utf-8")
    code, _, err = _main("show", str(path))
    assert code == 2
    assert err.startswith(f"error: {path}: corrupt golden JSON")


def test_show_of_an_unknown_schema_names_it(tmp_path: Path) -> None:
    path = tmp_path / "future.json"
    path.write_text(json.dumps({**_snapshot(), "schema": 3}), encoding="utf-8")
    code, _, err = _main("show", str(path))
    assert code == 2
    assert f"{path}: unknown golden schema 3" in err


def test_show_runs_as_a_module(tmp_path: Path) -> None:
    path = _write(tmp_path / "a.json", _snapshot())
    completed = subprocess.run(
        [sys.executable, "-m", "mlflow_golden", "show", str(path)],
        capture_output=True, text=True, env=cli_env(), check=False, timeout=60,
    )  # fmt: skip
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout.splitlines()[1] == '  run-1 "sweep" FINISHED'


# --- diff of files -----------------------------------------------------------------------------


def test_diff_of_identical_files_exits_0_saying_no_differences(tmp_path: Path) -> None:
    a = _write(tmp_path / "a.json", _snapshot())
    b = _write(tmp_path / "b.json", _snapshot())
    code, out, _ = _main("diff", str(a), str(b))
    assert code == 0
    lines = out.splitlines()
    assert lines[:2] == [f"--- {a}", f"+++ {b}"]
    assert lines[3] == "no differences"


def test_diff_of_differing_files_exits_1_with_the_tree_diff(tmp_path: Path) -> None:
    a = _write(tmp_path / "a.json", _snapshot("1"))
    b = _write(tmp_path / "b.json", _snapshot("2"))
    code, out, _ = _main("diff", str(a), str(b))
    assert code == 1
    assert out.splitlines()[-2:] == ['~   run-1 "sweep" FINISHED', '~       tags.version: "1" -> "2"']


def test_diff_with_a_missing_side_is_a_clear_error(tmp_path: Path) -> None:
    a = _write(tmp_path / "a.json", _snapshot())
    code, _, err = _main("diff", str(a), str(tmp_path / "gone.json"))
    assert code == 2
    assert err == f"error: {tmp_path / 'gone.json'}: no such file or folder\n"


def test_diff_of_a_file_with_a_folder_is_refused(tmp_path: Path) -> None:
    a = _write(tmp_path / "a.json", _snapshot())
    code, _, err = _main("diff", str(a), str(tmp_path))
    assert code == 2
    assert "cannot compare a folder with a file" in err


# --- diff of folders ---------------------------------------------------------------------------


@pytest.fixture
def folders(tmp_path: Path) -> tuple[Path, Path]:
    """Two golden folders: one same file, one changed file, one file only on each side."""
    a, b = tmp_path / "a", tmp_path / "b"
    for root in (a, b):
        _write(root / "golden" / "test_x" / "same.json", _snapshot())
        (root / "MANIFEST.json").write_text(json.dumps({"root": str(root)}), encoding="utf-8")
    _write(a / "golden" / "test_x" / "changed.json", _snapshot("1"))
    _write(b / "golden" / "test_x" / "changed.json", _snapshot("2"))
    _write(a / "golden" / "test_x" / "removed.json", _snapshot())
    _write(b / "golden" / "test_y" / "added.json", _snapshot())
    return a, b


def test_diff_of_folders_lists_files_only_on_one_side(folders: tuple[Path, Path]) -> None:
    a, b = folders
    _, out, _ = _main("diff", str(a), str(b))
    assert f"only in {a}: golden/test_x/removed.json" in out.splitlines()
    assert f"only in {b}: golden/test_y/added.json" in out.splitlines()


def test_diff_of_folders_shows_the_tree_diff_of_each_differing_pair(folders: tuple[Path, Path]) -> None:
    a, b = folders
    code, out, _ = _main("diff", str(a), str(b))
    lines = out.splitlines()
    header = lines.index("==== golden/test_x/changed.json ====")
    assert lines[header + 1] == f"--- {a / 'golden/test_x/changed.json'}"
    assert '~       tags.version: "1" -> "2"' in lines[header:]
    assert "same.json" not in out
    assert code == 1


def test_diff_of_folders_ends_with_counts(folders: tuple[Path, Path]) -> None:
    a, b = folders
    _, out, _ = _main("diff", str(a), str(b))
    assert out.splitlines()[-1] == "4 files: 1 identical, 1 differ, 2 only on one side"


def test_diff_of_identical_folders_exits_0(tmp_path: Path) -> None:
    for side in ("a", "b"):
        _write(tmp_path / side / "golden" / "t.json", _snapshot())
    code, out, _ = _main("diff", str(tmp_path / "a"), str(tmp_path / "b"))
    assert code == 0
    assert out.splitlines() == ["1 files: 1 identical, 0 differ, 0 only on one side"]


def test_diff_of_folders_reports_a_corrupt_file(tmp_path: Path) -> None:
    _write(tmp_path / "a" / "t.json", _snapshot())
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "t.json").write_text("not json", encoding="utf-8")
    code, _, err = _main("diff", str(tmp_path / "a"), str(tmp_path / "b"))
    assert code == 2
    assert f"{tmp_path / 'b' / 't.json'}: corrupt golden JSON" in err


# --- command line ------------------------------------------------------------------------------


def test_no_command_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main([])
    assert info.value.code == 2
    assert "COMMAND" in capsys.readouterr().err


def test_show_refuses_extra_arguments(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    with pytest.raises(SystemExit) as info:
        main(["show", str(tmp_path / "a.json"), "-k", "x"])
    assert info.value.code == 2
    assert "unrecognized arguments: -k x" in capsys.readouterr().err


def test_unchanged_snapshot_copy_is_not_a_difference(tmp_path: Path) -> None:
    a = _write(tmp_path / "a.json", _snapshot())
    b = tmp_path / "b.json"
    b.write_text(json.dumps(copy.deepcopy(_snapshot())), encoding="utf-8")  # other formatting, same data
    code, _, _ = _main("diff", str(a), str(b))
    assert code == 0


def test_diff_of_folders_shows_differing_store_call_budgets_as_a_sequence_diff(tmp_path: Path) -> None:
    a, b = tmp_path / "a", tmp_path / "b"
    for root, calls in ((a, ["create_run", "set_tag"]), (b, ["create_run"])):
        budget = root / "golden" / "test_x" / "t.calls.json"
        budget.parent.mkdir(parents=True)
        budget.write_text(budgets.dumps(calls), encoding="utf-8")
    code, out, _ = _main("diff", str(a), str(b))
    lines = out.splitlines()
    assert lines[0] == "==== golden/test_x/t.calls.json ===="
    assert lines[-3:] == [" create_run", "-set_tag", "1 files: 0 identical, 1 differ, 0 only on one side"]
    assert code == 1


# --- diff --rev --------------------------------------------------------------------------------


@pytest.fixture
def committed(tmp_path: Path) -> Path:
    """A git repository whose golden folder (two snapshots) is committed; the cwd of the CLI."""
    import _cli_project as demo

    repo = tmp_path / "repo"
    _write(repo / "golden" / "test_a" / "test_one.json", _snapshot("1"))
    _write(repo / "golden" / "test_a" / "test_two.json", _snapshot("1"))
    demo.git(tmp_path, "init", "-q", str(repo))
    demo.commit_all(repo, "goldens")
    return repo


def _main_in(folder: Path, *args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(args), out=out, err=err, project=folder, probe=None)
    return code, out.getvalue(), err.getvalue()


def test_diff_rev_of_an_unchanged_golden_folder_exits_0(committed: Path) -> None:
    code, out, _ = _main_in(committed, "diff", "--rev", "HEAD")
    assert code == 0
    assert out.splitlines()[-1] == "2 files: 2 identical, 0 differ, 0 only on one side"


def test_diff_rev_shows_what_changed_in_the_working_tree_since_the_revision(committed: Path) -> None:
    _write(committed / "golden" / "test_a" / "test_two.json", _snapshot("2"))
    code, out, _ = _main_in(committed, "diff", "--rev", "HEAD", "golden")
    assert code == 1
    assert "==== test_a/test_two.json ====" in out
    assert "--- HEAD:golden/test_a/test_two.json" in out
    assert "version" in out  # the changed tag, in the tree diff
    assert out.splitlines()[-1] == "2 files: 1 identical, 1 differ, 0 only on one side"


def test_diff_rev_of_one_file(committed: Path) -> None:
    _write(committed / "golden" / "test_a" / "test_one.json", _snapshot("2"))
    code, out, _ = _main_in(committed, "diff", "--rev", "HEAD", "golden/test_a/test_one.json")
    assert code == 1
    assert out.startswith("--- HEAD:golden/test_a/test_one.json\n")


def test_diff_rev_of_a_path_absent_at_the_revision_is_a_clear_error(committed: Path) -> None:
    _write(committed / "golden" / "test_b" / "test_new.json", _snapshot("1"))
    code, _, err = _main_in(committed, "diff", "--rev", "HEAD", "golden/test_b")
    assert code == 2
    assert "golden/test_b: not in revision HEAD" in err


def test_diff_without_rev_needs_two_paths(tmp_path: Path) -> None:
    code, _, err = _main("diff", str(tmp_path))
    assert code == 2
    assert "diff needs two paths A and B (or --rev REV [PATH])" in err
