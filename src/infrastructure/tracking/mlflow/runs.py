"""Legacy run-creation helpers (legacy-core §1), reproduced with every quirk.

Tier 1: golden files pin what these functions leave in MLflow. The overlap with
``training.execution.mlflow_setup`` is deliberate (it is what the later refactor removes), and
so are the fallbacks that leave RUNNING orphans. Do not tidy.

``parent_run_id`` is sliced (``[:12]``) in log lines at fixed places; with ``None`` the slice
raises TypeError there (legacy-core §1.1, last paragraph):
- in F1, the warning before ``start_run`` is unguarded: the TypeError escapes at ``with`` entry
  and no F1 run is created;
- in G, the first log line (before ``create_run``) is guarded: the TypeError diverts into F2,
  which creates the only child run;
- in the start step, the log line before ``start_run(run_id=...)`` is guarded: the TypeError
  diverts into F3 before the child is started.
Nothing else slices ``parent_run_id`` outside a guard.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, Dict, Optional

import mlflow
from mlflow.tracking import MlflowClient

logger = logging.getLogger(__name__)

_PARENT_TAG = "mlflow.parentRunId"
_RUN_NAME_TAG = "mlflow.runName"


@contextmanager
def create_child_run(
    parent_run_id: str,
    trial_number: str,
    experiment_name: Optional[str] = None,
    additional_tags: Optional[dict[str, str]] = None,
) -> Iterator[Any]:
    """Create and start a child run named ``trial_<trial_number>``; end it on exit.

    Yields None on the happy path (the child is the active fluent run and is ended FINISHED on
    exit, even when the body raised) and an ``ActiveRun`` on the F1/F3 fallbacks.
    """
    # Step 1: default client on the global URI; Azure branch chosen by the global URI.
    client = MlflowClient()
    tracking_uri = mlflow.get_tracking_uri()
    is_azure = "azureml" in tracking_uri.lower()

    # Step 2: experiment id, first non-empty of parent -> fluent by name -> fluent active run.
    experiment_id: Optional[str] = None
    try:
        parent_run = client.get_run(parent_run_id)
        experiment_id = parent_run.info.experiment_id
        logger.debug("Experiment %s taken from parent run %s...", experiment_id, parent_run_id[:12])
    except Exception as exc:
        logger.warning("Could not read parent run: %s", exc)

    if not experiment_id and experiment_name:
        try:
            experiment = mlflow.get_experiment_by_name(experiment_name)
            if experiment is not None:
                experiment_id = experiment.experiment_id
        except Exception as exc:
            logger.warning("Could not look up experiment %r: %s", experiment_name, exc)

    if not experiment_id:
        try:
            active = mlflow.active_run()
            if active is not None:
                experiment_id = active.info.experiment_id
        except Exception as exc:
            logger.warning("Could not read the active run: %s", exc)

    run_name = f"trial_{trial_number}"

    # Step 3 (F1): no experiment -> an independent fluent run; no Azure tags, no additional tags.
    if not experiment_id:
        # Unguarded slice: parent_run_id=None raises TypeError here (escapes, no run created).
        logger.warning(
            "Could not determine experiment ID for parent run %s...; starting an independent run",
            parent_run_id[:12],
        )
        with mlflow.start_run(run_name=run_name) as independent_run:
            try:
                mlflow.set_tag(_PARENT_TAG, parent_run_id)
                mlflow.set_tag("trial_number", str(trial_number))
            except Exception as exc:
                logger.warning("Could not set child tags on the independent run: %s", exc)
            yield independent_run
        return

    # Step 4: tags in insertion order; additional_tags last, so the caller wins on every key.
    tags: Dict[str, str] = {
        _PARENT_TAG: parent_run_id,
        "trial_number": str(trial_number),
    }
    if is_azure:
        tags["azureml.runType"] = "trial"
        tags["azureml.trial"] = "true"
        tags[_RUN_NAME_TAG] = run_name
    if additional_tags:
        tags.update(additional_tags)

    # Step 5: Azure re-reads the parent and prefers its experiment if it differs.
    if is_azure:
        try:
            azure_parent = client.get_run(parent_run_id)
            if azure_parent.info.experiment_id != experiment_id:
                experiment_id = azure_parent.info.experiment_id
        except Exception as exc:
            logger.warning("Azure ML: could not re-read the parent run: %s", exc)

    # Step 6 (G): create with tags, re-read, Azure tag repair.
    child_run_id: str
    try:
        # Guarded slice: parent_run_id=None diverts into F2 before anything is created.
        logger.info(
            "Creating child run %s for parent %s... in experiment %s",
            run_name,
            parent_run_id[:12],
            experiment_id,
        )
        child_run = client.create_run(experiment_id=experiment_id, tags=tags, run_name=run_name)
        child_run_id = child_run.info.run_id
        created = client.get_run(child_run_id)
        logger.info(
            "Created child run %s... (parent tag: %s)",
            child_run_id[:12],
            created.data.tags.get(_PARENT_TAG),
        )
        if is_azure:
            verified = client.get_run(child_run_id)
            if verified.data.tags.get(_PARENT_TAG) != parent_run_id:
                logger.warning("Azure ML: repairing the parent tag of child run %s...", child_run_id[:12])
                client.set_tag(child_run_id, _PARENT_TAG, parent_run_id)
    except Exception as exc:
        # Step 7 (F2): create without tags, then set each tag; a failing create surfaces at entry.
        # If the create in G had succeeded, its run is left behind: two runs exist.
        logger.warning("Creating the child run with tags failed (%s); retrying without tags", exc)
        child_run = client.create_run(experiment_id=experiment_id, run_name=run_name)
        child_run_id = child_run.info.run_id
        for key, value in tags.items():
            try:
                client.set_tag(child_run_id, key, value)
            except Exception as tag_exc:
                logger.warning("Could not set tag %s on child run: %s", key, tag_exc)

    # Step 8: start the created child as the active fluent run.
    try:
        # Guarded slice: parent_run_id=None diverts into F3 before the child is started.
        logger.info("Starting child run %s... (parent %s...)", child_run_id[:12], parent_run_id[:12])
        mlflow.start_run(run_id=child_run_id)
        if is_azure:
            active_child = mlflow.active_run()
            started = client.get_run(child_run_id)
            logger.info(
                "Azure ML: active run %s, child status %s",
                active_child.info.run_id if active_child is not None else None,
                started.info.status,
            )
    except Exception as exc:
        # Step 9 (F3): an unrelated fluent run named NAME; the created child stays RUNNING.
        logger.warning("Could not start child run %s (%s); starting %s instead", child_run_id, exc, run_name)
        with mlflow.start_run(run_name=run_name) as fallback_run:
            yield fallback_run
        return

    # Step 10: happy path yields None; the top run always ends FINISHED, then errors re-raise.
    try:
        yield None
    finally:
        mlflow.end_run()


def create_run_safe(
    experiment_id: str,
    run_name: str,
    tags: Optional[dict[str, str]] = None,
    parent_run_id: Optional[str] = None,
) -> Optional[str]:
    """Create a (not started) run on the global URI; return its id, or None on any error.

    ``parent_run_id`` overrides a ``mlflow.parentRunId`` already present in ``tags``; the
    caller's dict is never mutated and the experiment id is used as given.
    """
    try:
        run_tags = dict(tags) if tags else {}
        if parent_run_id:
            run_tags[_PARENT_TAG] = parent_run_id
        client = MlflowClient()
        run = client.create_run(experiment_id=experiment_id, tags=run_tags, run_name=run_name)
        run_id: str = run.info.run_id
        return run_id
    except Exception as exc:
        logger.warning("Could not create run %r: %s", run_name, exc)
        return None


def get_or_create_experiment(experiment_name: str) -> Optional[str]:
    """Return the id of the named experiment (a deleted one counts), creating it if missing.

    Returns None on any error.
    """
    try:
        experiment = mlflow.get_experiment_by_name(experiment_name)
        if experiment is not None:
            existing_id: str = experiment.experiment_id
            return existing_id
        created_id: str = mlflow.create_experiment(experiment_name)
        return created_id
    except Exception as exc:
        logger.warning("Could not get or create experiment %r: %s", experiment_name, exc)
        return None


def resolve_experiment_id(
    experiment_name: Optional[str] = None,
    parent_run_id: Optional[str] = None,
    active_run: Optional[Any] = None,
) -> Optional[str]:
    """Resolve an experiment id: parent run (even if empty), fluent by name, then ``active_run``.

    ``active_run`` is the argument only; ``mlflow.active_run()`` is never consulted.
    """
    client = MlflowClient()

    if parent_run_id:
        try:
            parent_experiment_id: str = client.get_run(parent_run_id).info.experiment_id
            return parent_experiment_id
        except Exception as exc:
            logger.debug("Could not read parent run: %s", exc)

    if experiment_name:
        try:
            experiment = mlflow.get_experiment_by_name(experiment_name)
            if experiment is not None:
                named_experiment_id: str = experiment.experiment_id
                return named_experiment_id
        except Exception as exc:
            logger.debug("Could not look up experiment %r: %s", experiment_name, exc)

    if active_run:
        try:
            active_experiment_id: str = active_run.info.experiment_id
            return active_experiment_id
        except Exception as exc:
            logger.debug("Could not read the experiment of the given active run: %s", exc)

    logger.warning("Could not resolve an experiment id")
    return None
