"""How the CLI reporter turns a test's golden verdict and outcome into a scenario status."""

from __future__ import annotations

import pytest

from mlflow_golden._cli_reporter import scenario_status
from mlflow_golden._status import Status


@pytest.mark.parametrize("verdict", [Status.OK, Status.WRITTEN])
def test_a_passing_test_keeps_its_verdict(verdict: Status) -> None:
    assert scenario_status(verdict, failed=False, skipped=False) == verdict


@pytest.mark.parametrize("verdict", [Status.DIFFERS, Status.MISSING])
def test_a_failing_test_with_a_failing_verdict_keeps_it(verdict: Status) -> None:
    assert scenario_status(verdict, failed=True, skipped=False) == verdict


def test_a_failure_without_verdict_is_an_error() -> None:
    assert scenario_status(None, failed=True, skipped=False) == Status.ERROR


def test_a_failure_after_an_ok_verdict_is_an_error() -> None:
    """E.g. the scenario asserted something after golden.check(), or its teardown failed."""
    assert scenario_status(Status.OK, failed=True, skipped=False) == Status.ERROR


def test_a_skipped_test_is_skipped() -> None:
    assert scenario_status(None, failed=False, skipped=True) == Status.SKIPPED


def test_a_passing_test_without_verdict_is_ok() -> None:
    assert scenario_status(None, failed=False, skipped=False) == Status.OK
