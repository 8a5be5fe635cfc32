"""Local run index (legacy-core §2.4, legacy-support §5)."""

from __future__ import annotations

import hashlib
import json
import logging
import threading
from datetime import datetime
from pathlib import Path

import pytest
from pytest_mock import MockerFixture

from infrastructure.tracking.mlflow import index as index_module
from infrastructure.tracking.mlflow.file_locking import LockTimeoutError, exclusive_lock, lock_path_for
from infrastructure.tracking.mlflow.index import (
    find_in_mlflow_index,
    get_mlflow_index_path,
    update_mlflow_index,
)

H1 = "a" * 64
H2 = "b" * 64
H3 = "c" * 64
URI = "sqlite:///tmp/mlflow.db"
SECRET_URI = "https://alice:s3cr3t@mlflow.example.com/?token=t0k3n"


def write_mlflow_yaml(config_dir: Path, text: str) -> Path:
    config_dir.mkdir(parents=True, exist_ok=True)
    (config_dir / "mlflow.yaml").write_text(text, encoding="utf-8")
    return config_dir


def read_index(path: Path) -> dict[str, dict[str, str]]:
    data: dict[str, dict[str, str]] = json.loads(path.read_text(encoding="utf-8"))
    return data


def test_path_from_root_dir(tmp_path: Path) -> None:
    path = get_mlflow_index_path(tmp_path)
    assert path == tmp_path / "outputs" / "cache" / "mlflow_index.json"


def test_path_follows_config_dir_parent_not_root(tmp_path: Path) -> None:
    config_dir = tmp_path / "elsewhere" / "cfg"
    path = get_mlflow_index_path(tmp_path / "root", config_dir)
    assert path == tmp_path / "elsewhere" / "outputs" / "cache" / "mlflow_index.json"


def test_path_creates_nothing(tmp_path: Path) -> None:
    get_mlflow_index_path(tmp_path / "root")
    assert not (tmp_path / "root").exists()


def test_update_creates_the_cache_folder_it_writes_into(tmp_path: Path) -> None:
    path = update_mlflow_index(tmp_path / "root", H1, "r", "e", URI)
    assert path.is_file()


def test_path_uses_configured_file_name(tmp_path: Path) -> None:
    config_dir = write_mlflow_yaml(tmp_path / "config", "index:\n  file_name: runs.json\n")
    assert get_mlflow_index_path(tmp_path, config_dir).name == "runs.json"


def test_update_writes_entry(tmp_path: Path) -> None:
    before = datetime.now().isoformat()
    path = update_mlflow_index(tmp_path, H1, "run1", "7", URI)
    data = read_index(path)
    assert list(data) == [H1]
    entry = data[H1]
    assert {k: entry[k] for k in ("run_id", "experiment_id", "tracking_uri")} == {
        "run_id": "run1",
        "experiment_id": "7",
        "tracking_uri": URI,
    }
    assert datetime.fromisoformat(entry["updated_at"]).tzinfo is None
    assert entry["updated_at"] >= before


def test_update_file_is_indented_json(tmp_path: Path) -> None:
    path = update_mlflow_index(tmp_path, H1, "run1", "7", URI)
    assert path.read_text(encoding="utf-8").startswith('{\n  "' + H1 + '": {\n    "run_id"')


def test_update_overwrites_and_keeps_position(tmp_path: Path) -> None:
    update_mlflow_index(tmp_path, H1, "run1", "7", URI)
    update_mlflow_index(tmp_path, H2, "run2", "7", URI)
    path = update_mlflow_index(tmp_path, H1, "run1b", "8", URI)
    data = read_index(path)
    assert list(data) == [H1, H2]
    assert (data[H1]["run_id"], data[H1]["experiment_id"]) == ("run1b", "8")


@pytest.mark.parametrize(
    "args",
    [("", "r", "e", URI), (H1, "", "e", URI), (H1, "r", "", URI), (H1, "r", "e", "")],
)
def test_update_requires_all_values(tmp_path: Path, args: tuple[str, str, str, str]) -> None:
    with pytest.raises(
        ValueError,
        match=r"^All parameters \(run_key_hash, run_id, experiment_id, tracking_uri\) are required$",
    ):
        update_mlflow_index(tmp_path, *args)


def test_update_disabled_writes_nothing_and_creates_no_folder(tmp_path: Path) -> None:
    config_dir = write_mlflow_yaml(tmp_path / "config", "index:\n  enabled: false\n")
    path = update_mlflow_index(tmp_path, H1, "r", "e", URI, config_dir=config_dir)
    assert path == tmp_path / "outputs" / "cache" / "mlflow_index.json"
    assert not path.parent.exists()


