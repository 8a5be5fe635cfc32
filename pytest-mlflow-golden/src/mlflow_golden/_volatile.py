"""Volatile paths: values of a normalized snapshot that a project declares as changing per run.

A volatile path pattern names values of the snapshot (schema 2). It is a dot-separated list of
segments, each matched with ``fnmatch`` (case-sensitive; ``*``, ``?``, ``[...]``):

=====================================  ===========================================================
``runs.<ref>.<field>``                 a run's field: ``name``, ``status``, ``ended``,
                                       ``lifecycle_stage``, ``experiment``, ``parent``
``runs.<ref>.tags.<key>``              one tag value; ``<key>`` is the REST of the pattern, dots
                                       included (``runs.*.tags.mlflow.note.*``)
``runs.<ref>.params.<key>``            one param value (same rule)
``runs.<ref>.metrics.<key>``           one metric's whole history (same rule)
``runs.<ref>.artifacts.<path>``        one artifact's ``size`` and ``sha256`` (its ``path`` stays);
                                       ``<path>`` is the rest of the pattern (``logs/*.log``)
``experiments.<ref>.<field>``          ``name``, ``lifecycle_stage``, ``tags.<key>``
``active_run``                         the active run's ref
``result[.<segment>...]``              the result, or a value in it: a segment matches a dict key
                                       or a list index (``result.runs.*.started_at``)
``error``, ``error.type``,             the error, or one of its fields
``error.message``
=====================================  ===========================================================

Runs and experiments are addressed by ref (``run-2``, ``exp-default``) or a pattern of refs
(``*``, ``run-*``). Patterns see the normalized snapshot: refs, ``<tmp>`` and the normalized keys.

A matched value is replaced by ``<volatile>``; its key stays, so its presence is still compared
(for a metric the whole history is replaced, for an artifact its size and hash). ``null`` is not
volatile: it stays (an absent error, parent or active run is still compared) and matches nothing.

Unmatched patterns: a pattern given to one check (``golden.check(volatile=...)``) is about that
snapshot, so if it matches nothing the check fails with an error naming the pattern (a typo or a
stale pattern never passes unnoticed). Project-wide patterns (ini ``golden_volatile_paths``,
``golden_volatile_tags``) may match nothing in a given test; they are checked for syntax only: a
pattern whose first segment names no snapshot part, or whose run/experiment field segment names
no field, is a usage error at start-up.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from fnmatch import fnmatchcase
from typing import Any, Final

#: The value a volatile value gets in snapshots.
VOLATILE_VALUE: Final = "<volatile>"

_RECORDS: Final = ("runs", "experiments")
_FIELDS: Final[dict[str, tuple[str, ...]]] = {
    "runs": (
        "name", "status", "ended", "lifecycle_stage", "experiment", "parent",
        "tags", "params", "metrics", "artifacts",
    ),
    "experiments": ("name", "lifecycle_stage", "tags"),
}  # fmt: skip
#: Record fields addressed by key: the rest of the pattern, dots included, is the key pattern.
_KEYED: Final = frozenset({"tags", "params", "metrics"})
_ARTIFACTS: Final = "artifacts"
_VOLATILE_ARTIFACT_FIELDS: Final = ("size", "sha256")
TOP_LEVEL: Final = ("experiments", "runs", "active_run", "result", "error")


class VolatilePathError(ValueError):
    """A volatile path pattern is malformed, or a per-check pattern matched nothing."""


@dataclass(frozen=True)
class VolatilePath:
    """One parsed pattern."""

    text: str
    segments: tuple[str, ...]


def parse(pattern: str) -> VolatilePath:
    """Check a pattern's syntax (see the module docstring); ``VolatilePathError`` names it."""
    segments = tuple(pattern.split("."))
    if not pattern or any(not segment for segment in segments):
        raise VolatilePathError(f"volatile path {pattern!r}: empty segment (segments are separated by '.')")
    head = segments[0]
    if not any(fnmatchcase(name, head) for name in TOP_LEVEL):
        raise VolatilePathError(
            f"volatile path {pattern!r}: {head!r} names no part of a snapshot ({', '.join(TOP_LEVEL)})"
        )
    if head in _RECORDS:
        if len(segments) < 3:
            raise VolatilePathError(
                f"volatile path {pattern!r}: name a field of each item, e.g. {head}.*.tags.<key>"
            )
        if not any(fnmatchcase(name, segments[2]) for name in _FIELDS[head]):
            raise VolatilePathError(
                f"volatile path {pattern!r}: {segments[2]!r} names no field of {head} "
                f"({', '.join(_FIELDS[head])})"
            )
    return VolatilePath(pattern, segments)


