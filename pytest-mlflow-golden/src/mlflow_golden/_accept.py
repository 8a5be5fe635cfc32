"""``accept``: make reviewed pending files golden - by recording them again from the committed code.

A pending file is what some run saw; a golden file must re-record byte for byte from the revision
the manifest names (``provenance``). So accepting never copies a pending file: it records the
chosen tests from HEAD (committed code only, hence the refusal on uncommitted changes) into a
scratch folder in ONE pytest run, checks that every recorded file equals what was reviewed (its
pending file, or the current golden file where nothing is pending), and only then copies the
recorded files into the golden folder and writes the manifest and the ledger as one change
(``_change_record.record_change``). Any disagreement writes nothing.
"""

from __future__ import annotations

import difflib
import shutil
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from mlflow_golden import _change_record as change_record
from mlflow_golden import _gitrev as gitrev
from mlflow_golden import _ledger as ledger
from mlflow_golden import _manifest as manifest
from mlflow_golden._change_record import ChangeRequest
from mlflow_golden._cli_context import Context, Output
from mlflow_golden._cli_results import EXIT_DIFFERENCES, EXIT_OK, EXIT_UNUSABLE
from mlflow_golden._golden_paths import MANIFEST_NAME
from mlflow_golden._pending_changes import PendingTest
from mlflow_golden._recording import GoldenFiles, recording_args, worktree_project
from mlflow_golden._status import RECORDED

__all__ = ["Mismatch", "accept", "compare", "refuse_if_dirty"]


@dataclass(frozen=True)
class Mismatch:
    """A file whose recording from HEAD is not what was reviewed: golden-relative ``name``, and how."""

    name: str
    why: str


def refuse_if_dirty(repo: Path, golden_dir: Path, output: Output) -> bool:
    """True (after saying which paths and what to do) when the code has uncommitted changes."""
    dirty = gitrev.dirty_paths(repo, [golden_dir])
    if not dirty:
        return False
    output.error(f"uncommitted changes outside the golden folder ({len(dirty)} paths):")
    for path in dirty:
        output.error(f"  {path}")
    output.error(
        "accept records the goldens from the committed code (HEAD), so that provenance can record"
        " them again: commit these changes (or stash them), then accept again"
    )
    return True


def _how(expected: bytes, actual: bytes) -> str:
    """A short account of how two files differ: the number of lines on each side that differ."""
    old = expected.decode("utf-8", errors="replace").splitlines()
    new = actual.decode("utf-8", errors="replace").splitlines()
    removed = added = 0
    for line in difflib.ndiff(old, new):
        removed += line.startswith("- ")
        added += line.startswith("+ ")
    return f"{removed} of {len(old)} lines differ, {added} lines only in the recording"


def compare(
    groups: Sequence[PendingTest], golden_dir: Path, scratch: Path
) -> tuple[list[str], list[Mismatch]]:
    """The files the recording in ``scratch`` wrote for ``groups``, and each one that is not what was
    reviewed (its pending file, else the current golden file), or a pending file it did not write."""
    files = GoldenFiles(manifest.golden_files(scratch), scratch)
    recorded: list[str] = []
    mismatches: list[Mismatch] = []
    for group in groups:
        assert group.nodeid is not None
        names = sorted(files.owned_by(group.nodeid) or ())
        pending = {item.golden: item for item in group.files}
        for name in names:
            recorded.append(name)
            actual = (scratch / name).read_bytes()
            if name in pending:
                expected_path, side = golden_dir / pending[name].pending, "the pending file"
            else:
                expected_path, side = golden_dir / name, "the golden file (nothing pending)"
            if not expected_path.is_file():
                mismatches.append(Mismatch(name, "recorded from HEAD, but neither pending nor golden"))
            elif (expected := expected_path.read_bytes()) != actual:
                mismatches.append(Mismatch(name, f"recording differs from {side}: {_how(expected, actual)}"))
        mismatches += [
            Mismatch(name, "pending, but the recording from HEAD wrote no such file")
            for name in sorted(pending.keys() - set(names))
        ]
    return recorded, mismatches


