"""The mutation ratchet: survivors are matched to accepted entries by what they change."""

from __future__ import annotations

from pathlib import Path

import pytest
from mutation_gate.ratchet import Accepted, MutationKey, change_of, judge, load_accepted, toml_entry
from mutation_gate.results import Mutant

DIFF_AT_TOP = """\
--- src/pkg/mod.py
+++ src/pkg/mod.py
@@ -3,7 +3,7 @@
     client = make()
-    tags["a"] = "x"
+    tags["XXaXX"] = "x"
     return tags"""

DIFF_MOVED_DOWN = DIFF_AT_TOP.replace("@@ -3,7 +3,7 @@", "@@ -40,9 +41,9 @@").replace(
    "    tags", "        tags"
)


def _mutant(name: str) -> Mutant:
    return Mutant(name=name, path=Path("src/pkg/mod.py"), status="survived")


def _key(change: str, function: str = "build") -> MutationKey:
    return MutationKey("pkg.mod", function, change)


def test_change_is_the_removed_and_added_lines_without_indentation() -> None:
    assert change_of(DIFF_AT_TOP) == '- tags["a"] = "x"\n+ tags["XXaXX"] = "x"'


def test_change_does_not_depend_on_line_numbers_or_indentation() -> None:
    assert change_of(DIFF_MOVED_DOWN) == change_of(DIFF_AT_TOP)


def test_mutant_module_and_function_come_from_its_name() -> None:
    mutant = _mutant("training.execution.tags.x_apply_lineage_tags__mutmut_12")
    assert (mutant.module, mutant.function) == ("training.execution.tags", "apply_lineage_tags")


def test_method_mutant_names_its_class_and_method() -> None:
    mutant = _mutant("pkg.run_factory.xǁRunFactoryǁcreate__mutmut_3")
    assert (mutant.module, mutant.function) == ("pkg.run_factory", "RunFactory.create")


def test_unlisted_survivor_is_reported() -> None:
    survivor = _mutant("pkg.mod.x_build__mutmut_1")
    verdict = judge([survivor], {survivor.name: _key("- a\n+ b")}, [], {"pkg.mod"})
    assert verdict.unlisted == [survivor]
    assert verdict.accepted == []


def test_listed_survivor_is_accepted_whatever_its_counter() -> None:
    survivors = [_mutant("pkg.mod.x_build__mutmut_1"), _mutant("pkg.mod.x_build__mutmut_9")]
    keys = {survivors[0].name: _key("- a\n+ b"), survivors[1].name: _key("- c\n+ d")}
    accepted = [Accepted(_key("- a\n+ b"), "same"), Accepted(_key("- c\n+ d"), "same")]
    verdict = judge(survivors, keys, accepted, {"pkg.mod"})
    assert verdict.unlisted == []
    assert verdict.accepted == survivors


def test_same_change_in_another_function_is_not_accepted() -> None:
    survivor = _mutant("pkg.mod.x_other__mutmut_1")
    keys = {survivor.name: _key("- a\n+ b", function="other")}
    verdict = judge([survivor], keys, [Accepted(_key("- a\n+ b"), "same")], {"pkg.mod"})
    assert verdict.unlisted == [survivor]


def test_entry_that_no_longer_survives_is_stale() -> None:
    entry = Accepted(_key("- a\n+ b"), "same")
    assert judge([], {}, [entry], {"pkg.mod"}).stale == [entry]


def test_entries_of_modules_not_checked_are_not_stale() -> None:
    entry = Accepted(_key("- a\n+ b"), "same")
    assert judge([], {}, [entry], {"pkg.other"}).stale == []


def test_printed_entry_loads_back_once_a_reason_is_filled_in(tmp_path: Path) -> None:
    key = _key('- tags["a"] = "x"\n+ tags["XXaXX"] = "x"')
    text = toml_entry(key).replace('reason = ""', 'reason = "equivalent"')
    (tmp_path / "accepted.toml").write_text(text, encoding="utf-8")
    assert load_accepted(tmp_path / "accepted.toml") == [Accepted(key, "equivalent")]


def test_entry_without_reason_is_refused(tmp_path: Path) -> None:
    (tmp_path / "accepted.toml").write_text(toml_entry(_key("- a\n+ b")), encoding="utf-8")
    with pytest.raises(ValueError, match="lacks reason"):
        load_accepted(tmp_path / "accepted.toml")


def test_duplicate_entries_are_refused(tmp_path: Path) -> None:
    entry = toml_entry(_key("- a\n+ b")).replace('reason = ""', 'reason = "same"')
    (tmp_path / "accepted.toml").write_text(entry + entry, encoding="utf-8")
    with pytest.raises(ValueError, match="duplicate"):
        load_accepted(tmp_path / "accepted.toml")


def test_committed_list_loads_and_every_entry_names_a_target_module() -> None:
    from mutation_gate.results import module_name
    from mutation_gate.targets import configured_targets

    project = Path(__file__).resolve().parents[2]
    modules = {module_name(path) for path in configured_targets(project / "pyproject.toml")}
    assert {entry.key.module for entry in load_accepted()} <= modules
