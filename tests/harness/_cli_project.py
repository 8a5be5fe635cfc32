"""Throwaway projects for the CLI tests: a tiny code-under-test module, golden scenarios using the
``golden`` fixture, the plugin loaded by a root conftest; its git history and manifests.

The tests import it as ``demo`` (``demo.SWEEP_ID``, ``demo.make_history``); running the CLI is in
``_cli_run``."""

from __future__ import annotations

import hashlib
import json
import platform
import shutil
import subprocess
from collections.abc import Iterable
from importlib import metadata
from pathlib import Path
from textwrap import dedent
from typing import Any, NamedTuple

from mlflow_golden._golden_paths import budget_name

CODE = """\
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
"""

NEW_FEATURE_CODE = """

def new_feature():
    with mlflow.start_run(run_name="new") as run:
        mlflow.set_tag("feature", "new")
    return run.info.run_id
"""

SCENARIOS = """\
import demo_code


def test_sweep(golden):
    golden.check(result=demo_code.sweep(2))


def test_single_trial(golden):
    golden.check(result=demo_code.sweep(1))
"""

NEW_FEATURE_SCENARIO = """

def test_new_feature(golden):
    golden.check(result=demo_code.new_feature())
"""

SWEEP_GOLDEN = "golden/test_demo/test_sweep.json"
SINGLE_GOLDEN = "golden/test_demo/test_single_trial.json"
NEW_FEATURE_GOLDEN = "golden/test_demo/test_new_feature.json"
SWEEP_ID = "tests/golden/test_demo.py::test_sweep"
SINGLE_ID = "tests/golden/test_demo.py::test_single_trial"
NEW_FEATURE_ID = "tests/golden/test_demo.py::test_new_feature"
MANIFEST = "golden/MANIFEST.json"
BASELINE_FILES = frozenset(
    {SWEEP_GOLDEN, SINGLE_GOLDEN, budget_name(SWEEP_GOLDEN), budget_name(SINGLE_GOLDEN)}
)
"""The golden files the baseline's two scenarios own (relative to the golden folder)."""


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


def _run(command: list[str], cwd: Path, **options: Any) -> subprocess.CompletedProcess[str]:
    """``command`` in ``cwd`` with its output captured as text; ``options`` go to subprocess.run."""
    return subprocess.run(command, cwd=cwd, capture_output=True, text=True, **options)


def git(repo: Path, *args: str) -> str:
    command = ["git", "-c", "user.name=t", "-c", "user.email=t@example.invalid", *args]
    return _run(command, repo, check=True).stdout.strip()


def commit_all(repo: Path, message: str) -> str:
    """Commit everything in ``repo``; the new commit's full sha."""
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", message)
    return git(repo, "rev-parse", "HEAD")


class History(NamedTuple):
    """A project in a git repository: a baseline commit and a newer HEAD."""

    project: Path
    baseline: str
    head: str


def make_history(root: Path, repo: Path | None = None) -> History:
    """A baseline commit (version 1, two scenarios), then newer code (version 2) with a new function
    and its scenario; the git repository is ``repo`` (default: the project itself)."""
    project = make_project(root, version="1")
    git(repo or project, "init", "-q")
    baseline = commit_all(project, "baseline")
    write_code(project, version="2", new_feature=True)
    write_scenarios(project, new_feature=True)
    head = commit_all(project, "newer code and a new scenario")
    return History(project, baseline, head)


def copy_history(history: History, destination: Path) -> History:
    """``history`` with its project (and so its git repository) copied to ``destination``."""
    shutil.copytree(history.project, destination)
    return history._replace(project=destination)


def read_manifest(project: Path, name: str = MANIFEST) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((project / name).read_text(encoding="utf-8"))
    return data


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def recorded_manifest(golden_dir: Path, revision: str, names: Iterable[str]) -> dict[str, Any]:
    """What ``record`` writes when the golden files ``names`` (relative to ``golden_dir``, as they are
    now) were all recorded from ``revision`` with this MLflow and Python."""
    return {
        "schema": 1,
        "baseline_revision": revision,
        "mlflow_version": metadata.version("mlflow"),
        "python_version": platform.python_version(),
        "files": {name: {"sha256": _sha256(golden_dir / name), "revision": revision} for name in names},
    }
