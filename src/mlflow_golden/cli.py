"""``python -m mlflow_golden``: verify, record, provenance, show, diff.

Every command that runs scenarios runs pytest in a fresh subprocess (``runner.run_pytest``)
from the current folder, which must be the project root (where ``tests/golden`` and
``golden/`` live). Options the CLI does not know pass through to pytest unchanged.

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
import platform
import shutil
import sys
import tempfile
from collections import Counter
from collections.abc import Callable, Sequence
from importlib import metadata
from pathlib import Path
from typing import Any, TextIO

from mlflow_golden import budgets, gitrev, manifest, snapshot
from mlflow_golden.golden_paths import BUDGET_SUFFIX, budget_name, golden_path_for_nodeid
from mlflow_golden.runner import PytestRun, ScenarioResult, run_pytest
from mlflow_golden.tree import render_tree, tree_diff

__all__ = ["EXIT_DIFFERENCES", "EXIT_MISSING_REVISION", "EXIT_OK", "EXIT_UNUSABLE", "main"]

EXIT_OK = 0
EXIT_DIFFERENCES = 1
EXIT_UNUSABLE = 2
EXIT_MISSING_REVISION = 3

FAILING = frozenset({"differs", "missing", "error", "orphan"})
RECORDED = frozenset({"ok", "written"})
"""Statuses of a scenario whose golden file now holds what the scenario produced."""
_SUMMARY_ALWAYS = ("ok", "differs", "missing")
_SUMMARY_IF_ANY = ("written", "error", "skipped")

_EPILOG = """\
exit codes: 0 all as expected; 1 differences (differs, missing, error, orphan, provenance
mismatch); 2 could not check (usage, pytest could not run, unreadable files, git errors);
3 provenance: a manifest revision is not in this clone (shallow clone?).
Run from the project root (the folder holding tests/golden and golden/)."""


class CliError(Exception):
    """A problem the user must fix; printed as ``error: ...`` with exit code 2."""


class _Output:
    """Writes the CLI's lines to stdout (results) and stderr (problems), flushing each line."""

    def __init__(self, out: TextIO, err: TextIO) -> None:
        self.out = out
        self.err = err

    def line(self, text: str = "") -> None:
        self.out.write(text + "\n")
        self.out.flush()

    def text(self, text: str) -> None:
        self.out.write(text if text.endswith("\n") else text + "\n")
        self.out.flush()

    def error(self, text: str) -> None:
        self.err.write(f"error: {text}\n")
        self.err.flush()

    def status(self, status: str, name: str) -> None:
        self.line(f"{status:<8} {name}")


# ---------------------------------------------------------------------------------------------
# Running scenarios


def _show_pytest_failure(output: _Output, run: PytestRun, why: str) -> None:
    output.error(f"{why} (pytest exit code {run.exit_code}); pytest said:")
    output.err.write(run.output if run.output.endswith("\n") else run.output + "\n")
    output.err.flush()


def _run_scenarios(
    output: _Output,
    args: Sequence[str],
    cwd: Path,
    show: Callable[[ScenarioResult], bool],
    announce: bool = True,
) -> PytestRun:
    """Run pytest, printing a line per scenario ``show`` accepts as results arrive
    (and, if ``announce``, the number of collected scenarios once known)."""

    def on_collected(count: int) -> None:
        if announce:
            output.line(f"collected {count} scenarios")

    def on_result(result: ScenarioResult) -> None:
        if show(result):
            output.status(result.status, result.nodeid)

    return run_pytest(args, cwd, on_result=on_result, on_collected=on_collected)


def _statuses(run: PytestRun, orphan_status: str) -> Counter[str]:
    counts = Counter(result.status for result in [*run.scenarios, *run.collect_errors])
    counts[orphan_status] += len(run.orphans)
    return counts


