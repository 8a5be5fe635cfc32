"""Whether this run is a CI run, where the harness writes nothing.

One rule, used everywhere the plugin could write: the environment variable ``CI`` (set by GitHub
Actions, GitLab CI, Azure Pipelines, CircleCI, Travis...) with a non-empty value other than ``0`` or
``false`` (case-insensitive, surrounding blanks ignored). Under CI, ``--golden-update`` and
``--golden-update-missing`` are usage errors and no pending file is written or removed.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Final

__all__ = ["CI_ENV", "ci_value"]

CI_ENV: Final = "CI"
_NOT_CI: Final = frozenset({"", "0", "false"})


def ci_value(environ: Mapping[str, str] | None = None) -> str | None:
    """The value of ``CI`` when it marks a CI run, else None (unset, empty, ``0``, ``false``)."""
    value = (os.environ if environ is None else environ).get(CI_ENV)
    if value is None or value.strip().lower() in _NOT_CI:
        return None
    return value
