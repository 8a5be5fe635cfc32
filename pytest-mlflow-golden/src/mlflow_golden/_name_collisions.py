"""Distinct tests never share a golden file: node ids that map to one path are refused up front.

``safe_test_name`` maps unsafe characters to ``_`` (so existing golden paths never move), which
can map two node ids (``test_x[a/b]``, ``test_x[a_b]``) to one file. The plugin checks the
collected tests that use ``golden`` before anything runs (in each xdist worker too, which
collects the whole selection) and stops the session naming both tests.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from mlflow_golden._golden_paths import golden_path_for_nodeid


@dataclass(frozen=True)
class Collision:
    """Tests (node ids, in collection order) that would write one golden file."""

    nodeids: tuple[str, ...]
    path: Path

    @property
    def nodeid(self) -> str:
        """The node id the collection error is reported under: the first of the tests."""
        return self.nodeids[0]

    @property
    def message(self) -> str:
        return (
            f"{' and '.join(self.nodeids)} would share the golden file {self.path} "
            "(unsafe characters become '_'): give them distinct ids"
        )


def collisions(nodeids: Iterable[str], golden_dir: Path) -> list[Collision]:
    """Every golden path (relative to ``golden_dir``) that two or more of ``nodeids`` would share."""
    owners: dict[Path, list[str]] = {}
    for nodeid in dict.fromkeys(nodeids):
        owners.setdefault(golden_path_for_nodeid(nodeid, golden_dir), []).append(nodeid)
    return [
        Collision(tuple(ids), path.relative_to(golden_dir)) for path, ids in owners.items() if len(ids) > 1
    ]
