"""Golden file serialization: canonical bytes out, clear errors for unusable files."""

from __future__ import annotations

from pathlib import Path

import pytest

from mlflow_golden._snapshot import GoldenFileError, dumps, load, write

SNAPSHOT = {
    "schema": 2,
    "experiments": [],
    "runs": [],
    "active_run": None,
    "result": {"b": 1, "a": "ü"},
    "error": None,
}


def test_dumps_sorts_keys_indents_by_two_keeps_unicode_and_ends_with_newline() -> None:
    text = dumps(SNAPSHOT)
    assert text.startswith('{\n  "active_run": null,\n')
    assert '"result": {\n    "a": "ü",\n    "b": 1\n  }' in text
    assert text.endswith("}\n") and not text.endswith("\n\n")


def test_write_then_load_round_trips_byte_for_byte(tmp_path: Path) -> None:
    path = tmp_path / "deep" / "x.json"
    write(path, SNAPSHOT)
    assert path.read_bytes() == dumps(SNAPSHOT).encode("utf-8")
    assert load(path) == SNAPSHOT


def test_load_rejects_corrupt_json_naming_the_file(tmp_path: Path) -> None:
    path = tmp_path / "bad.json"
    path.write_text('{"schema": 1,', encoding="utf-8")
    with pytest.raises(GoldenFileError, match=rf"{path}: corrupt golden JSON"):
        load(path)


def test_load_rejects_a_non_object(tmp_path: Path) -> None:
    path = tmp_path / "list.json"
    path.write_text("[1, 2]\n", encoding="utf-8")
    with pytest.raises(GoldenFileError, match=rf"{path}: a golden file must hold a JSON object, got list"):
        load(path)


def test_load_rejects_an_unknown_schema(tmp_path: Path) -> None:
    path = tmp_path / "v3.json"
    write(path, {**SNAPSHOT, "schema": 3})
    with pytest.raises(GoldenFileError, match=rf"{path}: unknown golden schema 3"):
        load(path)


def test_load_rejects_a_schema_1_file_saying_how_to_re_record_it(tmp_path: Path) -> None:
    path = tmp_path / "old.json"
    write(path, {**SNAPSHOT, "schema": 1})
    with pytest.raises(GoldenFileError) as caught:
        load(path)
    message = str(caught.value)
    assert message.startswith(f"{path}: a schema-1 golden file")
    assert "python -m mlflow_golden record --from <revision> [node ids]" in message
    assert "MANIFEST.json" in message


def test_load_rejects_missing_keys(tmp_path: Path) -> None:
    path = tmp_path / "partial.json"
    path.write_text('{"schema": 2, "runs": []}\n', encoding="utf-8")
    with pytest.raises(GoldenFileError, match="lacks keys experiments, active_run, result, error"):
        load(path)
