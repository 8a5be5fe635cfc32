"""``python -m mlflow_golden``: verify, record, provenance, show, diff, pending, review, accept, reject.

Every command that runs scenarios runs pytest in a fresh subprocess (``runner.run_pytest``)
in the current folder, read once by ``main``; pytest's rootdir and the golden folder come from
pytest itself (``_project``), test paths from its configuration (``golden_testpaths``, else
``testpaths``). Options the CLI does not know pass through to pytest unchanged. Provenance is in
``mlflow_golden._provenance``; what record and provenance share in ``mlflow_golden._recording``.

Exit codes (all commands):
  0  everything as expected
  1  a difference: a scenario differs, misses its golden or errored, an orphan golden file,
     differing files in ``diff``, a provenance mismatch
  2  could not check: usage error, pytest could not collect or run, unreadable/corrupt/unknown
     files, git errors (not a repository, unknown revision)
  3  provenance only: a revision named in the manifest is not in this clone (e.g. a shallow CI
     clone); fetch the history (``git fetch --unshallow``) to check provenance
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path, PurePosixPath
from typing import Any, TextIO

from mlflow_golden import _budgets as budgets
from mlflow_golden import _change_record as change_record
from mlflow_golden import _cli_review as review
from mlflow_golden import _gate as gate
from mlflow_golden import _gitrev as gitrev
from mlflow_golden import _ledger as ledger
from mlflow_golden import _manifest as manifest
from mlflow_golden import _provenance as provenance
from mlflow_golden import _snapshot as snapshot
from mlflow_golden._change_record import ChangeRequest, resolve
from mlflow_golden._cli_context import Context, Output
from mlflow_golden._cli_progress import Progress
from mlflow_golden._cli_results import (
    EXIT_DIFFERENCES,
    EXIT_MISSING_REVISION,
    EXIT_OK,
    EXIT_UNUSABLE,
    judge,
    print_details,
    summary,
)
from mlflow_golden._golden_paths import BUDGET_SUFFIX, MANIFEST_NAME
from mlflow_golden._project import Probe, ProjectProbeError
from mlflow_golden._project import probe as project_probe
from mlflow_golden._pytest_args import (
    BACKEND_OPTION,
    GOLDEN_DIR_OPTION,
    TARGET_SRC_OPTION,
    UPDATE_OPTION,
    split_pytest_values,
    wants_xdist,
    xdist_installed,
)
from mlflow_golden._recording import GoldenFiles, recording_args, versions, worktree_project
from mlflow_golden._runner import PytestRunner, run_pytest
from mlflow_golden._status import RECORDED, Status
from mlflow_golden._tree import render_tree, tree_diff

__all__ = ["EXIT_DIFFERENCES", "EXIT_MISSING_REVISION", "EXIT_OK", "EXIT_UNUSABLE", "main"]

_EPILOG = """\
exit codes: 0 all as expected; 1 differences (differs, missing, error, orphan, provenance
mismatch); 2 could not check (usage, pytest could not run, unreadable files, git errors);
3 provenance: a manifest revision is not in this clone (shallow clone?).
Relative paths (--golden-dir, the golden_dir ini) are relative to pytest's rootdir; with no test
paths, the golden_testpaths ini (else pytest's testpaths) says what to collect."""


_GOLDEN_DIR_HELP = "golden folder, relative to the rootdir (default: the golden_dir ini, else golden)"


class CliError(Exception):
    """A problem the user must fix; printed as ``error: ...`` with exit code 2."""


# ---------------------------------------------------------------------------------------------
# verify


def cmd_verify(args: argparse.Namespace, pytest_args: list[str], context: Context) -> int:
    """Run the golden tests: progress, the scenarios that are not ok (every one with ``-v``), their
    reports, a total line; exit 1 on any difference."""
    output = context.output
    orphan_status = Status.REMOVED if UPDATE_OPTION in pytest_args else Status.ORPHAN
    run = context.run_scenarios(
        pytest_args, show=lambda result: args.verbose or result.status != Status.OK,
        progress=None if args.verbose else Progress(output.line),
    )  # fmt: skip
    for path in run.orphans:
        output.status(orphan_status, path)
    if not args.no_details:
        print_details(output, run)
    if args.show_pytest_output:
        output.text(run.output)
    if run.collected is not None:  # pytest stopped before collecting (usage error): no count to give
        output.line(summary(run, orphan_status))
    return judge(output, run, orphan_status)


# ---------------------------------------------------------------------------------------------
# record / provenance


def _change_request(args: argparse.Namespace) -> ChangeRequest | None:
    """The ledger change named on the command line, if any (``--change``, ``--title``, ``--why``)."""
    if args.change is None and args.title is None and args.why is None:
        return None
    return ChangeRequest(args.change, args.title, args.why)


def cmd_record(args: argparse.Namespace, pytest_args: list[str], context: Context) -> int:
    """Record goldens from REV's code (temporary worktree) with the current tests; update the manifest
    (and, with ``--change``, the ledger: the files the recording changed become that change)."""
    output = context.output
    repo = gitrev.repo_root(context.project)
    sha = gitrev.resolve_revision(args.rev, repo)
    golden_dir = context.golden_dir(args.golden_dir)
    manifest_path = golden_dir / MANIFEST_NAME
    previous = manifest.load(manifest_path) if manifest_path.exists() else None  # unreadable: stop now
    request = _change_request(args)
    if request is not None:
        if args.baseline:
            raise CliError("--baseline records the baseline itself; it cannot be a --change")
        resolve(request, ledger.load(golden_dir / ledger.LEDGER_NAME), sha)  # a bad request stops here
    before = change_record.shas(golden_dir, manifest.golden_files(golden_dir))
    output.line(f"recording from {args.rev} ({sha}) into {golden_dir}")
    with gitrev.worktree(repo, sha) as tree:
        target = worktree_project(tree, repo, context.project)
        run = context.run_scenarios(recording_args(pytest_args, target, golden_dir), show=lambda _: True)
    for path in run.orphans:
        output.status(Status.REMOVED, path)
    all_now = manifest.golden_files(golden_dir)
    files = GoldenFiles(all_now, golden_dir)
    written = [result.nodeid for result in run.scenarios if result.status in RECORDED]
    recorded = [name for nodeid in written for name in files.owned_by(nodeid) or ()]  # snapshots, budgets
    if request is not None:
        change = change_record.record_change(
            golden_dir, before, recorded, sha, request, versions(), catalog=all_now
        )
        output.line(
            f"recorded {len(recorded)} files from {sha[:12]}; {change.id} ({change.title!r}) names"
            f" {', '.join(change.files) if len(change.files) <= 3 else f'{len(change.files)} changed files'};"
            f" wrote {manifest_path} and {golden_dir / ledger.LEDGER_NAME}"
        )
    elif recorded or previous is not None:
        updated = manifest.update(previous, golden_dir, recorded, sha, baseline=args.baseline, **versions())
        manifest.write(manifest_path, updated)
        output.line(
            f"recorded {len(recorded)} files from {sha[:12]}; wrote {manifest_path}"
            f" (baseline {updated.baseline_revision[:12]}, {len(updated.files)} files)"
        )
    print_details(output, run)
    if run.collected is not None:
        output.line(summary(run, Status.REMOVED))
    return judge(output, run, Status.REMOVED)


def cmd_provenance(args: argparse.Namespace, pytest_args: list[str], context: Context) -> int:
    """Re-record every golden from its manifest revision into a temp folder; compare byte for byte."""
    return provenance.check(context, context.golden_dir(args.golden_dir), pytest_args)


def cmd_gate(args: argparse.Namespace, pytest_args: list[str], context: Context) -> int:
    """Check that every golden change is named by the ledger (no pytest run); exit 1 on any problem."""
    golden_dir = context.golden_dir(args.golden_dir)
    problems = gate.check(golden_dir, gitrev.repo_root(context.project))
    for problem in problems:
        context.output.line(f"{problem.name}: {problem.why}")
    files = len(manifest.golden_files(golden_dir))
    changes = len(ledger.load(golden_dir / ledger.LEDGER_NAME).changes)
    context.output.line(f"gate: {files} golden files, {changes} ledger changes: {len(problems)} problems")
    return EXIT_DIFFERENCES if problems else EXIT_OK


# ---------------------------------------------------------------------------------------------
# show / diff


def _load_snapshot(path: Path) -> dict[str, Any]:
    if not path.exists():
        raise CliError(f"{path}: no such file")
    if path.is_dir():
        raise CliError(f"{path}: is a folder, expected a golden JSON file")
    try:
        return snapshot.load(path)
    except OSError as exc:
        raise CliError(f"{path}: cannot read: {exc.strerror or exc}") from exc


def cmd_show(args: argparse.Namespace, pytest_args: list[str], context: Context) -> int:
    """Print a golden file as a tree."""
    context.output.text(render_tree(_load_snapshot(Path(args.file))))
    return EXIT_OK


def _diff_files(a: Path, b: Path, output: Output, label_a: str | None = None) -> bool:
    """Print the diff of two golden files (``label_a`` names ``a`` in the output); True if they differ."""
    if a.name.endswith(BUDGET_SUFFIX):  # store-call budgets: the two call sequences as a diff
        recorded, calls = budgets.load(a), budgets.load(b)
        output.text(budgets.sequence_diff(recorded, calls, Path(label_a or a)) or "no differences")
        return recorded != calls
    expected, actual = _load_snapshot(a), _load_snapshot(b)
    output.line(f"--- {label_a or a}")
    output.line(f"+++ {b}")
    output.text(tree_diff(expected, actual))
    return expected != actual


def cmd_diff(args: argparse.Namespace, pytest_args: list[str], context: Context) -> int:
    """Tree diff of two golden files, or of two folders pairwise by relative path; with ``--rev``,
    of PATH (default: the golden folder) at a git revision against the working tree."""
    if args.rev is not None:
        if args.b is not None:
            raise CliError("diff --rev REV takes one PATH (compared at REV and in the working tree)")
        return _diff_at_revision(args.rev, Path(args.a) if args.a else context.golden_dir(None), context)
    if args.a is None or args.b is None:
        raise CliError("diff needs two paths A and B (or --rev REV [PATH])")
    return _diff_paths(Path(args.a), Path(args.b), context.output)


def _diff_at_revision(rev: str, path: Path, context: Context) -> int:
    """PATH (file or folder) as committed at ``rev`` against the working tree's PATH."""
    repo = gitrev.repo_root(context.project)
    sha = gitrev.resolve_revision(rev, repo)
    path = (context.project / path).resolve()
    if not path.is_relative_to(repo.resolve()):
        raise CliError(f"{path}: not inside the git repository {repo}")
    relative = path.relative_to(repo.resolve()).as_posix()
    with tempfile.TemporaryDirectory(prefix="mlflow-golden-diff-") as scratch:
        old = Path(scratch) / (path.name or "root")
        files = gitrev.paths_at(repo, sha, relative)
        if not files:
            raise CliError(f"{relative}: not in revision {rev} ({sha[:12]})")
        if files == [relative]:  # a file
            old.write_text(gitrev.file_at(repo, sha, relative) or "", encoding="utf-8")
        else:
            for name in files:
                target = old / PurePosixPath(name).relative_to(relative)
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_text(gitrev.file_at(repo, sha, name) or "", encoding="utf-8")
        if not path.exists():
            raise CliError(f"{path}: no such file or folder in the working tree")
        return _diff_paths(old, path, context.output, label_a=f"{rev}:{relative}")


def _diff_paths(a: Path, b: Path, output: Output, label_a: str | None = None) -> int:
    """Diff two files, or two folders pairwise by relative path (``label_a`` names ``a``)."""
    for path in (a, b):
        if not path.exists():
            raise CliError(f"{path}: no such file or folder")
    if a.is_dir() != b.is_dir():
        raise CliError(f"cannot compare a folder with a file: {label_a or a} and {b}")
    if not a.is_dir():
        return EXIT_DIFFERENCES if _diff_files(a, b, output, label_a) else EXIT_OK
    names_a, names_b = set(manifest.golden_files(a)), set(manifest.golden_files(b))
    differing = 0
    for name in sorted(names_a - names_b):
        output.line(f"only in {label_a or a}: {name}")
    for name in sorted(names_b - names_a):
        output.line(f"only in {b}: {name}")
    for name in sorted(names_a & names_b):
        if (a / name).read_bytes() == (b / name).read_bytes():
            continue
        output.line(f"==== {name} ====")
        differing += _diff_files(a / name, b / name, output, f"{label_a}/{name}" if label_a else None)
    only = len(names_a ^ names_b)
    output.line(
        f"{len(names_a | names_b)} files: {len(names_a & names_b) - differing} identical,"
        f" {differing} differ, {only} only on one side"
    )
    return EXIT_DIFFERENCES if differing or only else EXIT_OK


# ---------------------------------------------------------------------------------------------
# Parser and entry point

Command = Callable[[argparse.Namespace, list[str], Context], int]


_VERIFY_TEXT = f"""\
Run the golden tests (the golden_testpaths ini, else pytest's testpaths, unless test paths or
node ids are given) in a pytest subprocess. Prints a progress line at every tenth of the run, a
line for each scenario that is not ok as it finishes (differs, missing, written, error, skipped;
-v: every scenario, ok too, and no progress lines), one line per orphan golden file (orphan;
removed with {UPDATE_OPTION}), the failure details of differing scenarios (tree diff, then JSON
diff), and a total line. Exit 1 on any difference, missing golden, error or orphan.

Every option the CLI does not know goes to pytest, e.g. {UPDATE_OPTION}, {GOLDEN_DIR_OPTION} DIR,
{BACKEND_OPTION} {{file,sqlite,server,postgres}}, {TARGET_SRC_OPTION} DIR, -n N, -k EXPR, node ids
(an option's value may follow as the next word or after '=')."""

_RECORD_TEXT = f"""\
Check REV out in a temporary git worktree (removed afterwards), run the CURRENT tree's golden
tests against REV's code ({TARGET_SRC_OPTION} <worktree> {UPDATE_OPTION} {GOLDEN_DIR_OPTION} DIR) and update
DIR/MANIFEST.json: files recorded now get REV's full sha and their sha256; other entries keep
their revision while their file exists; entries of deleted files are dropped. The baseline
revision is set by the first record and changes only with --baseline.
Record a later scenario (code the baseline lacks) alone: record --from HEAD -k NAME (or node ids).
Other options go to pytest (-k EXPR, node ids, -n N, {BACKEND_OPTION} ...)."""

_PROVENANCE_TEXT = f"""\
For each revision named in DIR/MANIFEST.json, re-record that revision's files into a temporary
folder (as record does) and compare byte for byte with DIR and with the manifest's sha256. Lists
every file that differs (differs), was edited after recording (changed), is missing, or is not in
the manifest (extra). Exit 1 if any; exit 3 if a revision is not in this clone (shallow clone:
git fetch --unshallow). Other options go to pytest (-n N, {BACKEND_OPTION} ...)."""


_DIFF_TEXT = """\
diff A B: tree diff of two golden files, or of two golden folders pairwise by relative path
(budgets as call-sequence diffs). diff --rev REV [PATH]: PATH (a golden file or folder; default:
the golden folder) as committed at git revision REV (expected side) against the working tree
(actual side). Exit 1 when anything differs."""

_GATE_TEXT = f"""\
Check, without running pytest, that DIR's golden files, DIR/MANIFEST.json and the ledger
DIR/{ledger.LEDGER_NAME} agree, and that since the ledger was added every commit that changed a
golden or budget file (or its recorded revision) added a ledger entry naming it, and every name
a commit added to the ledger is a file that commit changed. Exit 1 on any problem."""


def _usage_with_pytest_args(parser: argparse.ArgumentParser) -> None:
    """Show in the usage line that unknown arguments go to pytest (call after adding arguments)."""
    parser.usage = parser.format_usage().removeprefix("usage: ").rstrip() + " [pytest args ...]"


def build_parser() -> argparse.ArgumentParser:
    """The argument parser; subcommands that run pytest accept unknown options for pytest."""
    parser = argparse.ArgumentParser(
        prog="python -m mlflow_golden",
        description="Golden-behavior harness: what code leaves in MLflow, compared with golden JSON files.",
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def add(
        name: str, func: Command, summary: str, text: str | None, passthrough: bool
    ) -> argparse.ArgumentParser:
        sub = commands.add_parser(
            name, help=summary, description=text or summary + ".", allow_abbrev=False, epilog=_EPILOG,
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )  # fmt: skip
        sub.set_defaults(func=func, passthrough=passthrough)
        return sub

    verify = add(
        "verify", cmd_verify, "run the golden tests: one line per scenario, a total", _VERIFY_TEXT, True
    )  # fmt: skip
    verify.add_argument(
        "-v", "--verbose", action="store_true", help="a line for every scenario, ok too"
    )  # fmt: skip
    verify.add_argument("--no-details", action="store_true", help="do not print failure details")
    verify.add_argument("--show-pytest-output", action="store_true", help="print pytest's own output too")
    _usage_with_pytest_args(verify)

    record = add(
        "record", cmd_record, "record goldens from git revision REV, update MANIFEST.json", _RECORD_TEXT, True
    )  # fmt: skip
    record.add_argument(
        "--from", dest="rev", required=True, metavar="REV", help="git revision to record from"
    )
    record.add_argument("--golden-dir", metavar="DIR", help=_GOLDEN_DIR_HELP)
    record.add_argument(
        "--change", metavar="GC-N",
        help="record as a golden change: the files it changes get this ledger id (default: the next id)",
    )  # fmt: skip
    record.add_argument("--title", help="title of a new ledger change (with --change or alone)")
    record.add_argument("--why", help="why the change was made (a new ledger change needs it)")
    record.add_argument(
        "--baseline", action="store_true",
        help="make REV the manifest's baseline revision (automatic when there is no manifest yet)",
    )  # fmt: skip
    _usage_with_pytest_args(record)

    provenance_parser = add(
        "provenance", cmd_provenance, "re-record goldens from their manifest revisions and compare",
        _PROVENANCE_TEXT, True,
    )  # fmt: skip
    provenance_parser.add_argument("--golden-dir", metavar="DIR", help=_GOLDEN_DIR_HELP)
    _usage_with_pytest_args(provenance_parser)

    gate_parser = add(
        "gate", cmd_gate, "check that every golden change is named by the ledger", _GATE_TEXT, False
    )
    gate_parser.add_argument("--golden-dir", metavar="DIR", help=_GOLDEN_DIR_HELP)

    show = add("show", cmd_show, "print a golden file as a tree", None, False)
    show.add_argument("file", metavar="FILE", help="a golden JSON file")

    diff = add(
        "diff", cmd_diff, "tree diff of two golden files or folders, or one at a revision", _DIFF_TEXT, False
    )  # fmt: skip
    diff.add_argument("a", nargs="?", metavar="A", help="expected side (file or folder); with --rev: PATH")
    diff.add_argument("b", nargs="?", metavar="B", help="actual side (file or folder)")
    diff.add_argument(
        "--rev", metavar="REV",
        help="compare PATH (default: the golden folder) at git revision REV with the working tree",
    )  # fmt: skip
    _add_review_commands(add)
    return parser


_PENDING_TEXT = """\
List the pending files (<golden>.new, left by a compare run that found a difference) per test:
state (new: no golden yet; changed), kind (snapshot, budget), golden file. --json: a list of
{nodeid, golden, pending, kind, state}, paths relative to the golden folder, sorted by golden file.
Collects the golden tests (pytest --collect-only) to know which test owns which file."""

_REVIEW_TEXT = """\
Step through the pending changes one test at a time: the run-tree diff (or the new tree) and the
store-call budget diff, then accept, reject, skip or quit (answers read from stdin). At the end the
rejected pending files are deleted and all accepted tests go through one accept (see accept)."""

_ACCEPT_TEXT = """\
Make pending changes golden. Refuses when the code has uncommitted changes (outside the golden
folder): it records the chosen tests from HEAD (temporary worktree, one pytest run), checks that
every recorded file equals its pending file (or the golden file where nothing is pending), and only
then copies them into the golden folder, updates MANIFEST.json (revision and change id) and
CHANGES.toml (--change GC-N to add to an entry of the same revision; otherwise a new entry needs
--title and --why), and deletes the pending files. Any mismatch writes nothing (exit 1).
PATTERNS are node ids or fnmatch globs of node ids or golden file names."""


def _add_review_commands(
    add: Callable[[str, Command, str, str | None, bool], argparse.ArgumentParser],
) -> None:
    def golden_dir(sub: argparse.ArgumentParser) -> None:
        sub.add_argument("--golden-dir", metavar="DIR", help=_GOLDEN_DIR_HELP)

    def change(sub: argparse.ArgumentParser) -> None:
        sub.add_argument("--change", metavar="GC-N", help="ledger entry to add the files to (same revision)")
        sub.add_argument("--title", metavar="T", help="title of a new ledger entry")
        sub.add_argument("--why", metavar="W", help="why the goldens change (new ledger entry)")

    def choice(sub: argparse.ArgumentParser, verb: str) -> None:
        sub.add_argument(
            "patterns", nargs="*", metavar="PATTERN", help="node id or glob (tests or golden files)"
        )
        sub.add_argument("--all", action="store_true", help=f"{verb} every pending change")

    pending = add(
        "pending", review.cmd_pending, "list pending changes (<golden>.new files)", _PENDING_TEXT, True
    )
    golden_dir(pending)
    pending.add_argument("--json", action="store_true", help="machine-readable list")
    reviewer = add(
        "review", review.cmd_review, "step through pending changes: accept/reject/skip", _REVIEW_TEXT, True
    )
    golden_dir(reviewer)
    change(reviewer)
    accept = add(
        "accept", review.cmd_accept, "record pending changes from HEAD, make them golden", _ACCEPT_TEXT, True
    )
    golden_dir(accept)
    choice(accept, "accept")
    change(accept)
    reject = add("reject", review.cmd_reject, "delete pending changes", None, True)
    golden_dir(reject)
    choice(reject, "reject")
    for sub in (pending, reviewer, accept, reject):
        _usage_with_pytest_args(sub)


_XDIST_MISSING = (
    "-n (parallel scenarios) needs pytest-xdist, which is not installed: "
    'pip install "pytest-mlflow-golden[xdist]"'
)
_DEFAULT_PROBE = object()


def main(
    argv: Sequence[str] | None = None,
    out: TextIO | None = None,
    err: TextIO | None = None,
    project: Path | None = None,
    runner: PytestRunner = run_pytest,
    stdin: TextIO | None = None,
    probe: Probe | object | None = _DEFAULT_PROBE,
) -> int:
    """Entry point of ``python -m mlflow_golden``; returns the exit code.

    ``project`` is the folder pytest runs in (default: the current folder, read here once);
    ``runner`` runs pytest for verify, record and provenance (default: a fresh pytest subprocess);
    ``stdin`` answers review's questions (default: ``sys.stdin``); ``probe`` learns pytest's rootdir
    and golden folder (default: ``_project.probe`` with the real runner; none with a stand-in runner:
    the project folder is the rootdir).
    """
    output = Output(out or sys.stdout, err or sys.stderr)
    parser = build_parser()
    words = list(sys.argv[1:] if argv is None else argv)
    args, extra = parser.parse_known_args(words)
    if args.passthrough:  # a pytest option's value given as the next word stays with it (not a PATTERN)
        split = split_pytest_values(words, keep=frozenset({GOLDEN_DIR_OPTION}))
        args, extra = parser.parse_known_args(split.rest)
        extra = split.pytest_args(extra)
    if extra and not args.passthrough:
        parser.error(f"unrecognized arguments: {' '.join(extra)}")
    if extra[:1] == ["--"]:
        extra = extra[1:]
    if wants_xdist(extra) and not xdist_installed():
        output.error(_XDIST_MISSING)
        return EXIT_UNUSABLE
    if probe is _DEFAULT_PROBE:
        probe = project_probe if runner is run_pytest else None
    try:
        context = Context(
            Path.cwd() if project is None else project, output, runner, stdin or sys.stdin,
            probe=probe if callable(probe) else None, pytest_args=tuple(extra),
        )  # fmt: skip
        code: int = args.func(args, extra, context)
    except (
        CliError, gitrev.GitError, manifest.ManifestError, snapshot.GoldenFileError, budgets.BudgetFileError,
        review.ReviewError, ledger.LedgerError, ProjectProbeError,
    ) as exc:  # fmt: skip
        output.error(str(exc))
        return EXIT_UNUSABLE
    except KeyboardInterrupt:
        output.error("interrupted")
        return EXIT_UNUSABLE
    return code
