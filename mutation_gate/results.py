"""Read a finished mutmut run: each mutant's status, diff and the golden scenarios that ran it."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from mutmut.mutation.data import SourceFileMutationData
from mutmut.mutation.diff_apply import get_diff_for_mutant
from mutmut.mutation.trampoline_templates import CLASS_NAME_SEPARATOR
from mutmut.stats import status_by_exit_code
from mutmut.utils.format_utils import mangled_name_from_mutant_name

#: Statuses that mean a golden scenario noticed the mutant.
DETECTED = frozenset({"killed", "timeout", "segfault", "caught by type check"})
#: Statuses that mean no golden scenario noticed it ("no tests": no scenario even ran it).
UNDETECTED = frozenset({"survived", "no tests"})

STATS_FILE = Path("mutants") / "mutmut-stats.json"
_METHOD_PREFIX = f"x{CLASS_NAME_SEPARATOR}"


@dataclass(frozen=True)
class Mutant:
    """One mutant of a target module, as mutmut left it under ``mutants/``."""

    name: str  # e.g. training.execution.tags.x_apply_lineage_tags__mutmut_7
    path: Path  # the source file, relative to the project root
    status: str

    @property
    def module(self) -> str:
        return mangled_name_from_mutant_name(self.name).rsplit(".", 1)[0]

    @property
    def function(self) -> str:
        """The mutated function, ``Class.method`` for a method."""
        mangled = mangled_name_from_mutant_name(self.name).rsplit(".", 1)[-1]
        if mangled.startswith(_METHOD_PREFIX):
            return mangled.removeprefix(_METHOD_PREFIX).replace(CLASS_NAME_SEPARATOR, ".")
        return mangled.removeprefix("x_")

    def diff(self) -> str:
        """The unified diff of the mutated function against the original."""
        return get_diff_for_mutant(self.name, path=self.path)


def module_name(path: Path) -> str:
    """``src/training/execution/tags.py`` -> ``training.execution.tags``."""
    parts = path.with_suffix("").parts
    return ".".join(parts[1:] if parts[0] == "src" else parts)


def read_mutants(paths: list[Path]) -> list[Mutant]:
    """Every mutant of the given source files, in mutmut's order (cwd: the project root)."""
    mutants: list[Mutant] = []
    for path in paths:
        data = SourceFileMutationData(path=path)
        data.load()
        for name, exit_code in data.exit_code_by_key.items():
            mutants.append(Mutant(name=name, path=path, status=status_by_exit_code[exit_code]))
    return mutants


def scenarios_by_function() -> dict[str, list[str]]:
    """Mangled function name -> the golden node ids that called it (mutmut's stats run)."""
    stats = json.loads(STATS_FILE.read_text(encoding="utf-8"))
    tests: dict[str, list[str]] = stats["tests_by_mangled_function_name"]
    return {name: sorted(ids) for name, ids in tests.items()}


def scenarios_for(mutant: Mutant, by_function: dict[str, list[str]]) -> list[str]:
    """The golden node ids that ran ``mutant``'s function."""
    return by_function.get(mangled_name_from_mutant_name(mutant.name), [])
