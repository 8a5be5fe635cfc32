"""Pending files (``<golden>.new``): found, paired with their golden files, grouped per test, chosen."""

from __future__ import annotations

from pathlib import Path

import pytest

from mlflow_golden._pending_changes import Kind, Pending, PendingTest, State, by_test, find, select

MODULE = "tests/golden/test_demo.py"
FOLDER = "golden/test_demo"


def _write(golden_dir: Path, *names: str) -> None:
    for name in names:
        path = golden_dir / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("{}\n", encoding="utf-8")


@pytest.fixture
def golden_dir(tmp_path: Path) -> Path:
    golden = tmp_path / "golden"
    _write(golden, f"{FOLDER}/test_a.json", f"{FOLDER}/test_a.json.new", f"{FOLDER}/test_a.calls.json.new")
    _write(golden, f"{FOLDER}/test_b.after.json.new", f"{FOLDER}/test_ab.json.new")
    return golden


def test_find_pairs_each_pending_file_with_its_golden_kind_and_state(golden_dir: Path) -> None:
    assert find(golden_dir) == [
        Pending(f"{FOLDER}/test_a.calls.json", Kind.BUDGET, State.NEW),
        Pending(f"{FOLDER}/test_a.json", Kind.SNAPSHOT, State.CHANGED),
        Pending(f"{FOLDER}/test_ab.json", Kind.SNAPSHOT, State.NEW),
        Pending(f"{FOLDER}/test_b.after.json", Kind.SNAPSHOT, State.NEW),
    ]


def test_find_ignores_other_files_and_a_missing_folder(golden_dir: Path, tmp_path: Path) -> None:
    _write(golden_dir, f"{FOLDER}/notes.txt.new", f"{FOLDER}/test_c.json")
    assert len(find(golden_dir)) == 4
    assert find(tmp_path / "absent") == []


def test_pending_name_is_the_golden_name_plus_new() -> None:
    assert (
        Pending("golden/x/test_a.calls.json", Kind.BUDGET, State.NEW).pending
        == "golden/x/test_a.calls.json.new"
    )


def test_by_test_groups_snapshots_and_budgets_of_a_test_in_collection_order(golden_dir: Path) -> None:
    ids = [f"{MODULE}::test_b", f"{MODULE}::test_a", f"{MODULE}::test_ab"]
    groups = by_test(find(golden_dir), ids, golden_dir)
    assert [(group.nodeid, [item.golden for item in group.files]) for group in groups] == [
        (ids[0], [f"{FOLDER}/test_b.after.json"]),
        (ids[1], [f"{FOLDER}/test_a.calls.json", f"{FOLDER}/test_a.json"]),
        (ids[2], [f"{FOLDER}/test_ab.json"]),
    ]


def test_by_test_puts_files_no_collected_test_owns_last_each_alone(golden_dir: Path) -> None:
    groups = by_test(find(golden_dir), [f"{MODULE}::test_ab"], golden_dir)
    assert [group.nodeid for group in groups] == [f"{MODULE}::test_ab", None, None, None]


def _groups(golden_dir: Path) -> list[PendingTest]:
    return by_test(
        find(golden_dir), [f"{MODULE}::test_a", f"{MODULE}::test_ab", f"{MODULE}::test_b"], golden_dir
    )


def test_select_takes_node_ids_and_globs_of_them(golden_dir: Path) -> None:
    chosen, unmatched = select(_groups(golden_dir), [f"{MODULE}::test_b", "*::test_a"])
    assert [group.nodeid for group in chosen] == [f"{MODULE}::test_a", f"{MODULE}::test_b"]
    assert unmatched == []


def test_select_takes_golden_file_globs_and_chooses_the_whole_test(golden_dir: Path) -> None:
    chosen, _ = select(_groups(golden_dir), [f"{FOLDER}/test_a.calls.json"])
    assert [len(group.files) for group in chosen] == [2]


def test_select_matches_a_node_id_with_brackets_literally(tmp_path: Path) -> None:
    _write(tmp_path, f"{FOLDER}/test_p[1].json.new")
    groups = by_test(find(tmp_path), [f"{MODULE}::test_p[1]"], tmp_path)
    assert select(groups, [f"{MODULE}::test_p[1]"])[0] == groups


def test_select_names_the_patterns_that_matched_nothing(golden_dir: Path) -> None:
    assert select(_groups(golden_dir), ["*::test_a", "*::test_zzz"])[1] == ["*::test_zzz"]
