"""The golden-change ledger (``CHANGES.toml``) and how a recorded change lands in it and the manifest."""

from __future__ import annotations

from pathlib import Path

import pytest

from mlflow_golden import _ledger as ledger
from mlflow_golden import _manifest as manifest
from mlflow_golden._change_record import ChangeRequest, record_change, shas

REV = "a" * 40
OTHER_REV = "d" * 40
VERSIONS = {"mlflow_version": "3.17.2", "python_version": "3.11.7"}


def _change(
    change_id: str = "GC-1", files: tuple[str, ...] = ("golden/x.json",), revision: str = REV
) -> ledger.Change:
    return ledger.Change(change_id, "title", "why", revision, files)


def test_the_ledger_reads_back_what_it_wrote() -> None:
    written = ledger.Ledger(
        (
            ledger.Change("GC-1", "schema 2", 'holds "steps"\nand artifacts\n', REV, ("*",)),
            ledger.Change(
                "GC-2", "tag \\ fix", "one line", OTHER_REV, ("golden/a.json", "golden/a.calls.json")
            ),
        )
    )

    assert ledger.loads(ledger.dumps(written)) == written


def test_the_ledger_text_is_stable_and_readable() -> None:
    text = ledger.dumps(ledger.Ledger((_change(),)))

    assert text.endswith(
        '[[change]]\nid = "GC-1"\ntitle = "title"\nwhy = "why"\n'
        f'revision = "{REV}"\nfiles = ["golden/x.json"]\n'
    )
    assert text == ledger.dumps(ledger.loads(text))


def test_kept_defects_read_back_after_the_changes() -> None:
    written = ledger.Ledger((_change(),), (ledger.Kept("counter growth", "pruning buys little"),))
    text = ledger.dumps(written)

    assert text.endswith('[[kept]]\ntitle = "counter growth"\nwhy = "pruning buys little"\n')
    assert ledger.loads(text) == written


def test_appending_a_change_keeps_the_kept_defects() -> None:
    kept = (ledger.Kept("t", "w"),)
    extended = ledger.Ledger((_change(),), kept).with_change(_change("GC-2"))

    assert (len(extended.changes), extended.kept) == (2, kept)


def test_a_missing_ledger_is_empty(tmp_path: Path) -> None:
    assert ledger.load(tmp_path / ledger.LEDGER_NAME) == ledger.Ledger()


def test_the_next_id_follows_the_highest() -> None:
    assert ledger.Ledger().next_id() == "GC-1"
    assert ledger.Ledger((_change("GC-1"), _change("GC-7"))).next_id() == "GC-8"


def test_a_change_of_an_existing_id_adds_its_files_to_that_entry() -> None:
    before = ledger.Ledger((_change(files=("golden/x.json",)),))

    after = before.with_change(_change(files=("golden/x.json", "golden/y.json")))

    assert after.changes == (_change(files=("golden/x.json", "golden/y.json")),)


def test_an_existing_id_from_another_revision_is_refused() -> None:
    with pytest.raises(
        ledger.LedgerError, match="recorded from aaaaaaaaaaaa; files recorded from dddddddddddd"
    ):
        ledger.Ledger((_change(),)).with_change(_change(revision=OTHER_REV))


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("[[change]]\nid = 'X-1'\ntitle='t'\nwhy='w'\nrevision='r'\nfiles=['a']\n", "use GC-<number>"),
        (
            "[[change]]\nid = 'GC-1'\ntitle='t'\nrevision='r'\nfiles=['a']\n",
            "'why' must be a non-empty string",
        ),
        (
            "[[change]]\nid = 'GC-1'\ntitle='t'\nwhy='w'\nrevision='r'\nfiles=[]\n",
            "'files' must be a non-empty",
        ),
        (
            "[[change]]\nid='GC-1'\ntitle='t'\nwhy='w'\nrevision='r'\nfiles=['a']\n" * 2,
            "id GC-1 is used twice",
        ),
        ("[[change]\n", "not valid TOML"),
        ("[[kept]]\ntitle = 't'\n", "kept #1: 'why' must be a non-empty string"),
        ("kept = 'x'\n", "'kept' must be an array of tables"),
    ],
    ids=["bad-id", "no-why", "no-files", "duplicate-id", "not-toml", "kept-without-why", "kept-not-a-table"],
)
def test_a_malformed_ledger_names_the_problem(text: str, problem: str) -> None:
    with pytest.raises(ledger.LedgerError, match=problem):
        ledger.loads(text, "CHANGES.toml")


def test_a_pattern_names_files_across_folders() -> None:
    change = _change(files=("golden/test_a/*",))

    assert change.names("golden/test_a/test_x.json")
    assert change.names("golden/test_a/sub/test_y.calls.json")
    assert not change.names("golden/test_b/test_x.json")


