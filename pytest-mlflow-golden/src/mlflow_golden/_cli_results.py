"""What a finished scenario run means for the CLI: the total line, the failure details, the exit code.

The exit codes (0 as expected, 1 differences, 2 could not check, 3 provenance revision absent) are
described in ``mlflow_golden._cli``.
"""

from __future__ import annotations

from collections import Counter
from typing import Final

from mlflow_golden._cli_context import Output
from mlflow_golden._runner import PytestRun
from mlflow_golden._status import FAILING, Status

__all__ = [
    "EXIT_DIFFERENCES",
    "EXIT_MISSING_REVISION",
    "EXIT_OK",
    "EXIT_UNUSABLE",
    "judge",
    "print_details",
    "summary",
]

EXIT_OK: Final = 0
EXIT_DIFFERENCES: Final = 1
EXIT_UNUSABLE: Final = 2
EXIT_MISSING_REVISION: Final = 3

_NO_SCENARIOS_COLLECTED = 5
"""pytest's exit code when it collected nothing."""
_SUMMARY_ALWAYS = (Status.OK, Status.DIFFERS, Status.MISSING)
_SUMMARY_IF_ANY = (Status.WRITTEN, Status.ERROR, Status.SKIPPED)


def _statuses(run: PytestRun, orphan_status: Status) -> Counter[Status]:
    counts = Counter(result.status for result in [*run.scenarios, *run.collect_errors])
    counts[orphan_status] += len(run.orphans)
    return counts


def summary(run: PytestRun, orphan_status: Status) -> str:
    """``N scenarios: 2 ok, 1 differs, 0 missing, ..., 0 orphan``; orphans counted as ``orphan_status``."""
    counts = _statuses(run, orphan_status)
    total = len(run.scenarios) + len(run.collect_errors)
    parts = [f"{counts[status]} {status}" for status in _SUMMARY_ALWAYS]
    parts += [f"{counts[status]} {status}" for status in _SUMMARY_IF_ANY if counts[status]]
    parts.append(f"{counts[Status.ORPHAN]} {Status.ORPHAN}")
    if counts[Status.REMOVED]:
        parts.append(f"{counts[Status.REMOVED]} {Status.REMOVED}")
    return f"{total} scenarios: " + ", ".join(parts)


def print_details(output: Output, run: PytestRun) -> None:
    """The report of every failing scenario (and collection error) that has one."""
    for result in [*run.collect_errors, *run.scenarios]:
        if result.status in FAILING and result.details:
            output.line(f"==== {result.status}: {result.nodeid} ====")
            output.text(result.details)


def judge(output: Output, run: PytestRun, orphan_status: Status) -> int:
    """Exit code for a finished scenario run (after its lines were printed)."""
    if run.could_not_run:
        why = "pytest could not run the scenarios"
        if run.exit_code == _NO_SCENARIOS_COLLECTED:
            why = "no scenarios collected"
        output.pytest_failure(run, why)
        return EXIT_UNUSABLE
    failing = sum(count for status, count in _statuses(run, orphan_status).items() if status in FAILING)
    if failing:
        return EXIT_DIFFERENCES
    if run.exit_code != 0:
        output.pytest_failure(run, "pytest failed outside the scenarios")
        return EXIT_DIFFERENCES
    return EXIT_OK