def _summary(run: PytestRun, orphan_status: str) -> str:
    counts = _statuses(run, orphan_status)
    total = len(run.scenarios) + len(run.collect_errors)
    parts = [f"{counts[name]} {name}" for name in _SUMMARY_ALWAYS]
    parts += [f"{counts[name]} {name}" for name in _SUMMARY_IF_ANY if counts[name]]
    parts.append(f"{counts['orphan']} orphan")
    if counts["removed"]:
        parts.append(f"{counts['removed']} removed")
    return f"{total} scenarios: " + ", ".join(parts)


def _print_details(output: _Output, run: PytestRun) -> None:
    for result in [*run.collect_errors, *run.scenarios]:
        if result.status in FAILING and result.details:
            output.line(f"==== {result.status}: {result.nodeid} ====")
            output.text(result.details)


def _judge(output: _Output, run: PytestRun, orphan_status: str) -> int:
    """Exit code for a finished scenario run (after its lines were printed)."""
    if run.could_not_run:
        why = "pytest could not run the scenarios"
        if run.exit_code == 5:
            why = "no scenarios collected"
        _show_pytest_failure(output, run, why)
        return EXIT_UNUSABLE
    failing = sum(count for status, count in _statuses(run, orphan_status).items() if status in FAILING)
    if failing:
        return EXIT_DIFFERENCES
    if run.exit_code != 0:
        _show_pytest_failure(output, run, "pytest failed outside the scenarios")
        return EXIT_DIFFERENCES
    return EXIT_OK


def _updating(pytest_args: Sequence[str]) -> bool:
    return "--golden-update" in pytest_args


def cmd_verify(args: argparse.Namespace, pytest_args: list[str], output: _Output) -> int:
    """Run the golden tests; one line per scenario, a total line; exit 1 on any difference."""
    orphan_status = "removed" if _updating(pytest_args) else "orphan"
    run = _run_scenarios(output, pytest_args, Path.cwd(), show=lambda _: True)
    for path in run.orphans:
        output.status(orphan_status, path)
    if not args.no_details:
        _print_details(output, run)
    if args.show_pytest_output:
        output.text(run.output)
    output.line(_summary(run, orphan_status))
    return _judge(output, run, orphan_status)


# ---------------------------------------------------------------------------------------------
# record / provenance


def _golden_dir(args: argparse.Namespace) -> Path:
    return (Path(args.golden_dir) if args.golden_dir else Path.cwd() / "golden").resolve()


def _target_src(worktree: Path, repo: Path, project: Path) -> Path:
    """The project's folder inside a worktree of its repository (the project may be a subfolder)."""
    return worktree / project.resolve().relative_to(repo.resolve())


def _recording_args(pytest_args: Sequence[str], target: Path, golden_dir: Path) -> list[str]:
    # "--opt=value" keeps pytest from taking the folders for test paths when it picks the rootdir.
    return [*pytest_args, f"--target-src={target}", "--golden-update", f"--golden-dir={golden_dir}"]


def _golden_name(nodeid: str, golden_dir: Path) -> str:
    return golden_path_for_nodeid(nodeid, golden_dir).relative_to(golden_dir).as_posix()


def _versions() -> dict[str, str]:
    """MLflow and Python versions of this environment (the child pytest uses the same interpreter)."""
    return {"mlflow_version": metadata.version("mlflow"), "python_version": platform.python_version()}


