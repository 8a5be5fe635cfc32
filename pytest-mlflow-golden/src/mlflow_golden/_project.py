"""Where the CLI finds the project: pytest's rootdir and the golden folder, as pytest decides them.

The CLI runs in some folder; pytest chooses the rootdir and reads the ini from there (``pytest.ini``,
``pyproject.toml``, ...). So that the CLI and the plugin agree, the CLI asks pytest itself: a short
pytest run (``_cli_reporter.PROBE_ENV``) reports the rootdir and the ini's ``golden_dir`` and stops
before collecting. A ``--golden-dir`` given to the CLI is relative to that rootdir, as in the plugin.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from mlflow_golden._cli_reporter import PROBE_ENV
from mlflow_golden._pytest_args import join_option_values
from mlflow_golden._runner import run_pytest

__all__ = ["Probe", "ProjectPaths", "ProjectProbeError", "probe"]


class ProjectProbeError(Exception):
    """pytest could not tell the rootdir (a bad ini, an unknown option...); the message says why."""


@dataclass(frozen=True)
class ProjectPaths:
    """pytest's rootdir and the golden folder its ini names (or ``<rootdir>/golden``)."""

    rootdir: Path
    golden_dir: Path

    def golden_dir_for(self, option: str | None) -> Path:
        """``option`` relative to the rootdir, or the ini's golden folder."""
        return (self.rootdir / Path(option).expanduser()).resolve() if option else self.golden_dir


Probe = Callable[[Sequence[str], Path], ProjectPaths]
"""How the CLI learns the project's paths from the pytest arguments and the current folder."""


def probe(pytest_args: Sequence[str], cwd: Path) -> ProjectPaths:
    """Ask pytest (a subprocess that stops at configure time) for the rootdir and golden folder."""
    run = run_pytest(join_option_values(pytest_args), cwd, env={PROBE_ENV: "1"})
    if run.project is None:
        tail = run.output.strip().splitlines()[-3:]
        raise ProjectProbeError(
            f"pytest could not read the project's configuration (exit code {run.exit_code}): "
            + " / ".join(tail)
        )
    return ProjectPaths(Path(run.project["rootdir"]), Path(run.project["golden_dir"]))
