"""Where a test's golden files live, and which test a golden file belongs to."""

from __future__ import annotations

import re
from collections.abc import Container
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from mlflow_golden import _name_limit as name_limit

GOLDEN_SUFFIX = ".json"
BUDGET_SUFFIX = ".calls.json"
MANIFEST_NAME = "MANIFEST.json"
#: A pending file (``<golden file>.new``) holds what a compare run saw where it differed from the golden
#: file; ``review``/``accept``/``reject`` act on it. Never read as a golden, never an orphan.
PENDING_SUFFIX = ".new"
_UNSAFE = re.compile(r"[^A-Za-z0-9_.,=+\[\]-]")


def safe_test_name(name: str, limit: int | None = None) -> str:
    """Characters outside ``[A-Za-z0-9_.,=+[]-]`` become ``_``; a name longer than ``limit`` bytes
    is shortened to a readable prefix, ``~`` and a hash of ``name`` (see ``_name_limit``).

    Two node ids that still map to one name are refused at collection (``_name_collisions``).
    """
    safe = _UNSAFE.sub("_", name)
    return safe if limit is None else name_limit.shortened(safe, name, limit)


def module_dir(module_path: str) -> PurePosixPath:
    """``tests/golden/test_runs.py`` -> ``golden/test_runs`` (relative to the golden dir)."""
    path = PurePosixPath(module_path.replace("\\", "/"))
    parts = path.parts
    if parts and parts[0] == "tests":
        parts = parts[1:]
    if not parts:
        raise ValueError(f"not a test module path: {module_path!r}")
    stem = PurePosixPath(*parts)
    return stem.with_suffix("") if stem.suffix == ".py" else stem


def golden_path_for_nodeid(nodeid: str, golden_dir: Path) -> Path:
    """``tests/golden/test_runs.py::test_x[seed-3]`` -> ``<golden_dir>/golden/test_runs/test_x[seed-3].json``.

    Class-based tests (``mod.py::Class::test``) keep the class as a path segment.
    """
    module, sep, rest = nodeid.partition("::")
    if not sep or not rest:
        raise ValueError(f"not a test node id: {nodeid!r}")
    segments = rest.split("::")
    path = golden_dir / module_dir(module)
    limit = name_limit.test_name_limit(golden_dir)
    for segment in segments[:-1]:
        path = path / safe_test_name(segment, limit)
    return path / (safe_test_name(segments[-1], limit) + GOLDEN_SUFFIX)


def replayed_nodeid(nodeid: str, module_path: str) -> str:
    """``tests/golden/test_b.py::test_x[1]`` replayed as ``module_path`` -> ``<module_path>::test_x[1]``."""
    _, sep, rest = nodeid.partition("::")
    if not sep or not rest:
        raise ValueError(f"not a test node id: {nodeid!r}")
    return f"{module_path}::{rest}"


def budget_name(golden_name: str) -> str:
    """``.../test_x.json`` -> ``.../test_x.calls.json``: the store-call budget beside a golden file."""
    return golden_name.removesuffix(GOLDEN_SUFFIX) + BUDGET_SUFFIX


def budget_path(golden_path: Path) -> Path:
    """The store-call budget file of a golden file (see ``mlflow_golden._budgets``)."""
    return golden_path.with_name(budget_name(golden_path.name))


def pending_path(golden_path: Path) -> Path:
    """``.../test_x.json`` -> ``.../test_x.json.new`` (and ``test_x.calls.json.new`` for a budget)."""
    return golden_path.with_name(golden_path.name + PENDING_SUFFIX)


def golden_folder(golden_dir: Path, source: str) -> Path:
    """Golden counterpart of a rootdir-relative test folder or module: ``tests`` -> ``golden_dir``,
    ``tests/golden`` -> ``<golden_dir>/golden``, ``tests/golden/test_a.py`` -> ``.../golden/test_a``.
    """
    path = PurePosixPath(source.replace("\\", "/"))
    if path.suffix == ".py":
        return golden_dir / module_dir(str(path))
    parts = path.parts[1:] if path.parts[:1] == ("tests",) else path.parts
    parts = tuple(part for part in parts if part not in (".", ""))
    return golden_dir.joinpath(*parts)


def source_candidates(folder: PurePosixPath) -> tuple[PurePosixPath, ...]:
    """The rootdir-relative sources whose golden folder is ``folder`` (relative to the golden dir):
    a module or a test folder, with or without the ``tests/`` that ``module_dir`` drops."""
    tests = PurePosixPath("tests") / folder
    return (
        folder.with_name(folder.name + ".py"),
        folder,
        tests.with_name(tests.name + ".py"),
        tests,
    )


def owner_key(nodeid: str, golden_dir: Path) -> tuple[Path, str]:
    """The folder of a test's golden files and the test part of their names (``<name>.json``)."""
    path = golden_path_for_nodeid(nodeid, golden_dir)
    return path.parent, path.name.removesuffix(GOLDEN_SUFFIX)


@dataclass(frozen=True)
class GoldenName:
    """A golden file name read against its owner: ``<test>[.<snapshot>][.calls].json``."""

    test: str
    snapshot: str | None
    budget: bool

    @property
    def snapshot_file(self) -> str:
        """The name of the snapshot file this file belongs to (itself, or the one it budgets)."""
        middle = "" if self.snapshot is None else "." + self.snapshot
        return self.test + middle + GOLDEN_SUFFIX


_SNAPSHOT_NAME = re.compile(r"[A-Za-z0-9_-]+")
_BUDGET_MARK = BUDGET_SUFFIX.removesuffix(GOLDEN_SUFFIX).lstrip(".")  # "calls"


def snapshot_name_error(name: str) -> str | None:
    """Why ``name`` cannot name a snapshot (``<test>.<name>.json``), or None when it can."""
    if not _SNAPSHOT_NAME.fullmatch(name):
        return f"snapshot name {name!r}: use letters, digits, '_' and '-' only"
    if name.isdigit():
        return f"snapshot name {name!r}: all-digit names are the numbers of unnamed snapshots"
    if name == _BUDGET_MARK:
        return f"snapshot name {name!r} is reserved for store-call budgets"
    return None


def _snapshot_part(rest: str) -> tuple[str | None, bool] | None:
    """What follows ``<test>.``: ``calls`` (the first snapshot's budget), ``<snap>``, ``<snap>.calls``."""
    if rest == _BUDGET_MARK:
        return None, True
    snapshot, dot, budget = rest.partition(".")
    if (dot and budget != _BUDGET_MARK) or snapshot == _BUDGET_MARK:
        return None
    if not _SNAPSHOT_NAME.fullmatch(snapshot):
        return None
    return snapshot, bool(dot)


def split_golden_name(file_name: str, tests: Container[str]) -> GoldenName | None:
    """``file_name`` as a file of one of ``tests`` (test name parts, see ``owner_key``), or None.

    A test owns ``<test>.json``, its budget ``<test>.calls.json``, and its further snapshots
    ``<test>.<snap>.json`` with their budgets ``<test>.<snap>.calls.json``.
    """
    if not file_name.endswith(GOLDEN_SUFFIX):
        return None
    stem = file_name.removesuffix(GOLDEN_SUFFIX)
    if stem in tests:
        return GoldenName(stem, None, budget=False)
    for cut, char in enumerate(stem):
        if char != "." or stem[:cut] not in tests:
            continue
        part = _snapshot_part(stem[cut + 1 :])
        if part is not None:
            return GoldenName(stem[:cut], *part)
    return None