def cmd_record(args: argparse.Namespace, pytest_args: list[str], output: _Output) -> int:
    """Record goldens from REV's code (temporary worktree) with the current tests; update the manifest."""
    project = Path.cwd()
    repo = gitrev.repo_root(project)
    sha = gitrev.resolve_revision(args.rev, repo)
    golden_dir = _golden_dir(args)
    manifest_path = golden_dir / manifest.MANIFEST_NAME
    previous = manifest.load(manifest_path) if manifest_path.exists() else None  # unreadable: stop now
    output.line(f"recording from {args.rev} ({sha}) into {golden_dir}")
    with gitrev.worktree(repo, sha) as tree:
        run = _run_scenarios(
            output,
            _recording_args(pytest_args, _target_src(tree, repo, project), golden_dir),
            project,
            show=lambda _: True,
        )
    for path in run.orphans:
        output.status("removed", path)
    recorded = [_golden_name(r.nodeid, golden_dir) for r in run.scenarios if r.status in RECORDED]
    recorded += [budget_name(name) for name in recorded]  # a scenario records its store-call budget too
    if recorded or previous is not None:
        updated = manifest.update(previous, golden_dir, recorded, sha, baseline=args.baseline, **_versions())
        manifest.write(manifest_path, updated)
        output.line(
            f"recorded {len(recorded)} files from {sha[:12]}; wrote {manifest_path}"
            f" (baseline {updated.baseline_revision[:12]}, {len(updated.files)} files)"
        )
    _print_details(output, run)
    output.line(_summary(run, "removed"))
    return _judge(output, run, "removed")


def _compare(
    golden_dir: Path, rerecorded: dict[str, Path], recorded: manifest.Manifest
) -> list[tuple[str, str, str]]:
    """(problem, file, why) for every golden file whose provenance does not hold, by file name."""
    problems: list[tuple[str, str, str]] = []
    for name, entry in sorted(recorded.files.items()):
        golden = golden_dir / name
        again = rerecorded[entry.revision] / name
        short = entry.revision[:12]
        if not golden.is_file():
            problems.append(("missing", name, f"in the manifest, not in {golden_dir}"))
            continue
        if manifest.sha256_file(golden) != entry.sha256:
            problems.append(("changed", name, "sha256 differs from the manifest"))
        if not again.is_file():
            problems.append(("missing", name, f"re-recording from {short} produced no file"))
        elif again.read_bytes() != golden.read_bytes():
            problems.append(("differs", name, f"re-recorded from {short}, bytes differ"))
    for name in manifest.golden_files(golden_dir):
        if name not in recorded.files:
            problems.append(("extra", name, "not in the manifest"))
    return problems


def _owned_name(nodeid: str, golden_dir: Path) -> str | None:
    """The golden file (relative name) a test node id owns; None for a non-test id (a module)."""
    try:
        return _golden_name(nodeid, golden_dir)
    except ValueError:
        return None


def _check_revisions_present(recorded: manifest.Manifest, repo: Path, output: _Output) -> bool:
    absent = [revision for revision in recorded.revisions() if not gitrev.has_commit(revision, repo)]
    if not absent:
        return True
    shallow = " (this clone is shallow)" if gitrev.is_shallow(repo) else ""
    for revision in absent:
        count = sum(entry.revision == revision for entry in recorded.files.values())
        output.error(f"revision {revision} ({count} golden files) is not in this clone{shallow}")
    output.error("cannot check provenance; fetch the full history, e.g. 'git fetch --unshallow'")
    return False


def _rerecord(
    recorded: manifest.Manifest, pytest_args: Sequence[str], repo: Path, scratch: Path, output: _Output
) -> dict[str, Path] | None:
    """Re-record each revision's files into ``scratch/<sha>``; None when pytest could not run.

    The first revision runs every collected scenario (its run also yields the node ids); later
    revisions run only the scenarios owning their files. Only problems with a revision's own
    files are printed: scenarios of later code may fail on an older revision.
    """
    project = Path.cwd()
    folders: dict[str, Path] = {}
    nodeids: list[str] | None = None
    for revision in recorded.revisions():
        out_dir = folders[revision] = scratch / revision
        wanted = {name for name, entry in recorded.files.items() if entry.revision == revision}
        selection: list[str] = []
        if nodeids is not None:
            selection = [nodeid for nodeid in nodeids if _owned_name(nodeid, out_dir) in wanted]
            if not selection:
                output.line(f"{revision[:12]}: no collected scenario records its {len(wanted)} files")
                continue
        output.line(f"re-recording {len(wanted)} files from {revision[:12]}")

        def show(result: ScenarioResult, out_dir: Path = out_dir, wanted: set[str] = wanted) -> bool:
            name = _owned_name(result.nodeid, out_dir)
            return result.status not in RECORDED and (name is None or name in wanted)

        with gitrev.worktree(repo, revision) as tree:
            args = _recording_args([*pytest_args, *selection], _target_src(tree, repo, project), out_dir)
            run = _run_scenarios(output, args, project, show=show, announce=False)
        if run.could_not_run:
            _show_pytest_failure(output, run, f"pytest could not re-record from {revision[:12]}")
            return None
        if nodeids is None:
            nodeids = run.collected or []
    return folders


