"""store_faults fails exactly the chosen calls of the backend's store class, and is undone after."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from mlflow.entities import RunTag
from mlflow.exceptions import MlflowException

from mlflow_golden import StoreFaults, TrackingStore

InnerRun = Callable[..., pytest.RunResult]


def test_fails_exactly_the_chosen_calls(tracking_store: TrackingStore, store_faults: StoreFaults) -> None:
    client = tracking_store.client
    run_id = client.create_run("0", run_name="r").info.run_id
    store_faults.fail("log_param", calls=[2, 4])
    outcomes = []
    for i in range(1, 6):
        try:
            client.log_param(run_id, f"p{i}", i)
            outcomes.append("ok")
        except MlflowException as exc:
            outcomes.append(str(exc).split(".")[0])
    assert outcomes == ["ok", "store_faults: injected failure in log_param call 2", "ok",
                        "store_faults: injected failure in log_param call 4", "ok"]  # fmt: skip
    assert store_faults.calls("log_param") == 5
    assert set(client.get_run(run_id).data.params) == {"p1", "p3", "p5"}


def test_match_predicate_counts_only_matching_calls(
    tracking_store: TrackingStore, store_faults: StoreFaults
) -> None:
    client = tracking_store.client
    run_id = client.create_run("0", run_name="r").info.run_id

    def is_stage_tag(run_id: str, tag: RunTag) -> bool:
        return tag.key == "stage"

    store_faults.fail("set_tag", calls=2, exc=RuntimeError("second stage tag"), match=is_stage_tag)
    client.set_tag(run_id, "other", "1")
    client.set_tag(run_id, "stage", "a")
    client.set_tag(run_id, "other", "2")
    with pytest.raises(RuntimeError, match="second stage tag"):
        client.set_tag(run_id, "stage", "b")
    client.set_tag(run_id, "stage", "c")
    assert store_faults.calls("set_tag") == 5
    assert client.get_run(run_id).data.tags["stage"] == "c"


def test_fluent_start_run_goes_through_the_patched_create_run(
    tracking_store: TrackingStore, store_faults: StoreFaults
) -> None:
    import mlflow

    store_faults.fail("create_run")
    with pytest.raises(MlflowException, match="injected failure in create_run call 1"):
        mlflow.start_run()
    with mlflow.start_run() as run:
        assert run.info.run_id
    assert store_faults.calls("create_run") == 2


def test_azureml_scheme_stores_are_affected_too(
    tracking_store: TrackingStore, store_faults: StoreFaults
) -> None:
    from mlflow.tracking import MlflowClient

    store_faults.fail("create_experiment")
    with pytest.raises(MlflowException, match="create_experiment call 1"):
        MlflowClient(tracking_uri=tracking_store.azureml_uri).create_experiment("x")


def test_unknown_method_and_bad_call_numbers_are_rejected(store_faults: StoreFaults) -> None:
    with pytest.raises(ValueError, match="has no public method 'no_such_method'"):
        store_faults.fail("no_such_method")
    with pytest.raises(ValueError, match="1-based"):
        store_faults.fail("get_run", calls=0)
    with pytest.raises(ValueError, match="not watched"):
        store_faults.calls("get_run")


def test_watch_counts_without_failing(tracking_store: TrackingStore, store_faults: StoreFaults) -> None:
    store_faults.watch("get_experiment")
    tracking_store.client.get_experiment("0")
    tracking_store.client.get_experiment("0")
    assert store_faults.calls("get_experiment") == 2


def test_faults_are_undone_after_the_test(pytester: pytest.Pytester, run_inner: InnerRun) -> None:
    pytester.makepyfile(
        test_faulty="""
        import pytest
        from mlflow.exceptions import MlflowException

        def test_1_fails_everything(tracking_store, store_faults):
            store_faults.fail("create_experiment", calls=range(1, 100))
            store_faults.fail("get_run", calls=range(1, 100), must_fire=False)
            with pytest.raises(MlflowException):
                tracking_store.client.create_experiment("a")

        def test_2_works_again(tracking_store):
            exp = tracking_store.client.create_experiment("a")
            run = tracking_store.client.create_run(exp)
            assert tracking_store.client.get_run(run.info.run_id).info.run_id == run.info.run_id
        """
    )
    run_inner().assert_outcomes(passed=2)


def test_harness_capture_is_not_affected(
    tracking_store: TrackingStore, store_faults: StoreFaults, golden: object
) -> None:
    from mlflow_golden import Golden

    assert isinstance(golden, Golden)
    store_faults.fail("search_runs", calls=range(1, 100), must_fire=False)
    store_faults.fail("get_metric_history", calls=range(1, 100), must_fire=False)
    tracking_store.client.create_run("0", run_name="r")
    snapshot = golden.snapshot()
    assert [run["name"] for run in snapshot["runs"]] == ["r"]
    assert store_faults.calls("search_runs") == 0


def test_unknown_method_error_lists_the_valid_public_methods(
    tracking_store: TrackingStore, store_faults: StoreFaults
) -> None:
    with pytest.raises(ValueError) as raised:
        store_faults.fail("log_params")
    valid = str(raised.value).partition("valid methods: ")[2].split(", ")
    assert {"log_param", "log_batch", "create_run", "set_tag"} <= set(valid)
    assert valid == sorted(valid)
    assert not [name for name in valid if name.startswith("_")]


NEVER_FIRING = """
def test_scenario(tracking_store, store_faults):
    store_faults.fail("delete_run", calls=[2, 3]{opt_out})
    store_faults.fail("create_experiment")
    tracking_store.client.create_run("0", run_name="r")
    try:
        tracking_store.client.create_experiment("x")
    except Exception:
        pass
"""


def test_a_fault_that_never_fired_fails_the_test_at_teardown(
    pytester: pytest.Pytester, run_inner: InnerRun
) -> None:
    pytester.makepyfile(test_faulty=NEVER_FIRING.format(opt_out=""))
    result = run_inner()
    result.assert_outcomes(passed=1, errors=1)
    result.stdout.fnmatch_lines(["*ERROR at teardown of test_scenario*"])
    expected = (
        "store_faults.fail('delete_run', calls=[2, 3]) never fired: the test made 0 call(s) of delete_run"
    )
    assert expected in result.stdout.str()
    assert "'create_experiment'" not in result.stdout.str()


def test_must_fire_false_lets_a_fault_stay_unfired(pytester: pytest.Pytester, run_inner: InnerRun) -> None:
    pytester.makepyfile(test_faulty=NEVER_FIRING.format(opt_out=", must_fire=False"))
    run_inner().assert_outcomes(passed=1)


def test_a_failing_test_is_not_blamed_on_its_unfired_faults(
    pytester: pytest.Pytester, run_inner: InnerRun
) -> None:
    pytester.makepyfile(
        test_faulty="""
        def test_scenario(tracking_store, store_faults):
            store_faults.fail("delete_run")
            assert False, "the scenario's own failure"
        """
    )
    result = run_inner()
    result.assert_outcomes(failed=1)
    assert "never fired" not in result.stdout.str()
