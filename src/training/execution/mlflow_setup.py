"""Legacy training-side run creation and subprocess env (legacy-core §2), quirks included.

Tier 1: golden files pin what these functions leave in MLflow. They overlap with
``infrastructure.tracking.mlflow.runs`` on purpose (the later refactor removes the overlap) and
differ from it in URI, tags, experiment resolution and error handling (legacy-core §6.1).
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path
from typing import Any, Dict, Optional

import mlflow
from mlflow.tracking import MlflowClient

from infrastructure.naming.mlflow.run_keys import build_mlflow_run_key, build_mlflow_run_key_hash
from infrastructure.tracking.mlflow.index import update_mlflow_index
from infrastructure.tracking.mlflow.urls import get_mlflow_run_url

logger = logging.getLogger(__name__)


def create_training_mlflow_run(
    experiment_name: str,
    run_name: str,
    tags: Optional[Dict[str, str]] = None,
    parent_run_id: Optional[str] = None,
    run_id: Optional[str] = None,
    root_dir: Optional[Path] = None,
    config_dir: Optional[Path] = None,
    context: Optional[Any] = None,
    tracking_uri: Optional[str] = None,
    trial_number: Optional[int] = None,
    fold_idx: Optional[int] = None,
    create_as_child: bool = False,
) -> tuple[str, Any]:
    """Fetch (``run_id``), create as child, or create a standalone training run.

    The standalone run goes into the named experiment (created if missing), or into the
    parent's experiment when ``parent_run_id`` is given (no parent tag is added). The run is
    RUNNING and not started. With ``root_dir``, ``config_dir`` and ``context`` the local index
    is updated; index and URL errors are swallowed.
    """
    # Step 1: an existing run is only fetched.
    if run_id:
        existing_client = MlflowClient(tracking_uri=tracking_uri)
        return run_id, existing_client.get_run(run_id)

    # Step 2: child run (trial_number/fold_idx are used only here).
    if create_as_child and parent_run_id:
        return create_training_child_run(
            experiment_name,
            run_name,
            parent_run_id,
            tags,
            trial_number,
            fold_idx,
            tracking_uri,
        )

    # Step 3: named experiment, auto-created; fluent lookup only when the client lookup fails.
    client = MlflowClient(tracking_uri=tracking_uri)
    experiment_id: str
    try:
        experiment = client.get_experiment_by_name(experiment_name)
        if experiment is None:
            experiment_id = client.create_experiment(experiment_name)
        else:
            experiment_id = experiment.experiment_id
    except Exception as exc:
        logger.warning("Client experiment lookup failed (%s); trying the global URI", exc)
        fluent_experiment = mlflow.get_experiment_by_name(experiment_name)
        if fluent_experiment is None:
            raise RuntimeError(
                f"Could not get experiment: {experiment_name}. Ensure MLflow is configured via "
                "infrastructure.tracking.mlflow.setup.setup_mlflow()"
            ) from exc
        experiment_id = fluent_experiment.experiment_id

    # Step 4: the parent's experiment replaces the named one (no parent tag is added).
    if parent_run_id:
        try:
            parent_run = client.get_run(parent_run_id)
            experiment_id = parent_run.info.experiment_id
        except Exception as exc:
            logger.warning("Could not read parent run %s: %s", parent_run_id, exc)

    # Step 5: create; tags passed as-is.
    try:
        created_run = client.create_run(experiment_id=experiment_id, run_name=run_name, tags=tags or {})
        new_run_id: str = created_run.info.run_id
    except Exception as exc:
        logger.error("Could not create MLflow run %r: %s", run_name, exc)
        raise

    # Step 6: local index, only with root_dir, config_dir and context.
    if root_dir and config_dir and context:
        try:
            run_key = build_mlflow_run_key(context)
            run_key_hash = build_mlflow_run_key_hash(run_key)
            update_mlflow_index(
                root_dir,
                run_key_hash,
                new_run_id,
                experiment_id,
                tracking_uri or mlflow.get_tracking_uri(),
                config_dir=config_dir,
            )
        except Exception as exc:
            logger.warning("Could not update the MLflow index: %s", exc)

    # Step 7: URL for the log line.
    try:
        run_url = get_mlflow_run_url(experiment_id, new_run_id)
        logger.info("Created MLflow run %s...: %s", new_run_id[:12], run_url)
    except Exception as exc:
        logger.debug("Could not build the run URL: %s", exc)

    # Step 8.
    return new_run_id, created_run


def create_training_child_run(
    experiment_name: str,
    run_name: str,
    parent_run_id: str,
    tags: Optional[Dict[str, str]] = None,
    trial_number: Optional[int] = None,
    fold_idx: Optional[int] = None,
    tracking_uri: Optional[str] = None,
) -> tuple[str, Any]:
    """Create a child run (RUNNING, not started) with Azure ML trial tags, whatever the URI.

    Experiment: the parent's, else the client's by-name lookup, else RuntimeError. Caller
    ``tags`` win over the built ones. Reports success or failure on stderr.
    """
    client = MlflowClient(tracking_uri=tracking_uri)

    # Step 1: experiment from the parent, else by name (client, errors swallowed).
    experiment_id: Optional[str] = None
    try:
        parent_run = client.get_run(parent_run_id)
        experiment_id = parent_run.info.experiment_id
    except Exception as exc:
        logger.warning("Could not read parent run %s: %s", parent_run_id, exc)
        try:
            experiment = client.get_experiment_by_name(experiment_name)
            if experiment is not None:
                experiment_id = experiment.experiment_id
        except Exception as lookup_exc:
            logger.warning("Could not look up experiment %r: %s", experiment_name, lookup_exc)

    # Step 2.
    if not experiment_id:
        raise RuntimeError(
            f"Could not determine experiment ID from parent run {parent_run_id} "
            f"or experiment name {experiment_name}"
        )

    # Step 3: tags in insertion order; the caller's tags on top.
    child_tags: Dict[str, str] = {
        "mlflow.parentRunId": parent_run_id,
        "azureml.runType": "trial",
        "azureml.trial": "true",
    }
    if trial_number is not None:
        child_tags["trial_number"] = str(trial_number)
    if fold_idx is not None:
        child_tags["fold_idx"] = str(fold_idx)
    child_tags["mlflow.runName"] = run_name
    if tags:
        child_tags.update(tags)

    # Step 4: create and report on stderr.
    try:
        run = client.create_run(experiment_id=experiment_id, run_name=run_name, tags=child_tags)
        child_run_id: str = run.info.run_id
        print(f"  [Training] ✓ Created child run: {child_run_id[:12]}...", file=sys.stderr)
        return child_run_id, run
    except Exception as exc:
        print(f"  [Training] Error creating child run: {exc}", file=sys.stderr)
        raise


def setup_mlflow_tracking_env(
    experiment_name: str,
    tracking_uri: Optional[str] = None,
    parent_run_id: Optional[str] = None,
    run_id: Optional[str] = None,
    trial_number: Optional[int] = None,
    additional_vars: Optional[Dict[str, str]] = None,
) -> Dict[str, str]:
    """Build (never apply) the MLFLOW_* environment for a training subprocess.

    Keys in order: experiment name, tracking URI (explicit, else the current one if non-empty),
    parent run id, run id, trial number; ``additional_vars`` last, overriding.
    """
    env_vars: Dict[str, str] = {"MLFLOW_EXPERIMENT_NAME": experiment_name}
    if tracking_uri:
        env_vars["MLFLOW_TRACKING_URI"] = tracking_uri
    else:
        current_uri = mlflow.get_tracking_uri()
        if current_uri:
            env_vars["MLFLOW_TRACKING_URI"] = current_uri
    if parent_run_id:
        env_vars["MLFLOW_PARENT_RUN_ID"] = parent_run_id
    if run_id:
        env_vars["MLFLOW_RUN_ID"] = run_id
    if trial_number is not None:
        env_vars["MLFLOW_TRIAL_NUMBER"] = str(trial_number)
    if additional_vars:
        env_vars.update(additional_vars)
    return env_vars
