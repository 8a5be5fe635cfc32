"""Small git helpers for recording goldens from an older revision.

``record`` and ``provenance`` check a revision out in a temporary ``git worktree`` (the user's
own checkout is never touched) and run the golden tests against it. Every failure becomes a
``GitError`` whose message says what was asked and what went wrong.
"""

from __future__ import annotations

import logging
import shutil
import subprocess
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

__all__ = [
    "GitError",
    "UnknownRevisionError",
    "changed_paths",
    "descendants",
    "dirty_paths",
    "file_at",
    "first_commit_adding",
    "has_commit",
    "head",
    "is_shallow",
    "parents",
    "paths_at",
    "repo_root",
    "resolve_revision",
    "worktree",
]

logger = logging.getLogger(__name__)


class GitError(Exception):
    """A git command failed; the message names the command's purpose and git's answer."""


class UnknownRevisionError(GitError):
    """The revision does not name a commit of the repository (or the commit is not in this clone)."""


def _git(args: Sequence[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    try:
        return subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=False)
    except FileNotFoundError as exc:
        raise GitError("git is not installed (no 'git' executable on PATH)") from exc
    except NotADirectoryError as exc:
        raise GitError(f"not a directory: {cwd}") from exc


def _detail(completed: subprocess.CompletedProcess[str]) -> str:
    return (completed.stderr or completed.stdout).strip() or f"exit code {completed.returncode}"


def repo_root(path: Path) -> Path:
    """The top-level folder of the git work tree containing ``path``."""
    if not path.is_dir():
        raise GitError(f"not a git repository: {path} (no such directory)")
    completed = _git(["rev-parse", "--show-toplevel"], path)
    if completed.returncode != 0:
        raise GitError(f"not a git repository: {path} ({_detail(completed)})")
    return Path(completed.stdout.strip())


def resolve_revision(revision: str, repo: Path) -> str:
    """The full commit sha that ``revision`` (branch, tag, sha, ``HEAD~1``...) names in ``repo``."""
    completed = _git(["rev-parse", "--verify", "--quiet", "--end-of-options", f"{revision}^{{commit}}"], repo)
    if completed.returncode != 0:
        repo_root(repo)  # a clearer error first if repo is not a repository at all
        hint = " (this clone is shallow: the commit may exist upstream)" if is_shallow(repo) else ""
        raise UnknownRevisionError(f"unknown revision {revision!r} in {repo}{hint}")
    return completed.stdout.strip()


def has_commit(sha: str, repo: Path) -> bool:
    """Whether the commit ``sha`` is present in this clone."""
    completed = _git(["cat-file", "-e", "--end-of-options", f"{sha}^{{commit}}"], repo)
    return completed.returncode == 0


def is_shallow(repo: Path) -> bool:
    """Whether ``repo`` is a shallow clone (older commits may be missing)."""
    completed = _git(["rev-parse", "--is-shallow-repository"], repo)
    return completed.returncode == 0 and completed.stdout.strip() == "true"


def _checked(args: Sequence[str], repo: Path, purpose: str) -> str:
    completed = _git(args, repo)
    if completed.returncode != 0:
        raise GitError(f"cannot {purpose}: {_detail(completed)}")
    return completed.stdout


def head(repo: Path) -> str | None:
    """The commit HEAD names, or None in a repository without commits."""
    completed = _git(["rev-parse", "--verify", "--quiet", "HEAD"], repo)
    return completed.stdout.strip() if completed.returncode == 0 else None


def descendants(repo: Path, commit: str) -> list[str]:
    """``commit`` and every commit of HEAD's history that descends from it, parents before children."""
    args = ["rev-list", "--reverse", "--topo-order", "--ancestry-path", f"{commit}..HEAD"]
    later = _checked(args, repo, "list the history")
    return [commit, *later.split()]


def parents(repo: Path, commit: str) -> tuple[str, ...]:
    """The parents of ``commit`` (none for a root commit; the first parent first)."""
    line = _checked(["rev-list", "--parents", "-n", "1", commit], repo, f"read the parents of {commit}")
    return tuple(line.split()[1:])


def first_commit_adding(repo: Path, path: str) -> str | None:
    """The oldest first-parent commit that added ``path`` (repository-relative), or None."""
    out = _checked(
        ["log", "--first-parent", "--diff-filter=A", "--format=%H", "--", path],
        repo,
        f"find when {path} was added",
    )
    commits = out.split()
    return commits[-1] if commits else None


def changed_paths(repo: Path, parent: str | None, commit: str | None, folder: str) -> dict[str, str]:
    """Repository-relative paths under ``folder`` that changed from ``parent`` to ``commit``, with git's
    status letter (``A``, ``M``, ``D``, ...). ``commit`` None is the working tree (untracked files count
    as ``A``, ignored ones not); ``parent`` None is the empty tree."""
    base = parent or _checked(["hash-object", "-t", "tree", "/dev/null"], repo, "name the empty tree").strip()
    revs = [base] if commit is None else [base, commit]
    out = _checked(
        ["diff", "-z", "--no-renames", "--name-status", *revs, "--", folder], repo, "diff the golden folder"
    )
    fields = out.split("\0")
    changes = {path: status[:1] for status, path in zip(fields[0::2], fields[1::2], strict=False) if path}
    if commit is None:
        untracked = _checked(
            ["ls-files", "-z", "--others", "--exclude-standard", "--", folder],
            repo,
            "list untracked golden files",
        )
        changes.update((path, "A") for path in untracked.split("\0") if path)
    return changes


def file_at(repo: Path, commit: str | None, path: str) -> str | None:
    """The text of repository-relative ``path`` at ``commit`` (None: the working tree); None if absent."""
    if commit is None:
        try:
            return (repo / path).read_text(encoding="utf-8")
        except FileNotFoundError:
            return None
    completed = _git(["show", f"{commit}:{path}"], repo)
    return completed.stdout if completed.returncode == 0 else None


def paths_at(repo: Path, commit: str, folder: str) -> list[str]:
    """Repository-relative paths of the files under ``folder`` in ``commit``."""
    listing = _checked(
        ["ls-tree", "-z", "-r", "--name-only", commit, "--", folder], repo, "list the golden folder"
    )
    return [path for path in listing.split("\0") if path]


def dirty_paths(repo: Path, exclude: Sequence[Path] = ()) -> list[str]:
    """Repository-relative paths with uncommitted changes (modified, staged, untracked; not
    git-ignored ones), outside the folders ``exclude`` (those outside the repository are ignored)."""
    pathspec = [
        f":(exclude){folder.resolve().relative_to(repo.resolve()).as_posix()}"
        for folder in exclude
        if folder.resolve().is_relative_to(repo.resolve()) and folder.resolve() != repo.resolve()
    ]
    completed = _git(["status", "--porcelain=v1", "-z", "--untracked-files=all", "--", ".", *pathspec], repo)
    if completed.returncode != 0:
        raise GitError(f"cannot list uncommitted changes in {repo}: {_detail(completed)}")
    paths: list[str] = []
    fields = iter(completed.stdout.split("\0"))
    for field in fields:
        if not field:
            continue
        paths.append(field[3:])
        if field[0] in "RC":  # a rename or copy: the original path follows
            next(fields, None)
    return paths


@contextmanager
def worktree(repo: Path, revision: str) -> Iterator[Path]:
    """Check ``revision`` out (detached) in a temporary worktree; always removed on exit.

    Yields the worktree's folder. The repository's own checkout, index and branches are not
    touched; only git's worktree bookkeeping is added and pruned again.
    """
    sha = resolve_revision(revision, repo)
    holder = Path(tempfile.mkdtemp(prefix="mlflow-golden-worktree-"))
    path = holder / sha[:12]
    completed = _git(["worktree", "add", "--detach", str(path), sha], repo)
    if completed.returncode != 0:
        shutil.rmtree(holder, ignore_errors=True)
        raise GitError(f"cannot check out {revision!r} ({sha}) into a worktree: {_detail(completed)}")
    logger.debug("worktree for %s at %s", sha, path)
    try:
        yield path
    finally:
        removed = _git(["worktree", "remove", "--force", str(path)], repo)
        if removed.returncode != 0:
            logger.warning("could not remove worktree %s: %s", path, _detail(removed))
        shutil.rmtree(holder, ignore_errors=True)
        _git(["worktree", "prune"], repo)
