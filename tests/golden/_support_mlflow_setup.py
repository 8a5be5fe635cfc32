"""Helpers for the training.execution.mlflow_setup golden scenarios (legacy-core §2).

Pre-existing store state, naming contexts for the local index, the cache folder listing, and a
call wrapper that records an exception's cause (``raise ... from``) next to the returned value.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from pathlib import Path
from typing import Any

import pytest
from mlflow.tracking import MlflowClient
from scenario_support import index_path, printed

from infrastructure.naming.context import NamingContext
from mlflow_golden._normalize import canonical_message

#: A well-formed run id that no store knows (32 lowercase hex characters).
UNKNOWN_RUN_ID = "deadbeef" * 4
#: A run id no store accepts as such.
MALFORMED_RUN_ID = "not-a-run-id"

#: The line create_training_child_run prints when create_run fails; the store's error text follows.
CHILD_RUN_ERROR = "  [Training] Error creating child run: "

#: NamingContexts by label; every one except the *_no_trial ones yields a run key (§8.2).
CONTEXTS: dict[str, NamingContext] = {
    "hpo_trial": NamingContext("hpo", "distilbert", "local", trial_id="trial_7"),
    "hpo_study": NamingContext("hpo", "distilbert", "local", study_key_hash="ab12cd34"),
    "hpo_unknown": NamingContext("hpo", "distilbert", "local"),
    "hpo_refit": NamingContext("hpo_refit", "distilbert", "local", trial_id="trial_7"),
    "hpo_refit_no_trial": NamingContext("hpo_refit", "distilbert", "local"),
    "final_training": NamingContext(
        "final_training", "deberta", "azureml", spec_fp="spec01", exec_fp="exec02", variant=2
    ),
    "benchmarking": NamingContext("benchmarking", "distilbert", "colab", trial_id="trial_3"),
    "benchmarking_no_trial": NamingContext("benchmarking", "distilbert", "colab"),
}


def existing_experiment(client: MlflowClient, name: str) -> str:
    """Create experiment ``name`` with one run in it (state that must survive).

    The run is left RUNNING: ending it makes the server backend print a "View run" link.
    """
    experiment_id: str = client.create_experiment(name)
    client.create_run(experiment_id, run_name=f"{name}-bystander", tags={"seed.tag": "kept"})
    return experiment_id


def deleted_experiment(client: MlflowClient, name: str) -> str:
    """Create experiment ``name`` with one run, then delete the experiment."""
    experiment_id = existing_experiment(client, name)
    client.delete_experiment(experiment_id)
    return experiment_id


def parent_run(client: MlflowClient, experiment_id: str, *, deleted: bool = False) -> str:
    """A RUNNING parent run named ``parent`` in ``experiment_id`` (optionally deleted)."""
    run_id: str = client.create_run(experiment_id, run_name="parent", tags={"role": "parent"}).info.run_id
    if deleted:
        client.delete_run(run_id)
    return run_id


def cache_listing(config_dir: Path) -> list[str] | None:
    """Names in the index's cache folder (lock/temp files would show), None if it does not exist."""
    folder = index_path(config_dir).parent
    if not folder.is_dir():
        return None
    return sorted(entry.name for entry in folder.iterdir())


def call_into(outcome: dict[str, Any], function: Callable[..., Any], *args: Any, **kwargs: Any) -> None:
    """Call ``function`` and store its value in ``outcome["returned"]``.

    On error, store the chained cause (``raise ... from``) in ``outcome["cause"]`` and re-raise,
    for the surrounding ``golden.catch_error()``.
    """
    try:
        outcome["returned"] = function(*args, **kwargs)
    except Exception as exc:
        cause = exc.__cause__
        outcome["cause"] = None if cause is None else {"type": type(cause).__name__, "message": str(cause)}
        raise


def expect_deprecation(function: Callable[..., Any]) -> AbstractContextManager[Any]:
    """``pytest.deprecated_call()`` for a function that declares itself deprecated.

    Deprecated functions carry ``__deprecated__`` (their replacement). The baseline c90d8b4, from
    which provenance re-records these scenarios, deprecates nothing, so there it expects nothing.
    """
    return pytest.deprecated_call() if getattr(function, "__deprecated__", None) else nullcontext()


def captured_call(golden: Any, function: Callable[..., Any], *args: Any, **kwargs: Any) -> dict[str, Any]:
    """``call_into`` a fresh outcome inside ``golden.catch_error()`` and return that outcome.

    The usual one-call scenario body: an error is recorded for the next ``golden.check()``. A
    deprecated function must warn (``expect_deprecation``).
    """
    outcome: dict[str, Any] = {}
    with expect_deprecation(function), golden.catch_error():
        call_into(outcome, function, *args, **kwargs)
    return outcome


def environ_copy() -> dict[str, str]:
    """A snapshot of os.environ, to prove a function left it alone."""
    return dict(os.environ)


def printed_canonical(capsys: pytest.CaptureFixture[str]) -> dict[str, str]:
    """``printed(capsys)`` with the store error text in the child-run error line canonicalized.

    The line embeds ``str(exc)``, whose wording differs per backend for the same failure; the
    harness's error canonicalization (as applied to recorded errors) makes it comparable.
    """
    output = printed(capsys)
    output["stderr"] = "\n".join(
        CHILD_RUN_ERROR + canonical_message(line[len(CHILD_RUN_ERROR) :])
        if line.startswith(CHILD_RUN_ERROR)
        else line
        for line in output["stderr"].split("\n")
    )
    return output
