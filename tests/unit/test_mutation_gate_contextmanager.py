"""mutmut, patched by mutation_gate, mutates @contextmanager functions and runs their mutants."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from mutation_gate import contextmanager_support
from mutmut import configuration
from mutmut.mutation.file_mutation import mutate_file_contents
from mutmut.mutation.trampoline import set_mutant_under_test

SOURCE = """\
from contextlib import contextmanager
import functools


@contextmanager
def opened(log):
    log.append("enter")
    try:
        yield 1
    finally:
        log.append("exit")


@functools.lru_cache
def cached():
    return 1
"""


@pytest.fixture
def mutmut_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """mutmut reads its configuration from the cwd's pyproject.toml: give it an empty one."""
    (tmp_path / "pyproject.toml").write_text('[tool.mutmut]\nsource_paths = ["."]\n', encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    configuration.reset_config()
    contextmanager_support.install()
    yield
    configuration.reset_config()
    set_mutant_under_test(None)


def _load(code: str) -> dict[str, Any]:
    namespace: dict[str, Any] = {"__name__": "demo"}
    exec(compile(code, "demo.py", "exec"), namespace)
    return namespace


def _run_opened(namespace: dict[str, Any], mutant: str) -> tuple[list[str], Any]:
    set_mutant_under_test(mutant)
    log: list[str] = []
    with namespace["opened"](log) as value:
        pass
    return log, value


@pytest.mark.usefixtures("mutmut_config")
def test_contextmanager_function_gets_mutants() -> None:
    mutated = mutate_file_contents("demo.py", SOURCE)
    assert any(name.startswith("x_opened__mutmut_") for name in mutated.mutant_names)


@pytest.mark.usefixtures("mutmut_config")
def test_other_decorated_functions_are_still_skipped() -> None:
    mutated = mutate_file_contents("demo.py", SOURCE)
    assert not any(name.startswith("x_cached__mutmut_") for name in mutated.mutant_names)


@pytest.mark.usefixtures("mutmut_config")
def test_trampoline_stays_a_context_manager_running_the_original() -> None:
    namespace = _load(mutate_file_contents("demo.py", SOURCE).code)
    assert _run_opened(namespace, "") == (["enter", "exit"], 1)


@pytest.mark.usefixtures("mutmut_config")
def test_each_mutant_runs_inside_the_context_manager() -> None:
    mutated = mutate_file_contents("demo.py", SOURCE)
    namespace = _load(mutated.code)
    outcomes = {name: _run_opened(namespace, f"demo.{name}") for name in mutated.mutant_names}
    assert (["enter", "exit"], 2) in outcomes.values()  # yield 1 -> yield 2
    assert (["XXenterXX", "exit"], 1) in outcomes.values()
