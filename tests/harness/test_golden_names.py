"""Distinct tests never share a golden file; a name too long for the file system gets a stable short form.

Unsafe characters still become ``_`` (existing golden paths never move); two selected tests that
would then share a file stop the session at collection. A test name longer than the golden
folder's file system allows keeps a readable prefix and ends with ``~<hash>`` (``_name_limit``).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

from mlflow_golden import _name_limit as name_limit
from mlflow_golden._golden_paths import golden_path_for_nodeid, owner_key, split_golden_name
from mlflow_golden._name_collisions import collisions

InnerRun = Callable[..., pytest.RunResult]

LONG = "y" * 300
CLASHING = """
import pytest

@pytest.mark.parametrize("x", ["a/b", "a_b", "c"])
def test_x(golden, x):
    golden.check(result=x)
"""


def test_ids_that_map_to_one_file_are_a_collision_naming_both() -> None:
    ids = ["t.py::test_x[a/b]", "t.py::test_x[a_b]", "t.py::test_x[c]"]
    [clash] = collisions(ids, Path("/g"))
    assert clash.nodeids == ("t.py::test_x[a/b]", "t.py::test_x[a_b]")
    assert clash.path == Path("t/test_x[a_b].json")
    assert "t.py::test_x[a/b] and t.py::test_x[a_b] would share the golden file" in clash.message


def test_distinct_safe_ids_do_not_collide() -> None:
    assert collisions(["t.py::test_x[a_b]", "t.py::test_x[a-b]", "t.py::T::test_x[a_b]"], Path("/g")) == []


@pytest.mark.parametrize("workers", [(), ("-n", "2")], ids=["in-process", "xdist"])
def test_a_collision_stops_the_session_before_any_test_runs(
    pytester: pytest.Pytester, run_inner: InnerRun, run_subprocess: InnerRun, workers: tuple[str, ...]
) -> None:
    pytester.makepyfile(test_clash=CLASHING)
    result = (run_subprocess if workers else run_inner)("--golden-update", *workers)
    result.assert_outcomes(errors=1)
    assert result.ret != 0
    result.stdout.fnmatch_lines(["*test_clash.py::test_x?a/b? and test_clash.py::test_x?a_b? would share*"])
    assert not (pytester.path / "golden").exists()


def test_a_name_over_the_limit_is_shortened_to_a_prefix_and_a_hash(tmp_path: Path) -> None:
    limit = name_limit.test_name_limit(tmp_path)
    path = golden_path_for_nodeid(f"t.py::test_x[{LONG}]", tmp_path)
    test_part = path.name.removesuffix(".json")
    assert len(test_part.encode()) == limit
    assert test_part.startswith("test_x[yyyy")
    assert test_part[-17] == "~"
    assert path == golden_path_for_nodeid(f"t.py::test_x[{LONG}]", tmp_path)  # stable
    assert path != golden_path_for_nodeid(f"t.py::test_x[{LONG}z]", tmp_path)  # distinct
    longest = test_part + ".calls.json.new"
    assert len(longest.encode()) <= name_limit.name_max(tmp_path)


def test_names_within_the_limit_are_not_touched(tmp_path: Path) -> None:
    fits = "x" * (name_limit.test_name_limit(tmp_path) - len("test_x[]"))
    assert golden_path_for_nodeid(f"t.py::test_x[{fits}]", tmp_path).name == f"test_x[{fits}].json"


def test_the_limit_comes_from_the_file_system(tmp_path: Path) -> None:
    assert name_limit.name_max(tmp_path / "not" / "yet") == os.pathconf(tmp_path, "PC_NAME_MAX")


def test_ownership_agrees_with_a_shortened_name(tmp_path: Path) -> None:
    nodeid = f"t.py::test_x[{LONG}]"
    folder, test = owner_key(nodeid, tmp_path)
    golden = golden_path_for_nodeid(nodeid, tmp_path)
    assert folder == golden.parent
    for name in (golden.name, test + ".calls.json", test + ".second.json", test + ".second.calls.json"):
        owned = split_golden_name(name, {test})
        assert owned is not None and owned.test == test, name


def test_a_long_id_records_compares_and_leaves_no_orphan(
    pytester: pytest.Pytester, run_inner: InnerRun
) -> None:
    pytester.makepyfile(
        test_long=f"""
        import pytest

        @pytest.mark.parametrize("x", ["{LONG}"], ids=lambda x: x)
        def test_x(golden, x):
            golden.check(result=len(x))
            golden.check(result=1, name="second")
        """
    )
    run_inner("--golden-update").assert_outcomes(passed=1)
    names = sorted(path.name for path in (pytester.path / "golden/test_long").iterdir())
    assert len(names) == 4 and all("~" in name for name in names)
    (pytester.path / "golden/test_long/test_gone.json").write_text("{}\n", encoding="utf-8")
    result = run_inner()
    result.assert_outcomes(passed=1, errors=1)  # the one orphan
    orphans = [line for line in result.stdout.lines if line.startswith("orphan golden file: ")]
    assert orphans == ["orphan golden file: test_long/test_gone.json"]
