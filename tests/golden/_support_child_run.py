"""Shared arrangement and with-block runner for the create_child_run golden scenarios.

Every scenario starts from the same store: experiment "hpo" holding the parent run "sweep"
(RUNNING) and a bystander run (FINISHED), plus an empty experiment "named". The snapshot then
shows that the call left these untouched. Fault matchers below pick store calls by what they
are, never by backend-specific call numbers (the file store routes some work through its own
public methods: ``create_run`` -> ``set_tag``/``get_run(run_id=...)``, ``set_tag`` of
``mlflow.runName`` -> ``update_run_info`` with positional arguments).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import mlflow

from infrastructure.tracking.mlflow import runs

PARENT_TAG = "mlflow.parentRunId"
RUN_NAME_TAG = "mlflow.runName"
#: Well-formed (32 hex) but absent from every store.
MISSING_RUN_ID = "0123456789abcdef0123456789abcdef"
BODY_ERROR = "body failed"


@dataclass(frozen=True)
class Arranged:
    """Ids of what exists before the call under test."""

    hpo_experiment_id: str
    parent_id: str
    bystander_id: str
    named_experiment_id: str


def arrange(client: Any) -> Arranged:
    """Create "hpo" (parent "sweep" RUNNING, "bystander" FINISHED) and an empty "named"."""
    hpo = client.create_experiment("hpo")
    parent = client.create_run(hpo, run_name="sweep", tags={"role": "parent"})
    bystander = client.create_run(hpo, run_name="bystander", tags={"role": "bystander"})
    client.set_terminated(bystander.info.run_id)
    named = client.create_experiment("named")
    return Arranged(
        hpo_experiment_id=str(hpo),
        parent_id=parent.info.run_id,
        bystander_id=bystander.info.run_id,
        named_experiment_id=str(named),
    )


def start_live_run(client: Any) -> str:
    """Start a fluent run "live" in a new experiment "live" (left active); return its id."""
    live = client.create_experiment("live")
    return str(mlflow.start_run(experiment_id=live, run_name="live").info.run_id)


def run_child(
    golden: Any,
    parent_run_id: Any,
    trial_number: Any,
    *,
    experiment_name: str | None = None,
    additional_tags: dict[str, Any] | None = None,
    raise_in_body: bool = False,
) -> dict[str, Any]:
    """Enter ``create_child_run`` (error recorded by ``golden.capture``) and report the block.

    Returns whether the body ran, what was yielded and the active run inside the body.
    """
    outcome: dict[str, Any] = {"body_ran": False, "yielded": None, "active_in_body": None}
    with (
        golden.catch_error(),
        runs.create_child_run(
            parent_run_id,
            trial_number,
            experiment_name=experiment_name,
            additional_tags=additional_tags,
        ) as yielded,
    ):
        outcome["body_ran"] = True
        outcome["yielded"] = yielded
        outcome["active_in_body"] = mlflow.active_run()
        if raise_in_body:
            raise RuntimeError(BODY_ERROR)
    return outcome


# -- store_faults matchers -------------------------------------------------------------------------
def _run_id_arg(args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    return args[0] if args else kwargs.get("run_id")


def tag_key_is(key: str, value: str | None = None) -> Callable[..., bool]:
    """``set_tag`` calls writing ``key`` (and ``value``, if given)."""

    def match(*args: Any, **kwargs: Any) -> bool:
        tag = args[1] if len(args) > 1 else kwargs["tag"]
        return bool(tag.key == key and (value is None or tag.value == value))

    return match


def read_of(run_id: str) -> Callable[..., bool]:
    """``get_run`` calls reading ``run_id``."""

    def match(*args: Any, **kwargs: Any) -> bool:
        return bool(_run_id_arg(args, kwargs) == run_id)

    return match


def client_read_of_new_run(known: Arranged) -> Callable[..., bool]:
    """Client ``get_run`` calls (id passed positionally) of a run created during the call.

    The file store's own read at the end of ``create_run`` passes ``run_id=`` and is skipped.
    """
    existing = {known.parent_id, known.bystander_id}

    def match(*args: Any, **kwargs: Any) -> bool:
        return bool(args) and args[0] not in existing

    return match
