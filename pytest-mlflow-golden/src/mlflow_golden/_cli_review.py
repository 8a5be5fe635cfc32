"""``pending``, ``review``, ``accept``, ``reject``: the review workflow of pending changes.

A compare run that finds a difference leaves ``<golden>.new`` beside the golden file (``_pending``
writes them, ``_pending_changes`` finds them). ``pending`` lists them, ``review`` shows each test's
run-tree and budget diffs and asks what to do, ``accept`` makes them golden by recording them again
from HEAD (``_accept``), ``reject`` deletes them. Pending files are grouped per test with the test ids
one ``--collect-only`` pytest run yields.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Mapping, Sequence
from pathlib import Path

from mlflow_golden import _budgets as budgets
from mlflow_golden import _gitrev as gitrev
from mlflow_golden import _pending_changes as pending
from mlflow_golden import _snapshot as snapshot
from mlflow_golden._accept import accept
from mlflow_golden._change_record import ChangeRequest
from mlflow_golden._cli_context import Context, Output
from mlflow_golden._cli_results import EXIT_OK, EXIT_UNUSABLE
from mlflow_golden._pending_changes import Kind, Pending, PendingTest
from mlflow_golden._recording import versions
from mlflow_golden._tree import render_tree, tree_diff

__all__ = ["ReviewError", "cmd_accept", "cmd_pending", "cmd_reject", "cmd_review", "collect"]

COLLECT_ONLY = "--collect-only"


class ReviewError(Exception):
    """A problem the user must fix (nothing matched, pytest could not collect); exit code 2."""


def collect(context: Context, pytest_args: Sequence[str]) -> list[str]:
    """The node ids of the project's golden tests (one ``--collect-only`` pytest run)."""
    run = context.run_scenarios([*pytest_args, COLLECT_ONLY], show=lambda _: False, announce=False)
    if run.could_not_run or run.collected is None:
        context.output.pytest_failure(run, "pytest could not collect the golden tests")
        raise ReviewError("cannot map pending files to tests")
    return run.collected


def _groups(context: Context, golden_dir: Path, pytest_args: Sequence[str]) -> list[PendingTest]:
    found = pending.find(golden_dir)
    if not found:
        return []
    return pending.by_test(found, collect(context, pytest_args), golden_dir)


def _request(args: argparse.Namespace) -> ChangeRequest:
    return ChangeRequest(args.change, args.title, args.why)


# ---------------------------------------------------------------------------------------------
# pending


def _entry(group: PendingTest, item: Pending) -> dict[str, str | None]:
    return {"nodeid": group.nodeid, "golden": item.golden, "pending": item.pending, "kind": item.kind,
            "state": item.state}  # fmt: skip


def cmd_pending(args: argparse.Namespace, pytest_args: list[str], context: Context) -> int:
    """List the pending files per test (``--json``: one object per file, sorted by golden file)."""
    output = context.output
    groups = _groups(context, context.golden_dir(args.golden_dir), pytest_args)
    if args.json:
        entries = sorted(
            (_entry(g, item) for g in groups for item in g.files), key=lambda e: str(e["golden"])
        )
        output.text(json.dumps(entries, indent=2))
        return EXIT_OK
    for group in groups:
        output.line(group.nodeid or "(no collected test owns this file)")
        for item in group.files:
            output.line(f"  {item.state:<8} {item.kind:<8} {item.golden}")
    files = sum(len(group.files) for group in groups)
    output.line(f"{files} pending files of {sum(g.nodeid is not None for g in groups)} tests")
    return EXIT_OK


# ---------------------------------------------------------------------------------------------
# review


def show_diff(output: Output, golden_dir: Path, item: Pending) -> None:
    """What accepting ``item`` changes: the run-tree diff (or the new tree), or the budget diff."""
    golden, new = golden_dir / item.golden, golden_dir / item.pending
    exists = golden.is_file()
    if item.kind == Kind.BUDGET:
        before = budgets.load(golden) if exists else []
        output.text(budgets.sequence_diff(before, budgets.load(new), Path(item.golden)) or "no differences")
    elif exists:
        output.line(f"--- {item.golden}")
        output.line(f"+++ {item.pending}")
        output.text(tree_diff(snapshot.load(golden), snapshot.load(new)))
    else:
        output.line(f"new golden file {item.golden}:")
        output.text(render_tree(snapshot.load(new)))


_ANSWERS: Mapping[str, str] = {
    "a": "accept", "accept": "accept", "r": "reject", "reject": "reject",
    "s": "skip", "skip": "skip", "": "skip", "q": "quit", "quit": "quit",
}  # fmt: skip


def _ask(context: Context, question: str, answers: Mapping[str, str] | None = None) -> str | None:
    """Ask until the answer is one of ``answers`` (any text if None); None at end of input."""
    while True:
        context.output.prompt(question)
        line = context.stdin.readline()
        if not line:
            context.output.line()
            return None
        answer = line.strip()
        if not context.stdin.isatty():  # scripted answers: show them, so the transcript reads as typed
            context.output.line(answer)
        if answers is None:
            return answer
        if answer.lower() in answers:
            return answers[answer.lower()]
        context.output.line("answer a (accept), r (reject), s (skip) or q (quit)")