def tag_paths(tag_patterns: Iterable[str]) -> list[str]:
    """``golden_volatile_tags`` patterns as paths: the tags of every run and experiment."""
    return [f"{records}.*.tags.{pattern}" for pattern in tag_patterns for records in _RECORDS]


def apply(snapshot: dict[str, Any], lenient: Sequence[str] = (), strict: Sequence[str] = ()) -> None:
    """Replace the values ``lenient`` and ``strict`` patterns match by ``<volatile>``, in place.

    Every ``strict`` pattern must match at least one value, else ``VolatilePathError`` lists the
    ones that matched nothing. All patterns are parsed first (syntax errors raise).
    """
    parsed_lenient = [parse(pattern) for pattern in lenient]
    parsed_strict = [parse(pattern) for pattern in strict]
    for path in parsed_lenient:
        _apply(snapshot, path)
    unmatched = [path.text for path in parsed_strict if _apply(snapshot, path) == 0]
    if unmatched:
        names = ", ".join(repr(text) for text in unmatched)
        raise VolatilePathError(
            f"volatile path {names} matched nothing in the snapshot; fix or remove it "
            "(see the snapshot paths in the golden file)"
        )


def _apply(snapshot: dict[str, Any], path: VolatilePath) -> int:
    """Replace what ``path`` matches; the number of values replaced."""
    head, rest = path.segments[0], path.segments[1:]
    count = 0
    for key in [key for key in snapshot if key in TOP_LEVEL and fnmatchcase(key, head)]:
        if key in _RECORDS:
            count += _apply_records(snapshot[key], key, rest)
        else:
            count += _apply_nested(snapshot, key, rest)
    return count


def _apply_records(records: Any, kind: str, segments: Sequence[str]) -> int:
    if not isinstance(records, list):
        return 0
    ref_pattern, field_pattern, rest = segments[0], segments[1], segments[2:]
    count = 0
    for record in records:
        if not isinstance(record, dict) or not fnmatchcase(str(record.get("ref")), ref_pattern):
            continue
        for field in [f for f in _FIELDS[kind] if f in record and fnmatchcase(f, field_pattern)]:
            if not rest:
                if record[field] is not None:
                    record[field] = VOLATILE_VALUE
                    count += 1
            elif field in _KEYED:
                count += _apply_keyed(record[field], ".".join(rest))
            elif field == _ARTIFACTS:
                count += _apply_artifacts(record[field], ".".join(rest))
    return count


def _apply_keyed(mapping: Any, key_pattern: str) -> int:
    if not isinstance(mapping, dict):
        return 0
    keys = [key for key, value in mapping.items() if value is not None and fnmatchcase(key, key_pattern)]
    for key in keys:
        mapping[key] = VOLATILE_VALUE
    return len(keys)


def _apply_artifacts(artifacts: Any, path_pattern: str) -> int:
    if not isinstance(artifacts, list):
        return 0
    count = 0
    for artifact in artifacts:
        if isinstance(artifact, dict) and fnmatchcase(str(artifact.get("path")), path_pattern):
            for field in _VOLATILE_ARTIFACT_FIELDS:
                artifact[field] = VOLATILE_VALUE
            count += 1
    return count


def _apply_nested(container: Any, key: Any, segments: Sequence[str]) -> int:
    """Walk ``container[key]`` along ``segments`` (dict keys, list indices); replace the ends."""
    if container[key] is None:
        return 0
    if not segments:
        container[key] = VOLATILE_VALUE
        return 1
    value = container[key]
    head, rest = segments[0], segments[1:]
    if isinstance(value, dict):
        keys: list[Any] = [k for k in value if fnmatchcase(k, head)]
    elif isinstance(value, list):
        keys = [i for i in range(len(value)) if fnmatchcase(str(i), head)]
    else:
        return 0
    return sum(_apply_nested(value, k, rest) for k in keys)


__all__ = ["VOLATILE_VALUE", "VolatilePath", "VolatilePathError", "apply", "parse", "tag_paths"]
