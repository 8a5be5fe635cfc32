"""Run-name version counter (legacy-support §5): file format, reserve, commit, stale cleanup."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from pytest_mock import MockerFixture

from infrastructure.tracking.mlflow import version_counter
from infrastructure.tracking.mlflow.file_locking import LockTimeoutError, exclusive_lock, lock_path_for
from infrastructure.tracking.mlflow.version_counter import (
    cleanup_stale_reservations,
    commit_run_name_version,
    get_run_name_counter_path,
    reserve_run_name_version,
)

KEY = "proj:hpo:" + "a" * 64 + ":local"
OTHER_KEY = "proj:hpo:" + "b" * 64 + ":local"
T0 = datetime(2024, 5, 1, 12, 0, 0)


def clock(start: datetime = T0, step: timedelta = timedelta(seconds=1)) -> Callable[[], datetime]:
    """Deterministic clock advancing by ``step`` per call."""
    current = [start - step]

    def now() -> datetime:
        current[0] += step
        return current[0]

    return now


def read(root: Path) -> list[dict[str, Any]]:
    data = json.loads(get_run_name_counter_path(root).read_text(encoding="utf-8"))
    allocations: list[dict[str, Any]] = data["allocations"]
    return allocations


def allocation(run_id: str, **fields: Any) -> dict[str, Any]:
    """A reserved version-1 allocation of KEY for ``run_id``; ``fields`` override or extend it."""
    return {
        "counter_key": KEY,
        "version": 1,
        "run_id": run_id,
        "status": "reserved",
        "reserved_at": "2024-01-01T00:00:00",
        "committed_at": None,
        **fields,
    }


def write_allocations(root: Path, allocations: list[dict[str, Any]]) -> None:
    path = get_run_name_counter_path(root)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"allocations": allocations}), encoding="utf-8")


def test_counter_path_sits_next_to_the_index(tmp_path: Path) -> None:
    assert get_run_name_counter_path(tmp_path) == tmp_path / "outputs" / "cache" / "run_name_counter.json"


def test_counter_path_follows_config_dir(tmp_path: Path) -> None:
    path = get_run_name_counter_path(tmp_path / "ignored", tmp_path / "proj" / "config")
    assert path == tmp_path / "proj" / "outputs" / "cache" / "run_name_counter.json"


def test_first_reservation_is_version_one_and_written(tmp_path: Path) -> None:
    assert reserve_run_name_version(KEY, "run-1", tmp_path, now=clock()) == 1
    assert read(tmp_path) == [
        {
            "counter_key": KEY,
            "version": 1,
            "run_id": "run-1",
            "status": "reserved",
            "reserved_at": "2024-05-01T12:00:00",
            "committed_at": None,
        }
    ]


def test_file_is_indented_json(tmp_path: Path) -> None:
    reserve_run_name_version(KEY, "run-1", tmp_path, now=clock())
    text = get_run_name_counter_path(tmp_path).read_text(encoding="utf-8")
    assert text.startswith('{\n  "allocations": [\n')


def test_reserved_versions_are_skipped(tmp_path: Path) -> None:
    now = clock()
    versions = [reserve_run_name_version(KEY, f"pending_{i}", tmp_path, now=now) for i in range(3)]
    assert versions == [1, 2, 3]


def test_same_run_id_gets_its_reservation_back_without_writing(tmp_path: Path) -> None:
    now = clock()
    reserve_run_name_version(KEY, "run-1", tmp_path, now=now)
    before = get_run_name_counter_path(tmp_path).read_text(encoding="utf-8")
    assert reserve_run_name_version(KEY, "run-1", tmp_path, now=now) == 1
    assert get_run_name_counter_path(tmp_path).read_text(encoding="utf-8") == before


def test_keys_are_counted_independently(tmp_path: Path) -> None:
    now = clock()
    reserve_run_name_version(KEY, "a", tmp_path, now=now)
    reserve_run_name_version(KEY, "b", tmp_path, now=now)
    assert reserve_run_name_version(OTHER_KEY, "c", tmp_path, now=now) == 1


def test_next_version_follows_max_committed(tmp_path: Path) -> None:
    now = clock()
    version = reserve_run_name_version(KEY, "a", tmp_path, now=now)
    assert commit_run_name_version(KEY, "a", version, tmp_path, now=now) is True
    assert reserve_run_name_version(KEY, "b", tmp_path, now=now) == 2


def test_commit_marks_entry_and_sets_time(tmp_path: Path) -> None:
    now = clock()
    reserve_run_name_version(KEY, "pending_x", tmp_path, now=now)
    assert commit_run_name_version(KEY, "real-run", 1, tmp_path, now=now)
    (entry,) = read(tmp_path)
    assert entry["status"] == "committed"
    assert entry["committed_at"] == "2024-05-01T12:00:01"
    assert entry["run_id"] == "real-run"


def test_commit_with_pending_id_keeps_the_real_run_id(tmp_path: Path) -> None:
    now = clock()
    reserve_run_name_version(KEY, "real-run", tmp_path, now=now)
    assert commit_run_name_version(KEY, "pending", 1, tmp_path, now=now)
    assert read(tmp_path)[0]["run_id"] == "real-run"


def test_commit_with_pending_id_replaces_a_pending_id(tmp_path: Path) -> None:
    now = clock()
    reserve_run_name_version(KEY, "pending", tmp_path, now=now)
    commit_run_name_version(KEY, "pending", 1, tmp_path, now=now)
    assert read(tmp_path)[0]["run_id"] == "pending"


def test_commit_without_match_returns_false_but_rewrites(tmp_path: Path) -> None:
    now = clock()
    reserve_run_name_version(KEY, "a", tmp_path, now=now)
    path = get_run_name_counter_path(tmp_path)
    path.write_text(json.dumps(json.loads(path.read_text(encoding="utf-8"))), encoding="utf-8")
    assert commit_run_name_version(KEY, "a", 7, tmp_path, now=now) is False
    assert path.read_text(encoding="utf-8").startswith('{\n  "allocations"')
    assert read(tmp_path)[0]["status"] == "reserved"


def test_commit_on_missing_file_creates_an_empty_counter(tmp_path: Path) -> None:
    assert commit_run_name_version(KEY, "a", 1, tmp_path) is False
    assert read(tmp_path) == []


def test_commit_only_touches_the_first_matching_reservation(tmp_path: Path) -> None:
    write_allocations(tmp_path, [allocation("x"), allocation("y")])
    commit_run_name_version(KEY, "z", 1, tmp_path, now=clock())
    assert [e["status"] for e in read(tmp_path)] == ["committed", "reserved"]


def test_duplicate_versions_keep_the_newest_reservation(tmp_path: Path) -> None:
    older = allocation("old")
    newer = allocation("new", reserved_at="2024-01-02T00:00:00")
    write_allocations(tmp_path, [newer, older])
    # "old" no longer holds version 1 after de-duplication, so it gets a fresh version.
    assert reserve_run_name_version(KEY, "old", tmp_path, now=clock()) == 2
    assert reserve_run_name_version(KEY, "new", tmp_path, now=clock()) == 1
    assert len(read(tmp_path)) == 3


def test_expired_versions_are_skipped(tmp_path: Path) -> None:
    write_allocations(tmp_path, [allocation("gone", status="expired", expired_at="2024-01-01T01:00:00")])
    assert reserve_run_name_version(KEY, "a", tmp_path, now=clock()) == 2


def test_corrupt_file_raises_and_releases_the_lock(tmp_path: Path) -> None:
    path = get_run_name_counter_path(tmp_path)
    path.parent.mkdir(parents=True)
    path.write_text("{not json", encoding="utf-8")
    with pytest.raises(json.JSONDecodeError):
        reserve_run_name_version(KEY, "a", tmp_path)
    assert not lock_path_for(path).exists()


@pytest.mark.parametrize(
    "operation",
    [
        lambda root: reserve_run_name_version(KEY, "b", root, now=clock()),
        lambda root: commit_run_name_version(KEY, "a", 1, root, now=clock()),
    ],
    ids=["reserve", "commit"],
)
def test_lock_timeout_raises_and_writes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, operation: Callable[[Path], Any]
) -> None:
    monkeypatch.setattr(version_counter, "LOCK_TIMEOUT_SECONDS", 0.05)
    reserve_run_name_version(KEY, "a", tmp_path, now=clock())
    path = get_run_name_counter_path(tmp_path)
    before = path.read_text(encoding="utf-8")
    with exclusive_lock(path, timeout=1.0), pytest.raises(LockTimeoutError):
        operation(tmp_path)
    assert path.read_text(encoding="utf-8") == before


def test_writes_leave_only_the_counter_file(tmp_path: Path) -> None:
    reserve_run_name_version(KEY, "a", tmp_path, now=clock())
    commit_run_name_version(KEY, "a", 1, tmp_path, now=clock())
    folder = get_run_name_counter_path(tmp_path).parent
    assert sorted(p.name for p in folder.iterdir()) == ["run_name_counter.json"]


def test_failed_write_removes_temp_file_and_keeps_old_file(tmp_path: Path, mocker: MockerFixture) -> None:
    reserve_run_name_version(KEY, "a", tmp_path, now=clock())
    path = get_run_name_counter_path(tmp_path)
    before = path.read_text(encoding="utf-8")
    mocker.patch("infrastructure.tracking.mlflow.atomic_json.os.replace", side_effect=OSError("disk full"))
    with pytest.raises(OSError, match="disk full"):
        reserve_run_name_version(KEY, "b", tmp_path, now=clock())
    assert path.read_text(encoding="utf-8") == before
    assert sorted(p.name for p in path.parent.iterdir()) == ["run_name_counter.json"]


def test_cleanup_expires_only_stale_reservations(tmp_path: Path) -> None:
    reserve_run_name_version(KEY, "old", tmp_path, now=clock(T0))
    reserve_run_name_version(KEY, "fresh", tmp_path, now=clock(T0 + timedelta(minutes=50)))
    committed = reserve_run_name_version(KEY, "done", tmp_path, now=clock(T0))
    commit_run_name_version(KEY, "done", committed, tmp_path, now=clock(T0))
    now = clock(T0 + timedelta(minutes=60))
    assert cleanup_stale_reservations(tmp_path, stale_minutes=30, now=now) == 1
    by_run = {e["run_id"]: e for e in read(tmp_path)}
    assert by_run["old"]["status"] == "expired"
    assert by_run["old"]["expired_at"] == "2024-05-01T13:00:00"
    assert by_run["fresh"]["status"] == "reserved"
    assert by_run["done"]["status"] == "committed"


def test_cleanup_without_changes_does_not_write(tmp_path: Path) -> None:
    reserve_run_name_version(KEY, "fresh", tmp_path, now=clock(T0))
    path = get_run_name_counter_path(tmp_path)
    path.write_text(json.dumps(json.loads(path.read_text(encoding="utf-8"))), encoding="utf-8")
    before = path.read_text(encoding="utf-8")
    assert cleanup_stale_reservations(tmp_path, now=clock(T0 + timedelta(minutes=5))) == 0
    assert path.read_text(encoding="utf-8") == before


def test_cleanup_missing_file_returns_zero_and_creates_no_folder(tmp_path: Path) -> None:
    assert cleanup_stale_reservations(tmp_path / "root") == 0
    assert not (tmp_path / "root").exists()


def test_counter_path_creates_nothing(tmp_path: Path) -> None:
    get_run_name_counter_path(tmp_path / "root")
    assert not (tmp_path / "root").exists()


def test_reserve_creates_the_cache_folder_it_writes_into(tmp_path: Path) -> None:
    reserve_run_name_version(KEY, "r1", tmp_path / "root", now=clock(T0))
    assert get_run_name_counter_path(tmp_path / "root").is_file()


def test_cleanup_returns_zero_when_lock_times_out(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(version_counter, "LOCK_TIMEOUT_SECONDS", 0.05)
    reserve_run_name_version(KEY, "old", tmp_path, now=clock(T0))
    with exclusive_lock(get_run_name_counter_path(tmp_path), timeout=1.0):
        assert cleanup_stale_reservations(tmp_path, now=clock(T0 + timedelta(days=1))) == 0
    assert read(tmp_path)[0]["status"] == "reserved"