def _reject(golden_dir: Path, groups: Sequence[PendingTest], output: Output) -> None:
    for group in groups:
        for item in group.files:
            (golden_dir / item.pending).unlink(missing_ok=True)
            output.line(f"rejected {item.pending}")


def _complete(context: Context, request: ChangeRequest) -> ChangeRequest | None:
    """The change request, asking for a title and a why a new change needs (None: input ended)."""
    if request.id is not None or (request.title and request.why):
        return request
    title = request.title or _ask(context, "title of this golden change: ")
    why = request.why or _ask(context, "why the goldens change: ")
    if not title or not why:
        return None
    return ChangeRequest(None, title, why)


def cmd_review(args: argparse.Namespace, pytest_args: list[str], context: Context) -> int:
    """Step through the pending changes per test; apply the decisions at the end (one accept run)."""
    output = context.output
    golden_dir = context.golden_dir(args.golden_dir)
    groups = _groups(context, golden_dir, pytest_args)
    owned = [group for group in groups if group.nodeid is not None]
    for group in groups:
        if group.nodeid is None:
            output.line(f"no collected test owns {group.files[0].pending}: run its test, or reject it")
    if not owned:
        output.line("nothing pending")
        return EXIT_OK
    dirty = gitrev.dirty_paths(gitrev.repo_root(context.project), [golden_dir])
    if dirty:
        output.line(
            f"note: {len(dirty)} uncommitted paths outside the golden folder"
            f" ({', '.join(dirty[:3])}{', ...' if len(dirty) > 3 else ''});"
            " accepting will refuse until they are committed (rejecting works)"
        )
    decisions: dict[str, list[PendingTest]] = {"accept": [], "reject": [], "skip": []}
    for number, group in enumerate(owned, start=1):
        output.line(f"==== [{number}/{len(owned)}] {group.nodeid} ====")
        for item in group.files:
            show_diff(output, golden_dir, item)
        answer = _ask(context, "accept, reject, skip, quit? [a/r/s/q] ", _ANSWERS)
        if answer is None or answer == "quit":
            break
        decisions[answer].append(group)
    accepted, rejected = decisions["accept"], decisions["reject"]
    output.line(
        f"reviewed {len(accepted) + len(rejected) + len(decisions['skip'])} of {len(owned)} tests:"
        f" {len(accepted)} to accept, {len(rejected)} rejected, {len(decisions['skip'])} skipped"
    )
    _reject(golden_dir, rejected, output)
    if not accepted:
        return EXIT_OK
    request = _complete(context, _request(args))
    if request is None:
        output.error("no title and why for the change: nothing accepted (the pending files are kept)")
        return EXIT_UNUSABLE
    return accept(context, golden_dir, accepted, request, versions(), pytest_args)


# ---------------------------------------------------------------------------------------------
# accept / reject


def _check_choice(args: argparse.Namespace) -> None:
    if args.all == bool(args.patterns):
        raise ReviewError("name node ids or globs, or --all (not both)")


def _chosen(args: argparse.Namespace, groups: Sequence[PendingTest]) -> list[PendingTest]:
    if args.all:
        chosen = list(groups)
    else:
        chosen, unmatched = pending.select(groups, args.patterns)
        if unmatched:
            raise ReviewError(f"nothing pending matches {', '.join(unmatched)} (see 'pending')")
    if not chosen:
        raise ReviewError("nothing pending")
    return chosen


def cmd_accept(args: argparse.Namespace, pytest_args: list[str], context: Context) -> int:
    """Record the chosen tests from HEAD; if that is what is pending, make it golden as one change."""
    golden_dir = context.golden_dir(args.golden_dir)
    _check_choice(args)
    groups = _groups(context, golden_dir, pytest_args)
    if args.all:  # files no test owns cannot be recorded: say so, accept the others
        for group in groups:
            if group.nodeid is None:
                context.output.line(
                    f"not accepted: no collected test owns {group.files[0].pending} (reject it?)"
                )
        groups = [group for group in groups if group.nodeid is not None]
    chosen = _chosen(args, groups)
    unowned = [group.files[0].pending for group in chosen if group.nodeid is None]
    if unowned:
        raise ReviewError(f"no collected test owns {', '.join(unowned)}: cannot record it (reject it?)")
    return accept(context, golden_dir, chosen, _request(args), versions(), pytest_args)


def cmd_reject(args: argparse.Namespace, pytest_args: list[str], context: Context) -> int:
    """Delete the chosen pending files."""
    golden_dir = context.golden_dir(args.golden_dir)
    _check_choice(args)
    groups = (
        [PendingTest(None, (item,)) for item in pending.find(golden_dir)]
        if args.all
        else _groups(context, golden_dir, pytest_args)
    )
    chosen = _chosen(args, groups)
    _reject(golden_dir, chosen, context.output)
    context.output.line(f"rejected {sum(len(group.files) for group in chosen)} pending files")
    return EXIT_OK
