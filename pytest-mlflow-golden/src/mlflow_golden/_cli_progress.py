"""Progress lines for ``verify``: one each time another tenth of the scenarios has finished.

``verify`` no longer prints a line per passing scenario (1003 ``ok`` lines buried the one that
differed); these few lines show that the run advances, in a terminal and in a CI log alike.
"""

from __future__ import annotations

from collections.abc import Callable

__all__ = ["Progress"]


class Progress:
    """Counts finished scenarios and prints ``[ 40%] 400/1003 scenarios, 1 not ok`` at each tenth
    (``, 3 written`` too when scenarios wrote their golden files: written is not a failure)."""

    def __init__(self, line: Callable[[str], None], steps: int = 10) -> None:
        self._line = line
        self._steps = steps
        self._total = 0
        self._done = 0
        self._not_ok = 0
        self._written = 0
        self._printed_step = 0

    def start(self, total: int) -> None:
        """The number of scenarios the run collected."""
        self._total = total

    def finished(self, ok: bool, written: bool = False) -> None:
        """One scenario finished (``written``: it wrote its golden files, which is not "not ok");
        print a line when that completes another step."""
        self._done += 1
        self._written += written
        self._not_ok += not ok and not written
        if self._total <= 0:
            return
        step = min(self._done, self._total) * self._steps // self._total
        if step > self._printed_step:
            self._printed_step = step
            percent = 100 * min(self._done, self._total) // self._total
            done = f"{self._done}/{self._total} scenarios"
            wrote = f", {self._written} written" if self._written else ""
            self._line(f"[{percent:3d}%] {done}, {self._not_ok} not ok{wrote}")
