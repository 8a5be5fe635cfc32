"""Atomic, durable JSON replacement (issue 11): whole file or old file, never a temp file left."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from pytest_mock import MockerFixture

from infrastructure.tracking.mlflow.atomic_json import write_json_atomically


def test_writes_indented_json(tmp_path: Path) -> None:
    path = tmp_path / "data.json"
    write_json_atomically(path, {"a": [1]})
    assert path.read_text(encoding="utf-8") == json.dumps({"a": [1]}, indent=2)


def test_replaces_existing_content(tmp_path: Path) -> None:
    path = tmp_path / "data.json"
    path.write_text('{"old": true}', encoding="utf-8")
    write_json_atomically(path, {"new": True})
    assert json.loads(path.read_text(encoding="utf-8")) == {"new": True}


def test_leaves_only_the_target_in_the_folder(tmp_path: Path) -> None:
    write_json_atomically(tmp_path / "data.json", {})
    assert [entry.name for entry in tmp_path.iterdir()] == ["data.json"]


def test_fsyncs_the_content_before_replacing(tmp_path: Path, mocker: MockerFixture) -> None:
    calls: list[str] = []
    mocker.patch(
        "infrastructure.tracking.mlflow.atomic_json.os.fsync", side_effect=lambda fd: calls.append("fsync")
    )
    real_replace = os.replace
    mocker.patch(
        "infrastructure.tracking.mlflow.atomic_json.os.replace",
        side_effect=lambda src, dst: (calls.append("replace"), real_replace(src, dst)),
    )
    write_json_atomically(tmp_path / "data.json", {})
    assert calls[:2] == ["fsync", "replace"]


def test_failed_replace_keeps_the_old_file_and_removes_the_temp_file(
    tmp_path: Path, mocker: MockerFixture
) -> None:
    path = tmp_path / "data.json"
    path.write_text('{"old": true}', encoding="utf-8")
    mocker.patch("infrastructure.tracking.mlflow.atomic_json.os.replace", side_effect=OSError("disk full"))
    with pytest.raises(OSError, match="disk full"):
        write_json_atomically(path, {"new": True})
    assert path.read_text(encoding="utf-8") == '{"old": true}'
    assert [entry.name for entry in tmp_path.iterdir()] == ["data.json"]


def test_unserializable_data_keeps_the_old_file(tmp_path: Path) -> None:
    path = tmp_path / "data.json"
    path.write_text("{}", encoding="utf-8")
    with pytest.raises(TypeError):
        write_json_atomically(path, {"x": object()})
    assert path.read_text(encoding="utf-8") == "{}"
    assert [entry.name for entry in tmp_path.iterdir()] == ["data.json"]


def test_each_writer_gets_its_own_temp_file(tmp_path: Path, mocker: MockerFixture) -> None:
    seen: list[str] = []
    real_replace = os.replace
    mocker.patch(
        "infrastructure.tracking.mlflow.atomic_json.os.replace",
        side_effect=lambda src, dst: (seen.append(os.fspath(src)), real_replace(src, dst)),
    )
    write_json_atomically(tmp_path / "data.json", {"n": 1})
    write_json_atomically(tmp_path / "data.json", {"n": 2})
    assert len(set(seen)) == 2
    assert all(Path(name).parent == tmp_path for name in seen)


@pytest.mark.skipif(os.name == "nt", reason="POSIX permission bits")
def test_file_mode_follows_the_umask_like_a_plain_open(tmp_path: Path) -> None:
    plain = tmp_path / "plain.json"
    plain.write_text("{}", encoding="utf-8")
    atomic = tmp_path / "atomic.json"
    write_json_atomically(atomic, {})
    assert atomic.stat().st_mode == plain.stat().st_mode
