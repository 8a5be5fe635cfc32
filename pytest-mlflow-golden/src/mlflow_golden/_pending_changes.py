"""Pending changes on disk, for the CLI (``_pending`` writes them during a run).

A compare run that finds a difference writes the file the golden would become beside it,
``<golden file>.new`` (``_golden_paths.pending_path``): ``test_x.json.new`` for a snapshot,
``test_x.calls.json.new`` for a store-call budget; a missing golden gets one too. Here they are
found, paired with their golden files and grouped by the test that owns them (with the same path
mapping the recorder uses, ``_recording.GoldenFiles``), for ``pending``, ``review``, ``accept`` and
``reject``.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from mlflow_golden._golden_paths import BUDGET_SUFFIX, PENDING_SUFFIX
from mlflow_golden._recording import GoldenFiles

__all__ = ["Kind", "Pending", "PendingTest", "State", "by_test", "find", "select"]


class Kind(StrEnum):
    """What a pending file would replace."""

    SNAPSHOT = "snapshot"
    BUDGET = "budget"


class State(StrEnum):
    """Whether the golden file exists yet."""

    NEW = "new"
    """No golden file yet: accepting creates it."""
    CHANGED = "changed"
    """The golden file exists and differs: accepting replaces it."""


@dataclass(frozen=True)
class Pending:
    """One pending file and the golden file it would become (names relative to the golden dir)."""

    golden: str
    kind: Kind
    state: State

    @property
    def pending(self) -> str:
        return self.golden + PENDING_SUFFIX


@dataclass(frozen=True)
class PendingTest:
    """The pending files of one test (snapshots and budgets), ``nodeid`` None when no collected test
    owns them (they are listed, one group per file, but cannot be accepted)."""

    nodeid: str | None
    files: tuple[Pending, ...]


def find(golden_dir: Path) -> list[Pending]:
    """Every pending file under ``golden_dir``, sorted by golden name."""
    if not golden_dir.is_dir():
        return []
    found: list[Pending] = []
    for path in golden_dir.rglob("*.json" + PENDING_SUFFIX):
        if not path.is_file():
            continue
        golden = path.relative_to(golden_dir).as_posix().removesuffix(PENDING_SUFFIX)
        kind = Kind.BUDGET if golden.endswith(BUDGET_SUFFIX) else Kind.SNAPSHOT
        state = State.CHANGED if (golden_dir / golden).is_file() else State.NEW
        found.append(Pending(golden, kind, state))
    return sorted(found, key=lambda pending: pending.golden)


def by_test(pending: Iterable[Pending], nodeids: Sequence[str], golden_dir: Path) -> list[PendingTest]:
    """``pending`` grouped by the collected test owning each file: in collection order, then the
    files no test owns (each alone, ``nodeid`` None)."""
    by_golden = {item.golden: item for item in pending}
    files = GoldenFiles(by_golden, golden_dir)
    groups: list[PendingTest] = []
    owned: set[str] = set()
    for nodeid in nodeids:
        names = [name for name in files.owned_by(nodeid) or () if name not in owned]
        if names:
            owned.update(names)
            groups.append(PendingTest(nodeid, tuple(by_golden[name] for name in sorted(names))))
    groups += [PendingTest(None, (by_golden[name],)) for name in sorted(by_golden.keys() - owned)]
    return groups


def select(groups: Sequence[PendingTest], patterns: Sequence[str]) -> tuple[list[PendingTest], list[str]]:
    """The groups a pattern names, and the patterns that named none. A pattern is a node id or an
    ``fnmatch`` glob of node ids, or a golden file name or glob (relative to the golden dir, pending
    ``.new`` name too): a file pattern selects the whole test owning the file."""
    chosen: list[PendingTest] = []
    unmatched: list[str] = []
    for pattern in patterns:
        hits = [group for group in groups if _matches(group, pattern)]
        if not hits:
            unmatched.append(pattern)
        chosen += [group for group in hits if group not in chosen]
    order = {id(group): index for index, group in enumerate(groups)}
    return sorted(chosen, key=lambda group: order[id(group)]), unmatched


def _matches(group: PendingTest, pattern: str) -> bool:
    names = [name for item in group.files for name in (item.golden, item.pending)]
    if group.nodeid is not None:
        names.append(group.nodeid)
    return any(name == pattern or fnmatch.fnmatchcase(name, pattern) for name in names)
