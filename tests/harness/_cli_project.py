"""Throwaway projects for the CLI tests: a tiny code-under-test module, golden scenarios using the
``golden`` fixture, the plugin loaded by a root conftest, and helpers to run the CLI and git."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from textwrap import dedent
from typing import Any

import mlflow_golden

PACKAGE_PARENT = Path(mlflow_golden.__file__).resolve().parent.parent
"""The folder holding the current ``mlflow_golden`` (put on the CLI's PYTHONPATH)."""

CLI_TIMEOUT_S = 300

CODE = '''\
import mlflow

VERSION = "{version}"


def sweep(trials):
    mlflow.set_experiment("demo")
    with mlflow.start_run(run_name="sweep") as parent:
        mlflow.set_tag("version", VERSION)
        for index in range(trials):
            with mlflow.start_run(run_name=f"trial_{{index}}", nested=True):
                mlflow.log_param("index", index)
    return parent.info.run_id
'''

NEW_FEATURE_CODE = '''

def new_feature():
    with mlflow.start_run(run_name="new") as run:
        mlflow.set_tag("feature", "new")
    return run.info.run_id
'''

SCENARIOS = '''\
import demo_code


def test_sweep(golden):
    golden.check(result=demo_code.sweep(2))


def test_single_trial(golden):
    golden.check(result=demo_code.sweep(1))
'''

NEW_FEATURE_SCENARIO = '''

def test_new_feature(golden):
    golden.check(result=demo_code.new_feature())
'''

SWEEP_GOLDEN = "golden/test_demo/test_sweep.json"
SINGLE_GOLDEN = "golden/test_demo/test_single_trial.json"
NEW_FEATURE_GOLDEN = "golden/test_demo/test_new_feature.json"
SWEEP_ID = "tests/golden/test_demo.py::test_sweep"
SINGLE_ID = "tests/golden/test_demo.py::test_single_trial"
NEW_FEATURE_ID = "tests/golden/test_demo.py::test_new_feature"


def write_code(project: Path, version: str, new_feature: bool = False) -> None:
    """(Re)write the code under test: ``version`` lands in a tag, ``new_feature`` adds a function."""
    code = CODE.format(version=version) + (NEW_FEATURE_CODE if new_feature else "")
    (project / "src" / "demo_code.py").write_text(code, encoding="utf-8")


def write_scenarios(project: Path, new_feature: bool = False) -> None:
    scenarios = SCENARIOS + (NEW_FEATURE_SCENARIO if new_feature else "")
    (project / "tests" / "golden" / "test_demo.py").write_text(scenarios, encoding="utf-8")


def make_project(root: Path, version: str = "1", plugin: bool = True) -> Path:
    """A project at ``root``: src/demo_code.py, tests/golden/test_demo.py (two scenarios), and a root
    conftest loading the plugin (``plugin=False`` leaves it out, for quick runs that fail before
    any scenario; an installed mlflow_golden still loads through its entry point)."""
    (root / "src").mkdir(parents=True)
    (root / "tests" / "golden").mkdir(parents=True)
    (root / "pyproject.toml").write_text(
        dedent(
            """\
            [tool.pytest.ini_options]
            pythonpath = ["src"]
            addopts = ["-p", "no:cacheprovider"]
            """
        ),
        encoding="utf-8",
    )
    if plugin:
        (root / "conftest.py").write_text('pytest_plugins = ["mlflow_golden.plugin"]\n', encoding="utf-8")
    (root / ".gitignore").write_text("__pycache__/\n", encoding="utf-8")
    write_code(root, version)
    write_scenarios(root)
    return root


def cli_env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(PACKAGE_PARENT), env.get("PYTHONPATH")) if p)
    return env


def _run(command: list[str], cwd: Path, **options: Any) -> subprocess.CompletedProcess[str]:
    """``command`` in ``cwd`` with its output captured as text; ``options`` go to subprocess.run."""
    return subprocess.run(command, cwd=cwd, capture_output=True, text=True, **options)


def run_cli(project: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """``python -m mlflow_golden ARGS`` in ``project``, as a user would run it."""
    command = [sys.executable, "-m", "mlflow_golden", *args]
    return _run(command, project, env=cli_env(), timeout=CLI_TIMEOUT_S, check=False)


def git(repo: Path, *args: str) -> str:
    command = ["git", "-c", "user.name=t", "-c", "user.email=t@example.invalid", *args]
    return _run(command, repo, check=True).stdout.strip()


def commit_all(repo: Path, message: str) -> str:
    """Commit everything in ``repo``; the new commit's full sha."""
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", message)
    return git(repo, "rev-parse", "HEAD")
