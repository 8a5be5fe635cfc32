"""What ``record`` and ``provenance`` share: running the current tests against a revision's code.

Both check a revision out in a temporary git worktree (``gitrev.worktree``) and run the project's
current golden tests with the code under test imported from that worktree, writing golden files
into a chosen folder.
"""

from __future__ import annotations

import platform
from collections import defaultdict
from collections.abc import Iterable, Sequence
from importlib import metadata
from pathlib import Path

from mlflow_golden._golden_paths import owner_key, split_golden_name
from mlflow_golden._pytest_args import GOLDEN_DIR_OPTION, TARGET_SRC_OPTION, UPDATE_OPTION

__all__ = ["GoldenFiles", "recording_args", "versions", "worktree_project"]


def versions() -> dict[str, str]:
    """MLflow and Python versions of this environment (the child pytest uses the same interpreter),
    as the manifest records them."""
    return {"mlflow_version": metadata.version("mlflow"), "python_version": platform.python_version()}


def worktree_project(worktree: Path, repo: Path, project: Path) -> Path:
    """The project's folder inside a worktree of its repository (the project may be a subfolder)."""
    return worktree / project.resolve().relative_to(repo.resolve())


def recording_args(pytest_args: Sequence[str], target: Path, golden_dir: Path) -> list[str]:
    """pytest arguments that write the goldens of ``target``'s code into ``golden_dir``."""
    # "--opt=value" keeps pytest from taking the folders for test paths when it picks the rootdir.
    return [*pytest_args, f"{TARGET_SRC_OPTION}={target}", UPDATE_OPTION, f"{GOLDEN_DIR_OPTION}={golden_dir}"]


class GoldenFiles:
    """Golden files (names relative to ``golden_dir``), to find the ones a test owns: its snapshots
    ``<test>.json``, ``<test>.<snap>.json`` and their budgets."""

    def __init__(self, names: Iterable[str], golden_dir: Path) -> None:
        self._golden_dir = golden_dir
        self._by_folder: defaultdict[Path, list[str]] = defaultdict(list)
        for name in names:
            path = golden_dir / name
            self._by_folder[path.parent].append(path.name)

    def owned_by(self, nodeid: str) -> list[str] | None:
        """The files of the test ``nodeid`` among them; None for a node id that is no test (a module)."""
        try:
            folder, test = owner_key(nodeid, self._golden_dir)
        except ValueError:
            return None
        return [
            (folder / name).relative_to(self._golden_dir).as_posix()
            for name in self._by_folder.get(folder, ())
            if split_golden_name(name, {test}) is not None
        ]
