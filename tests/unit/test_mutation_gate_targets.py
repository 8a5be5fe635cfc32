"""Mutation targets: one list in pyproject.toml, chosen on the command line by any usual name."""

from __future__ import annotations

from pathlib import Path

import pytest
from mutation_gate.results import module_name
from mutation_gate.targets import configured_targets, select

TARGETS = [Path("src/pkg/runs.py"), Path("src/pkg/sub/tags.py")]


def test_targets_are_read_from_only_mutate(tmp_path: Path) -> None:
    pyproject = tmp_path / "pyproject.toml"
    pyproject.write_text('[tool.mutmut]\nonly_mutate = ["src/a/b.py", "src/c.py"]\n', encoding="utf-8")
    assert configured_targets(pyproject) == [Path("src/a/b.py"), Path("src/c.py")]


def test_module_name_drops_src_and_suffix() -> None:
    assert module_name(Path("src/training/execution/tags.py")) == "training.execution.tags"


@pytest.mark.parametrize("name", ["src/pkg/sub/tags.py", "pkg.sub.tags", "tags", "tags.py"])
def test_a_target_is_chosen_by_path_dotted_name_or_stem(name: str) -> None:
    assert select(TARGETS, [name]) == [Path("src/pkg/sub/tags.py")]


def test_no_name_chooses_every_target() -> None:
    assert select(TARGETS, []) == TARGETS


def test_unknown_name_is_refused_with_the_choices() -> None:
    refusal = r"'finder' is not a mutation target; targets: pkg\.runs, pkg\.sub\.tags"
    with pytest.raises(ValueError, match=refusal):
        select(TARGETS, ["finder"])


def test_project_mutates_the_four_consolidated_modules() -> None:
    project = Path(__file__).resolve().parents[2]
    assert {module_name(path) for path in configured_targets(project / "pyproject.toml")} >= {
        "infrastructure.tracking.mlflow.runs",
        "training.execution.mlflow_setup",
        "training.execution.tag_helpers",
        "training.execution.tags",
    }
