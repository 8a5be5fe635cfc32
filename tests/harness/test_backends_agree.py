"""A sample scenario gives byte-identical snapshots and store-call budgets on file, sqlite and
server (and on postgres, but for the one message PostgreSQL words itself).

file and sqlite always run; a server backend joins when the outer session runs on it (its server
is shared in-process), so the runs of this suite together compare all four backends.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

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
    with golden.catch_error():
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
        with golden.catch_error():
            call()
        errors.append(golden.snapshot()["error"])
    golden.check(result=errors)
"""


#: The one place PostgreSQL's store differs whatever the code does: a duplicate experiment name
#: surfaces as the database's UniqueViolation text instead of MLflow's own message.
POSTGRES_DUPLICATE = "Experiment(name=dup) already exists. Error: (psycopg.errors.UniqueViolation)"


def _duplicate_message_apart(text: bytes) -> tuple[str, Any]:
    """The duplicate-experiment error message of test_errors, and the snapshot without it."""
    snapshot = json.loads(text)
    message = snapshot["result"][0]["message"]
    snapshot["result"][0]["message"] = "<duplicate experiment>"
    return message, snapshot


def test_sample_scenario_is_identical_on_all_backends(
    pytester: pytest.Pytester, run_inner: InnerRun, backend: str
) -> None:
    pytester.makepyfile(test_sample=SCENARIO)
    backends = ["file", "sqlite"] + ([backend] if backend in ("server", "postgres") else [])
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
        if name != "postgres":
            assert texts[name] == texts["file"], name
    # and each backend passes against the file store's recording
    for name in backends[1:]:
        if name != "postgres":
            run_inner("--golden-dir=golden-file", backend_override=name).assert_outcomes(passed=2)


def test_postgres_differs_from_the_file_store_only_in_the_duplicate_experiment_message(
    pytester: pytest.Pytester, run_inner: InnerRun, backend: str
) -> None:
    if backend != "postgres":
        pytest.skip("needs the postgres server of --golden-backend=postgres")
    pytester.makepyfile(test_sample=SCENARIO)
    for name in ("file", "postgres"):
        run_inner("--golden-update", f"--golden-dir=golden-{name}", backend_override=name).assert_outcomes(
            passed=2
        )
    sample, errors = "test_sample/test_sample.json", "test_sample/test_errors.json"
    budgets = ("test_sample/test_sample.calls.json", "test_sample/test_errors.calls.json")
    for same in (sample, *budgets):
        assert (pytester.path / "golden-postgres" / same).read_bytes() == (
            pytester.path / "golden-file" / same
        ).read_bytes(), same
    on_file = _duplicate_message_apart((pytester.path / "golden-file" / errors).read_bytes())
    on_postgres = _duplicate_message_apart((pytester.path / "golden-postgres" / errors).read_bytes())
    assert on_file[0] == "Experiment 'dup' already exists."
    assert on_postgres[0].startswith(POSTGRES_DUPLICATE)
    assert on_postgres[1] == on_file[1]
