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

History is HEAD's first-parent chain; a merge counts as one commit, the working tree as the last one.
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

    def steps(self) -> Iterator[tuple[str | None, str | None]]:
        """(parent, commit) pairs since the commit that added the ledger; the working tree last (None)."""
        chain = gitrev.first_parent_history(self.repo)
        intro = gitrev.first_commit_adding(self.repo, f"{self.folder}/{ledger.LEDGER_NAME}")
        start = chain.index(intro) if intro in chain else len(chain)
        for index in range(start, len(chain)):
            yield (chain[index - 1] if index else None), chain[index]
        yield (chain[-1] if chain else None), None


def _added_names(
    before: ledger.Ledger, after: ledger.Ledger, where: str
) -> tuple[list[ledger.Change], list[str]]:
    """What the step added to the ledger, as changes holding only their new ``files`` items (plus the
    entry's exclusions); and the entries it rewrote or removed."""
    added: list[ledger.Change] = []
    rewritten: list[str] = []
    for change in after.changes:
        old = before.get(change.id)
        if old is not None and (old.revision != change.revision or not set(old.files) <= set(change.files)):
            rewritten.append(f"{change.id} was rewritten in {where}: entries are only appended or extended")
        known = set(old.files) if old is not None else set()
        new = tuple(item for item in change.files if item not in known)
        if new:
            exclusions = tuple(item for item in change.files if item.startswith("!") and item not in new)
            added.append(replace(change, files=new + exclusions))
    rewritten.extend(
        f"{old.id} was removed in {where}: entries are only appended or extended"
        for old in before.changes
        if after.get(old.id) is None
    )
    return added, rewritten


def history(golden_dir: Path, repo: Path) -> list[GateProblem]:
    """Every change of a golden file since the ledger's introduction is named by the ledger, and only
    those."""
    reader = _History(repo, golden_dir)
    problems: list[GateProblem] = []
    states: dict[str | None, _State] = {}

    def state(commit: str | None) -> _State:
        if commit not in states:
            states[commit] = reader.state(commit)
        return states[commit]

    for parent, commit in reader.steps():
        where = "the working tree" if commit is None else f"commit {commit[:12]}"
        before = state(parent) if parent is not None else _State(ledger.Ledger(), {}, frozenset())
        after = state(commit)
        status = {
            name: letter
            for path, letter in gitrev.changed_paths(repo, parent, commit, reader.folder).items()
            if (name := reader.relative(path)) and _is_golden(name)
        }
        added, rewritten = _added_names(before.changes, after.changes, where)
        problems.extend(GateProblem(ledger.LEDGER_NAME, why) for why in rewritten)
        moved = {
            name
            for name in after.files & before.files
            if name in before.revisions
            and after.revisions.get(name, before.revisions[name]) != before.revisions[name]
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
