"""The ratchet: survivors must be on the committed list of accepted (equivalent) mutants.

An accepted entry is keyed by module, function and the mutation itself (the changed source
lines, stripped of indentation), not by mutmut's per-function counter: it survives edits
elsewhere in the function and in the file. A rewrite of a function invalidates its entries, and
the gate says so: it prints every unlisted survivor as a ready-to-fill TOML entry and every
listed entry that no longer survives (stale), so re-baselining a rewritten module is a review
of that output, not a search.
"""

from __future__ import annotations

import tomllib
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

from mutation_gate.results import Mutant

ACCEPTED_FILE = Path(__file__).with_name("accepted.toml")


@dataclass(frozen=True, order=True)
class MutationKey:
    """What a mutant is, independent of where it sits: module, function, changed lines."""

    module: str
    function: str
    change: str


class Accepted(NamedTuple):
    """An entry of accepted.toml: an equivalent mutant and why nothing can notice it."""

    key: MutationKey
    reason: str


@dataclass(frozen=True)
class Verdict:
    """The ratchet's outcome for one run."""

    unlisted: list[Mutant]  # survivors not on the list: the gate fails
    accepted: list[Mutant]  # survivors on the list
    stale: list[Accepted]  # list entries of the checked modules that no longer survive


def change_of(diff: str) -> str:
    """The mutation in a unified diff: its removed and added lines, indentation stripped."""
    changed = [
        f"{line[0]} {line[1:].strip()}"
        for line in diff.splitlines()
        if line[:1] in "+-" and not line.startswith(("+++", "---"))
    ]
    return "\n".join(changed)


def key_of(mutant: Mutant) -> MutationKey:
    return MutationKey(mutant.module, mutant.function, change_of(mutant.diff()))


def load_accepted(path: Path = ACCEPTED_FILE) -> list[Accepted]:
    """The accepted list; every entry needs module, function, change and a non-empty reason."""
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    entries: list[Accepted] = []
    for index, raw in enumerate(data.get("accepted", []), start=1):
        missing = [field for field in ("module", "function", "change", "reason") if not raw.get(field)]
        if missing:
            raise ValueError(f"{path}: accepted entry {index} lacks {', '.join(missing)}")
        key = MutationKey(raw["module"], raw["function"], raw["change"].strip())
        entries.append(Accepted(key, raw["reason"]))
    duplicates = [key for key, count in Counter(entry.key for entry in entries).items() if count > 1]
    if duplicates:
        raise ValueError(f"{path}: duplicate accepted entries: {duplicates}")
    return entries


def judge(survivors: Iterable[Mutant], keys: dict[str, MutationKey], accepted: list[Accepted],
          modules: set[str]) -> Verdict:
    """Sort survivors into listed and unlisted; find the checked modules' stale entries.

    One accepted entry covers every survivor with its key (the same change repeated in one
    function is the same mutation).
    """
    accepted_keys = {entry.key for entry in accepted}
    unlisted: list[Mutant] = []
    listed: list[Mutant] = []
    for mutant in survivors:
        (listed if keys[mutant.name] in accepted_keys else unlisted).append(mutant)
    surviving_keys = {keys[mutant.name] for mutant in listed}
    stale = [entry for entry in accepted if entry.key.module in modules and entry.key not in surviving_keys]
    return Verdict(unlisted=unlisted, accepted=listed, stale=stale)


def toml_entry(key: MutationKey) -> str:
    """A ready-to-fill accepted.toml entry for ``key`` (the reason is left for a human)."""
    if "'''" in key.change:
        raise ValueError(f"cannot write {key} as a TOML literal string")
    change = key.change
    return (
        "[[accepted]]\n"
        f'module = "{key.module}"\n'
        f'function = "{key.function}"\n'
        f"change = '''\n{change}\n'''\n"
        'reason = ""\n'
    )
