"""Run creation: the single source of truth (legacy-core §1, §6.1).

Everything that creates a run lives here once:

- **experiment resolution**: :func:`first_experiment_id` (the first of the parent's experiment, the
  named experiment and an active run's experiment that gives an id), :func:`experiment_or_create`
  and :func:`standalone_experiment_id`;
- **child-run tags**: :func:`child_run_tags`;
- **creation and its failure policy**: :func:`create_run_with_tags` (retry without tags, or
  re-raise).

The public functions differ on purpose (legacy-core §6.1); every difference is a named field of a
:class:`ChildRunPolicy` or an explicit argument, never a second copy of the logic.
``training.execution.mlflow_setup`` adds the training-only parts (local index, run URL line,
stderr report) on top of these functions.

A child run needs a parent: a ``parent_run_id`` that is None or empty raises ValueError
(:func:`require_parent_run_id`) before any store call. Caller tags go through
:func:`~infrastructure.tracking.mlflow.tag_values.tag_values` on entry (values as ``str``; one over
MLflow's limit raises ValueError before any store call).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from typing import Any, Dict, Literal, Optional, Protocol, overload

import mlflow
from mlflow.tracking import MlflowClient

from infrastructure.tracking.mlflow.masked_logging import get_logger
from infrastructure.tracking.mlflow.tag_values import tag_values

logger = get_logger(__name__)

_PARENT_TAG = "mlflow.parentRunId"
_RUN_NAME_TAG = "mlflow.runName"
_ENV_RUN_ID = "MLFLOW_RUN_ID"

#: Where an experiment id may come from, in the order a caller lists them.
ExperimentSource = Literal["parent", "name", "active_run"]


class ExperimentStore(Protocol):
    """What experiment lookups need: the ``mlflow`` module (global URI) or an ``MlflowClient``."""

    def get_experiment_by_name(self, name: str) -> Any: ...

    def create_experiment(self, name: str) -> str: ...


class ChildRunReport(Protocol):
    """Output a caller adds around the create call (the stderr report of training)."""

    def created(self, run_id: str) -> None: ...

    def failed(self, error: Exception) -> None: ...


class _NoReport:
    """Reports nothing (create_child_run has no output)."""

    def created(self, run_id: str) -> None:
        """Nothing to say."""

    def failed(self, error: Exception) -> None:
        """Nothing to say; the error propagates or is retried by the policy."""


NO_REPORT: ChildRunReport = _NoReport()


@dataclass(frozen=True)
class ChildRunPolicy:
    """How one child-run creator differs from another (legacy-core §6.1).

    | field | ``TRIAL_CHILD_RUN`` (create_child_run) | ``TRAINING_CHILD_RUN`` (mlflow_setup) |
    |---|---|---|
    | ``azure_trial_tags`` | ``"azure_uri"``: only when the global URI is Azure ML | ``"always"`` |
    | ``trial_tag`` | ``"always"`` (``str(n)``, even ``"None"``) | ``"if_given"`` (not None) |
    | ``experiment_sources`` | parent, name (global URI), active run | parent, name (client's URI) |
    | ``on_create_error`` | ``"retry_without_tags"`` (F2) | ``"raise"`` |
    | ``azure_parent_check`` | True: on Azure, parent re-read, child's parent tag check/repair | False |
    | ``report`` | ``NO_REPORT`` | stderr lines (training-only) |

    ``azure_trial_tags`` also governs the ``mlflow.runName`` create tag (it travels with the Azure
    trial tags). Not policy but arguments: the run name (``trial_<n>`` for create_child_run), the
    tracking URI of the client (``None``: global) and ``fold_idx`` (``None``: no fold tag).
    """

    azure_trial_tags: Literal["azure_uri", "always"]
    trial_tag: Literal["always", "if_given"]
    experiment_sources: tuple[ExperimentSource, ...]
    on_create_error: Literal["retry_without_tags", "raise"]
    azure_parent_check: bool
    report: ChildRunReport = NO_REPORT


#: ``create_child_run``: the trial subprocess's child run.
TRIAL_CHILD_RUN = ChildRunPolicy(
    azure_trial_tags="azure_uri",
    trial_tag="always",
    experiment_sources=("parent", "name", "active_run"),
    on_create_error="retry_without_tags",
    azure_parent_check=True,
)


def require_parent_run_id(parent_run_id: Optional[str]) -> str:
    """``parent_run_id`` itself; ValueError when it is None or empty (no store call is made)."""
    if not parent_run_id:
        raise ValueError(f"A child run needs a parent run id, got {parent_run_id!r}")
    return parent_run_id


def is_azure_uri() -> bool:
    """The global tracking URI points at Azure ML (``azureml`` in it, ignoring case)."""
    return "azureml" in mlflow.get_tracking_uri().lower()


# -- experiment resolution -------------------------------------------------------------------------
def _named_experiment_id(store: ExperimentStore, experiment_name: str) -> Optional[str]:
    """Id of the named experiment (a deleted one counts), None without a match."""
    experiment = store.get_experiment_by_name(experiment_name)
    return None if experiment is None else str(experiment.experiment_id)


def first_experiment_id(
    sources: tuple[ExperimentSource, ...],
    client: MlflowClient,
    *,
    parent_run_id: Optional[str] = None,
    experiment_name: Optional[str] = None,
    active_run: Callable[[], Any] = mlflow.active_run,
) -> Optional[str]:
    """The first non-empty experiment id from ``sources``, in order; a failing source is skipped.

    ``parent``: the parent run's experiment (``client.get_run``); ``name``: the client's by-name
    lookup; ``active_run``: the experiment of the run ``active_run()`` returns.
    """
    lookups: dict[ExperimentSource, Callable[[], Optional[str]]] = {
        "parent": lambda: str(client.get_run(parent_run_id).info.experiment_id) if parent_run_id else None,
        "name": lambda: _named_experiment_id(client, experiment_name) if experiment_name else None,
        "active_run": lambda: _run_experiment_id(active_run()),
    }
    for source in sources:
        try:
            experiment_id = lookups[source]()
        except Exception as exc:
            logger.warning("Experiment from %s unavailable: %s", source, exc)
            continue
        if experiment_id:
            return experiment_id
    return None


def _run_experiment_id(run: Any) -> Optional[str]:
    return None if run is None else str(run.info.experiment_id)


def experiment_or_create(store: ExperimentStore, experiment_name: str) -> str:
    """Id of the named experiment (a deleted one counts), created when missing; errors propagate."""
    existing = _named_experiment_id(store, experiment_name)
    return existing if existing is not None else store.create_experiment(experiment_name)


def standalone_experiment_id(client: MlflowClient, experiment_name: str, parent_run_id: Optional[str]) -> str:
    """Experiment of a standalone run (create_training_mlflow_run, legacy-core §2.1 steps 3-4).

    The named experiment on the client, created if missing; when that fails, the global URI's
    lookup, else RuntimeError. A readable parent then overrides it (the named one may have been
    created all the same).
    """
    try:
        named = experiment_or_create(client, experiment_name)
    except Exception as exc:
        logger.warning("Client experiment lookup failed (%s); trying the global URI", exc)
        fallback = _named_experiment_id(mlflow, experiment_name)
        if fallback is None:
            raise RuntimeError(
                f"Could not get experiment: {experiment_name}. Ensure MLflow is configured via "
                "infrastructure.tracking.mlflow.setup.setup_mlflow()"
            ) from exc
        named = fallback
    return first_experiment_id(("parent",), client, parent_run_id=parent_run_id) or named


# -- tags ------------------------------------------------------------------------------------------
def child_run_tags(
    policy: ChildRunPolicy,
    parent_run_id: str,
    run_name: str,
    trial_number: Any,
    fold_idx: Optional[int],
    caller_tags: Optional[Dict[str, str]],
) -> Dict[str, str]:
    """The create tags of a child run: parent, trial, fold, Azure trial tags + run name, caller's.

    The caller's tags go last, so the caller wins on every key (the parent tag included).
    """
    tags: Dict[str, str] = {_PARENT_TAG: parent_run_id}
    if policy.trial_tag == "always" or trial_number is not None:
        tags["trial_number"] = str(trial_number)
    if fold_idx is not None:
        tags["fold_idx"] = str(fold_idx)
    if policy.azure_trial_tags == "always" or is_azure_uri():
        tags["azureml.runType"] = "trial"
        tags["azureml.trial"] = "true"
        tags[_RUN_NAME_TAG] = run_name
    if caller_tags:
        tags.update(caller_tags)
    return tags


# -- creation --------------------------------------------------------------------------------------
def create_run_with_tags(
    client: MlflowClient,
    experiment_id: str,
    run_name: str,
    tags: Dict[str, str],
    on_error: Literal["retry_without_tags", "raise"],
    check: Optional[Callable[[str], None]] = None,
    *,
    start: bool = False,
) -> Any:
    """Create a run with ``tags``: RUNNING and not started, or with ``start`` the active fluent run.

    ``start`` creates through ``mlflow.start_run`` in the same single create call (MLflow adds its
    context tags: user, source); the run is named after a caller's ``mlflow.runName`` tag, which
    ``start_run`` would otherwise overwrite. ``check`` (given the new run id) runs inside the same
    guard, so its errors count as a failed create.

    On any error: ``"raise"`` re-raises; ``"retry_without_tags"`` (F2) keeps a run the create
    already made (only ``check`` failed; its tags went in with the create), else creates the run
    without tags and sets them one by one, skipping failing ones. F2's own create failing
    propagates. So at most one run is created.
    """

    def create(run_tags: Optional[Dict[str, str]]) -> Any:
        if start:
            return start_new_run(experiment_id, (run_tags or {}).get(_RUN_NAME_TAG, run_name), run_tags)
        return client.create_run(experiment_id=experiment_id, tags=run_tags, run_name=run_name)

    run = None
    try:
        run = create(tags)
        if check is not None:
            check(run.info.run_id)
        return run
    except Exception as exc:
        if on_error == "raise":
            logger.error("Could not create MLflow run %r: %s", run_name, exc)
            raise
        if run is not None:
            logger.warning("Checking run %s failed (%s); keeping it", run.info.run_id, exc)
            return run
        logger.warning("Creating the run with tags failed (%s); retrying without tags", exc)
    run = create(None)
    for key, value in tags.items():
        try:
            client.set_tag(run.info.run_id, key, value)
        except Exception as tag_exc:
            logger.warning("Could not set tag %s: %s", key, tag_exc)
    return run


def start_new_run(experiment_id: Optional[str], run_name: str, tags: Optional[Dict[str, str]]) -> Any:
    """``mlflow.start_run`` creating a new active run (never resuming ``MLFLOW_RUN_ID``'s run)."""
    env_run_id = os.environ.pop(_ENV_RUN_ID, None)
    try:
        return mlflow.start_run(experiment_id=experiment_id, run_name=run_name, tags=tags)
    finally:
        if env_run_id is not None:
            os.environ[_ENV_RUN_ID] = env_run_id


def _create_child(
    policy: ChildRunPolicy,
    client: MlflowClient,
    experiment_id: str,
    parent_run_id: str,
    run_name: str,
    trial_number: Any,
    fold_idx: Optional[int],
    caller_tags: Optional[Dict[str, str]],
    start: bool = False,
) -> Any:
    """Tags, then create G under the policy (``start``: as the active fluent run).

    On Azure with ``azure_parent_check``: the parent re-read before, and the child's parent-tag
    check (and repair) after the create.
    """
    tags = child_run_tags(policy, parent_run_id, run_name, trial_number, fold_idx, caller_tags)
    azure_check = policy.azure_parent_check and is_azure_uri()
    if azure_check:
        # Azure re-reads the parent and prefers its experiment if it differs.
        experiment_id = first_experiment_id(("parent",), client, parent_run_id=parent_run_id) or experiment_id

    def check_parent_tag(child_run_id: str) -> None:
        if client.get_run(child_run_id).data.tags.get(_PARENT_TAG) != parent_run_id:
            logger.warning("Azure ML: repairing the parent tag of child run %s...", child_run_id[:12])
            client.set_tag(child_run_id, _PARENT_TAG, parent_run_id)

    logger.info("Creating child run %s for parent %s... in %s", run_name, parent_run_id[:12], experiment_id)
    check = check_parent_tag if azure_check else None
    try:
        run = create_run_with_tags(
            client, experiment_id, run_name, tags, policy.on_create_error, check, start=start
        )
    except Exception as exc:
        policy.report.failed(exc)
        raise
    policy.report.created(run.info.run_id)
    return run


def create_child_run_with(
    policy: ChildRunPolicy, parent_run_id: str, run_name: str, *, experiment_name: Optional[str] = None,
    tags: Optional[Dict[str, str]] = None, trial_number: Any = None, fold_idx: Optional[int] = None,
    tracking_uri: Optional[str] = None,
) -> tuple[str, Any]:  # fmt: skip
    """Create a child run (RUNNING, not started) under ``policy``; return ``(run_id, Run)``.

    The client uses ``tracking_uri`` (``None``: the global URI). A None or empty
    ``parent_run_id`` raises ValueError before any store call; without an experiment id from
    the policy's sources, RuntimeError.
    """
    require_parent_run_id(parent_run_id)
    tags = tag_values(tags)
    client = MlflowClient(tracking_uri=tracking_uri)
    experiment_id = first_experiment_id(
        policy.experiment_sources, client, parent_run_id=parent_run_id, experiment_name=experiment_name
    )
    if not experiment_id:
        raise RuntimeError(
            f"Could not determine experiment ID from parent run {parent_run_id} "
            f"or experiment name {experiment_name}"
        )
    run = _create_child(policy, client, experiment_id, parent_run_id, run_name, trial_number, fold_idx, tags)
    run_id: str = run.info.run_id
    return run_id, run


# Two shapes (seed step 2.1): a context manager by default, ``(run_id, Run)`` with return_tuple=True.
@overload
def create_child_run(
    parent_run_id: str, trial_number: str, experiment_name: Optional[str] = None,
    additional_tags: Optional[dict[str, str]] = None, return_tuple: Literal[False] = False,
) -> AbstractContextManager[Any]: ...  # fmt: skip


@overload
def create_child_run(
    parent_run_id: str, trial_number: str, experiment_name: Optional[str] = None,
    additional_tags: Optional[dict[str, str]] = None, *, return_tuple: Literal[True],
) -> tuple[str, Any]: ...  # fmt: skip


def create_child_run(
    parent_run_id: str,
    trial_number: str,
    experiment_name: Optional[str] = None,
    additional_tags: Optional[dict[str, str]] = None,
    return_tuple: bool = False,
) -> AbstractContextManager[Any] | tuple[str, Any]:
    """Create a child run named ``trial_<trial_number>`` under :data:`TRIAL_CHILD_RUN`.

    A None or empty ``parent_run_id`` raises ValueError at the call, before any store call.

    Default: a context manager that starts the child and ends it on exit. It yields None on the
    happy path (the child is the active fluent run and is ended FINISHED on exit, even when the
    body raised) and an ``ActiveRun`` on the F1 fallback (no experiment). The child is created
    as the active fluent run, so a failure to start it (another active run) creates nothing and
    raises at ``with``. Nothing else happens before ``with``.

    ``return_tuple=True``: create the same child without starting it and return
    ``(run_id, Run)`` at once; with no experiment id this raises RuntimeError (there is no F1).
    """
    require_parent_run_id(parent_run_id)
    run_name = f"trial_{trial_number}"
    if return_tuple:  # create_child_run_with checks the tags itself
        return create_child_run_with(
            TRIAL_CHILD_RUN,
            parent_run_id,
            run_name,
            experiment_name=experiment_name,
            tags=additional_tags,
            trial_number=trial_number,
        )
    tags = tag_values(additional_tags)  # at the call, before ``with``
    return _started_child_run(parent_run_id, trial_number, run_name, experiment_name, tags)


@contextmanager
def _started_child_run(
    parent_run_id: str,
    trial_number: str,
    run_name: str,
    experiment_name: Optional[str],
    additional_tags: Optional[dict[str, str]],
) -> Iterator[Any]:
    """create_child_run's context manager (legacy-core §1.1 steps 1-10)."""
    client = MlflowClient()
    experiment_id = first_experiment_id(
        TRIAL_CHILD_RUN.experiment_sources,
        client,
        parent_run_id=parent_run_id,
        experiment_name=experiment_name,
    )

    # F1: no experiment -> an independent fluent run; no Azure tags, no additional tags.
    if not experiment_id:
        logger.warning("No experiment for parent run %s...; starting an independent run", parent_run_id[:12])
        independent_tags = {_PARENT_TAG: parent_run_id, "trial_number": str(trial_number)}
        with start_new_run(None, run_name, independent_tags) as independent_run:
            yield independent_run
        return

    # The child is created as the active fluent run (one create call, no resume).
    child_args = (parent_run_id, run_name, trial_number, None, additional_tags)
    _create_child(TRIAL_CHILD_RUN, client, experiment_id, *child_args, start=True)
    # Happy path yields None; the child always ends FINISHED, then errors re-raise.
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

    ``parent_run_id`` None: no parent; otherwise it overrides a ``mlflow.parentRunId`` already in
    ``tags``, and an empty one is an error (None, without a store call). The caller's dict is
    never mutated and the experiment id is used as given.
    """
    try:
        run_tags = tag_values(tags)
        if parent_run_id is not None:
            run_tags[_PARENT_TAG] = require_parent_run_id(parent_run_id)
        run = create_run_with_tags(MlflowClient(), experiment_id, run_name, run_tags, "raise")
        run_id: str = run.info.run_id
        return run_id
    except Exception as exc:
        logger.warning("Could not create run %r: %s", run_name, exc)
        return None


def get_or_create_experiment(experiment_name: str) -> Optional[str]:
    """Return the id of the named experiment (a deleted one counts), creating it if missing.

    Uses the global URI (fluent API). Returns None on any error.
    """
    try:
        return experiment_or_create(mlflow, experiment_name)
    except Exception as exc:
        logger.warning("Could not get or create experiment %r: %s", experiment_name, exc)
        return None


def resolve_experiment_id(
    experiment_name: Optional[str] = None,
    parent_run_id: Optional[str] = None,
    active_run: Optional[Any] = None,
) -> Optional[str]:
    """Resolve an experiment id: parent run, by name (global URI), then ``active_run``'s.

    ``active_run`` is the argument only; ``mlflow.active_run()`` is never consulted.
    """
    experiment_id = first_experiment_id(
        ("parent", "name", "active_run"),
        MlflowClient(),
        parent_run_id=parent_run_id,
        experiment_name=experiment_name,
        active_run=lambda: active_run or None,
    )
    if experiment_id is None:
        logger.warning("Could not resolve an experiment id")
    return experiment_id
