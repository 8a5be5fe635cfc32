"""``gate``: every golden change is a named, deliberate one.

Fast (git and file reads only, no pytest run), for CI before the slow suites. It fails when:

- a golden or budget file's bytes differ from its manifest sha256, or a file and its manifest entry do
  not exist together (a hand edit, or a recording that bypassed the manifest);
- a manifest entry's change id is not in the ledger, or that entry does not name the file or was recorded
  from another revision;
- since the ledger was introduced, a commit (or the working tree) changed an existing golden or budget
  file, or its recorded revision, and no ledger entry added in that same commit names it (a silent
  re-record);
- a ledger entry names a file that the commit which added that name did not change, or a pattern that
  matches no golden file;
- a committed ledger entry was rewritten (entries are only appended, or extended with more files).

History is every commit since the ledger was added (branch commits one by one; a merge by what it changed
against every parent), then the working tree.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, replace
from pathlib import Path, PurePosixPath

from mlflow_golden import _gitrev as gitrev
from mlflow_golden import _ledger as ledger
from mlflow_golden import _manifest as manifest
from mlflow_golden._golden_paths import GOLDEN_SUFFIX, MANIFEST_NAME

__all__ = ["GateProblem", "check"]

_ACCEPT_HINT = "record it through review/accept (or record --change) so a ledger entry names it"


@dataclass(frozen=True)
class GateProblem:
    """A golden file (golden-relative name), or a ledger entry, that breaks a rule; and which rule."""

    name: str
    why: str


def _is_golden(name: str) -> bool:
    return name.endswith(GOLDEN_SUFFIX) and name != MANIFEST_NAME


def consistency(golden_dir: Path, recorded: manifest.Manifest, changes: ledger.Ledger) -> list[GateProblem]:
    """The files, the manifest and the ledger agree with each other now."""
    problems = []
    on_disk = set(manifest.golden_files(golden_dir))
    for name in sorted(on_disk - set(recorded.files)):
        problems.append(GateProblem(name, "not in the manifest: " + _ACCEPT_HINT))
    for name, entry in sorted(recorded.files.items()):
        if name not in on_disk:
            problems.append(GateProblem(name, "in the manifest, but the file is gone"))
            continue
        if manifest.sha256_file(golden_dir / name) != entry.sha256:
            problems.append(
                GateProblem(
                    name, "bytes differ from the manifest's sha256 (edited by hand?): " + _ACCEPT_HINT
                )
            )
        if entry.change is None:
            continue
        change = changes.get(entry.change)
        if change is None:
            problems.append(
                GateProblem(name, f"the manifest names change {entry.change}, which the ledger lacks")
            )
        elif not change.names(name):
            problems.append(
                GateProblem(name, f"the manifest names change {entry.change}, which does not name it")
            )
        elif change.revision != entry.revision:
            problems.append(
                GateProblem(
                    name,
                    f"recorded from {entry.revision[:12]},"
                    f" but {change.id} was recorded from {change.revision[:12]}",
                )
            )
    return problems


@dataclass(frozen=True)
class _State:
    """The golden folder at one point of history: its ledger, manifest revisions and golden file names."""

    changes: ledger.Ledger
    revisions: Mapping[str, str]
    files: frozenset[str]


class _History:
    """Reads the golden folder's state at commits of one repository."""

    def __init__(self, repo: Path, golden_dir: Path) -> None:
        self.repo = repo
        self.folder = golden_dir.resolve().relative_to(repo.resolve()).as_posix()

    def relative(self, path: str) -> str | None:
        """A repository path as a golden-relative name, if it is under the golden folder."""
        pure = PurePosixPath(path)
        return pure.relative_to(self.folder).as_posix() if pure.is_relative_to(self.folder) else None

    def state(self, commit: str | None) -> _State:
        text = gitrev.file_at(self.repo, commit, f"{self.folder}/{ledger.LEDGER_NAME}")
        changes = ledger.Ledger() if text is None else ledger.loads(text, f"{commit or 'work tree'}:ledger")
        raw = gitrev.file_at(self.repo, commit, f"{self.folder}/{MANIFEST_NAME}")
        revisions = {}
        if raw is not None:
            files = json.loads(raw).get("files", {})
            revisions = {name: str(entry.get("revision")) for name, entry in files.items()}
        if commit is None:
            names = manifest.golden_files(self.repo / self.folder)
        else:
            names = [n for p in gitrev.paths_at(self.repo, commit, self.folder) if (n := self.relative(p))]
        return _State(changes, revisions, frozenset(n for n in names if _is_golden(n)))

    def steps(self) -> Iterator[tuple[tuple[str, ...], str | None]]:
        """(parents, commit) of every commit since the one that added the ledger, branch commits and
        merges included, parents first; the working tree (None, parent HEAD) last."""
        intro = gitrev.first_commit_adding(self.repo, f"{self.folder}/{ledger.LEDGER_NAME}")
        head = gitrev.head(self.repo)
        if intro is not None:
            for commit in gitrev.descendants(self.repo, intro):
                yield gitrev.parents(self.repo, commit), commit
        yield ((head,) if head else ()), None


