"""Store-call budgets: the sequence of tracking-store calls a scenario may make.

Every store call is one round trip on a remote tracking server, so a refactor must not add one.
A budget file (``<golden>.calls.json``, beside the behavior golden but apart from it, so cutting
round trips never touches a behavior golden) holds the store method names the scenario called, in
order, as the recorder logged them. ``judge`` compares a scenario's calls with it:

- the same sequence: ``ok``;
- fewer calls (any sequence): ``lower`` - passes, with a notice that the budget can be lowered
  by re-recording;
- more calls, or a different sequence of the same length: ``over`` - fails, showing both
  sequences as a unified diff;
- no budget file: ``missing`` - fails unless updating, like a missing golden.

A compare run writes the actual budget as a pending file (``<budget>.new``, ``mlflow_golden._pending``)
when the budget is over, missing, or can be lowered (so a lowered budget can be accepted through
``review``, although the run passes).

A scenario whose calls really differ on one backend (a store rejects an argument another accepts,
so the code under test takes a fallback path there) says so with
``@pytest.mark.golden_budget_differs_on("server", reason=...)``: its budget is not checked (and
not written) on that backend, with a ``BudgetNotChecked`` warning naming the reason.
"""

from __future__ import annotations

import difflib
import json
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

import pytest

SCHEMA = 1


class BudgetFileError(Exception):
    """A budget file cannot be used (corrupt JSON, wrong shape, unknown schema)."""


class BudgetCanBeLowered(UserWarning):
    """A scenario made fewer store calls than its budget: re-record to lower the budget."""


class BudgetNotChecked(UserWarning):
    """A scenario's store calls differ on this backend by declaration; its budget is not checked."""


MARKER = "golden_budget_differs_on"
MARKER_HELP = f"{MARKER}(*backends, reason): the scenario's store calls differ there; budget not checked"


def exempt(item: pytest.Item, backend: str) -> bool:
    """True (with a ``BudgetNotChecked`` warning) when ``item`` declares other calls on ``backend``."""
    marker = item.get_closest_marker(MARKER)
    if marker is None or backend not in marker.args:
        return False
    reason = marker.kwargs.get("reason", "no reason given")
    warnings.warn(BudgetNotChecked(f"{item.nodeid}: budget not checked on {backend}: {reason}"), stacklevel=3)
    return True


class BudgetStatus(StrEnum):
    """How a scenario's store calls compare with its budget (see the module docstring)."""

    OK = "ok"
    LOWER = "lower"
    OVER = "over"
    MISSING = "missing"
    WRITTEN = "written"


@dataclass(frozen=True)
class Verdict:
    """The outcome of comparing a scenario's calls with its budget file."""

    status: BudgetStatus
    message: str = ""


def dumps(calls: Sequence[str]) -> str:
    """Canonical text: sorted keys, 2-space indent, one call per line, trailing newline."""
    data = {"schema": SCHEMA, "count": len(calls), "calls": list(calls)}
    return json.dumps(data, sort_keys=True, indent=2) + "\n"


def load(path: Path) -> list[str]:
    """The recorded call sequence; ``BudgetFileError`` naming the file if unusable."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise BudgetFileError(f"{path}: corrupt budget file ({exc})") from exc
    if not isinstance(data, dict) or data.get("schema") != SCHEMA:
        raise BudgetFileError(f"{path}: not a schema-{SCHEMA} budget file")
    calls = data.get("calls")
    if not isinstance(calls, list) or not all(isinstance(call, str) for call in calls):
        raise BudgetFileError(f"{path}: 'calls' must be a list of store method names")
    return calls


def sequence_diff(recorded: Sequence[str], actual: Sequence[str], path: Path) -> str:
    """Both sequences in one unified diff with full context (``-`` only recorded, ``+`` only now)."""
    lines = difflib.unified_diff(
        list(recorded),
        list(actual),
        fromfile=f"{path} (budget, {len(recorded)} calls)",
        tofile=f"actual ({len(actual)} calls)",
        n=max(len(recorded), len(actual)),
        lineterm="",
    )
    return "\n".join(lines)


def judge(
    path: Path, calls: Sequence[str], nodeid: str, *, update: bool, write_missing: bool = False
) -> Verdict:
    """Compare ``calls`` with the budget at ``path``; write it when updating, or when it is missing
    and ``write_missing`` (``--golden-update-missing``)."""
    text = dumps(calls)
    exists = path.is_file()
    if exists and path.read_text(encoding="utf-8") == text:
        return Verdict(BudgetStatus.OK)
    if update or (write_missing and not exists):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8", newline="\n")
        return Verdict(BudgetStatus.WRITTEN)
    if not exists:
        return Verdict(BudgetStatus.MISSING, f"missing store-call budget {path}; record it with the recorder")
    recorded = load(path)
    if len(calls) < len(recorded):
        return Verdict(
            BudgetStatus.LOWER,
            f"{nodeid}: {len(calls)} store calls, budget {len(recorded)} ({path.name}); "
            "lower the budget by re-recording (record --from REV, or --golden-update for a new scenario)",
        )
    what = "more store calls than its budget" if len(calls) > len(recorded) else "a different call sequence"
    return Verdict(
        BudgetStatus.OVER,
        f"store-call budget exceeded: {nodeid} made {what}\n{sequence_diff(recorded, calls, path)}",
    )
