"""What every CLI command works with: the project root, the output, the pytest runner, the input.

``main`` reads the project root once (the current folder) and builds the ``Context``; commands
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
    """The project root (where ``tests/golden`` and ``golden/`` live), the output, the pytest runner,
    and where answers to questions come from (``review``)."""

    project: Path
    output: Output
    run_pytest: PytestRunner
    stdin: TextIO = field(default_factory=lambda: sys.stdin)

    def golden_dir(self, option: str | None) -> Path:
        """The golden folder: ``option`` (relative to the project root) or ``<project>/golden``."""
        return (self.project / (option or DEFAULT_GOLDEN_DIR)).resolve()

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
                progress.finished(result.status == Status.OK)

        return self.run_pytest(args, self.project, on_result=on_result, on_collected=on_collected)
