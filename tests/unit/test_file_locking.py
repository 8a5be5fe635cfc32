"""Cross-process lock for shared files (issue 11): held, bounded wait, no file left behind."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from infrastructure.tracking.mlflow.file_locking import LockTimeoutError, exclusive_lock, lock_path_for


def listing(folder: Path) -> list[str]:
    return sorted(entry.name for entry in folder.iterdir())


def test_lock_file_is_the_target_name_plus_lock(tmp_path: Path) -> None:
    assert lock_path_for(tmp_path / "mlflow_index.json") == tmp_path / "mlflow_index.json.lock"


def test_lock_file_never_is_the_target_itself(tmp_path: Path) -> None:
    target = tmp_path / "counter.lock"
    assert lock_path_for(target) != target


def test_lock_file_exists_while_held(tmp_path: Path) -> None:
    target = tmp_path / "index.json"
    with exclusive_lock(target, timeout=1.0):
        assert lock_path_for(target).exists()


def test_release_leaves_the_folder_as_it_was(tmp_path: Path) -> None:
    target = tmp_path / "index.json"
    target.write_text("{}", encoding="utf-8")
    with exclusive_lock(target, timeout=1.0):
        pass
    assert listing(tmp_path) == ["index.json"]


def test_second_holder_times_out_with_a_clear_error(tmp_path: Path) -> None:
    target = tmp_path / "index.json"
    with (
        exclusive_lock(target, timeout=1.0),
        pytest.raises(LockTimeoutError, match=r"index\.json"),
        exclusive_lock(target, timeout=0.05),
    ):
        pytest.fail("entered a lock that is held elsewhere")


def test_timed_out_waiter_leaves_the_holders_lock_file(tmp_path: Path) -> None:
    target = tmp_path / "index.json"
    with exclusive_lock(target, timeout=1.0):
        with pytest.raises(LockTimeoutError), exclusive_lock(target, timeout=0.05):
            pass
        assert lock_path_for(target).exists()


def test_lock_is_free_again_after_release(tmp_path: Path) -> None:
    target = tmp_path / "index.json"
    with exclusive_lock(target, timeout=1.0):
        pass
    with exclusive_lock(target, timeout=0.05):
        assert lock_path_for(target).exists()


def test_error_in_body_propagates_and_releases(tmp_path: Path) -> None:
    target = tmp_path / "index.json"
    with pytest.raises(KeyError), exclusive_lock(target, timeout=1.0):
        raise KeyError("boom")
    assert listing(tmp_path) == []
    with exclusive_lock(target, timeout=0.05):
        pass


@pytest.mark.skipif(os.name == "nt", reason="POSIX: the holder removes its lock file itself")
def test_holder_never_removes_a_lock_file_that_is_not_its_own(tmp_path: Path) -> None:
    target = tmp_path / "index.json"
    lock_path = lock_path_for(target)
    with exclusive_lock(target, timeout=1.0):
        lock_path.unlink()
        lock_path.write_text("someone else's", encoding="utf-8")
    assert lock_path.read_text(encoding="utf-8") == "someone else's"
