"""Nox sessions: the test suite, the golden verification (main job), and helpers."""

from __future__ import annotations

import nox

nox.options.reuse_existing_virtualenvs = True
nox.options.default_venv_backend = "uv|virtualenv"
nox.options.sessions = ["golden", "tests"]

PYTHON = "3.11"
CONSTRAINTS = ("-c", "constraints.txt")
LINT_PATHS = ("src", "tests", "benchmarks", "pipeline_demo", "noxfile.py", "conftest.py")
TYPED_PATHS = ("src", "pipeline_demo")


def _install(session: nox.Session) -> None:
    session.install(*CONSTRAINTS, "-e", ".[dev]")


@nox.session(python=PYTHON)
def lint(session: nox.Session) -> None:
    """ruff on everything."""
    _install(session)
    session.run("ruff", "check", *LINT_PATHS)


@nox.session(python=PYTHON)
def typecheck(session: nox.Session) -> None:
    """mypy --strict on src/."""
    _install(session)
    session.run("mypy", "--strict", *TYPED_PATHS)


@nox.session(python=PYTHON)
def tests(session: nox.Session) -> None:
    """ruff, mypy --strict on src, and the whole pytest suite with branch coverage."""
    _install(session)
    session.run("ruff", "check", *LINT_PATHS)
    session.run("mypy", "--strict", *TYPED_PATHS)
    session.run("coverage", "erase")
    session.run(
        "pytest", "-n", "2", "--cov", "--cov-branch", "--cov-report=term", *session.posargs
    )


@nox.session(python=PYTHON)
def golden(session: nox.Session) -> None:
    """The main job: verify every golden scenario against its recorded snapshot."""
    _install(session)
    session.run("python", "-m", "mlflow_golden", "verify", *session.posargs)


@nox.session(python=PYTHON)
def golden_update(session: nox.Session) -> None:
    """Re-record golden files from the current tree (only for new or deliberately changed scenarios)."""
    _install(session)
    session.run("python", "-m", "mlflow_golden", "verify", "--golden-update", *session.posargs)


@nox.session(python=PYTHON)
def provenance(session: nox.Session) -> None:
    """Re-record from the manifest's baseline revision and compare byte for byte."""
    _install(session)
    session.run("python", "-m", "mlflow_golden", "provenance", *session.posargs)


@nox.session(python=PYTHON)
def demo(session: nox.Session) -> None:
    """Run the end-to-end pipeline into a persistent local store and print its run tree."""
    _install(session)
    session.run("python", "-m", "pipeline_demo", *session.posargs)

