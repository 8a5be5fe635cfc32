"""A sample scenario gives byte-identical snapshots and store-call budgets on file, sqlite and server.

file and sqlite always run; the server joins when the outer session runs on it (its server is
shared in-process), so the three runs of this suite together compare all three backends.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

InnerRun = Callable[..., pytest.RunResult]

SCENARIO = """
import mlflow
import pytest

def test_sample(tracking_store, golden):
    client = tracking_store.client
    exp = mlflow.set_experiment("hpo")
    with mlflow.start_run(run_name="sweep") as sweep:
        mlflow.log_params({"n_trials": 2, "experiment_id": exp.experiment_id})
        for trial in range(2):
            with mlflow.start_run(nested=True) as child:
                mlflow.set_tag("trial", str(trial))
                for step, loss in enumerate([0.9, 0.5 - trial / 10]):
                    mlflow.log_metric("loss", loss, step=step)
        mlflow.set_tag("best", child.info.run_id[:12])
    note = {"note": f"retry of {sweep.info.run_id}"}
    failed = client.create_run(exp.experiment_id, run_name="failed", tags=note)
    client.set_terminated(failed.info.run_id, "FAILED")
    client.delete_run(failed.info.run_id)
    other = client.create_experiment("other", tags={"owner": "team"})
    client.delete_experiment(other)
    tracking_store.use_azureml()
    mlflow.set_experiment("az")
    mlflow.start_run(run_name="left-open")
    with golden.capture():
        client.get_run("0" * 32)
    golden.check(result={"sweep": sweep, "uri": mlflow.get_tracking_uri(), "exp": exp.experiment_id})


def test_errors(tracking_store, golden):
    client = tracking_store.client
    exp = client.create_experiment("dup")
    run = client.create_run(exp, run_name="r")
    client.delete_run(run.info.run_id)
    errors = []
    for call in (
        lambda: client.create_experiment("dup"),
        lambda: client.get_experiment("4242"),
        lambda: client.set_tag(run.info.run_id, "k", "v"),
        lambda: client.create_run(exp, run_name="a", tags={"mlflow.runName": "b"}),
    ):
        with golden.capture():
            call()
        errors.append(golden.snapshot()["error"])
    golden.check(result=errors)
"""


def test_sample_scenario_is_identical_on_all_backends(
    pytester: pytest.Pytester, run_inner: InnerRun, backend: str
) -> None:
    pytester.makepyfile(test_sample=SCENARIO)
    backends = ["file", "sqlite"] + (["server"] if backend == "server" else [])
    texts = {}
    for name in backends:
        run_inner("--golden-update", f"--golden-dir=golden-{name}", backend_override=name).assert_outcomes(
            passed=2
        )
        texts[name] = {
            path.name: path.read_bytes()
            for path in sorted((pytester.path / f"golden-{name}").rglob("*.json"))
        }
    assert set(texts["file"]) == {
        "test_sample.json", "test_errors.json", "test_sample.calls.json", "test_errors.calls.json"
    }  # behavior snapshots and store-call budgets  # fmt: skip
    for name in backends[1:]:
        assert texts[name] == texts["file"], name
    # and each backend passes against the file store's recording
    for name in backends[1:]:
        run_inner("--golden-dir=golden-file", backend_override=name).assert_outcomes(passed=2)
