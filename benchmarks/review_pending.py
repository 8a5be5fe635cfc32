"""How long accepting many pending golden changes takes: ``accept --all`` and a scripted ``review``.

    .venv/bin/python benchmarks/review_pending.py [--scenarios 100]

Builds a throwaway project in a temporary git repository (code under test writing a few runs, one
parametrized golden scenario with N cases, the plugin loaded by a root conftest), records its
goldens (``record --from HEAD``) and commits them, then commits a change of the code under test
that changes all N goldens and runs ``verify`` to leave N pending changes. If ``verify`` leaves no
pending files (a harness without pending-file writing), the pending files are made as a compare run
would: the current code recorded into a folder of its own, each differing file copied beside its
golden as ``<golden>.new``.

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
from textwrap import dedent

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

import bench_code


@pytest.mark.parametrize("index", range({count}))
def test_trial(golden, index):
    golden.check(result=bench_code.trial(index))
"""

CHANGE = ("--title", "version 2", "--why", "the version tag says 2")


def _run(command: list[str], cwd: Path, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, cwd=cwd, capture_output=True, text=True, input=stdin, check=False)


def _git(repo: Path, *args: str) -> str:
    completed = _run(["git", "-c", "user.name=b", "-c", "user.email=b@example.invalid", *args], repo)
    if completed.returncode != 0:
        raise RuntimeError(f"git {' '.join(args)}: {completed.stderr}")
    return completed.stdout.strip()


def _cli(project: Path, *args: str, stdin: str | None = None, expect: int = 0) -> float:
    """Seconds ``python -m mlflow_golden ARGS`` took; RuntimeError when it exits otherwise than ``expect``."""
    began = time.perf_counter()
    completed = _run([sys.executable, "-m", "mlflow_golden", *args], project, stdin)
    seconds = time.perf_counter() - began
    if completed.returncode != expect:
        said = completed.stdout + completed.stderr
        raise RuntimeError(f"{' '.join(args)} exited {completed.returncode}:\n{said}")
    return seconds


def _commit(repo: Path, message: str) -> None:
    _git(repo, "add", "-A")
    _git(repo, "commit", "-q", "-m", message)


def make_project(root: Path, count: int) -> Path:
    """The project with goldens of version 1 committed and version 2 committed on top."""
    project = root / "project"
    (project / "src").mkdir(parents=True)
    (project / "tests" / "golden").mkdir(parents=True)
    (project / "pyproject.toml").write_text(
        dedent(
            """\
            [tool.pytest.ini_options]
            pythonpath = ["src"]
            addopts = ["-p", "no:cacheprovider"]
            """
        ),
        encoding="utf-8",
    )
    (project / "conftest.py").write_text('pytest_plugins = ["mlflow_golden.plugin"]\n', encoding="utf-8")
    (project / ".gitignore").write_text("__pycache__/\n*.json.new\n", encoding="utf-8")
    (project / "src" / "bench_code.py").write_text(CODE.format(version="1"), encoding="utf-8")
    scenarios = SCENARIOS.format(count=count)
    (project / "tests" / "golden" / "test_bench.py").write_text(scenarios, encoding="utf-8")
    _git(project, "init", "-q")
    _commit(project, "version 1")
    _cli(project, "record", "--from", "HEAD")
    _commit(project, "goldens of version 1")
    (project / "src" / "bench_code.py").write_text(CODE.format(version="2"), encoding="utf-8")
    _commit(project, "version 2")
    return project


def leave_pending(project: Path, root: Path) -> tuple[str, float]:
    """Run verify; if it left no pending files, make them as a compare run would. Says which, and
    the seconds verify took (one pytest run of every scenario: the reference for accept)."""
    golden = project / "golden"
    verify = _cli(project, "verify", "--no-details", expect=1)
    if any(golden.rglob("*.json.new")):
        return "verify", verify
    fresh = root / "fresh"
    _cli(project, "record", "--from", "HEAD", f"--golden-dir={fresh}")
    for path in fresh.rglob("*.json"):
        name = path.relative_to(fresh)
        if name.as_posix() != "MANIFEST.json" and path.read_bytes() != (golden / name).read_bytes():
            shutil.copyfile(path, golden / name.with_name(name.name + ".new"))
    return "record into a folder of its own (verify left none)", verify


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenarios", type=int, default=100, help="golden scenarios (default 100)")
    args = parser.parse_args(argv)
    root = Path(tempfile.mkdtemp(prefix="review-bench-"))
    try:
        project = make_project(root, args.scenarios)
        source, verify = leave_pending(project, root)
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
        f"{n} scenarios, {pending} pending files (made by {source})\n"
        f"reference, verify (one pytest run of all): {verify:.1f} s\n"
        f"accept --all: {accept:.1f} s ({accept / n * 1000:.0f} ms per scenario)\n"
        f"review, accepting all: {review:.1f} s ({review / n * 1000:.0f} ms per scenario)\n"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
