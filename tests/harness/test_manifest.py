"""golden/MANIFEST.json: reading, writing and the update rules of ``record``."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from mlflow_golden import _manifest as manifest
from mlflow_golden._manifest import FileEntry, Manifest, ManifestError

OLD = "a" * 40
NEW = "b" * 40
VERSIONS = {"mlflow_version": "3.17.2", "python_version": "3.11.9"}


def _golden(golden_dir: Path, name: str, text: str = '{"schema": 1}\n') -> Path:
    path = golden_dir / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_sha256_file_hashes_the_file_bytes(tmp_path: Path) -> None:
    path = _golden(tmp_path, "a.json", "héllo\n")
    assert manifest.sha256_file(path) == hashlib.sha256("héllo\n".encode()).hexdigest()


def test_golden_files_lists_nested_json_files_sorted_without_the_manifest(tmp_path: Path) -> None:
    for name in ("b/test_x.json", "a.json", "MANIFEST.json", "notes.txt", "b/a/deep.json"):
        _golden(tmp_path, name)
    assert manifest.golden_files(tmp_path) == ["a.json", "b/a/deep.json", "b/test_x.json"]


def test_golden_files_of_a_missing_folder_is_empty(tmp_path: Path) -> None:
    assert manifest.golden_files(tmp_path / "nothing") == []


def test_first_update_records_the_revision_as_baseline_and_hashes_each_file(tmp_path: Path) -> None:
    first = _golden(tmp_path, "runs/test_a.json", "1\n")
    second = _golden(tmp_path, "test_b.json", "2\n")
    result = manifest.update(
        None, tmp_path, ["test_b.json", "runs/test_a.json"], OLD, baseline=False, **VERSIONS
    )
    assert result == Manifest(
        baseline_revision=OLD,
        mlflow_version="3.17.2",
        python_version="3.11.9",
        files={
            "runs/test_a.json": FileEntry(_sha(first), OLD),
            "test_b.json": FileEntry(_sha(second), OLD),
        },
    )


def test_update_keeps_entries_of_files_not_recorded_again(tmp_path: Path) -> None:
    _golden(tmp_path, "kept.json")
    _golden(tmp_path, "new.json")
    previous = Manifest(OLD, "3.17.0", "3.11.0", {"kept.json": FileEntry("feed", OLD)})
    result = manifest.update(previous, tmp_path, ["new.json"], NEW, baseline=False, **VERSIONS)
    assert result.files["kept.json"] == FileEntry("feed", OLD)
    assert result.files["new.json"].revision == NEW


def test_update_keeps_the_baseline_revision_unless_asked(tmp_path: Path) -> None:
    _golden(tmp_path, "new.json")
    previous = Manifest(OLD, "3.17.0", "3.11.0", {})
    assert (
        manifest.update(previous, tmp_path, ["new.json"], NEW, baseline=False, **VERSIONS).baseline_revision
        == OLD
    )
    assert (
        manifest.update(previous, tmp_path, ["new.json"], NEW, baseline=True, **VERSIONS).baseline_revision
        == NEW
    )


def test_update_drops_entries_whose_file_is_gone(tmp_path: Path) -> None:
    _golden(tmp_path, "kept.json")
    previous = Manifest(
        OLD, "3.17.0", "3.11.0", {"kept.json": FileEntry("1", OLD), "deleted.json": FileEntry("2", OLD)}
    )
    assert set(manifest.update(previous, tmp_path, [], NEW, baseline=False, **VERSIONS).files) == {
        "kept.json"
    }


def test_update_ignores_recorded_names_without_a_file(tmp_path: Path) -> None:
    result = manifest.update(None, tmp_path, ["never-written.json"], OLD, baseline=False, **VERSIONS)
    assert result.files == {}


def test_update_takes_the_current_versions(tmp_path: Path) -> None:
    previous = Manifest(OLD, "3.17.0", "3.11.0", {})
    result = manifest.update(previous, tmp_path, [], NEW, baseline=False, **VERSIONS)
    assert (result.mlflow_version, result.python_version) == ("3.17.2", "3.11.9")


def test_dumps_is_sorted_indented_and_ends_with_a_newline() -> None:
    text = manifest.dumps(
        Manifest(OLD, "3.17.2", "3.11.9", {"z.json": FileEntry("2", NEW), "a.json": FileEntry("1", OLD)})
    )
    assert text.endswith("}\n")
    assert text == json.dumps(json.loads(text), sort_keys=True, indent=2) + "\n"
    assert json.loads(text)["schema"] == 1
    assert list(json.loads(text)["files"]) == ["a.json", "z.json"]


def test_write_then_load_round_trips(tmp_path: Path) -> None:
    original = Manifest(
        OLD, "3.17.2", "3.11.9", {"a/b.json": FileEntry("1", OLD), "c.json": FileEntry("2", NEW)}
    )
    path = tmp_path / "golden" / "MANIFEST.json"
    manifest.write(path, original)
    assert manifest.load(path) == original


def test_revisions_lists_the_baseline_first_then_the_others_once(tmp_path: Path) -> None:
    third = "c" * 40
    files = {
        "1": FileEntry("x", NEW),
        "2": FileEntry("x", OLD),
        "3": FileEntry("x", third),
        "4": FileEntry("x", NEW),
    }
    assert Manifest(OLD, "", "", files).revisions() == [OLD, NEW, third]


def test_revisions_omits_a_baseline_no_file_names() -> None:
    assert Manifest(OLD, "", "", {"1": FileEntry("x", NEW)}).revisions() == [NEW]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json", "corrupt manifest, not valid JSON"),
        ("[]", "expected a JSON object"),
        ('{"schema": 7, "files": {}}', "unknown manifest schema 7"),
        ('{"schema": 1, "files": {"a.json": {"sha256": 1, "revision": "r"}}}', "'sha256' must be a string"),
        ('{"schema": 1, "files": {}, "mlflow_version": "1", "python_version": "1"}', "'baseline_revision'"),
    ],
    ids=["corrupt", "not-object", "schema", "bad-entry", "no-baseline"],
)
def test_load_rejects_bad_manifests_naming_the_file(tmp_path: Path, content: str, message: str) -> None:
    path = _golden(tmp_path, "MANIFEST.json", content)
    with pytest.raises(ManifestError, match=message) as info:
        manifest.load(path)
    assert str(path) in str(info.value)


def test_load_of_a_missing_manifest_says_to_record_first(tmp_path: Path) -> None:
    with pytest.raises(ManifestError, match=r"no manifest .*record --from REV"):
        manifest.load(tmp_path / "MANIFEST.json")
