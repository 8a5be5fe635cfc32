"""What every CLI command works with: the project root, the output, the pytest runner, the input.

``main`` reads the project root once (the current folder, where pytest runs) and builds the
``Context``; the rootdir and the golden folder come from pytest itself (``_project.probe``, asked
once, when a command first needs them). Commands
take every path from it and run pytest only through its runner, so a test can hand them a
throwaway project and a stand-in runner and call them in-process.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from mlflow_golden._cli_progress import Progress
from mlflow_golden._project import Probe, ProjectPaths
from mlflow_golden._runner import PytestRun, PytestRunner, ScenarioResult
from mlflow_golden._status import Status

__all__ = ["DEFAULT_GOLDEN_DIR", "Context", "Output"]

DEFAULT_GOLDEN_DIR = "golden"
"""The golden folder, relative to the project root, when ``--golden-dir`` is not given."""


class Output:
    """Writes the CLI's lines to stdout (results) and stderr (problems), flushing each line."""

    def __init__(self, out: TextIO, err: TextIO) -> None:
        self.out = out
        self.err = err

    def line(self, text: str = "") -> None:
        self.out.write(text + "\n")
        self.out.flush()

    def text(self, text: str) -> None:
        self.out.write(text if text.endswith("\n") else text + "\n")
        self.out.flush()

    def prompt(self, text: str) -> None:
        """A question, without a line end (the answer is typed after it)."""
        self.out.write(text)
        self.out.flush()

    def error(self, text: str) -> None:
        self.err.write(f"error: {text}\n")
        self.err.flush()

    def status(self, status: Status, name: str) -> None:
        self.line(f"{status:<8} {name}")

    def pytest_failure(self, run: PytestRun, why: str) -> None:
        """``why`` as an error, then everything pytest printed (to stderr)."""
        self.error(f"{why} (pytest exit code {run.exit_code}); pytest said:")
        self.err.write(run.output if run.output.endswith("\n") else run.output + "\n")
        self.err.flush()


@dataclass(frozen=True)
class Context:
    """The folder pytest runs in, the output, the pytest runner, where answers to questions come from
    (``review``), and how to learn pytest's rootdir and golden folder (``probe``; without one, the
    project folder is the rootdir and ``golden`` the golden folder)."""

    project: Path
    output: Output
    run_pytest: PytestRunner
    stdin: TextIO = field(default_factory=lambda: sys.stdin)
    probe: Probe | None = None
    pytest_args: tuple[str, ...] = ()
    """The pytest arguments of the command line (the probe sees them: ``-c``, ``--rootdir``...)."""
    _paths: list[ProjectPaths] = field(default_factory=list, compare=False, repr=False)

    def paths(self) -> ProjectPaths:
        """pytest's rootdir and the ini's golden folder (probed once)."""
        if not self._paths:
            if self.probe is None:
                root = self.project.resolve()
                self._paths.append(ProjectPaths(root, root / DEFAULT_GOLDEN_DIR))
            else:
                self._paths.append(self.probe(self.pytest_args, self.project))
        return self._paths[0]

    def golden_dir(self, option: str | None) -> Path:
        """The golden folder: ``option`` (relative to the rootdir), else the ``golden_dir`` ini (relative
        to the rootdir), else ``<rootdir>/golden``."""
        return self.paths().golden_dir_for(option)

    def run_scenarios(
        self,
        args: Sequence[str],
        show: Callable[[ScenarioResult], bool],
        announce: bool = True,
        progress: Progress | None = None,
    ) -> PytestRun:
        """Run pytest in the project, printing a line per scenario ``show`` accepts as results arrive
        (and, if ``announce``, the number of collected scenarios once known; ``progress`` lines)."""
        output = self.output

        def on_collected(count: int) -> None:
            if announce:
                output.line(f"collected {count} scenarios")
            if progress is not None:
                progress.start(count)

        def on_result(result: ScenarioResult) -> None:
            if show(result):
                output.status(result.status, result.nodeid)
            if progress is not None:
                progress.finished(result.status == Status.OK, written=result.status == Status.WRITTEN)

        return self.run_pytest(args, self.project, on_result=on_result, on_collected=on_collected)
