"""How long accepting many pending golden changes takes: ``accept --all`` and a scripted ``review``.

    .venv/bin/python benchmarks/review_pending.py [--scenarios 100]

Builds a throwaway project in a temporary git repository (the CLI tests' demo project,
``tests/harness/_cli_project.py``, with its code under test and scenarios replaced: one parametrized
golden scenario with N cases), records its goldens (``record --from HEAD``) and commits them, then
commits a change of the code under test that changes all N goldens and runs ``verify``, which leaves
N pending changes.

Timed, each through ``python -m mlflow_golden`` in the project: ``accept --all`` (one collection
run and one recording run of all N scenarios from HEAD), then, on a fresh copy of the same pending
state, ``review`` answering ``a`` N times (plus the change's title and why). Prints the seconds of
each and per scenario, and of the ``verify`` run for reference (one pytest run of all N scenarios;
accept adds a collection run, a worktree and the comparison). Exit 1 when a command fails.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "harness"))
import _cli_project as demo  # the CLI tests' throwaway project

CODE = """\
import mlflow

VERSION = "{version}"


def trial(index):
    mlflow.set_experiment("bench")
    with mlflow.start_run(run_name=f"trial_{{index}}") as run:
        mlflow.set_tag("version", VERSION)
        mlflow.log_param("index", index)
    return run.info.run_id
"""

SCENARIOS = """\
import pytest

import demo_code


@pytest.mark.parametrize("index", range({count}))
def test_trial(golden, index):
    golden.check(result=demo_code.trial(index))
"""

CHANGE = ("--title", "version 2", "--why", "the version tag says 2")


def _run(command: list[str], cwd: Path, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, cwd=cwd, capture_output=True, text=True, input=stdin, check=False)


def _cli(project: Path, *args: str, stdin: str | None = None, expect: int = 0) -> float:
    """Seconds ``python -m mlflow_golden ARGS`` took; RuntimeError when it exits otherwise than ``expect``."""
    began = time.perf_counter()
    completed = _run([sys.executable, "-m", "mlflow_golden", *args], project, stdin)
    seconds = time.perf_counter() - began
    if completed.returncode != expect:
        said = completed.stdout + completed.stderr
        raise RuntimeError(f"{' '.join(args)} exited {completed.returncode}:\n{said}")
    return seconds


def _write_code(project: Path, version: str) -> None:
    (project / "src" / "demo_code.py").write_text(CODE.format(version=version), encoding="utf-8")


def make_project(root: Path, count: int) -> Path:
    """The project with goldens of version 1 committed and version 2 committed on top."""
    project = demo.make_project(root / "project")
    _write_code(project, "1")
    scenarios = project / "tests" / "golden" / "test_demo.py"
    scenarios.write_text(SCENARIOS.format(count=count), encoding="utf-8")
    demo.git(project, "init", "-q")
    demo.commit_all(project, "version 1")
    _cli(project, "record", "--from", "HEAD")
    demo.commit_all(project, "goldens of version 1")
    _write_code(project, "2")
    demo.commit_all(project, "version 2")
    return project


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenarios", type=int, default=100, help="golden scenarios (default 100)")
    args = parser.parse_args(argv)
    root = Path(tempfile.mkdtemp(prefix="review-bench-"))
    try:
        project = make_project(root, args.scenarios)
        verify = _cli(project, "verify", "--no-details", expect=1)
        pending = len(list((project / "golden").rglob("*.json.new")))
        saved = root / "golden-with-pending"
        shutil.copytree(project / "golden", saved)
        accept = _cli(project, "accept", "--all", *CHANGE)
        shutil.rmtree(project / "golden")
        shutil.copytree(saved, project / "golden")
        answers = "a\n" * args.scenarios + "version 2\nthe version tag says 2\n"
        review = _cli(project, "review", stdin=answers)
    except RuntimeError as exc:
        sys.stderr.write(f"{exc}\n")
        return 1
    finally:
        shutil.rmtree(root, ignore_errors=True)
    n = args.scenarios
    sys.stdout.write(
        f"{n} scenarios, {pending} pending files (written by verify)\n"
        f"reference, verify (one pytest run of all): {verify:.1f} s\n"
        f"accept --all: {accept:.1f} s ({accept / n * 1000:.0f} ms per scenario)\n"
        f"review, accepting all: {review:.1f} s ({review / n * 1000:.0f} ms per scenario)\n"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
