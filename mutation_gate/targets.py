"""The modules under mutation: ``[tool.mutmut] only_mutate`` in pyproject.toml is the one list."""

from __future__ import annotations

import tomllib
from pathlib import Path

from mutation_gate.results import module_name

PYPROJECT = Path("pyproject.toml")


def configured_targets(pyproject: Path = PYPROJECT) -> list[Path]:
    """The target source files, in the order listed."""
    config = tomllib.loads(pyproject.read_text(encoding="utf-8"))
    return [Path(entry) for entry in config["tool"]["mutmut"]["only_mutate"]]


def select(targets: list[Path], wanted: list[str]) -> list[Path]:
    """The targets named in ``wanted`` (path, dotted module or file stem); all when empty.

    Raises ValueError naming the choices when a name matches no target.
    """
    if not wanted:
        return list(targets)
    chosen: list[Path] = []
    for name in wanted:
        matches = [
            path
            for path in targets
            if name in (str(path), path.as_posix(), module_name(path), path.stem, path.name)
        ]
        if not matches:
            choices = ", ".join(module_name(path) for path in targets)
            raise ValueError(f"{name!r} is not a mutation target; targets: {choices}")
        chosen.extend(path for path in matches if path not in chosen)
    return chosen
