"""Serialization of golden snapshots: canonical bytes out, validated dicts in."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from mlflow_golden import SCHEMA_VERSION

REQUIRED_KEYS = ("schema", "experiments", "runs", "active_run", "result", "error")


class GoldenFileError(Exception):
    """A golden file cannot be used (corrupt JSON, wrong shape, unknown schema)."""


def dumps(snapshot: dict[str, Any]) -> str:
    """Canonical text: sorted keys, 2-space indent, UTF-8 characters kept, trailing newline."""
    return json.dumps(snapshot, sort_keys=True, indent=2, ensure_ascii=False, allow_nan=False) + "\n"


def schema_1_message(source: str) -> str:
    """What to do about a golden file of schema 1 (no metric steps, no artifacts)."""
    return (
        f"{source}: a schema-1 golden file; this harness reads schema {SCHEMA_VERSION}, which adds "
        "metric steps and artifacts, so it cannot be compared. Re-record it from the revision it "
        "was recorded at: python -m mlflow_golden record --from <revision> [node ids] "
        "(the revision is the file's \"revision\" entry in MANIFEST.json of the golden directory)"
    )


def validate(snapshot: object, source: str) -> dict[str, Any]:
    """Check the top-level shape of a snapshot; ``source`` names it in errors."""
    if not isinstance(snapshot, dict):
        raise GoldenFileError(
            f"{source}: a golden file must hold a JSON object, got {type(snapshot).__name__}"
        )
    schema = snapshot.get("schema")
    if schema == 1:
        raise GoldenFileError(schema_1_message(source))
    if schema != SCHEMA_VERSION:
        raise GoldenFileError(
            f"{source}: unknown golden schema {schema!r} (this harness reads schema {SCHEMA_VERSION})"
        )
    missing = [key for key in REQUIRED_KEYS if key not in snapshot]
    if missing:
        raise GoldenFileError(f"{source}: golden snapshot lacks keys {', '.join(missing)}")
    return snapshot


def loads(text: str, source: str = "<string>") -> dict[str, Any]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise GoldenFileError(f"{source}: corrupt golden JSON ({exc})") from exc
    return validate(data, source)


def load(path: Path) -> dict[str, Any]:
    """Read and validate a golden file; errors name the file."""
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise GoldenFileError(f"{path}: golden file is not UTF-8 ({exc})") from exc
    return loads(text, str(path))


def write(path: Path, snapshot: dict[str, Any]) -> None:
    """Write the canonical text of ``snapshot`` (creating parent directories)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(dumps(snapshot), encoding="utf-8", newline="\n")
