"""Running the CLI in the tests: in-process on a project, with the real pytest runner or a stand-in."""

from __future__ import annotations

import fcntl
import io
import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple

import pytest

import mlflow_golden
from mlflow_golden._cli import main
from mlflow_golden._runner import PytestRunner, run_pytest

PACKAGE_PARENT = Path(mlflow_golden.__file__).resolve().parent.parent
"""The folder holding the current ``mlflow_golden`` (put on the CLI's PYTHONPATH)."""


def cli_env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(PACKAGE_PARENT), env.get("PYTHONPATH")) if p)
    return env


class CliRun(NamedTuple):
    """What one CLI call returned and printed."""

    code: int
    out: str
    err: str

    @property
    def printed(self) -> str:
        """All it printed (for assertion messages)."""
        return self.out + self.err

    @property
    def lines(self) -> list[str]:
        return self.out.splitlines()


def run_cli(project: Path, *args: str, runner: PytestRunner = run_pytest) -> CliRun:
    """The CLI's ``main(ARGS)`` in-process on ``project``; pytest runs through ``runner`` (by default a
    real pytest subprocess on real MLflow stores, as ``python -m mlflow_golden`` runs it)."""
    out, err = io.StringIO(), io.StringIO()
    code = main(list(args), out=out, err=err, project=project, runner=runner)
    return CliRun(code, out.getvalue(), err.getvalue())


def run_once(
    tmp_path_factory: pytest.TempPathFactory, name: str, make: Callable[[Path], CliRun]
) -> tuple[Path, CliRun]:
    """``make(folder)`` once per test session, shared by all xdist workers (``--dist loadgroup``
    does not keep a module on one worker with pytest 9): the first worker to ask runs it in a
    folder every worker sees, the others wait for it and read what it returned. Only for runs whose
    folder the tests read, never change."""
    base = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        base = base.parent  # the session's folder, above each worker's popen-gwN
    folder, result = base / f"shared-{name}", base / f"shared-{name}.json"
    with (base / f"shared-{name}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not result.exists():
            completed = make(folder)
            result.write_text(json.dumps(completed._asdict()), encoding="utf-8")
    return folder, CliRun(**json.loads(result.read_text(encoding="utf-8")))
