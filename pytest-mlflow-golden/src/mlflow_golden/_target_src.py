"""``--golden-target-src DIR``: import the code under test from another source tree.

The folder (``DIR/src`` when it exists; a relative ``DIR`` is relative to the rootdir) goes first on
``sys.path``, and modules already imported from this project's own source roots (the
``golden_source_roots`` ini, else pytest's ``pythonpath``, else ``<rootdir>/src``) are forgotten,
so the scenarios import the other tree's versions.
The harness itself (``mlflow_golden``) always stays the current one.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Sequence
from pathlib import Path

import pytest

_logger = logging.getLogger(__name__)


def source_root(value: str, base: Path | None = None) -> Path:
    """The import root of ``value`` (relative to ``base``, the rootdir): ``DIR/src`` when it exists,
    else ``DIR`` (``UsageError`` if absent)."""
    target = ((base or Path.cwd()) / Path(value).expanduser()).resolve()
    if not target.is_dir():
        raise pytest.UsageError(f"--golden-target-src: no such directory: {value} (resolved to {target})")
    return target / "src" if (target / "src").is_dir() else target


def import_code_under_test_from(value: str, own_roots: Sequence[Path], base: Path | None = None) -> None:
    """Put ``value``'s source root first on ``sys.path`` and drop modules loaded from ``own_roots``
    (the project's own import roots; a root that is ``value``'s own keeps its modules)."""
    root = source_root(value, base)
    sys.path.insert(0, str(root))
    roots = [own.resolve() for own in own_roots if own.resolve() != root]
    if not roots:
        return
    for name, module in list(sys.modules.items()):
        if name == "mlflow_golden" or name.startswith("mlflow_golden."):
            continue
        file = getattr(module, "__file__", None)
        if file and any(Path(file).resolve().is_relative_to(own) for own in roots):
            del sys.modules[name]
    _logger.info("--golden-target-src: importing code under test from %s", root)


__all__ = ["import_code_under_test_from", "source_root"]