def _install(golden_dir: Path, scratch: Path, names: Sequence[str]) -> dict[str, bytes | None]:
    """Copy the recorded ``names`` into the golden folder; returns what was there before."""
    previous: dict[str, bytes | None] = {}
    for name in names:
        target = golden_dir / name
        previous[name] = target.read_bytes() if target.is_file() else None
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(scratch / name, target)
    return previous


def _restore(golden_dir: Path, previous: Mapping[str, bytes | None]) -> None:
    for name, content in previous.items():
        if content is None:
            (golden_dir / name).unlink(missing_ok=True)
        else:
            (golden_dir / name).write_bytes(content)


def accept(
    context: Context,
    golden_dir: Path,
    groups: Sequence[PendingTest],
    request: ChangeRequest,
    versions: Mapping[str, str],
    pytest_args: Sequence[str] = (),
) -> int:
    """Record the tests of ``groups`` from HEAD and, if the recording is what was reviewed, make it
    golden as one change; returns the CLI exit code."""
    output = context.output
    repo = gitrev.repo_root(context.project)
    if refuse_if_dirty(repo, golden_dir, output):
        return EXIT_UNUSABLE
    sha = gitrev.resolve_revision("HEAD", repo)
    manifest_path = golden_dir / MANIFEST_NAME
    if manifest_path.exists():
        manifest.load(manifest_path)  # unreadable: stop before running anything
    change = change_record.resolve(request, ledger.load(golden_dir / ledger.LEDGER_NAME), sha)
    nodeids = [group.nodeid for group in groups if group.nodeid is not None]
    output.line(f"recording {len(nodeids)} tests from HEAD ({sha}) to compare with what was reviewed")
    scratch = Path(tempfile.mkdtemp(prefix="mlflow-golden-accept-"))
    try:
        with gitrev.worktree(repo, sha) as tree:
            target = worktree_project(tree, repo, context.project)
            run = context.run_scenarios(
                recording_args([*pytest_args, *nodeids], target, scratch),
                show=lambda result: result.status not in RECORDED,
                announce=False,
            )
        if run.could_not_run:
            output.pytest_failure(run, "pytest could not record from HEAD")
            return EXIT_UNUSABLE
        failed = [result for result in run.scenarios if result.status not in RECORDED]
        recorded, mismatches = compare(groups, golden_dir, scratch)
        for result in failed:
            output.line(f"{result.nodeid}: {result.status} when recorded from HEAD")
        for mismatch in mismatches:
            output.line(f"mismatch {mismatch.name}: {mismatch.why}")
        if failed or mismatches:
            output.line(
                f"nothing accepted: the code at {sha[:12]} does not record what was reviewed;"
                " run verify again and review the new pending files"
            )
            return EXIT_DIFFERENCES
        before = change_record.shas(golden_dir, recorded)
        previous = _install(golden_dir, scratch, recorded)
        changed = change_record.changed_files(golden_dir, before, recorded)
        try:
            entry = change_record.record_change(
                golden_dir, before, recorded, sha, change_request(change), versions,
                catalog=manifest.golden_files(golden_dir),
            )  # fmt: skip
        except BaseException:
            _restore(golden_dir, previous)
            raise
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    for group in groups:
        for item in group.files:
            (golden_dir / item.pending).unlink(missing_ok=True)
    for name in recorded:
        output.line(f"accepted {name}")
    output.line(
        f"accepted {len(nodeids)} tests ({len(changed)} files changed) as {entry.id}"
        f" ({entry.title}) from {sha[:12]}"
    )
    output.line(
        f"commit the golden folder {golden_dir} (golden files, {MANIFEST_NAME}, {ledger.LEDGER_NAME})"
        " as one commit"
    )
    return EXIT_OK


def change_request(change: ledger.Change) -> ChangeRequest:
    """The request naming ``change`` (resolved before recording) by id, title and why."""
    return ChangeRequest(change.id, change.title, change.why)
