"""The mismatch report shown in a failing golden test.

First the tree of experiments and runs of both sides with the differing runs marked and the
changed tags/params/status listed (``mlflow_golden._tree.tree_diff``), then the unified diff of the
canonical JSON, so a reader sees what changed without opening files.
"""

from __future__ import annotations

import difflib
from pathlib import Path
from typing import Any

from mlflow_golden._snapshot import dumps
from mlflow_golden._tree import tree_diff

MAX_DIFF_LINES = 400


def json_diff(
    expected: dict[str, Any], actual: dict[str, Any], path: Path, max_lines: int = MAX_DIFF_LINES
) -> str:
    """Unified diff of the canonical JSON texts, truncated to ``max_lines``."""
    lines = list(
        difflib.unified_diff(
            dumps(expected).splitlines(),
            dumps(actual).splitlines(),
            fromfile=f"{path} (recorded)",
            tofile=f"{path} (actual)",
            lineterm="",
        )
    )
    if len(lines) > max_lines:
        lines = [*lines[:max_lines], f"... ({len(lines) - max_lines} more diff lines)"]
    return "\n".join(lines)


def mismatch_report(expected: dict[str, Any], actual: dict[str, Any], path: Path) -> str:
    """Full failure text for a snapshot that differs from its golden file."""
    return "\n".join(
        [
            f"golden snapshot differs from {path}",
            "(run with --golden-update only if the change is deliberate)",
            "",
            "tree (recorded vs actual):",
            tree_diff(expected, actual).rstrip("\n"),
            "",
            "JSON diff:",
            json_diff(expected, actual, path),
        ]
    )