def entry(run_id: str, updated_at: str | None = None) -> dict[str, str]:
    """An index entry in experiment 1 on URI, with ``updated_at`` only when given."""
    fields = {"run_id": run_id, "experiment_id": "1", "tracking_uri": URI}
    return fields if updated_at is None else {**fields, "updated_at": updated_at}


def write_index(root: Path, entries: dict[str, dict[str, str]]) -> Path:
    path = get_mlflow_index_path(root)
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps(entries), encoding="utf-8")
    return path


def test_lru_keeps_newest_by_updated_at(tmp_path: Path) -> None:
    path = write_index(tmp_path, {H1: entry("old", "2000-01-01T00:00:00"), H2: entry("no_time")})
    update_mlflow_index(tmp_path, H3, "new", "1", URI, max_entries=2)
    assert list(read_index(path)) == [H3, H1]


def test_lru_sorts_newest_first_when_evicting(tmp_path: Path) -> None:
    path = write_index(
        tmp_path, {H1: entry("1", "2001-01-01T00:00:00"), H2: entry("2", "2002-01-01T00:00:00")}
    )
    update_mlflow_index(tmp_path, H3, "3", "1", URI, max_entries=2)
    assert list(read_index(path)) == [H3, H2]


def test_max_entries_from_config(tmp_path: Path) -> None:
    config_dir = write_mlflow_yaml(tmp_path / "config", "index:\n  max_entries: 1\n")
    update_mlflow_index(tmp_path, H1, "r1", "e", URI, config_dir=config_dir)
    path = update_mlflow_index(tmp_path, H2, "r2", "e", URI, config_dir=config_dir)
    assert list(read_index(path)) == [H2]


def test_explicit_zero_max_entries_empties_index(tmp_path: Path) -> None:
    path = update_mlflow_index(tmp_path, H1, "r1", "e", URI, max_entries=0)
    assert read_index(path) == {}


def test_update_leaves_no_tmp_or_lock_file(tmp_path: Path) -> None:
    path = update_mlflow_index(tmp_path, H1, "r1", "e", URI)
    assert sorted(p.name for p in path.parent.iterdir()) == ["mlflow_index.json"]


def test_held_lock_times_out_with_an_error_and_writes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(index_module, "LOCK_TIMEOUT", 0.05)
    path = update_mlflow_index(tmp_path, H1, "r1", "e", URI)
    before = path.read_text(encoding="utf-8")
    with exclusive_lock(path, timeout=1.0), pytest.raises(LockTimeoutError):
        update_mlflow_index(tmp_path, H2, "r2", "e", URI)
    assert path.read_text(encoding="utf-8") == before


def test_corrupt_index_raises_and_unlocks(tmp_path: Path) -> None:
    path = get_mlflow_index_path(tmp_path)
    path.parent.mkdir(parents=True)
    path.write_text("{not json", encoding="utf-8")
    with pytest.raises(json.JSONDecodeError):
        update_mlflow_index(tmp_path, H1, "r1", "e", URI)
    assert not lock_path_for(path).exists()
    assert path.read_text(encoding="utf-8") == "{not json"


def test_write_error_keeps_the_index_and_leaves_no_temp_file(tmp_path: Path, mocker: MockerFixture) -> None:
    path = update_mlflow_index(tmp_path, H1, "r1", "e", URI)
    before = path.read_text(encoding="utf-8")
    mocker.patch("infrastructure.tracking.mlflow.atomic_json.os.replace", side_effect=OSError("disk"))
    with pytest.raises(OSError, match="disk"):
        update_mlflow_index(tmp_path, H2, "r2", "e", URI)
    assert path.read_text(encoding="utf-8") == before
    assert sorted(p.name for p in path.parent.iterdir()) == ["mlflow_index.json"]


def test_credentials_in_the_uri_are_stored_masked(tmp_path: Path) -> None:
    path = update_mlflow_index(tmp_path, H1, "r1", "e", SECRET_URI)
    text = path.read_text(encoding="utf-8")
    assert "s3cr3t" not in text and "t0k3n" not in text
    assert read_index(path)[H1]["tracking_uri"] == "https://***@mlflow.example.com/?token=***"