def cmd_provenance(args: argparse.Namespace, pytest_args: list[str], output: _Output) -> int:
    """Re-record every golden from its manifest revision into a temp folder; compare byte for byte."""
    golden_dir = _golden_dir(args)
    recorded = manifest.load(golden_dir / manifest.MANIFEST_NAME)
    repo = gitrev.repo_root(Path.cwd())
    if not _check_revisions_present(recorded, repo, output):
        return EXIT_MISSING_REVISION
    scratch = Path(tempfile.mkdtemp(prefix="mlflow-golden-provenance-"))
    try:
        folders = _rerecord(recorded, pytest_args, repo, scratch, output)
        if folders is None:
            return EXIT_UNUSABLE
        problems = _compare(golden_dir, folders, recorded)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    for problem, name, why in problems:
        output.status(problem, f"{name} ({why})")
    output.line(
        f"{len(recorded.files)} golden files from {len(recorded.revisions())} revisions:"
        f" {len({name for _, name, _ in problems})} with problems"
    )
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


def cmd_show(args: argparse.Namespace, pytest_args: list[str], output: _Output) -> int:
    """Print a golden file as a tree."""
    output.text(render_tree(_load_snapshot(Path(args.file))))
    return EXIT_OK


def _diff_files(a: Path, b: Path, output: _Output) -> bool:
    if a.name.endswith(BUDGET_SUFFIX):  # store-call budgets: the two call sequences as a diff
        recorded, calls = budgets.load(a), budgets.load(b)
        output.text(budgets.sequence_diff(recorded, calls, a) or "no differences")
        return recorded != calls
    expected, actual = _load_snapshot(a), _load_snapshot(b)
    output.line(f"--- {a}")
    output.line(f"+++ {b}")
    output.text(tree_diff(expected, actual))
    return expected != actual


def cmd_diff(args: argparse.Namespace, pytest_args: list[str], output: _Output) -> int:
    """Tree diff of two golden files, or of two folders pairwise by relative path."""
    a, b = Path(args.a), Path(args.b)
    for path in (a, b):
        if not path.exists():
            raise CliError(f"{path}: no such file or folder")
    if a.is_dir() != b.is_dir():
        raise CliError(f"cannot compare a folder with a file: {a} and {b}")
    if not a.is_dir():
        return EXIT_DIFFERENCES if _diff_files(a, b, output) else EXIT_OK
    names_a, names_b = set(manifest.golden_files(a)), set(manifest.golden_files(b))
    differing = 0
    for name in sorted(names_a - names_b):
        output.line(f"only in {a}: {name}")
    for name in sorted(names_b - names_a):
        output.line(f"only in {b}: {name}")
    for name in sorted(names_a & names_b):
        if (a / name).read_bytes() == (b / name).read_bytes():
            continue
        output.line(f"==== {name} ====")
        differing += _diff_files(a / name, b / name, output)
    only = len(names_a ^ names_b)
    output.line(
        f"{len(names_a | names_b)} files: {len(names_a & names_b) - differing} identical,"
        f" {differing} differ, {only} only on one side"
    )
    return EXIT_DIFFERENCES if differing or only else EXIT_OK


# ---------------------------------------------------------------------------------------------
# Parser and entry point

Command = Callable[[argparse.Namespace, list[str], _Output], int]


