"""Node id -> golden file path, and orphan detection."""

from __future__ import annotations

from pathlib import Path

import pytest

from mlflow_golden.golden_paths import find_orphans, golden_path_for_nodeid


def test_path_drops_leading_tests_and_py_and_keeps_params() -> None:
    path = golden_path_for_nodeid("tests/golden/test_runs.py::test_x[seed-3]", Path("/g"))
    assert path == Path("/g/golden/test_runs/test_x[seed-3].json")


def test_unsafe_characters_in_the_name_become_underscores() -> None:
    path = golden_path_for_nodeid("tests/golden/test_runs.py::test_x[a b/c:d,e=f+g.h]", Path("/g"))
    assert path.name == "test_x[a_b_c_d,e=f+g.h].json"


def test_class_name_is_a_folder_and_modules_outside_tests_keep_their_path() -> None:
    assert golden_path_for_nodeid("tests/golden/test_a.py::TestX::test_y", Path("/g")) == Path(
        "/g/golden/test_a/TestX/test_y.json"
    )
    assert golden_path_for_nodeid("other/test_a.py::test_y", Path("/g")) == Path(
        "/g/other/test_a/test_y.json"
    )


def _touch(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("{}\n", encoding="utf-8")
    return path


def _tree(root: Path) -> None:
    for name in (
        "golden/test_a/test_kept.json",
        "golden/test_a/test_gone.json",
        "golden/test_deleted_module/test_x.json",
        "harness/test_b/test_other.json",
        "MANIFEST.json",
    ):
        _touch(root / name)


NODEIDS = ["tests/golden/test_a.py::test_kept", "tests/golden/test_a.py::test_new"]


def test_a_folder_run_judges_every_golden_of_that_folder(tmp_path: Path) -> None:
    _tree(tmp_path)
    assert find_orphans(tmp_path, NODEIDS, ["tests/golden"]) == [
        "golden/test_a/test_gone.json",
        "golden/test_deleted_module/test_x.json",
    ]


def test_a_module_run_judges_only_that_module(tmp_path: Path) -> None:
    _tree(tmp_path)
    assert find_orphans(tmp_path, NODEIDS, ["tests/golden/test_a.py"]) == ["golden/test_a/test_gone.json"]


def test_another_folder_run_judges_only_its_own_goldens(tmp_path: Path) -> None:
    _tree(tmp_path)
    nodeids = ["tests/harness/test_b.py::test_other"]
    assert find_orphans(tmp_path, nodeids, ["tests/harness"]) == []
    assert find_orphans(tmp_path, [], ["tests/harness"]) == ["harness/test_b/test_other.json"]


def test_the_whole_suite_judges_the_whole_golden_dir_but_never_the_manifest(tmp_path: Path) -> None:
    _tree(tmp_path)
    assert find_orphans(tmp_path, NODEIDS, ["tests"]) == [
        "golden/test_a/test_gone.json",
        "golden/test_deleted_module/test_x.json",
        "harness/test_b/test_other.json",
    ]


def test_replayed_nodeid_keeps_the_test_and_swaps_the_module() -> None:
    from mlflow_golden.golden_paths import replayed_nodeid

    replayed = replayed_nodeid("tests/golden/test_b_replayed.py::test_x[seed-1]", "tests/golden/test_b.py")
    assert replayed == "tests/golden/test_b.py::test_x[seed-1]"


def test_replayed_nodeid_rejects_a_module_path() -> None:
    from mlflow_golden.golden_paths import replayed_nodeid

    with pytest.raises(ValueError, match="not a test node id"):
        replayed_nodeid("tests/golden/test_b.py", "tests/golden/test_a.py")
