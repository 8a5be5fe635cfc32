"""Harness option values are joined to their option before pytest sees them (rootdir stays put)."""

from __future__ import annotations

from typing import Any

from mlflow_golden import plugin
from mlflow_golden._pytest_args import VALUE_OPTIONS, join_option_values, split_pytest_values, wants_xdist


def test_a_value_in_the_next_word_is_joined_to_its_option() -> None:
    args = ["--golden-dir", "/elsewhere/golden", "-n", "2"]
    assert join_option_values(args) == ["--golden-dir=/elsewhere/golden", "-n", "2"]


def test_every_harness_option_with_a_value_is_joined() -> None:
    args = ["--golden-target-src", "/old/checkout", "--golden-backend", "postgres", "--golden-dir", "g"]
    joined = ["--golden-target-src=/old/checkout", "--golden-backend=postgres", "--golden-dir=g"]
    assert join_option_values(args) == joined


def test_the_old_option_spellings_are_joined_too() -> None:
    args = ["--target-src", "/old", "--mlflow-backend", "sqlite"]
    assert join_option_values(args) == ["--target-src=/old", "--mlflow-backend=sqlite"]


def test_the_equals_spelling_and_other_arguments_are_unchanged() -> None:
    args = ["--golden-dir=/x", "-k", "sweep", "tests/golden/test_demo.py", "--golden-update"]
    assert join_option_values(args) == args


def test_arguments_after_a_double_dash_are_left_alone() -> None:
    assert join_option_values(["--", "--golden-dir", "x"]) == ["--", "--golden-dir", "x"]


def test_an_option_without_a_value_is_kept_for_pytest_to_report() -> None:
    assert join_option_values(["-n", "2", "--golden-dir"]) == ["-n", "2", "--golden-dir"]


class _OptionNames:
    """Stands in for pytest's parser: notes the long options that take a value."""

    def __init__(self) -> None:
        self.taking_values: set[str] = set()

    def getgroup(self, name: str, description: str = "") -> _OptionNames:
        return self

    def addoption(self, *names: str, **attrs: Any) -> None:
        if attrs.get("action", "store") in ("store", "append"):
            self.taking_values.update(name for name in names if name.startswith("--"))

    def addini(self, *args: Any, **kwargs: Any) -> None:
        """Ini options are not command-line options."""


def test_the_list_matches_the_plugins_options_that_take_a_value() -> None:
    names = _OptionNames()
    plugin.pytest_addoption(names)  # type: ignore[arg-type]
    assert names.taking_values == set(VALUE_OPTIONS)


def test_split_takes_pytest_options_with_their_values_in_every_spelling() -> None:
    split = split_pytest_values(
        ["-n", "2", "-k", "a or b", "-m", "slow", "--maxfail=3", "-W", "error", "-pno:x", "PATTERN", "-x"]
    )
    assert split.rest == ["PATTERN", "-x"]
    assert split.taken == {
        0: ["-n", "2", "-k", "a or b", "-m", "slow", "--maxfail=3", "-W", "error", "-pno:x"]
    }


def test_split_leaves_the_callers_own_options_and_what_follows_a_lone_dash_dash() -> None:
    split = split_pytest_values(
        ["--golden-dir", "g", "--golden-backend", "sqlite", "--", "-n", "2"], keep=frozenset({"--golden-dir"})
    )
    assert split.rest == ["--golden-dir", "g", "--", "-n", "2"]
    assert split.taken == {2: ["--golden-backend", "sqlite"]}


def test_the_set_aside_options_go_back_to_their_command_line_places() -> None:
    words = ["-x", "-n", "2", "PATTERN", "--golden-dir", "g", "-k", "a", "node::id"]
    split = split_pytest_values(words)
    unknown = ["-x", "node::id"]  # what the CLI's parser left of split.rest (PATTERN was its own)
    assert split.pytest_args(unknown) == ["-x", "-n", "2", "--golden-dir", "g", "-k", "a", "node::id"]


def test_wants_xdist_recognizes_every_spelling_of_n() -> None:
    for args in (["-n", "2"], ["-n2"], ["-nauto"], ["--numprocesses", "2"], ["--numprocesses=2"]):
        assert wants_xdist(args), args
    assert not wants_xdist(["-k", "n2", "--", "-n", "2"])
