"""Any layout, in the plugin: the golden folder comes from ``--golden-dir`` or the ``golden_dir`` ini,
and a relative one is relative to the rootdir, never to the current folder."""

from __future__ import annotations

from collections.abc import Callable

import pytest

InnerRun = Callable[..., pytest.RunResult]


def _header_golden_dir(result: pytest.RunResult) -> str:
    """The golden folder the report header names."""
    for line in result.stdout.lines:
        if line.startswith("mlflow_golden: "):
            return line.split("golden-dir=", 1)[1].split(" mode=", 1)[0]
    raise AssertionError(f"no mlflow_golden header in:\n{result.stdout.str()}")


@pytest.fixture
def in_subfolder(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    """A project with an ini at its root; pytest runs from its subfolder ``sub``."""
    pytester.makepyfile(test_x="def test_x():\n    pass\n")
    (pytester.path / "sub").mkdir()
    monkeypatch.chdir(pytester.path / "sub")


def test_the_default_golden_dir_is_golden_under_the_rootdir(
    pytester: pytest.Pytester, run_inner: InnerRun
) -> None:
    pytester.makeini("[pytest]\n")
    pytester.makepyfile(test_x="def test_x():\n    pass\n")
    assert _header_golden_dir(run_inner("--co")) == str(pytester.path / "golden")


def test_the_golden_dir_ini_sets_the_golden_folder_relative_to_the_rootdir(
    pytester: pytest.Pytester, run_inner: InnerRun, in_subfolder: None
) -> None:
    pytester.makeini("[pytest]\ngolden_dir = snapshots/mlflow\n")
    result = run_inner("--co", str(pytester.path))
    assert _header_golden_dir(result) == str(pytester.path / "snapshots" / "mlflow")


def test_a_relative_golden_dir_option_is_relative_to_the_rootdir_not_the_cwd(
    pytester: pytest.Pytester, run_inner: InnerRun, in_subfolder: None
) -> None:
    pytester.makeini("[pytest]\ngolden_dir = snapshots\n")
    result = run_inner("--co", "--golden-dir=elsewhere", str(pytester.path))
    assert _header_golden_dir(result) == str(pytester.path / "elsewhere")


def test_an_absolute_golden_dir_option_is_used_as_it_is(
    pytester: pytest.Pytester, run_inner: InnerRun, tmp_path_factory: pytest.TempPathFactory
) -> None:
    pytester.makeini("[pytest]\n")
    pytester.makepyfile(test_x="def test_x():\n    pass\n")
    absolute = tmp_path_factory.mktemp("goldens")
    assert _header_golden_dir(run_inner("--co", f"--golden-dir={absolute}")) == str(absolute)
