"""A one-test project for the pending-file, CI-guard and update-missing tests: its scenario, the
changes that touch only its snapshot or only its store calls, and where its files are."""

from __future__ import annotations

from pathlib import Path

import pytest

from mlflow_golden._golden_paths import pending_path

SCENARIO = """
def test_scenario(tracking_store, golden):
    c = tracking_store.client
    exp = c.create_experiment("sweep")
    run = c.create_run(exp, run_name="trial", tags={{"team": "{TEAM}"}})
    {READS}
    golden.check(result=run.info.run_name)
"""
BASELINE = {"TEAM": "blue", "READS": "c.get_experiment(exp)"}
#: Changes that touch only the snapshot, or only the store calls (reads leave the snapshot alone).
SNAPSHOT_CHANGE = {"TEAM": "red"}
BUDGET_OVER = {"READS": "c.get_experiment(exp); c.get_run(run.info.run_id)"}
BUDGET_LOWER = {"READS": "pass"}

GOLDEN = Path("golden/test_scenario/test_scenario.json")
BUDGET = Path("golden/test_scenario/test_scenario.calls.json")


def write_scenario(pytester: pytest.Pytester, **changes: str) -> None:
    pytester.makepyfile(test_scenario=SCENARIO.format(**{**BASELINE, **changes}))


def pending_files(root: Path) -> list[str]:
    """Every pending file under ``root``/golden, relative to ``root``."""
    return sorted(path.relative_to(root).as_posix() for path in (root / "golden").rglob("*.new"))


def pending_of(root: Path, golden: Path) -> Path:
    return root / pending_path(golden)
