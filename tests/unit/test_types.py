"""RunLookupReport and RunHandle (legacy-support §2)."""

from __future__ import annotations

from typing import Any, Dict

import pytest

from infrastructure.tracking.mlflow.types import RunHandle, RunLookupReport

HANDLE_FIELDS: Dict[str, Any] = {
    "run_id": "r",
    "run_key": "hpo:bert:trial_1",
    "run_key_hash": "h",
    "experiment_id": "1",
    "experiment_name": "exp",
    "tracking_uri": "sqlite:///x.db",
}


def test_report_strategies_attempted_defaults_to_a_fresh_empty_list() -> None:
    first, second = RunLookupReport(found=False), RunLookupReport(found=False)
    assert first.strategies_attempted == []
    assert first.strategies_attempted is not second.strategies_attempted


def test_report_keeps_given_fields() -> None:
    report = RunLookupReport(True, "r", "direct_run_id", ["direct_run_id"], None)
    assert (report.found, report.run_id, report.strategy_used) == (True, "r", "direct_run_id")
    assert report.strategies_attempted == ["direct_run_id"]


def test_handle_optional_fields_default_to_none() -> None:
    handle = RunHandle(**HANDLE_FIELDS)
    assert (handle.artifact_uri, handle.study_key_hash, handle.study_family_hash) == (None, None, None)


@pytest.mark.parametrize("field", ["run_id", "experiment_id", "tracking_uri"])
def test_handle_requires_its_essential_ids(field: str) -> None:
    with pytest.raises(ValueError) as excinfo:
        RunHandle(**{**HANDLE_FIELDS, field: ""})
    assert str(excinfo.value) == f"{field} is required"
