"""Git helpers of record/provenance, on real throwaway repositories."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from mlflow_golden import _gitrev as gitrev
from mlflow_golden._gitrev import GitError, UnknownRevisionError


def _git(repo: Path, *args: str) -> str:
    completed = subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.invalid", *args],
        cwd=repo, capture_output=True, text=True, check=True,
    )  # fmt: skip
    return completed.stdout.strip()


def _commit(repo: Path, text: str) -> str:
    (repo / "code.txt").write_text(text, encoding="utf-8")
    _git(repo, "add", "code.txt")
    _git(repo, "commit", "-q", "-m", text)
    return _git(repo, "rev-parse", "HEAD")


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    path = tmp_path / "repo"
    path.mkdir()
    _git(path, "init", "-q")
    return path


def test_repo_root_finds_the_top_level_from_a_subfolder(repo: Path) -> None:
    (repo / "sub").mkdir()
    assert gitrev.repo_root(repo / "sub").resolve() == repo.resolve()


def test_repo_root_outside_a_repository_says_so(tmp_path: Path) -> None:
    with pytest.raises(GitError, match=f"not a git repository: {tmp_path}"):
        gitrev.repo_root(tmp_path)


def test_resolve_revision_gives_the_full_sha(repo: Path) -> None:
    first = _commit(repo, "one")
    _commit(repo, "two")
    assert gitrev.resolve_revision("HEAD~1", repo) == first
    assert gitrev.resolve_revision(first[:8], repo) == first


def test_resolve_revision_of_an_unknown_name_names_it(repo: Path) -> None:
    _commit(repo, "one")
    with pytest.raises(UnknownRevisionError, match="unknown revision 'no-such-branch'"):
        gitrev.resolve_revision("no-such-branch", repo)


def test_has_commit_tells_present_from_absent_commits(repo: Path) -> None:
    sha = _commit(repo, "one")
    assert gitrev.has_commit(sha, repo)
    assert not gitrev.has_commit("0123456789" * 4, repo)


def test_is_shallow_tells_a_shallow_clone_from_a_full_repository(repo: Path, tmp_path: Path) -> None:
    _commit(repo, "one")
    _commit(repo, "two")
    clone = tmp_path / "clone"
    _git(tmp_path, "clone", "-q", "--depth", "1", repo.as_uri(), str(clone))
    assert gitrev.is_shallow(clone)
    assert not gitrev.is_shallow(repo)


def test_worktree_checks_out_the_old_revision_without_touching_the_checkout(repo: Path) -> None:
    first = _commit(repo, "old code")
    _commit(repo, "new code")
    with gitrev.worktree(repo, first) as tree:
        assert (tree / "code.txt").read_text(encoding="utf-8") == "old code"
        assert _git(tree, "rev-parse", "HEAD") == first
    assert (repo / "code.txt").read_text(encoding="utf-8") == "new code"
    assert _git(repo, "status", "--porcelain") == ""


def test_worktree_is_removed_afterwards(repo: Path) -> None:
    sha = _commit(repo, "one")
    with gitrev.worktree(repo, sha) as tree:
        pass
    assert not tree.exists()
    assert not tree.parent.exists()
    assert len(_git(repo, "worktree", "list").splitlines()) == 1


def test_worktree_is_removed_when_the_body_fails(repo: Path) -> None:
    sha = _commit(repo, "one")
    with pytest.raises(RuntimeError), gitrev.worktree(repo, sha) as tree:
        raise RuntimeError("scenario run failed")
    assert not tree.exists()
    assert len(_git(repo, "worktree", "list").splitlines()) == 1


def test_worktree_of_an_unknown_revision_fails_before_creating_anything(repo: Path) -> None:
    _commit(repo, "one")
    with pytest.raises(UnknownRevisionError, match=r"'v9\.9'"), gitrev.worktree(repo, "v9.9"):
        pass
    assert len(_git(repo, "worktree", "list").splitlines()) == 1


def test_dirty_paths_lists_modified_staged_and_untracked_files(repo: Path) -> None:
    _commit(repo, "one")
    (repo / "code.txt").write_text("changed", encoding="utf-8")
    (repo / "staged.txt").write_text("new", encoding="utf-8")
    _git(repo, "add", "staged.txt")
    (repo / "sub").mkdir()
    (repo / "sub" / "untracked.txt").write_text("new", encoding="utf-8")
    assert sorted(gitrev.dirty_paths(repo)) == ["code.txt", "staged.txt", "sub/untracked.txt"]


def test_dirty_paths_leaves_out_excluded_folders_and_ignored_files(repo: Path) -> None:
    _commit(repo, "one")
    (repo / ".gitignore").write_text("*.log\n", encoding="utf-8")
    _git(repo, "add", ".gitignore")
    _git(repo, "commit", "-q", "-m", "ignore logs")
    (repo / "run.log").write_text("noise", encoding="utf-8")
    (repo / "golden").mkdir()
    (repo / "golden" / "x.json.new").write_text("{}", encoding="utf-8")
    assert gitrev.dirty_paths(repo, [repo / "golden", repo.parent / "elsewhere"]) == []


def test_dirty_paths_of_a_clean_checkout_is_empty(repo: Path) -> None:
    _commit(repo, "one")
    assert gitrev.dirty_paths(repo) == []
