"""Pending files: what a compare run saw where it differed from (or found no) golden file.

A compare run that finds a snapshot or a store-call budget different from its golden file, or
missing, writes the actual text beside it as ``<golden file>.new`` (``_golden_paths.pending_path``),
byte for byte what ``--golden-update`` would write, for ``python -m mlflow_golden review``/``accept``.
Only the file that differs gets one; a later run in which that file matches removes it. Pending
files are never read as goldens and never judged as orphans (they do not end in ``.json``).

Nothing is written or removed when the run is a CI run (``_ci.ci_value``) or for a ``golden_as``
replay (it compares with another test's files): the ``Golden`` then gets no ``PendingFiles``.
The files a run wrote are counted for the terminal summary; under xdist each worker sends its list
to the controller in ``workeroutput``.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import pytest

from mlflow_golden import _golden_paths as golden_paths

__all__ = ["PLUGIN_NAME", "REVIEW_COMMAND", "PendingFiles", "of", "summary_line"]

_logger = logging.getLogger(__name__)

PLUGIN_NAME = "mlflow_golden-pending"
REVIEW_COMMAND = "python -m mlflow_golden review"
_WORKEROUTPUT_KEY = "mlflow_golden_pending"


def summary_line(count: int) -> str:
    """The terminal summary's line for ``count`` pending files written in this run."""
    return f"mlflow_golden: {count} pending file(s) written in this run; review them with: {REVIEW_COMMAND}"


class PendingFiles:
    """Writes and removes the pending files of one session; a pytest plugin counting them.

    ``golden_dir`` makes the summary's names relative; the count is what the summary reports.
    """

    def __init__(self, golden_dir: Path) -> None:
        self._golden_dir = golden_dir
        self._written: set[str] = set()

    def write(self, golden: Path, text: str) -> Path:
        """Write ``text`` as the pending file of ``golden`` (UTF-8, ``\\n`` line ends); its path."""
        path = golden_paths.pending_path(golden)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8", newline="\n")
        self._written.add(self._name(path))
        _logger.info("pending file written: %s", path)
        return path

    def clear(self, golden: Path) -> None:
        """Remove the pending file of ``golden``, if there is one (the golden file now matches)."""
        path = golden_paths.pending_path(golden)
        if path.is_file():
            path.unlink()
            self._written.discard(self._name(path))
            _logger.info("stale pending file removed: %s", path)

    @property
    def written(self) -> frozenset[str]:
        """The pending files this process wrote (relative to the golden dir when inside it)."""
        return frozenset(self._written)

    def _name(self, path: Path) -> str:
        inside = path.is_relative_to(self._golden_dir)
        return path.relative_to(self._golden_dir).as_posix() if inside else str(path)

    # -- pytest hooks ----------------------------------------------------------------------------
    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        workeroutput = getattr(session.config, "workeroutput", None)
        if isinstance(workeroutput, dict):
            workeroutput[_WORKEROUTPUT_KEY] = sorted(self._written)

    @pytest.hookimpl(optionalhook=True)
    def pytest_testnodedown(self, node: Any, error: object | None) -> None:
        output = getattr(node, "workeroutput", None)
        names = output.get(_WORKEROUTPUT_KEY) if isinstance(output, dict) else None
        if isinstance(names, list):
            self._written.update(str(name) for name in names)

    def pytest_terminal_summary(self, terminalreporter: Any, config: pytest.Config) -> None:
        if hasattr(config, "workerinput") or not self._written:
            return
        terminalreporter.write_line(summary_line(len(self._written)))


def of(config: pytest.Config) -> PendingFiles | None:
    """The session's ``PendingFiles``; None when the run writes none (CI)."""
    plugin = config.pluginmanager.get_plugin(PLUGIN_NAME)
    return plugin if isinstance(plugin, PendingFiles) else None
