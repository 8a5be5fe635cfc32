"""--golden-target-src imports the code under test from another tree; the harness stays current."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

import mlflow_golden

InnerRun = Callable[..., pytest.RunResult]


#: The harness under test: every run must import this one, whatever --golden-target-src says.
HARNESS = Path(mlflow_golden.__file__).resolve()


def _project(pytester: pytest.Pytester) -> None:
    pytester.makeini("[pytest]\npythonpath = src\n")
    for tree, value in (("src", "current"), ("old/src", "old"), ("flat", "flat")):
        package = pytester.path / tree / "mypkg"
        package.mkdir(parents=True)
        (package / "__init__.py").write_text(f'VALUE = "{value}"\n', encoding="utf-8")
    stale_harness = pytester.path / "old" / "src" / "mlflow_golden"  # an old checkout has its own
    stale_harness.mkdir()
    (stale_harness / "__init__.py").write_text("", encoding="utf-8")
    pytester.makeconftest("import mypkg  # imported before the plugin's configure hook\n")
    pytester.makepyfile(
        test_which="""
        from pathlib import Path

        import mypkg
        import mlflow_golden

        def test_which():
            print("VALUE", mypkg.VALUE, "HARNESS", Path(mlflow_golden.__file__).resolve())
        """
    )


def test_without_option_the_current_tree_is_imported(
    pytester: pytest.Pytester, run_subprocess: InnerRun
) -> None:
    _project(pytester)
    run_subprocess("-s").stdout.fnmatch_lines([f"*VALUE current HARNESS {HARNESS}"])


def test_target_src_switches_the_imported_code(pytester: pytest.Pytester, run_subprocess: InnerRun) -> None:
    _project(pytester)
    result = run_subprocess("-s", f"--golden-target-src={pytester.path / 'old'}")
    result.stdout.fnmatch_lines([f"*VALUE old HARNESS {HARNESS}"])
    result.assert_outcomes(passed=1)
    # a tree without src/ is used as it is
    run_subprocess("-s", f"--golden-target-src={pytester.path / 'flat'}").stdout.fnmatch_lines(
        ["*VALUE flat *"]
    )


def test_nonexistent_target_src_is_a_usage_error(pytester: pytest.Pytester, run_inner: InnerRun) -> None:
    pytester.makepyfile(test_x="def test_x():\n    pass\n")
    result = run_inner(f"--golden-target-src={pytester.path / 'missing'}")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([f"*--golden-target-src: no such directory: {pytester.path / 'missing'}*"])


def _lib_project(pytester: pytest.Pytester, ini: str) -> None:
    """The code under test in ``lib`` (not ``src``), named by ``ini``; another version in ``old/lib``."""
    pytester.makeini("[pytest]\n" + ini)
    for tree, value in (("lib", "current"), ("old", "old")):
        package = pytester.path / tree / "mypkg"
        package.mkdir(parents=True)
        (package / "__init__.py").write_text(f'VALUE = "{value}"\n', encoding="utf-8")
    pytester.makeconftest("import mypkg  # imported before the plugin's configure hook\n")
    pytester.makepyfile(test_which='import mypkg\n\ndef test_which():\n    print("VALUE", mypkg.VALUE)\n')


def test_the_projects_own_source_root_comes_from_pytests_pythonpath(
    pytester: pytest.Pytester, run_subprocess: InnerRun
) -> None:
    _lib_project(pytester, "pythonpath = lib\n")
    run_subprocess("-s", f"--golden-target-src={pytester.path / 'old'}").stdout.fnmatch_lines(["*VALUE old*"])


def test_golden_source_roots_names_the_projects_own_source_root(
    pytester: pytest.Pytester, run_subprocess: InnerRun
) -> None:
    _lib_project(pytester, "pythonpath = lib\ngolden_source_roots = lib\n")
    (pytester.path / "conftest.py").write_text(
        "import sys\nsys.path.insert(0, 'lib')\nimport mypkg\n", encoding="utf-8"
    )
    (pytester.path / "pytest.ini").write_text("[pytest]\ngolden_source_roots = lib\n", encoding="utf-8")
    run_subprocess("-s", f"--golden-target-src={pytester.path / 'old'}").stdout.fnmatch_lines(["*VALUE old*"])


def test_a_relative_target_src_is_relative_to_the_rootdir(
    pytester: pytest.Pytester, run_subprocess: InnerRun, monkeypatch: pytest.MonkeyPatch
) -> None:
    _lib_project(pytester, "pythonpath = lib\n")
    (pytester.path / "sub").mkdir()
    monkeypatch.chdir(pytester.path / "sub")  # pytest runs from a subfolder; the rootdir stays
    result = pytester.runpytest_subprocess(
        "-p", "mlflow_golden.plugin", "-p", "no:cacheprovider", "-s", "--golden-target-src=old",
        f"--rootdir={pytester.path}", str(pytester.path),
    )  # fmt: skip
    result.stdout.fnmatch_lines(["*VALUE old*"])
