"""``golden/MANIFEST.json``: where each golden file was recorded from.

The manifest names the baseline revision the goldens were recorded from, the MLflow and Python
versions of the last recording, and for each golden file its sha256 and the revision it was
recorded from (a scenario added later, for code the baseline lacks, names its own revision).
``provenance`` re-records every file from its revision and compares.

Update rules (``update``): files recorded in this call get the call's revision and their
current sha256; other entries are kept as they are while their file exists; entries whose
file is gone are dropped. ``baseline_revision`` is set on the first recording and changes
later only when asked (``record --baseline``).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mlflow_golden._golden_paths import MANIFEST_NAME

__all__ = [
    "MANIFEST_NAME",
    "SCHEMA",
    "FileEntry",
    "Manifest",
    "ManifestError",
    "dumps",
    "golden_files",
    "load",
    "sha256_file",
    "update",
    "write",
]

SCHEMA = 1


class ManifestError(Exception):
    """The manifest file is missing, not JSON, or not a schema-1 manifest."""


@dataclass(frozen=True)
class FileEntry:
    """One golden file: its content hash, the revision it was recorded from, and the ledger change that
    recorded it (None for a file recorded without one, such as the baseline's)."""

    sha256: str
    revision: str
    change: str | None = None


@dataclass(frozen=True)
class Manifest:
    """The whole manifest; ``files`` maps paths relative to the golden dir (``/``-separated)."""

    baseline_revision: str
    mlflow_version: str
    python_version: str
    files: Mapping[str, FileEntry] = field(default_factory=dict)

    def revisions(self) -> list[str]:
        """The distinct revisions files were recorded from, baseline first, then sorted."""
        others = sorted({entry.revision for entry in self.files.values()} - {self.baseline_revision})
        used = any(entry.revision == self.baseline_revision for entry in self.files.values())
        return ([self.baseline_revision] if used else []) + others


def sha256_file(path: Path) -> str:
    """Hex sha256 of a file's bytes."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def golden_files(golden_dir: Path) -> list[str]:
    """Relative ``/``-paths of every golden JSON file under ``golden_dir`` (manifest excluded), sorted."""
    if not golden_dir.is_dir():
        return []
    return sorted(
        path.relative_to(golden_dir).as_posix()
        for path in golden_dir.rglob("*.json")
        if path.is_file() and path.relative_to(golden_dir).as_posix() != MANIFEST_NAME
    )


def _as_dict(manifest: Manifest) -> dict[str, Any]:
    return {
        "schema": SCHEMA,
        "baseline_revision": manifest.baseline_revision,
        "mlflow_version": manifest.mlflow_version,
        "python_version": manifest.python_version,
        "files": {name: _entry_dict(entry) for name, entry in sorted(manifest.files.items())},
    }


def _entry_dict(entry: FileEntry) -> dict[str, str]:
    data = {"sha256": entry.sha256, "revision": entry.revision}
    if entry.change is not None:
        data["change"] = entry.change
    return data


def dumps(manifest: Manifest) -> str:
    """Stable text: sorted keys, 2-space indent, trailing newline."""
    return json.dumps(_as_dict(manifest), sort_keys=True, indent=2, ensure_ascii=False) + "\n"


def write(path: Path, manifest: Manifest) -> None:
    """Write the manifest (UTF-8, stable formatting)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(dumps(manifest), encoding="utf-8")


def _string(data: Mapping[str, Any], key: str, where: str) -> str:
    value = data.get(key)
    if not isinstance(value, str):
        raise ManifestError(f"{where}: {key!r} must be a string, got {value!r}")
    return value


def load(path: Path) -> Manifest:
    """Read a manifest; ``ManifestError`` with the path for anything unreadable or unexpected."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise ManifestError(f"{path}: no manifest (record goldens with 'record --from REV' first)") from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise ManifestError(f"{path}: cannot read manifest: {exc}") from exc
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ManifestError(f"{path}: corrupt manifest, not valid JSON: {exc}") from exc
    if not isinstance(data, dict):
        raise ManifestError(f"{path}: corrupt manifest, expected a JSON object")
    if data.get("schema") != SCHEMA:
        raise ManifestError(f"{path}: unknown manifest schema {data.get('schema')!r} (expected {SCHEMA})")
    raw_files = data.get("files")
    if not isinstance(raw_files, dict):
        raise ManifestError(f"{path}: 'files' must be an object")
    files = {}
    for name, entry in raw_files.items():
        if not isinstance(entry, dict):
            raise ManifestError(f"{path}: entry {name!r} must be an object")
        where = f"{path}: entry {name!r}"
        change = entry.get("change")
        if change is not None and not isinstance(change, str):
            raise ManifestError(f"{where}: 'change' must be a string, got {change!r}")
        files[name] = FileEntry(_string(entry, "sha256", where), _string(entry, "revision", where), change)
    return Manifest(
        baseline_revision=_string(data, "baseline_revision", str(path)),
        mlflow_version=_string(data, "mlflow_version", str(path)),
        python_version=_string(data, "python_version", str(path)),
        files=files,
    )


def update(
    previous: Manifest | None,
    golden_dir: Path,
    recorded: Iterable[str],
    revision: str,
    *,
    baseline: bool,
    mlflow_version: str,
    python_version: str,
    change: str | None = None,
) -> Manifest:
    """The manifest after recording the files ``recorded`` (relative paths) from ``revision``.

    Recorded files that do not exist are ignored; the versions become the current ones. With a ledger
    ``change``, only files whose bytes the recording changed (or created) get ``revision`` and the change
    id; a file recorded again to the same bytes keeps its entry.
    """
    files: dict[str, FileEntry] = {}
    if previous is not None:
        files.update((name, entry) for name, entry in previous.files.items() if (golden_dir / name).is_file())
    for name in recorded:
        path = golden_dir / name
        if not path.is_file():
            continue
        digest = sha256_file(path)
        kept = files.get(name)
        if change is not None and kept is not None and kept.sha256 == digest:
            continue
        files[name] = FileEntry(digest, revision, change)
    keep_baseline = previous is not None and not baseline
    return Manifest(
        baseline_revision=previous.baseline_revision if keep_baseline and previous else revision,
        mlflow_version=mlflow_version,
        python_version=python_version,
        files=dict(sorted(files.items())),
    )
