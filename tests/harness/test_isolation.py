"""Nothing leaks between tests: env vars, active runs, active experiment, tracking URI, cwd."""

from __future__ import annotations

import os
from collections.abc import Callable

import pytest

InnerRun = Callable[..., pytest.RunResult]

LEAKY_TESTS = """
import os
import mlflow

def _assert_clean(tracking_store):
    assert os.environ.get("MLFLOW_EXPERIMENT_NAME") is None
    assert os.environ.get("MLFLOW_LEAK") is None
    assert os.environ["MLFLOW_TRACKING_URI"] == tracking_store.uri
    assert mlflow.get_tracking_uri() == tracking_store.uri
    assert mlflow.active_run() is None
    assert mlflow.last_active_run() is None
    assert mlflow.tracking.fluent._active_experiment_id is None
    assert os.getcwd() == str(tracking_store.tmp_path)
    assert [e.name for e in tracking_store.client.search_experiments()] == ["Default"]


def test_a_leaves_everything_behind(tracking_store):
    _assert_clean(tracking_store)
    os.environ["MLFLOW_LEAK"] = "a"
    os.environ["MLFLOW_EXPERIMENT_NAME"] = "leak"
    mlflow.set_experiment("a-exp")
    mlflow.start_run(run_name="outer")
    mlflow.start_run(run_name="inner", nested=True)


def test_b_fails_with_runs_open(tracking_store):
    _assert_clean(tracking_store)
    tracking_store.use_azureml()
    mlflow.set_experiment("b-exp")
    mlflow.start_run()
    raise RuntimeError("scenario failed")


def test_c_is_clean(tracking_store):
    _assert_clean(tracking_store)
"""

REVERSE_CONFTEST = """
def pytest_collection_modifyitems(items):
    items.reverse()
"""


@pytest.mark.parametrize("order", ["forward", "reverse"])
def test_state_does_not_leak_between_tests(
    pytester: pytest.Pytester, run_inner: InnerRun, order: str
) -> None:
    pytester.makepyfile(test_leaky=LEAKY_TESTS)
    if order == "reverse":
        pytester.makeconftest(REVERSE_CONFTEST)
    result = run_inner("-v")
    result.assert_outcomes(passed=2, failed=1)
    result.stdout.fnmatch_lines(["*test_b_fails_with_runs_open FAILED*"])
    assert "scenario failed" in result.stdout.str()


def test_outer_environment_is_restored_after_inner_tests(
    pytester: pytest.Pytester, run_inner: InnerRun
) -> None:
    pytester.makepyfile(test_leaky=LEAKY_TESTS)
    before = {k: v for k, v in os.environ.items() if k.startswith("MLFLOW_")}
    cwd = os.getcwd()
    run_inner()
    assert {k: v for k, v in os.environ.items() if k.startswith("MLFLOW_")} == before
    assert os.getcwd() == cwd


def test_telemetry_is_disabled_inside_a_test(tracking_store: object) -> None:
    from mlflow.telemetry.client import get_telemetry_client
    from mlflow.telemetry.utils import is_telemetry_disabled

    assert is_telemetry_disabled()
    assert get_telemetry_client() is None


def test_xdist_two_workers(
    pytester: pytest.Pytester, run_inner: InnerRun, run_subprocess: InnerRun, backend: str
) -> None:
    """With -n 2 each worker owns its stores; goldens recorded without xdist still match."""
    pytester.makepyfile(test_leaky=LEAKY_TESTS)
    pytester.makepyfile(
        test_more="""
        import pytest
        import mlflow

        @pytest.mark.parametrize("n", range(4))
        def test_many(tracking_store, golden, n):
            mlflow.set_experiment("same-name")
            with mlflow.start_run():
                mlflow.log_param("n", n)
            golden.check()
        """
    )
    # a server per xdist worker costs a server start each: the subprocess run uses sqlite instead
    inner_backend = "sqlite" if backend in ("server", "postgres") else backend
    run_inner("--golden-update", backend_override=inner_backend).assert_outcomes(passed=6, failed=1)
    (pytester.path / "golden/test_more/test_gone.json").write_text("{}\n", encoding="utf-8")
    result = run_subprocess(f"--golden-backend={inner_backend}", "-n", "2")
    result.assert_outcomes(passed=6, failed=1, errors=1)  # the orphan: an error the controller counts
    result.stdout.fnmatch_lines(["*2 workers*", "*orphan golden file: test_more/test_gone.json*"])
