"""``python -m mutation_gate [MODULE ...]``: mutate, run the goldens, hold survivors to the list.

MODULE is a target's path, dotted name or file stem (``tag_helpers``); none means every target.
Exit codes: 0 every survivor is accepted and no accepted entry is stale; 1 otherwise; 2 usage.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import time
from collections import Counter
from pathlib import Path

from mutation_gate import contextmanager_support
from mutation_gate.ratchet import MutationKey, Verdict, judge, key_of, load_accepted, toml_entry
from mutation_gate.results import (
    DETECTED,
    UNDETECTED,
    Mutant,
    module_name,
    read_mutants,
    scenarios_by_function,
    scenarios_for,
)
from mutation_gate.targets import configured_targets, select

MUTANTS_DIR = Path("mutants")


def _say(line: str = "") -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def run_mutmut(modules: list[str], all_targets: bool, max_children: int | None) -> None:
    """A fresh mutmut run (no cached verdicts) over the given modules' mutants."""
    contextmanager_support.install()
    from mutmut.__main__ import cli  # imported late: it fixes the multiprocessing start method

    shutil.rmtree(MUTANTS_DIR, ignore_errors=True)
    args = ["run"]
    if max_children:
        args += ["--max-children", str(max_children)]
    if not all_targets:
        args += [f"{module}.*" for module in modules]
    try:
        cli.main(args, standalone_mode=False)
    except SystemExit as stop:
        if stop.code not in (None, 0):
            raise


def summary_table(mutants: list[Mutant], modules: list[str], listed: set[str]) -> list[str]:
    """One line per module: generated, killed, survived (of which accepted)."""
    rows = [f"{'module':<40} {'generated':>9} {'killed':>7} {'survived':>8} {'accepted':>8}"]
    for module in modules:
        own = [mutant for mutant in mutants if mutant.module == module]
        statuses = Counter(mutant.status for mutant in own)
        killed = sum(statuses[status] for status in DETECTED)
        survived = sum(statuses[status] for status in UNDETECTED)
        accepted = sum(1 for mutant in own if mutant.name in listed)
        rows.append(f"{module:<40} {len(own):>9} {killed:>7} {survived:>8} {accepted:>8}")
        odd = {status: count for status, count in statuses.items() if status not in DETECTED | UNDETECTED}
        if odd:
            rows.append(f"  unexpected statuses: {odd}")
    return rows


def report(verdict: Verdict, keys: dict[str, MutationKey]) -> None:
    by_function = scenarios_by_function()
    for mutant in verdict.unlisted:
        scenarios = scenarios_for(mutant, by_function)
        _say(f"\nSURVIVOR {mutant.name} ({mutant.status})")
        _say(mutant.diff())
        _say(f"golden scenarios that ran it ({len(scenarios)}):")
        for node_id in scenarios:
            _say(f"  {node_id}")
        _say("accepted.toml entry, if (and only if) it is equivalent:")
        _say(toml_entry(keys[mutant.name]))
    for entry in verdict.stale:
        _say(f"\nSTALE accepted entry (no longer survives; remove it): {entry.key}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m mutation_gate", description=__doc__)
    parser.add_argument("modules", nargs="*", help="target path, dotted module or file stem")
    parser.add_argument("--max-children", type=int, default=None, help="parallel mutant workers")
    args = parser.parse_args(argv)
    targets = configured_targets()
    try:
        chosen = select(targets, args.modules)
        accepted = load_accepted()
    except ValueError as problem:
        _say(f"error: {problem}")
        return 2
    modules = [module_name(path) for path in chosen]

    started = time.monotonic()
    run_mutmut(modules, all_targets=len(chosen) == len(targets), max_children=args.max_children)
    elapsed = time.monotonic() - started

    mutants = read_mutants(chosen)
    survivors = [mutant for mutant in mutants if mutant.status in UNDETECTED]
    keys = {mutant.name: key_of(mutant) for mutant in survivors}
    verdict = judge(survivors, keys, accepted, set(modules))
    report(verdict, keys)

    _say()
    for row in summary_table(mutants, modules, {mutant.name for mutant in verdict.accepted}):
        _say(row)
    _say(f"mutation run: {elapsed:.0f} s; {len(verdict.unlisted)} unlisted survivor(s), "
         f"{len(verdict.stale)} stale accepted entr{'y' if len(verdict.stale) == 1 else 'ies'}")
    return 1 if verdict.unlisted or verdict.stale else 0


if __name__ == "__main__":
    sys.exit(main())
