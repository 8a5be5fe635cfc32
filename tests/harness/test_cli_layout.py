"""The CLI in any layout: test paths and the golden folder come from the project's pytest
configuration (``golden_testpaths``, ``testpaths``, ``golden_dir``), relative paths from the rootdir;
``-n`` without xdist, usage errors, and pytest options whose value is the next word."""

from __future__ import annotations

import io
import shutil
from pathlib import Path

import _cli_project as demo
import pytest
from _cli_fakes import FakeRecorder, ScriptedRunner
from _cli_run import run_cli

from mlflow_golden import _cli
from mlflow_golden._cli_context import Context, Output
from mlflow_golden._golden_paths import golden_path_for_nodeid, pending_path
from mlflow_golden._project import probe
from mlflow_golden._runner import PytestRun, run_pytest

OTHER_TEST = "def test_other():\n    pass\n"


def _ini(project: Path, *lines: str) -> None:
    """Add ``lines`` to the project's ``[tool.pytest.ini_options]``."""
    pyproject = project / "pyproject.toml"
    pyproject.write_text(pyproject.read_text(encoding="utf-8") + "".join(f"{line}\n" for line in lines))


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """The demo project (two scenarios in tests/golden) plus one plain test in tests/unit."""
    project = demo.make_project(tmp_path / "project", plugin=False)
    (project / "tests" / "unit").mkdir()
    (project / "tests" / "unit" / "test_other.py").write_text(OTHER_TEST, encoding="utf-8")
    return project


# --- test paths ---------------------------------------------------------------------------------


def test_without_paths_verify_collects_golden_testpaths(project: Path) -> None:
    _ini(project, 'testpaths = ["tests"]', 'golden_testpaths = ["tests/golden"]')
    completed = run_cli(project, "verify", "--collect-only")
    assert "collected 2 scenarios" in completed.lines, completed.printed


def test_without_golden_testpaths_verify_collects_what_pytest_collects(project: Path) -> None:
    _ini(project, 'testpaths = ["tests"]')  # plain pytest collects tests/: so does the CLI
    completed = run_cli(project, "verify", "--collect-only")
    assert "collected 3 scenarios" in completed.lines, completed.printed


def test_a_project_without_tests_golden_is_no_usage_error(project: Path) -> None:
    shutil.move(project / "tests", project / "checks")
    completed = run_cli(project, "verify", "--collect-only")
    assert completed.code == 0, completed.printed
    assert "collected 3 scenarios" in completed.lines


def test_golden_testpaths_that_match_nothing_are_a_usage_error_without_a_count(project: Path) -> None:
    _ini(project, 'golden_testpaths = ["tests/nowhere"]')
    completed = run_cli(project, "verify")
    assert completed.code == 2
    assert "golden_testpaths = tests/nowhere: no such test path" in completed.err
    assert not any("scenarios" in line for line in completed.lines), completed.out  # no "0 scenarios"


def test_a_usage_error_prints_no_scenario_count(tmp_path: Path) -> None:
    runner = ScriptedRunner(
        runs=[PytestRun(exit_code=4, output="ERROR: usage: bad option\n", collected=None)]
    )
    completed = run_cli(tmp_path, "verify", "--no-such-option", runner=runner)
    assert completed.code == 2
    assert completed.out == ""
    assert "ERROR: usage: bad option" in completed.err


# --- the golden folder --------------------------------------------------------------------------


def _context(folder: Path) -> Context:
    return Context(folder, Output(io.StringIO(), io.StringIO()), run_pytest, probe=probe)


def test_the_golden_dir_ini_is_the_clis_golden_folder_from_any_subfolder(project: Path) -> None:
    _ini(project, 'golden_dir = "snapshots/mlflow"')
    assert _context(project / "src").golden_dir(None) == project / "snapshots" / "mlflow"


def test_a_relative_golden_dir_option_is_relative_to_the_rootdir_not_the_cwd(project: Path) -> None:
    assert _context(project / "src").golden_dir("elsewhere") == project / "elsewhere"


def test_without_ini_or_option_the_golden_folder_is_golden_under_the_rootdir(project: Path) -> None:
    assert _context(project / "tests").golden_dir(None) == project / "golden"


def test_pending_lists_the_pending_files_of_the_ini_golden_folder(project: Path) -> None:
    _ini(project, 'golden_dir = "snapshots"')
    nodeid = "tests/golden/test_demo.py::test_sweep"
    pending = pending_path(golden_path_for_nodeid(nodeid, project / "snapshots"))
    pending.parent.mkdir(parents=True)
    pending.write_text("{}\n", encoding="utf-8")
    out, err = io.StringIO(), io.StringIO()
    code = _cli.main(["pending"], out=out, err=err, project=project, runner=FakeRecorder(), probe=probe)
    assert code == 0, err.getvalue()
    assert "1 pending files of 1 tests" in out.getvalue()


# --- -n without pytest-xdist --------------------------------------------------------------------


@pytest.mark.parametrize("spelling", [["-n", "2"], ["-n2"], ["-nauto"], ["--numprocesses=2"]])
def test_n_without_xdist_names_the_extra_in_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, spelling: list[str]
) -> None:
    monkeypatch.setattr(_cli, "xdist_installed", lambda: False)
    runner = ScriptedRunner(runs=[])
    completed = run_cli(tmp_path, "verify", *spelling, runner=runner)
    assert completed.code == 2
    assert completed.err.count("\n") == 1
    assert 'pip install "pytest-mlflow-golden[xdist]"' in completed.err
    assert runner.calls == []


# --- pytest options with a separate value before PATTERNs ---------------------------------------


def test_reject_takes_a_pytest_options_separate_value_as_the_options(tmp_path: Path) -> None:
    project = demo.make_project(tmp_path / "project", plugin=False)
    nodeid = "tests/golden/test_demo.py::test_sweep"
    pending = pending_path(golden_path_for_nodeid(nodeid, project / "golden"))
    pending.parent.mkdir(parents=True)
    pending.write_text("{}\n", encoding="utf-8")
    runner = FakeRecorder()
    completed = run_cli(
        project, "reject", "-n", "2", "-k", "sweep or trial", "tests/golden/test_demo.py::*", runner=runner
    )
    assert completed.code == 0, completed.printed  # before: "2" and "sweep or trial" were PATTERNs
    assert "rejected 1 pending files" in completed.lines
    assert not pending.exists()
    args = runner.calls[0].args  # the collect run: pytest gets the options with their values
    assert args[args.index("-n") + 1] == "2"
    assert args[args.index("-k") + 1] == "sweep or trial"
