"""Node id -> golden file path, and which test a golden file belongs to."""

from __future__ import annotations

from pathlib import Path, PurePosixPath

import pytest

from mlflow_golden._golden_paths import (
    GoldenName,
    golden_folder,
    golden_path_for_nodeid,
    owner_key,
    source_candidates,
    split_golden_name,
)


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


def test_golden_folder_of_a_test_folder_and_of_a_module() -> None:
    assert golden_folder(Path("/g"), "tests") == Path("/g")
    assert golden_folder(Path("/g"), ".") == Path("/g")
    assert golden_folder(Path("/g"), "tests/golden") == Path("/g/golden")
    assert golden_folder(Path("/g"), "tests/golden/test_a.py") == Path("/g/golden/test_a")


def test_source_candidates_undo_the_dropped_tests_folder_and_py_suffix() -> None:
    assert source_candidates(PurePosixPath("golden/test_a")) == (
        PurePosixPath("golden/test_a.py"),
        PurePosixPath("golden/test_a"),
        PurePosixPath("tests/golden/test_a.py"),
        PurePosixPath("tests/golden/test_a"),
    )


def test_owner_key_is_the_golden_folder_and_the_file_name_without_json() -> None:
    key = owner_key("tests/golden/test_a.py::TestX::test_y[1.5]", Path("/g"))
    assert key == (Path("/g/golden/test_a/TestX"), "test_y[1.5]")


TESTS = {"test_x", "test_p[1.5]"}


@pytest.mark.parametrize(
    ("file_name", "expected"),
    [
        ("test_x.json", GoldenName("test_x", None, budget=False)),
        ("test_x.calls.json", GoldenName("test_x", None, budget=True)),
        ("test_x.1.json", GoldenName("test_x", "1", budget=False)),
        ("test_x.after_refit.json", GoldenName("test_x", "after_refit", budget=False)),
        ("test_x.after_refit.calls.json", GoldenName("test_x", "after_refit", budget=True)),
        ("test_p[1.5].json", GoldenName("test_p[1.5]", None, budget=False)),
        ("test_p[1.5].1.calls.json", GoldenName("test_p[1.5]", "1", budget=True)),
    ],
)
def test_a_tests_files_are_its_snapshots_and_their_budgets(file_name: str, expected: GoldenName) -> None:
    assert split_golden_name(file_name, TESTS) == expected


@pytest.mark.parametrize(
    "file_name",
    [
        "test_y.json",  # another test
        "test_x[1].json",  # a parametrization the owner list lacks
        "test_x.calls.calls.json",  # "calls" is not a snapshot name
        "test_x.a.b.json",  # a snapshot name has no dot
        "test_x..json",
        "test_x.a b.json",
        "test_x.txt",
    ],
)
def test_other_names_belong_to_none_of_the_tests(file_name: str) -> None:
    assert split_golden_name(file_name, TESTS) is None


def test_a_budget_belongs_to_the_snapshot_file_it_budgets() -> None:
    assert GoldenName("test_x", "after", budget=True).snapshot_file == "test_x.after.json"
    assert GoldenName("test_x", None, budget=True).snapshot_file == "test_x.json"


def test_replayed_nodeid_keeps_the_test_and_swaps_the_module() -> None:
    from mlflow_golden._golden_paths import replayed_nodeid

    replayed = replayed_nodeid("tests/golden/test_b_replayed.py::test_x[seed-1]", "tests/golden/test_b.py")
    assert replayed == "tests/golden/test_b.py::test_x[seed-1]"


def test_replayed_nodeid_rejects_a_module_path() -> None:
    from mlflow_golden._golden_paths import replayed_nodeid

    with pytest.raises(ValueError, match="not a test node id"):
        replayed_nodeid("tests/golden/test_b.py", "tests/golden/test_a.py")
