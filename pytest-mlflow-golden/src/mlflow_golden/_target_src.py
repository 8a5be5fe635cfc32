"""``--golden-target-src DIR``: import the code under test from another source tree.

The folder (``DIR/src`` when it exists) goes first on ``sys.path``, and modules already imported
from this project's own ``src`` are forgotten, so the scenarios import the other tree's versions.
The harness itself (``mlflow_golden``) always stays the current one.
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path

import pytest

_logger = logging.getLogger(__name__)


def source_root(value: str) -> Path:
    """The import root of ``value``: ``DIR/src`` when it exists, else ``DIR`` (``UsageError`` if absent)."""
    target = Path(value).expanduser().resolve()
    if not target.is_dir():
        raise pytest.UsageError(f"--golden-target-src: no such directory: {value} (resolved to {target})")
    return target / "src" if (target / "src").is_dir() else target


def import_code_under_test_from(value: str, own_src: Path) -> None:
    """Put ``value``'s source root first on ``sys.path`` and drop modules loaded from ``own_src``."""
    root = source_root(value)
    sys.path.insert(0, str(root))
    own_src = own_src.resolve()
    if own_src == root:
        return
    for name, module in list(sys.modules.items()):
        if name == "mlflow_golden" or name.startswith("mlflow_golden."):
            continue
        file = getattr(module, "__file__", None)
        if file and Path(file).resolve().is_relative_to(own_src):
            del sys.modules[name]
    _logger.info("--golden-target-src: importing code under test from %s", root)


__all__ = ["import_code_under_test_from", "source_root"]
