"""``provenance``: every golden file re-records byte for byte from the revision its manifest names.

For each revision in ``MANIFEST.json`` the current golden tests run against that revision's code
(a temporary git worktree) and write into a scratch folder; each golden file is then compared with
its re-recording and with the manifest's sha256. A revision absent from the clone (shallow CI
clone) cannot be checked: that is its own exit code, not a pass.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from mlflow_golden import _gitrev as gitrev
from mlflow_golden import _manifest as manifest
from mlflow_golden._cli_context import Context, Output
from mlflow_golden._cli_results import EXIT_DIFFERENCES, EXIT_MISSING_REVISION, EXIT_OK, EXIT_UNUSABLE
from mlflow_golden._golden_paths import MANIFEST_NAME
from mlflow_golden._recording import GoldenFiles, recording_args, worktree_project
from mlflow_golden._runner import ScenarioResult
from mlflow_golden._scratch import ARGS as SCRATCH_ARGS
from mlflow_golden._status import RECORDED, Status

__all__ = ["Problem", "check", "compare", "rerecord", "revisions_present"]


@dataclass(frozen=True)
class Problem:
    """A golden file whose provenance does not hold: ``status`` of file ``name``, and why."""

    status: Status
    name: str
    why: str


def revisions_present(recorded: manifest.Manifest, repo: Path, output: Output) -> bool:
    """Whether every revision of the manifest is in this clone; an error line for each one that is not."""
    absent = [revision for revision in recorded.revisions() if not gitrev.has_commit(revision, repo)]
    if not absent:
        return True
    shallow = " (this clone is shallow)" if gitrev.is_shallow(repo) else ""
    for revision in absent:
        count = sum(entry.revision == revision for entry in recorded.files.values())
        output.error(f"revision {revision} ({count} golden files) is not in this clone{shallow}")
    output.error("cannot check provenance; fetch the full history, e.g. 'git fetch --unshallow'")
    return False


def rerecord(
    context: Context, recorded: manifest.Manifest, pytest_args: Sequence[str], repo: Path, scratch: Path
) -> dict[str, Path] | None:
    """Re-record each revision's files into ``scratch/<sha>``; None when pytest could not run.

    The first revision runs every collected scenario (its run also yields the node ids); later
    revisions run only the scenarios owning their files. Only problems with a revision's own
    files are printed: scenarios of later code may fail on an older revision.
    """
    output = context.output
    folders: dict[str, Path] = {}
    nodeids: list[str] | None = None
    for revision in recorded.revisions():
        out_dir = folders[revision] = scratch / revision
        wanted = {name for name, entry in recorded.files.items() if entry.revision == revision}
        files = GoldenFiles(wanted, out_dir)
        selection: list[str] = []
        if nodeids is not None:
            selection = [nodeid for nodeid in nodeids if files.owned_by(nodeid)]
            if not selection:
                output.line(f"{revision[:12]}: no collected scenario records its {len(wanted)} files")
                continue
        output.line(f"re-recording {len(wanted)} files from {revision[:12]}")

        def show(result: ScenarioResult, files: GoldenFiles = files) -> bool:
            owned = files.owned_by(result.nodeid)
            return result.status not in RECORDED and (owned is None or bool(owned))

        with gitrev.worktree(repo, revision) as tree:
            target = worktree_project(tree, repo, context.project)
            run = context.run_scenarios(
                [*SCRATCH_ARGS, *recording_args([*pytest_args, *selection], target, out_dir)],
                show=show,
                announce=False,
            )
        if run.could_not_run:
            output.pytest_failure(run, f"pytest could not re-record from {revision[:12]}")
            return None
        if nodeids is None:
            nodeids = run.collected or []
    return folders


def compare(golden_dir: Path, rerecorded: dict[str, Path], recorded: manifest.Manifest) -> list[Problem]:
    """Every golden file whose provenance does not hold, by file name."""
    problems: list[Problem] = []
    for name, entry in sorted(recorded.files.items()):
        golden = golden_dir / name
        again = rerecorded[entry.revision] / name
        short = entry.revision[:12]
        if not golden.is_file():
            problems.append(Problem(Status.MISSING, name, f"in the manifest, not in {golden_dir}"))
            continue
        if manifest.sha256_file(golden) != entry.sha256:
            problems.append(Problem(Status.CHANGED, name, "sha256 differs from the manifest"))
        if not again.is_file():
            problems.append(Problem(Status.MISSING, name, f"re-recording from {short} produced no file"))
        elif again.read_bytes() != golden.read_bytes():
            problems.append(Problem(Status.DIFFERS, name, f"re-recorded from {short}, bytes differ"))
    for name in manifest.golden_files(golden_dir):
        if name not in recorded.files:
            problems.append(Problem(Status.EXTRA, name, "not in the manifest"))
    return problems


def check(context: Context, golden_dir: Path, pytest_args: Sequence[str]) -> int:
    """Re-record every golden from its manifest revision into a temp folder; compare byte for byte.

    Prints a line per problem and a total; returns the CLI exit code.
    """
    output = context.output
    recorded = manifest.load(golden_dir / MANIFEST_NAME)
    repo = gitrev.repo_root(context.project)
    if not revisions_present(recorded, repo, output):
        return EXIT_MISSING_REVISION
    scratch = Path(tempfile.mkdtemp(prefix="mlflow-golden-provenance-"))
    try:
        folders = rerecord(context, recorded, pytest_args, repo, scratch)
        if folders is None:
            return EXIT_UNUSABLE
        problems = compare(golden_dir, folders, recorded)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    for problem in problems:
        output.status(problem.status, f"{problem.name} ({problem.why})")
    output.line(
        f"{len(recorded.files)} golden files from {len(recorded.revisions())} revisions:"
        f" {len({problem.name for problem in problems})} with problems"
    )
    return EXIT_DIFFERENCES if problems else EXIT_OK
