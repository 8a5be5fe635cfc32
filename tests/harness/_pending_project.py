"""A one-test project for the pending-file, CI-guard and update-missing tests: its scenario, the
changes that touch only its snapshot or only its store calls, and where its files are."""

from __future__ import annotations

from pathlib import Path

from _scenario_variants import BUDGET, GOLDEN, ScenarioVariants

from mlflow_golden._golden_paths import pending_path

__all__ = [
    "BUDGET", "BUDGET_LOWER", "BUDGET_OVER", "GOLDEN", "SCENARIO", "SNAPSHOT_CHANGE",
    "pending_files", "pending_of", "write_scenario",
]  # fmt: skip

SCENARIO = ScenarioVariants(
    """
def test_scenario(tracking_store, golden):
    c = tracking_store.client
    run = c.create_run(c.create_experiment("sweep"), run_name="trial", tags={{"team": "{TEAM}"}})
    {READS}
    golden.check(result=run.info.run_name)
""",
    TEAM="blue",
    READS="c.get_experiment(run.info.experiment_id)",
)
#: Changes that touch only the snapshot, or only the store calls (reads leave the snapshot alone).
SNAPSHOT_CHANGE = {"TEAM": "red"}
BUDGET_OVER = {"READS": "c.get_experiment(run.info.experiment_id); c.get_run(run.info.run_id)"}
BUDGET_LOWER = {"READS": "pass"}

write_scenario = SCENARIO.write


def pending_files(root: Path) -> list[str]:
    """Every pending file under ``root``/golden, relative to ``root``."""
    return sorted(path.relative_to(root).as_posix() for path in (root / "golden").rglob("*.new"))


def pending_of(root: Path, golden: Path) -> Path:
    return root / pending_path(golden)
