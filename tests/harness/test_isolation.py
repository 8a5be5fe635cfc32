"""Nothing leaks between tests: env vars, active runs, active experiment, tracking URI, cwd."""

from __future__ import annotations

import os
from collections.abc import Callable

import pytest

from mlflow_golden import TrackingStore

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


#: The README's table "What a test sees": the MLFLOW_* variables a test sees, per backend.
VARIABLES_A_TEST_SEES = {
    "file": {"MLFLOW_TRACKING_URI", "MLFLOW_DISABLE_TELEMETRY", "MLFLOW_ALLOW_FILE_STORE"},
    "sqlite": {"MLFLOW_TRACKING_URI", "MLFLOW_DISABLE_TELEMETRY"},
    "server": {
        "MLFLOW_TRACKING_URI", "MLFLOW_DISABLE_TELEMETRY", "MLFLOW_HTTP_REQUEST_MAX_RETRIES",
        "MLFLOW_HTTP_REQUEST_TIMEOUT", "MLFLOW_SUPPRESS_PRINTING_URL_TO_STDOUT",
    },
}  # fmt: skip
VARIABLES_A_TEST_SEES["postgres"] = VARIABLES_A_TEST_SEES["server"]


def test_a_test_sees_exactly_the_documented_mlflow_variables(tracking_store: TrackingStore) -> None:
    seen = {key for key in os.environ if key.startswith("MLFLOW_")}

    assert seen == VARIABLES_A_TEST_SEES[tracking_store.backend]
    assert os.environ["MLFLOW_TRACKING_URI"] == tracking_store.uri


def test_a_session_variable_is_hidden_from_the_test(pytester: pytest.Pytester, run_inner: InnerRun) -> None:
    pytester.makepyfile(
        test_hidden="""
import os

def test_hidden(tracking_store):
    assert "MLFLOW_EXPERIMENT_NAME" not in os.environ
    assert "MLFLOW_RUN_ID" not in os.environ
"""
    )
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("MLFLOW_EXPERIMENT_NAME", "from-the-session")
        patch.setenv("MLFLOW_RUN_ID", "0123")
        result = run_inner()

    result.assert_outcomes(passed=1)


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