def _rewritten(before: ledger.Ledger, after: ledger.Ledger, where: str) -> list[str]:
    """Entries of ``before`` that ``after`` rewrote (revision, or files taken away) or removed."""
    problems = []
    for old in before.changes:
        change = after.get(old.id)
        if change is None:
            problems.append(f"{old.id} was removed in {where}: entries are only appended or extended")
        elif old.revision != change.revision or not set(old.files) <= set(change.files):
            problems.append(f"{old.id} was rewritten in {where}: entries are only appended or extended")
    return problems


def _new_items(parents: list[ledger.Ledger], after: ledger.Ledger) -> list[ledger.Change]:
    """The ledger items that are new against every parent, as changes holding only those items (plus
    their entry's exclusions)."""
    added: list[ledger.Change] = []
    for change in after.changes:
        known = [set(old.files) if (old := parent.get(change.id)) else set() for parent in parents]
        new = tuple(item for item in change.files if all(item not in seen for seen in known))
        if new:
            exclusions = tuple(item for item in change.files if item.startswith("!") and item not in new)
            added.append(replace(change, files=new + exclusions))
    return added


def history(golden_dir: Path, repo: Path) -> list[GateProblem]:
    """Every change of a golden file since the ledger's introduction is named by the ledger, and only
    those. A merge is judged by what it changed against every parent (its branches' commits are judged
    one by one)."""
    reader = _History(repo, golden_dir)
    problems: list[GateProblem] = []
    states: dict[str | None, _State] = {}

    def state(commit: str | None) -> _State:
        if commit not in states:
            states[commit] = reader.state(commit)
        return states[commit]

    for parents, commit in reader.steps():
        where = "the working tree" if commit is None else f"commit {commit[:12]}"
        befores = [state(parent) for parent in parents] or [_State(ledger.Ledger(), {}, frozenset())]
        after = state(commit)
        statuses = [
            {
                name: letter
                for path, letter in gitrev.changed_paths(repo, parent, commit, reader.folder).items()
                if (name := reader.relative(path)) and _is_golden(name)
            }
            for parent in (parents or (None,))
        ]
        status = {name: letter for name, letter in statuses[0].items() if all(name in s for s in statuses)}
        for before in befores:
            problems.extend(
                GateProblem(ledger.LEDGER_NAME, why)
                for why in _rewritten(before.changes, after.changes, where)
            )
        added = _new_items([before.changes for before in befores], after.changes)
        moved = {
            name
            for name in after.files
            if all(
                name in before.revisions
                and after.revisions.get(name, before.revisions[name]) != before.revisions[name]
                for before in befores
            )
        }
        for name in sorted({n for n, letter in status.items() if letter == "M"} | moved):
            if not any(change.names(name) for change in added):
                what = "changed" if status.get(name) == "M" else "got another recorded revision"
                problems.append(
                    GateProblem(
                        name, f"{what} in {where}, and no ledger entry added there names it: {_ACCEPT_HINT}"
                    )
                )
        touched = {n for n, letter in status.items() if letter in "AM"}
        for change in added:
            for item in change.files:
                if item.startswith("!"):
                    continue
                matched = {name for name in after.files if ledger.matches(item, name) and change.names(name)}
                if not matched:
                    why = f"{change.id} names {item!r}, which matches no golden file"
                    problems.append(GateProblem(ledger.LEDGER_NAME, why))
                problems.extend(
                    GateProblem(name, f"{change.id} names it, but {where} did not change it")
                    for name in sorted(matched - touched)
                )
    return problems


def check(golden_dir: Path, repo: Path) -> list[GateProblem]:
    """Every rule of this module, on the golden folder ``golden_dir`` of the git repository ``repo``."""
    recorded = manifest.load(golden_dir / MANIFEST_NAME)
    changes = ledger.load(golden_dir / ledger.LEDGER_NAME)
    return consistency(golden_dir, recorded, changes) + history(golden_dir, repo)
