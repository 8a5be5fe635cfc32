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

from collections.abc import Sequence
from typing import Final

__all__ = [
    "BACKEND_OPTION",
    "GOLDEN_DIR_OPTION",
    "TARGET_SRC_OPTION",
    "UPDATE_MISSING_OPTION",
    "UPDATE_OPTION",
    "VALUE_OPTIONS",
    "join_option_values",
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
    index = 0
    while index < len(args):
        arg = args[index]
        if arg == "--":
            joined.extend(args[index:])
            break
        if arg in options and index + 1 < len(args):
            joined.append(f"{arg}={args[index + 1]}")
            index += 2
            continue
        joined.append(arg)
        index += 1
    return joined
