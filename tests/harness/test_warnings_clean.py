"""Under ``-W error`` a user's scenario passes on every backend: the harness emits no warning.

The inner run has its own ini (no ``filterwarnings``: this project's pyproject ignores
DeprecationWarning, which would hide the very warnings this checks) and a fresh interpreter, so
every MLflow module the harness imports is imported under ``-W error``.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

InnerRun = Callable[..., pytest.RunResult]

SCENARIO = """
import mlflow
import pytest
from mlflow.exceptions import MlflowException


def test_nested_runs_with_a_fault(tracking_store, golden, store_faults):
    mlflow.set_experiment("warnings")
    store_faults.fail("log_metric", calls=2)
    with mlflow.start_run(run_name="parent"):
        mlflow.log_param("lr", 0.1)
        with mlflow.start_run(run_name="child", nested=True):
            mlflow.log_metric("loss", 1.0, step=0)
            with pytest.raises(MlflowException):
                mlflow.log_metric("loss", 0.5, step=1)
            mlflow.set_tag("stage", "done")
    golden.check(result="ok")
"""


def test_scenario_passes_under_w_error_on_the_session_backend(
    pytester: pytest.Pytester, run_subprocess: InnerRun, backend: str
) -> None:
    pytester.makeini("[pytest]\n")
    pytester.makepyfile(test_scenario=SCENARIO)
    strict = ("-W", "error", "-p", "no:cacheprovider", f"--golden-backend={backend}")
    run_subprocess(*strict, "--golden-update").assert_outcomes(passed=1)
    result = run_subprocess(*strict)
    result.assert_outcomes(passed=1)
    assert "Warning" not in result.stdout.str() + result.stderr.str()
