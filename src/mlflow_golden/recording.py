"""What ``record`` and ``provenance`` share: running the current tests against a revision's code.

Both check a revision out in a temporary git worktree (``gitrev.worktree``) and run the project's
current golden tests with the code under test imported from that worktree, writing golden files
into a chosen folder.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from mlflow_golden.golden_paths import golden_path_for_nodeid
from mlflow_golden.pytest_args import GOLDEN_DIR_OPTION, TARGET_SRC_OPTION, UPDATE_OPTION

__all__ = ["golden_name", "owned_name", "recording_args", "worktree_project"]


def worktree_project(worktree: Path, repo: Path, project: Path) -> Path:
    """The project's folder inside a worktree of its repository (the project may be a subfolder)."""
    return worktree / project.resolve().relative_to(repo.resolve())


def recording_args(pytest_args: Sequence[str], target: Path, golden_dir: Path) -> list[str]:
    """pytest arguments that write the goldens of ``target``'s code into ``golden_dir``."""
    # "--opt=value" keeps pytest from taking the folders for test paths when it picks the rootdir.
    return [*pytest_args, f"{TARGET_SRC_OPTION}={target}", UPDATE_OPTION, f"{GOLDEN_DIR_OPTION}={golden_dir}"]


def golden_name(nodeid: str, golden_dir: Path) -> str:
    """The golden file of a test node id, relative to ``golden_dir`` (``/``-separated)."""
    return golden_path_for_nodeid(nodeid, golden_dir).relative_to(golden_dir).as_posix()


def owned_name(nodeid: str, golden_dir: Path) -> str | None:
    """The golden file (relative name) a node id owns; None for a non-test id (a module)."""
    try:
        return golden_name(nodeid, golden_dir)
    except ValueError:
        return None
