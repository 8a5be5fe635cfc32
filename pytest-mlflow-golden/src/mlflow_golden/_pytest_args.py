"""The harness's pytest options as the CLI spells them, and their values joined to them:
``--golden-dir DIR`` -> ``--golden-dir=DIR``.

pytest chooses its rootdir (and so its config file and ``testpaths``) from the command line's
positional arguments *before* plugins have registered their options. A plugin option's value
given as a separate word (``--golden-dir /elsewhere``) is then taken for a test path, and the
rootdir moves next to it. The CLI passes every argument through this module, so both spellings
mean the same. A harness test keeps ``VALUE_OPTIONS`` equal to the plugin's options (old spellings
too). The CLI names the options it uses only through the constants below.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Final

__all__ = [
    "BACKEND_OPTION",
    "GOLDEN_DIR_OPTION",
    "PYTEST_VALUE_OPTIONS",
    "TARGET_SRC_OPTION",
    "UPDATE_MISSING_OPTION",
    "UPDATE_OPTION",
    "VALUE_OPTIONS",
    "XDIST_OPTIONS",
    "SplitArgs",
    "join_option_values",
    "split_pytest_values",
    "wants_xdist",
    "xdist_installed",
]

UPDATE_OPTION: Final = "--golden-update"
"""Write golden files instead of comparing; remove orphans."""
UPDATE_MISSING_OPTION: Final = "--golden-update-missing"
"""Write only missing golden files and budgets; compare the rest (differences fail, orphans stay)."""
GOLDEN_DIR_OPTION: Final = "--golden-dir"
"""The golden folder (default ``<rootdir>/golden``)."""
BACKEND_OPTION: Final = "--golden-backend"
"""The tracking store backend each scenario gets."""
TARGET_SRC_OPTION: Final = "--golden-target-src"
"""Import the code under test from another tree (record and provenance: a git worktree)."""

VALUE_OPTIONS: Final = frozenset(
    {"--golden-dir", "--golden-backend", "--golden-target-src", "--mlflow-backend", "--target-src"}
)
"""The plugin's long options that take a value (see ``mlflow_golden.plugin.pytest_addoption``)."""


def join_option_values(args: Sequence[str], options: frozenset[str] = VALUE_OPTIONS) -> list[str]:
    """``args`` with each ``OPTION VALUE`` pair of ``options`` written as ``OPTION=VALUE``.

    Arguments after a lone ``--`` are left alone; an option at the very end (no value) is kept
    as it is, for pytest to report.
    """
    joined: list[str] = []
    for words, pair in _scan(args, options):
        if pair:
            joined.append(f"{words[0]}={words[1]}")
        else:
            joined.extend(words)
    return joined


def _scan(args: Sequence[str], options: frozenset[str]) -> Iterator[tuple[list[str], bool]]:
    """The words of ``args`` in order, grouped: an option of ``options`` with the next word as its
    value (``True``), any other word alone (``False``), and from a lone ``--`` on everything as one
    group (``False``)."""
    index = 0
    while index < len(args):
        arg = args[index]
        if arg == "--":
            yield list(args[index:]), False
            return
        if arg in options and index + 1 < len(args):
            yield list(args[index : index + 2]), True
            index += 2
        else:
            yield [arg], False
            index += 1


XDIST_OPTIONS: Final = frozenset({"-n", "--numprocesses", "--dist", "--maxprocesses", "--max-worker-restart"})
"""pytest-xdist's options that take a value (a separate word), besides the plugin's own."""


def wants_xdist(args: Sequence[str]) -> bool:
    """True when ``args`` (before a lone ``--``) give ``-n``/``--numprocesses`` in any spelling."""
    for arg in args:
        if arg == "--":
            return False
        if arg in ("-n", "--numprocesses") or arg.startswith("--numprocesses="):
            return True
        if arg.startswith("-n") and not arg.startswith("--") and arg[2:].replace("=", "", 1).isalnum():
            return True
    return False


def xdist_installed() -> bool:
    """True when pytest-xdist can be imported (the ``xdist`` extra)."""
    return importlib.util.find_spec("xdist") is not None


PYTEST_VALUE_OPTIONS: Final = frozenset(
    {
        "-k", "-m", "-p", "-c", "-o", "-W", "-r", "-n",
        "--maxfail", "--deselect", "--ignore", "--ignore-glob", "--rootdir", "--basetemp", "--confcutdir",
        "--tb", "--durations", "--durations-min", "--capture", "--import-mode", "--junitxml",
        "--junit-prefix", "--log-level", "--log-file", "--log-file-level", "--log-cli-level", "--log-format",
        "--log-date-format",
        "--override-ini", "--config-file", "--color", "--code-highlight", "--show-capture", "--verbosity",
        "--assert", "--doctest-glob", "--doctest-report", "--pdbcls", "--last-failed-no-failures",
        "--lfnf", "--keep-duplicates-from", "--numprocesses", "--dist", "--maxprocesses",
        "--max-worker-restart", "--tx", "--rsyncdir", "--randomly-seed", "--timeout",
    }
)  # fmt: skip
"""pytest's (and pytest-xdist's, pytest-randomly's, pytest-timeout's) options that take a value."""


@dataclass(frozen=True)
class SplitArgs:
    """Command-line words with the pytest options that take a value set aside (``split_pytest_values``)."""

    rest: list[str]
    """The words left for the CLI's own parser."""
    taken: dict[int, list[str]]
    """The options set aside (each with its value), by the index in ``rest`` they stood before."""

    def pytest_args(self, unknown: Sequence[str]) -> list[str]:
        """The options set aside and ``unknown`` (the words of ``rest`` the CLI's parser left, in
        order), in their command-line order."""
        merged: list[str] = []
        left = 0
        for index, word in enumerate(self.rest):
            merged.extend(self.taken.get(index, ()))
            if left < len(unknown) and unknown[left] == word:
                merged.append(word)
                left += 1
        merged.extend(self.taken.get(len(self.rest), ()))
        return [*merged, *unknown[left:]]


def split_pytest_values(args: Sequence[str], keep: frozenset[str] = frozenset()) -> SplitArgs:
    """``args`` without the pytest options that take a value, each set aside with its value.

    Each option of ``PYTEST_VALUE_OPTIONS`` or ``VALUE_OPTIONS`` (except those in ``keep``, which the
    caller parses itself) is set aside with its value, whether the value is the next word
    (``-n 2``, ``-k "a or b"``), attached (``-n2``) or after ``=`` (``--maxfail=3``), so that a
    command with positional arguments never takes a value for one (``accept -n 2 PATTERN``).
    Arguments after a lone ``--`` are left alone; an option at the very end is kept as it is.
    """
    options = (PYTEST_VALUE_OPTIONS | VALUE_OPTIONS) - keep
    rest: list[str] = []
    taken: dict[int, list[str]] = {}
    for words, pair in _scan(args, options):
        arg = words[0]
        attached = arg != "--" and (
            (arg.startswith("--") and "=" in arg and arg.split("=", 1)[0] in options)
            or (not arg.startswith("--") and len(arg) > 2 and arg[:2] in options)
        )
        if pair or attached:
            taken.setdefault(len(rest), []).extend(words)
        else:
            rest.extend(words)
    return SplitArgs(rest, taken)
