"""The golden-change ledger, ``<golden dir>/CHANGES.toml``: every deliberate change of golden files, named.

One file for machines and for people: each entry says which golden and budget files a change
recorded, from which commit, and why::

    [[change]]
    id = "GC-1"
    title = "snapshot schema 2"
    why = "The snapshot now holds metric steps and artifacts."
    revision = "c90d8b42b20d1d3909654b31e338af14c8f22e3b"
    files = ["*"]

``files`` holds golden-dir-relative paths or ``fnmatch`` patterns (an item with ``*`` or ``?``; ``*``
also crosses folders, so ``"*"`` is every golden file; any other item is a literal path, brackets
included); an item starting with ``!`` excludes what it matches (``["*", "!*.calls.json"]``: every
snapshot, no budget). Entries are only ever appended, or extended by more files of the same revision;
``gate`` checks the ledger against the history of the golden files.

A known defect deliberately left as the goldens pin it is listed as kept, with the reason; it
names no files and the gate does not judge it::

    [[kept]]
    title = "Counter files grow without bound"
    why = "An entry is ~200 bytes; pruning needs a rule that buys little."
"""

from __future__ import annotations

import fnmatch
import re
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from mlflow_golden._golden_paths import BUDGET_SUFFIX

__all__ = [
    "LEDGER_NAME", "Change", "Kept", "Ledger", "LedgerError",
    "describe", "dumps", "id_error", "load", "loads", "matches", "names", "write",
]  # fmt: skip

LEDGER_NAME = "CHANGES.toml"
_ID = re.compile(r"GC-([1-9][0-9]*)")
_HEADER = (
    "# Golden-change ledger: every deliberate change of a golden or budget file, named and explained.\n"
    "# Written by `python -m mlflow_golden accept` and `record --change`;\n"
    "# checked by `python -m mlflow_golden gate`.\n"
    "# files: paths relative to this folder, or fnmatch patterns (* crosses folders).\n"
)


class LedgerError(Exception):
    """The ledger is unreadable, malformed, or a requested change contradicts it."""


@dataclass(frozen=True)
class Change:
    """One deliberate change: the files it recorded from ``revision``, and why."""

    id: str
    title: str
    why: str
    revision: str
    files: tuple[str, ...]

    def names(self, name: str) -> bool:
        """Whether the change names the golden-relative file ``name`` (literally or by pattern, and not
        excluded by a ``!`` pattern)."""
        return names(self.files, name)


@dataclass(frozen=True)
class Kept:
    """A known defect left as it is on purpose, and why."""

    title: str
    why: str


@dataclass(frozen=True)
class Ledger:
    """The changes, in the order they were made, and the defects kept on purpose."""

    changes: tuple[Change, ...] = ()
    kept: tuple[Kept, ...] = ()

    def get(self, change_id: str) -> Change | None:
        return next((change for change in self.changes if change.id == change_id), None)

    def next_id(self) -> str:
        """The id after the highest one in use (``GC-1`` for an empty ledger)."""
        numbers = [int(match.group(1)) for c in self.changes if (match := _ID.fullmatch(c.id))]
        return f"GC-{max(numbers, default=0) + 1}"

    def with_change(self, change: Change) -> Ledger:
        """The ledger with ``change`` appended, or its files added to the entry of the same id."""
        problem = id_error(change.id)
        if problem:
            raise LedgerError(problem)
        existing = self.get(change.id)
        if existing is None:
            return replace(self, changes=(*self.changes, change))
        if existing.revision != change.revision:
            raise LedgerError(
                f"{change.id} was recorded from {existing.revision[:12]}; files recorded from "
                f"{change.revision[:12]} need a change of their own"
            )
        files = existing.files + tuple(name for name in change.files if name not in existing.files)
        merged = replace(existing, files=files)
        return replace(self, changes=tuple(merged if c.id == change.id else c for c in self.changes))

    def naming(self, name: str) -> list[Change]:
        """The changes that name the file ``name``."""
        return [change for change in self.changes if change.names(name)]


def _item_names(item: str, name: str) -> bool:
    """An item with ``*`` or ``?`` is an fnmatch pattern; any other item is a literal path (golden
    names hold ``[...]`` parameter ids, which fnmatch would read as character classes)."""
    if "*" in item or "?" in item:
        return fnmatch.fnmatchcase(name, item)
    return name == item


def matches(pattern: str, name: str) -> bool:
    """Whether a ledger ``files`` item (a path or an fnmatch pattern) names the golden-relative ``name``;
    an exclusion (``!pattern``) names nothing."""
    return not pattern.startswith("!") and _item_names(pattern, name)


def names(files: Iterable[str], name: str) -> bool:
    """Whether the ``files`` items name ``name``: some item matches it and no ``!`` item excludes it."""
    items = list(files)
    excluded = any(_item_names(item[1:], name) for item in items if item.startswith("!"))
    return not excluded and any(matches(item, name) for item in items)