_VERIFY_TEXT = """\
Run the golden tests (tests/golden unless test paths or node ids are given) in a pytest
subprocess. Prints one line per scenario as it finishes (ok, differs, missing, written, error,
skipped), one line per orphan golden file (orphan; removed with --golden-update), the failure
details of differing scenarios (tree diff, then JSON diff), and a total line. Exit 1 on any
difference, missing golden, error or orphan.

Every option the CLI does not know goes to pytest, e.g. --golden-update, --golden-dir DIR,
--mlflow-backend {file,sqlite,server}, --target-src DIR, -n N, -k EXPR, node ids."""

_RECORD_TEXT = """\
Check REV out in a temporary git worktree (removed afterwards), run the CURRENT tree's golden
tests against REV's code (--target-src <worktree> --golden-update --golden-dir DIR) and update
DIR/MANIFEST.json: files recorded now get REV's full sha and their sha256; other entries keep
their revision while their file exists; entries of deleted files are dropped. The baseline
revision is set by the first record and changes only with --baseline.
Record a later scenario (code the baseline lacks) alone: record --from HEAD -k NAME (or node ids).
Other options go to pytest (-k EXPR, node ids, -n N, --mlflow-backend ...)."""

_PROVENANCE_TEXT = """\
For each revision named in DIR/MANIFEST.json, re-record that revision's files into a temporary
folder (as record does) and compare byte for byte with DIR and with the manifest's sha256. Lists
every file that differs (differs), was edited after recording (changed), is missing, or is not in
the manifest (extra). Exit 1 if any; exit 3 if a revision is not in this clone (shallow clone:
git fetch --unshallow). Other options go to pytest (-n N, --mlflow-backend ...)."""


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
    verify.add_argument("--no-details", action="store_true", help="do not print failure details")
    verify.add_argument("--show-pytest-output", action="store_true", help="print pytest's own output too")
    _usage_with_pytest_args(verify)

    record = add(
        "record", cmd_record, "record goldens from git revision REV, update MANIFEST.json", _RECORD_TEXT, True
    )  # fmt: skip
    record.add_argument(
        "--from", dest="rev", required=True, metavar="REV", help="git revision to record from"
    )
    record.add_argument("--golden-dir", metavar="DIR", help="golden folder (default: ./golden)")
    record.add_argument(
        "--baseline", action="store_true",
        help="make REV the manifest's baseline revision (automatic when there is no manifest yet)",
    )  # fmt: skip
    _usage_with_pytest_args(record)

    provenance = add(
        "provenance", cmd_provenance, "re-record goldens from their manifest revisions and compare",
        _PROVENANCE_TEXT, True,
    )  # fmt: skip
    provenance.add_argument("--golden-dir", metavar="DIR", help="golden folder (default: ./golden)")
    _usage_with_pytest_args(provenance)

    show = add("show", cmd_show, "print a golden file as a tree", None, False)
    show.add_argument("file", metavar="FILE", help="a golden JSON file")

    diff = add("diff", cmd_diff, "tree diff of two golden files, or of two golden folders", None, False)
    diff.add_argument("a", metavar="A", help="expected side (file or folder)")
    diff.add_argument("b", metavar="B", help="actual side (file or folder)")
    return parser


def main(argv: Sequence[str] | None = None, out: TextIO | None = None, err: TextIO | None = None) -> int:
    """Entry point of ``python -m mlflow_golden``; returns the exit code."""
    output = _Output(out or sys.stdout, err or sys.stderr)
    parser = build_parser()
    args, extra = parser.parse_known_args(list(sys.argv[1:] if argv is None else argv))
    if extra and not args.passthrough:
        parser.error(f"unrecognized arguments: {' '.join(extra)}")
    if extra[:1] == ["--"]:
        extra = extra[1:]
    try:
        code: int = args.func(args, extra, output)
    except (
        CliError, gitrev.GitError, manifest.ManifestError, snapshot.GoldenFileError, budgets.BudgetFileError
    ) as exc:  # fmt: skip
        output.error(str(exc))
        return EXIT_UNUSABLE
    except KeyboardInterrupt:
        output.error("interrupted")
        return EXIT_UNUSABLE
    return code
