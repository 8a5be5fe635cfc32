"""How the CLI reporter turns a test's golden verdict and outcome into a scenario status."""

from __future__ import annotations

import pytest

from mlflow_golden.cli_reporter import scenario_status


@pytest.mark.parametrize("verdict", ["ok", "written"])
def test_a_passing_test_keeps_its_verdict(verdict: str) -> None:
    assert scenario_status(verdict, failed=False, skipped=False) == verdict


@pytest.mark.parametrize("verdict", ["differs", "missing"])
def test_a_failing_test_with_a_failing_verdict_keeps_it(verdict: str) -> None:
    assert scenario_status(verdict, failed=True, skipped=False) == verdict


def test_a_failure_without_verdict_is_an_error() -> None:
    assert scenario_status(None, failed=True, skipped=False) == "error"


def test_a_failure_after_an_ok_verdict_is_an_error() -> None:
    """E.g. the scenario asserted something after golden.check(), or its teardown failed."""
    assert scenario_status("ok", failed=True, skipped=False) == "error"


def test_a_skipped_test_is_skipped() -> None:
    assert scenario_status(None, failed=False, skipped=True) == "skipped"


def test_a_passing_test_without_verdict_is_ok() -> None:
    assert scenario_status(None, failed=False, skipped=False) == "ok"
