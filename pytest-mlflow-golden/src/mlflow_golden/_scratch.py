"""Loaded (``-p mlflow_golden._scratch``) into a pytest run that records into a scratch golden folder.

``provenance`` re-records every golden file into a temporary folder, compares, and deletes the
folder: a check that writes none of the project's files, so it may run in CI. Its child pytest
loads this module; the CI guard (``mlflow_golden._session``) then lets that run's ``--golden-update``
write into its ``--golden-dir``. No pending file is written under CI even so. ``record``, which
writes the project's golden files, does not load it and stays refused under CI.

The module has no hooks: its presence among the session's plugins is the signal.
"""

from __future__ import annotations

from typing import Final

__all__ = ["ARGS", "PLUGIN"]

PLUGIN: Final = __name__
"""The plugin name pytest registers for ``-p mlflow_golden._scratch``."""
ARGS: Final = ("-p", PLUGIN)
"""The pytest arguments that load it."""
