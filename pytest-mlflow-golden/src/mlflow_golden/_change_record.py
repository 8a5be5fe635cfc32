"""Recording a deliberate change: the manifest and the ledger learn which files it changed, from where.

``record --change`` and ``accept`` both end here, after the recorder wrote the files: files whose bytes
the recording changed (or created) get the revision and the change id in ``MANIFEST.json`` and are
named by the change's ledger entry; files recorded again to the same bytes keep their entry.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from mlflow_golden import _ledger as ledger
from mlflow_golden import _manifest as manifest
from mlflow_golden._golden_paths import MANIFEST_NAME

__all__ = ["ChangeRequest", "changed_files", "record_change", "shas"]


@dataclass(frozen=True)
class ChangeRequest:
    """The change a recording belongs to: an existing id, or a new entry (its id optional; title, why
    required)."""

    id: str | None = None
    title: str | None = None
    why: str | None = None


def shas(golden_dir: Path, names: Sequence[str]) -> dict[str, str | None]:
    """sha256 of each golden-relative file (None when it does not exist): the state before a recording."""
    return {
        name: manifest.sha256_file(golden_dir / name) if (golden_dir / name).is_file() else None
        for name in names
    }


def changed_files(golden_dir: Path, before: Mapping[str, str | None], recorded: Sequence[str]) -> list[str]:
    """The recorded files whose bytes differ from ``before`` (or that did not exist), sorted."""
    return sorted(
        name
        for name in set(recorded)
        if (golden_dir / name).is_file() and before.get(name) != manifest.sha256_file(golden_dir / name)
    )


def resolve(request: ChangeRequest, current: ledger.Ledger, revision: str) -> ledger.Change:
    """The ledger entry a recording from ``revision`` goes into (no files yet); ``LedgerError`` if it
    cannot be one."""
    change_id = request.id or current.next_id()
    problem = ledger.id_error(change_id)
    if problem:
        raise ledger.LedgerError(problem)
    existing = current.get(change_id)
    if existing is not None:
        if existing.revision != revision:
            raise ledger.LedgerError(
                f"{change_id} was recorded from {existing.revision[:12]}, not {revision[:12]}; "
                f"name a new change (omit the id, or use {current.next_id()})"
            )
        return existing
    if not request.title or not request.why:
        raise ledger.LedgerError(f"{change_id} is a new change: give it a --title and a --why")
    return ledger.Change(change_id, request.title, request.why, revision, ())


def record_change(
    golden_dir: Path,
    before: Mapping[str, str | None],
    recorded: Sequence[str],
    revision: str,
    request: ChangeRequest,
    versions: Mapping[str, str],
    *,
    catalog: Sequence[str] = (),
) -> ledger.Change:
    """Write the manifest and the ledger for files ``recorded`` from ``revision`` as one change.

    ``before`` maps golden-relative names to their sha256 before the recording (None: new file).
    With the whole ``catalog`` of golden files given, a change of all of them (or of all snapshots, or
    all budgets) is named by a pattern (``ledger.describe``) instead of a list. Returns the ledger entry
    (its ``files`` as written). Raises ``LedgerError`` before writing anything when the request does not
    fit the ledger, or when the recording changed no file.
    """
    ledger_path = golden_dir / ledger.LEDGER_NAME
    current = ledger.load(ledger_path)
    entry = resolve(request, current, revision)
    changed = changed_files(golden_dir, before, recorded)
    if not changed:
        raise ledger.LedgerError(f"the recording changed no golden file; {entry.id} would name nothing")
    named = ledger.describe(changed, catalog) if catalog else tuple(changed)
    updated = current.with_change(ledger.Change(entry.id, entry.title, entry.why, revision, named))
    manifest_path = golden_dir / MANIFEST_NAME
    previous = manifest.load(manifest_path) if manifest_path.exists() else None
    new_manifest = manifest.update(
        previous,
        golden_dir,
        changed,
        revision,
        baseline=False,
        mlflow_version=versions["mlflow_version"],
        python_version=versions["python_version"],
        change=entry.id,
    )
    manifest.write(manifest_path, new_manifest)
    ledger.write(ledger_path, updated)
    result = updated.get(entry.id)
    assert result is not None
    return result