def test_a_path_with_a_parameter_id_names_only_itself() -> None:
    change = _change(files=("golden/test_a/test_x[seed-4].json",))

    assert change.names("golden/test_a/test_x[seed-4].json")
    assert not change.names("golden/test_a/test_xs.json")


def test_an_exclusion_takes_files_out_of_a_pattern() -> None:
    change = _change(files=("*", "!*.calls.json"))

    assert change.names("golden/test_a/test_x.json")
    assert not change.names("golden/test_a/test_x.calls.json")


@pytest.mark.parametrize(
    ("changed", "items"),
    [
        ({"a.json", "a.calls.json", "b.json"}, ("*",)),
        ({"a.json", "b.json"}, ("*", "!*.calls.json")),
        ({"a.calls.json"}, ("*.calls.json",)),
        ({"b.json"}, ("b.json",)),
        ({"a.json", "a.calls.json"}, ("a.calls.json", "a.json")),
    ],
    ids=["all", "all-snapshots", "all-budgets", "one", "some"],
)
def test_a_change_is_described_by_the_shortest_exact_items(changed: set[str], items: tuple[str, ...]) -> None:
    catalog = ["a.json", "a.calls.json", "b.json"]

    assert ledger.describe(changed, catalog) == items
    assert {name for name in catalog if ledger.names(items, name)} == changed


# --- record_change: the manifest and the ledger after a recorded change ---------------------------


@pytest.fixture
def golden(tmp_path: Path) -> Path:
    golden = tmp_path / "golden"
    for name in ("a.json", "a.calls.json", "b.json"):
        (golden / name).parent.mkdir(parents=True, exist_ok=True)
        (golden / name).write_text(f"{name} v1\n", encoding="utf-8")
    recorded = manifest.update(
        None, golden, ["a.json", "a.calls.json", "b.json"], REV, baseline=True, **VERSIONS
    )
    manifest.write(golden / manifest.MANIFEST_NAME, recorded)
    return golden


def _rerecord(golden: Path, changed: dict[str, str]) -> dict[str, str | None]:
    before = shas(golden, ["a.json", "a.calls.json", "b.json", *changed])
    for name, text in changed.items():
        (golden / name).write_text(text, encoding="utf-8")
    return before


def test_a_recorded_change_names_only_the_files_whose_bytes_changed(golden: Path) -> None:
    before = _rerecord(golden, {"a.json": "a.json v2\n", "c.json": "new\n"})

    change = record_change(
        golden,
        before,
        ["a.json", "a.calls.json", "c.json"],
        OTHER_REV,
        ChangeRequest(None, "t", "w"),
        VERSIONS,
    )

    assert change == ledger.Change("GC-1", "t", "w", OTHER_REV, ("a.json", "c.json"))
    files = manifest.load(golden / manifest.MANIFEST_NAME).files
    assert (files["a.json"].revision, files["a.json"].change) == (OTHER_REV, "GC-1")
    assert (files["c.json"].revision, files["c.json"].change) == (OTHER_REV, "GC-1")
    assert (files["a.calls.json"].revision, files["a.calls.json"].change) == (REV, None)


def test_a_recorded_change_is_written_to_the_ledger(golden: Path) -> None:
    before = _rerecord(golden, {"b.json": "b.json v2\n"})

    record_change(golden, before, ["b.json"], OTHER_REV, ChangeRequest(None, "t", "w"), VERSIONS)

    assert ledger.load(golden / ledger.LEDGER_NAME).changes == (
        ledger.Change("GC-1", "t", "w", OTHER_REV, ("b.json",)),
    )


def test_a_new_change_without_title_or_why_writes_nothing(golden: Path) -> None:
    before = _rerecord(golden, {"b.json": "b.json v2\n"})
    manifest_before = (golden / manifest.MANIFEST_NAME).read_bytes()

    with pytest.raises(ledger.LedgerError, match="give it a --title and a --why"):
        record_change(golden, before, ["b.json"], OTHER_REV, ChangeRequest(None, "t", None), VERSIONS)

    assert (golden / manifest.MANIFEST_NAME).read_bytes() == manifest_before
    assert not (golden / ledger.LEDGER_NAME).exists()


def test_a_recording_that_changed_nothing_is_no_change(golden: Path) -> None:
    before = _rerecord(golden, {})

    with pytest.raises(ledger.LedgerError, match="changed no golden file"):
        record_change(golden, before, ["a.json"], OTHER_REV, ChangeRequest(None, "t", "w"), VERSIONS)


def test_the_manifest_keeps_a_file_without_change_id_as_before(golden: Path) -> None:
    text = (golden / manifest.MANIFEST_NAME).read_text(encoding="utf-8")

    assert '"change"' not in text
    assert manifest.dumps(manifest.load(golden / manifest.MANIFEST_NAME)) == text
