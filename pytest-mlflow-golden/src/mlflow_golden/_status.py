"""The status words of the harness: a scenario's verdict, an orphan golden file, a provenance problem.

One enum for the plugin (the verdict it attaches to a test), the CLI reporter (which turns verdict
and outcome into a scenario status), the runner and the CLI (which print and count them). The
values are the words the CLI prints, so ``f"{status:<8}"`` and ``json.dumps`` give the word itself.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Final

__all__ = ["FAILING", "RECORDED", "STATUS_PROPERTY", "Status"]


class Status(StrEnum):
    """What happened to a scenario or a golden file."""

    OK = "ok"
    """The snapshot equals its golden file (a passing test without a verdict is ok too)."""
    DIFFERS = "differs"
    """The snapshot or the store-call budget differs from its golden file."""
    MISSING = "missing"
    """The golden file (or its budget) does not exist and the run does not update."""
    WRITTEN = "written"
    """``--golden-update`` wrote the golden file (or its budget)."""
    ERROR = "error"
    """The test failed without a failing verdict, or a module failed to collect."""
    SKIPPED = "skipped"
    """pytest skipped the test."""
    ORPHAN = "orphan"
    """A golden file no collected test owns (a difference)."""
    REMOVED = "removed"
    """An orphan golden file that ``--golden-update`` deleted."""
    CHANGED = "changed"
    """provenance: the golden file's sha256 differs from the manifest (edited after recording)."""
    EXTRA = "extra"
    """provenance: a golden file the manifest does not list."""


STATUS_PROPERTY: Final = "golden"
"""Name of the ``(name, status)`` entry the plugin appends to ``item.user_properties``."""

FAILING: Final = frozenset({Status.DIFFERS, Status.MISSING, Status.ERROR, Status.ORPHAN})
"""Scenario statuses that make a run a difference (exit 1)."""

RECORDED: Final = frozenset({Status.OK, Status.WRITTEN})
"""Statuses of a scenario whose golden file now holds what the scenario produced."""
