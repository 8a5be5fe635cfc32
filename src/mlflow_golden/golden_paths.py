"""Where a test's golden file lives, and which golden files no collected test owns."""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path, PurePosixPath

GOLDEN_SUFFIX = ".json"
BUDGET_SUFFIX = ".calls.json"
MANIFEST_NAME = "MANIFEST.json"
_UNSAFE = re.compile(r"[^A-Za-z0-9_.,=+\[\]-]")


def safe_test_name(name: str) -> str:
    """Characters outside ``[A-Za-z0-9_.,=+[]-]`` become ``_``."""
    return _UNSAFE.sub("_", name)


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
    for segment in segments[:-1]:
        path = path / safe_test_name(segment)
    return path / (safe_test_name(segments[-1]) + GOLDEN_SUFFIX)


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
    """The store-call budget file of a golden file (see ``mlflow_golden.budgets``)."""
    return golden_path.with_name(budget_name(golden_path.name))


def judged_dir(golden_dir: Path, selected: str) -> Path:
    """Golden counterpart of a selected test path (rootdir-relative): a folder or a module."""
    path = PurePosixPath(selected.replace("\\", "/"))
    if path.suffix == ".py":
        return golden_dir / module_dir(str(path))
    parts = path.parts[1:] if path.parts[:1] == ("tests",) else path.parts
    parts = tuple(part for part in parts if part not in (".", ""))
    return golden_dir.joinpath(*parts)


def _is_snapshot_of(path: Path, stems: set[Path]) -> bool:
    """True for ``<test>.<snapshot>.json`` (or its budget) of a test whose stem is in ``stems``."""
    name = path.name.removesuffix(GOLDEN_SUFFIX).removesuffix(".calls")
    stem, dot, snapshot = name.rpartition(".")
    return bool(dot and snapshot) and path.with_name(stem) in stems


def find_orphans(golden_dir: Path, nodeids: Iterable[str], selected: Iterable[str]) -> list[str]:
    """Golden files (relative posix paths) under the judged folders that no node id owns.

    ``selected`` are the test paths the session ran (rootdir-relative, e.g. ``tests`` or
    ``tests/golden/test_a.py``). Only their golden counterparts are judged (``tests`` ->
    the whole golden dir, ``tests/golden`` -> ``<golden_dir>/golden/**`` including goldens of
    deleted modules, one module -> only that module's folder), so running part of the suite never
    flags another part's goldens. MANIFEST.json is never an orphan; a test owns its golden file
    and the store-call budget beside it.
    """
    goldens = {golden_path_for_nodeid(nodeid, golden_dir) for nodeid in nodeids if "::" in nodeid}
    owned = goldens | {budget_path(path) for path in goldens}
    stems = {path.with_name(path.name.removesuffix(GOLDEN_SUFFIX)) for path in goldens}
    orphans: set[str] = set()
    for directory in {judged_dir(golden_dir, s) for s in selected}:
        if not directory.is_dir():
            continue
        for path in directory.rglob("*" + GOLDEN_SUFFIX):
            if path.name == MANIFEST_NAME or path in owned or _is_snapshot_of(path, stems):
                continue
            orphans.add(path.relative_to(golden_dir).as_posix())
    return sorted(orphans)