def describe(changed: Iterable[str], catalog: Iterable[str]) -> tuple[str, ...]:
    """``files`` items naming exactly ``changed`` among the golden files ``catalog``: ``*`` for all of
    them, ``*`` without budgets or only budgets for those, else the sorted names."""
    changed_set, everything = set(changed), set(catalog)
    budgets = {name for name in everything if name.endswith(BUDGET_SUFFIX)}
    for items, group in (
        (("*",), everything),
        (("*", "!*" + BUDGET_SUFFIX), everything - budgets),
        (("*" + BUDGET_SUFFIX,), budgets),
    ):
        if group and changed_set == group:
            return items
    return tuple(sorted(changed_set))


def id_error(change_id: str) -> str | None:
    """Why ``change_id`` cannot be a change id, or None."""
    return None if _ID.fullmatch(change_id) else f"change id {change_id!r}: use GC-<number>, e.g. GC-3"


def _text(entry: dict[str, Any], key: str, where: str) -> str:
    value = entry.get(key)
    if not isinstance(value, str) or not value.strip():
        raise LedgerError(f"{where}: {key!r} must be a non-empty string")
    return value


def loads(text: str, source: str = "<string>") -> Ledger:
    """Parse ledger text; ``LedgerError`` naming ``source`` for anything malformed."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise LedgerError(f"{source}: not valid TOML: {exc}") from exc
    entries = data.get("change", [])
    if not isinstance(entries, list):
        raise LedgerError(f"{source}: 'change' must be an array of tables ([[change]])")
    changes: list[Change] = []
    for number, entry in enumerate(entries, start=1):
        where = f"{source}: change #{number}"
        change_id = _text(entry, "id", where)
        problem = id_error(change_id)
        if problem:
            raise LedgerError(f"{where}: {problem}")
        files = entry.get("files")
        if not isinstance(files, list) or not files or not all(isinstance(f, str) and f for f in files):
            raise LedgerError(f"{where} ({change_id}): 'files' must be a non-empty list of paths or patterns")
        if any(c.id == change_id for c in changes):
            raise LedgerError(f"{where}: id {change_id} is used twice")
        changes.append(
            Change(
                change_id,
                _text(entry, "title", where),
                _text(entry, "why", where),
                _text(entry, "revision", where),
                tuple(files),
            )
        )
    return Ledger(tuple(changes), _kept(data.get("kept", []), source))


def _kept(entries: Any, source: str) -> tuple[Kept, ...]:
    if not isinstance(entries, list):
        raise LedgerError(f"{source}: 'kept' must be an array of tables ([[kept]])")
    return tuple(
        Kept(_text(entry, "title", f"{source}: kept #{n}"), _text(entry, "why", f"{source}: kept #{n}"))
        for n, entry in enumerate(entries, start=1)
    )


def load(path: Path) -> Ledger:
    """Read the ledger at ``path``; a missing file is an empty ledger."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return Ledger()
    except (OSError, UnicodeDecodeError) as exc:
        raise LedgerError(f"{path}: cannot read the ledger: {exc}") from exc
    return loads(text, str(path))


def _string(value: str) -> str:
    """A TOML basic string (multi-line text as a multi-line literal when it is safe to)."""
    literal_safe = "'''" not in value and not value.endswith("'")
    if "\n" in value and literal_safe and all(ch >= " " or ch in "\n\t" for ch in value):
        return "'''\n" + value + "'''"
    escaped = value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\t", "\\t")
    escaped = "".join(ch if ch >= " " or ch == "\t" else f"\\u{ord(ch):04x}" for ch in escaped)
    return f'"{escaped}"'


def _files(files: Iterable[str]) -> str:
    names = list(files)
    if len(names) == 1:
        return f"[{_string(names[0])}]"
    return "[\n" + "".join(f"    {_string(name)},\n" for name in names) + "]"


def dumps(ledger: Ledger) -> str:
    """Stable text: the header comment, one ``[[change]]`` table per entry in order, then ``[[kept]]``."""
    blocks = [
        f"[[change]]\nid = {_string(c.id)}\ntitle = {_string(c.title)}\nwhy = {_string(c.why)}\n"
        f"revision = {_string(c.revision)}\nfiles = {_files(c.files)}\n"
        for c in ledger.changes
    ] + [f"[[kept]]\ntitle = {_string(k.title)}\nwhy = {_string(k.why)}\n" for k in ledger.kept]
    return _HEADER + "".join("\n" + block for block in blocks)


def write(path: Path, ledger: Ledger) -> None:
    """Write the ledger (UTF-8, stable formatting)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(dumps(ledger), encoding="utf-8", newline="\n")
