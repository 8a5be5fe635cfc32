"""The harness's pytest options that take a value, joined to it: ``--golden-dir DIR`` -> ``--golden-dir=DIR``.

pytest chooses its rootdir (and so its config file and ``testpaths``) from the command line's
positional arguments *before* plugins have registered their options. A plugin option's value
given as a separate word (``--golden-dir /elsewhere``) is then taken for a test path, and the
rootdir moves next to it. The CLI passes every argument through this module, so both spellings
mean the same. A harness test keeps the list equal to the plugin's options (old spellings too).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

__all__ = ["VALUE_OPTIONS", "join_option_values"]

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