def test_find_matches_the_clear_uri_against_its_masked_entry(tmp_path: Path) -> None:
    update_mlflow_index(tmp_path, H1, "r1", "e1", SECRET_URI)
    found = find_in_mlflow_index(tmp_path, H1, SECRET_URI)
    assert found == {
        "run_id": "r1",
        "experiment_id": "e1",
        "tracking_uri": "https://***@mlflow.example.com/?token=***",
    }


def test_find_masks_an_entry_written_in_clear_by_older_code(tmp_path: Path) -> None:
    write_index(tmp_path, {H1: {"run_id": "r1", "experiment_id": "e1", "tracking_uri": SECRET_URI}})
    found = find_in_mlflow_index(tmp_path, H1, SECRET_URI)
    assert found is not None and "s3cr3t" not in found["tracking_uri"]


def test_uri_mismatch_warning_carries_no_credentials(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    update_mlflow_index(tmp_path, H1, "r1", "e1", SECRET_URI)
    with caplog.at_level(logging.WARNING, logger=index_module.__name__):
        assert find_in_mlflow_index(tmp_path, H1, "https://eve:hunter2@other.example.com/?sig=abc") is None
    assert "ignoring it" in caplog.text
    for secret in ("s3cr3t", "t0k3n", "hunter2", "sig=abc"):
        assert secret not in caplog.text


def test_find_returns_entry(tmp_path: Path) -> None:
    update_mlflow_index(tmp_path, H1, "r1", "e1", URI)
    assert find_in_mlflow_index(tmp_path, H1, URI) == {
        "run_id": "r1",
        "experiment_id": "e1",
        "tracking_uri": URI,
    }


def test_find_without_uri_skips_check(tmp_path: Path) -> None:
    update_mlflow_index(tmp_path, H1, "r1", "e1", URI)
    assert find_in_mlflow_index(tmp_path, H1) == {"run_id": "r1", "experiment_id": "e1", "tracking_uri": URI}


def test_find_uri_mismatch_warns_and_returns_none(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    update_mlflow_index(tmp_path, H1, "r1", "e1", URI)
    with caplog.at_level(logging.WARNING, logger=index_module.__name__):
        assert find_in_mlflow_index(tmp_path, H1, "file:///other") is None
    assert "file:///other" in caplog.text


def test_find_empty_hash_missing_file_missing_entry(tmp_path: Path) -> None:
    assert find_in_mlflow_index(tmp_path, "") is None
    assert find_in_mlflow_index(tmp_path, H1) is None
    update_mlflow_index(tmp_path, H1, "r1", "e1", URI)
    assert find_in_mlflow_index(tmp_path, H2) is None


def test_find_ignores_enabled_flag(tmp_path: Path) -> None:
    update_mlflow_index(tmp_path, H1, "r1", "e1", URI)
    config_dir = write_mlflow_yaml(tmp_path / "disabled_cfg", "index:\n  enabled: false\n")
    assert get_mlflow_index_path(tmp_path, config_dir) == get_mlflow_index_path(tmp_path)
    assert find_in_mlflow_index(tmp_path, H1, config_dir=config_dir) is not None


def test_find_creates_no_folder(tmp_path: Path) -> None:
    assert find_in_mlflow_index(tmp_path / "root", H1) is None
    assert not (tmp_path / "root").exists()


def test_find_corrupt_file_raises(tmp_path: Path) -> None:
    path = get_mlflow_index_path(tmp_path)
    path.parent.mkdir(parents=True)
    path.write_text("[oops", encoding="utf-8")
    with pytest.raises(json.JSONDecodeError):
        find_in_mlflow_index(tmp_path, H1)


def test_find_rejects_experiment_name_keyword(tmp_path: Path) -> None:
    with pytest.raises(TypeError, match="experiment_name"):
        find_in_mlflow_index(tmp_path, H1, experiment_name="x")  # type: ignore[call-arg]


def test_threads_of_one_process_lose_no_entry(tmp_path: Path) -> None:
    keys = [[hashlib.sha256(f"{t}:{i}".encode()).hexdigest() for i in range(10)] for t in range(4)]
    errors: list[BaseException] = []

    def write_all(thread_keys: list[str]) -> None:
        for key in thread_keys:
            try:
                update_mlflow_index(tmp_path, key, "r", "1", URI)
            except BaseException as exc:
                errors.append(exc)

    threads = [threading.Thread(target=write_all, args=(thread_keys,)) for thread_keys in keys]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    path = get_mlflow_index_path(tmp_path)
    assert errors == []
    assert set(read_index(path)) == {key for thread_keys in keys for key in thread_keys}
    assert sorted(p.name for p in path.parent.iterdir()) == ["mlflow_index.json"]
