"""POSIX lock on <file>.lock (legacy-support §5 "Locking")."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from infrastructure.tracking.mlflow import file_locking
from infrastructure.tracking.mlflow.file_locking import acquire_lock, release_lock


def test_acquire_creates_lock_file_with_suffix(tmp_path: Path) -> None:
    target = tmp_path / "index.json"
    fd = acquire_lock(target, timeout=0.05)
    try:
        assert fd is not None
        assert (tmp_path / "index.lock").exists()
    finally:
        release_lock(fd, target)


def test_second_acquire_times_out_while_held(tmp_path: Path) -> None:
    target = tmp_path / "index.json"
    held = acquire_lock(target, timeout=0.05)
    try:
        assert acquire_lock(target, timeout=0.05) is None
    finally:
        release_lock(held, target)


def test_release_deletes_lock_file_and_frees_lock(tmp_path: Path) -> None:
    target = tmp_path / "index.json"
    release_lock(acquire_lock(target, timeout=0.05), target)
    assert not (tmp_path / "index.lock").exists()
    again = acquire_lock(target, timeout=0.05)
    assert again is not None
    release_lock(again, target)


def test_release_swallows_errors(tmp_path: Path) -> None:
    target = tmp_path / "index.json"
    fd = acquire_lock(target, timeout=0.05)
    assert fd is not None
    os.close(fd)
    (tmp_path / "index.lock").unlink()
    release_lock(fd, target)  # closed fd and missing lock file: no exception
    assert not (tmp_path / "index.lock").exists()


def test_release_of_none_keeps_foreign_lock_file(tmp_path: Path) -> None:
    target = tmp_path / "index.json"
    held = acquire_lock(target, timeout=0.05)
    release_lock(None, target)
    assert (tmp_path / "index.lock").exists()
    release_lock(held, target)


def test_open_error_returns_none(tmp_path: Path) -> None:
    assert acquire_lock(tmp_path / "missing_dir" / "index.json", timeout=0.05) is None


def test_without_fcntl_returns_none(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(file_locking, "_fcntl", None)
    assert acquire_lock(tmp_path / "index.json", timeout=0.05) is None
