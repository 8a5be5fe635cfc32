"""``pending`` and ``accept`` end to end: the real pytest subprocess on real MLflow stores.

A project's goldens are recorded from its first commit and committed; then the code under test
changes (the tag ``version`` becomes 2) and is committed. The pending files are what the current
code records (recorded into a folder of their own and copied beside the goldens as ``.new``, as a
compare run leaves them). ``accept --all`` must record them again from HEAD in a real pytest run,
find them equal, and make them golden with the manifest and the ledger. One shared run
(``run_once``); the in-process tests with a stand-in are in test_cli_review.py.
"""

from __future__ import annotations

import json
import shutil
import tomllib
from pathlib import Path
from typing import NamedTuple

import _cli_project as demo
import pytest
from _cli_run import CliRun, run_cli, run_once

from mlflow_golden import _manifest as manifest
from mlflow_golden._golden_paths import PENDING_SUFFIX


class Accepted(NamedTuple):
    project: Path
    fresh: Path
    """What the code at HEAD records (the source of the pending files)."""
    completed: CliRun


def _make(root: Path) -> CliRun:
    project = demo.make_project(root / "project")
    demo.git(project, "init", "-q")
    demo.commit_all(project, "version 1")
    recorded = run_cli(project, "record", "--from", "HEAD")
    assert recorded.code == 0, recorded.printed
    demo.commit_all(project, "goldens of version 1")
    demo.write_code(project, version="2")
    head = demo.commit_all(project, "version 2")
    fresh = root / "fresh"
    again = run_cli(project, "record", "--from", "HEAD", f"--golden-dir={fresh}")
    assert again.code == 0, again.printed
    for name in manifest.golden_files(fresh):
        if (fresh / name).read_bytes() != (project / "golden" / name).read_bytes():
            shutil.copyfile(fresh / name, project / "golden" / (name + PENDING_SUFFIX))
    listed = run_cli(project, "pending", "--json")
    (root / "pending.json").write_text(listed.out, encoding="utf-8")
    (root / "head").write_text(head, encoding="utf-8")
    return run_cli(project, "accept", "--all", "--title", "version 2", "--why", "the version tag says 2")


@pytest.fixture(scope="module")
def accepted(tmp_path_factory: pytest.TempPathFactory) -> Accepted:
    root, completed = run_once(tmp_path_factory, "review-accepted", _make)
    return Accepted(root / "project", root / "fresh", completed)


def _head(accepted: Accepted) -> str:
    return (accepted.project.parent / "head").read_text(encoding="utf-8")


def test_pending_lists_the_changed_snapshots_of_both_scenarios(accepted: Accepted) -> None:
    listed = json.loads((accepted.project.parent / "pending.json").read_text(encoding="utf-8"))
    assert [(entry["nodeid"], entry["golden"], entry["kind"], entry["state"]) for entry in listed] == [
        (demo.SINGLE_ID, demo.SINGLE_GOLDEN, "snapshot", "changed"),
        (demo.SWEEP_ID, demo.SWEEP_GOLDEN, "snapshot", "changed"),
    ]


def test_accept_all_exits_0(accepted: Accepted) -> None:
    assert accepted.completed.code == 0, accepted.completed.printed


def test_accepted_goldens_are_what_the_code_at_head_records(accepted: Accepted) -> None:
    for name in (demo.SWEEP_GOLDEN, demo.SINGLE_GOLDEN):
        assert ((accepted.project / "golden") / name).read_bytes() == (accepted.fresh / name).read_bytes()
    assert not list((accepted.project / "golden").rglob("*" + PENDING_SUFFIX))


def test_accept_names_head_and_the_change_in_the_manifest_and_the_ledger(accepted: Accepted) -> None:
    head = _head(accepted)
    files = manifest.load((accepted.project / "golden") / "MANIFEST.json").files
    assert {
        (files[name].revision, files[name].change) for name in (demo.SWEEP_GOLDEN, demo.SINGLE_GOLDEN)
    } == {(head, "GC-1")}
    ledger = tomllib.loads(((accepted.project / "golden") / "CHANGES.toml").read_text(encoding="utf-8"))
    assert [(c["id"], c["revision"], c["files"]) for c in ledger["change"]] == [
        ("GC-1", head, ["*", "!*.calls.json"])  # every snapshot, no budget
    ]
