"""Training-only additions on top of ``infrastructure.tracking.mlflow.runs`` (legacy-core §2).

``runs`` is the source of truth for experiment resolution, child-run tags and run creation. This
module adds only what training needs: the local run index, the run URL log line, the stderr
report of child runs (:data:`TRAINING_CHILD_RUN`) and the MLFLOW_* environment of a training
subprocess.
"""

from __future__ import annotations

import sys
import warnings
from pathlib import Path
from typing import Any, Dict, Optional

import mlflow
from mlflow.tracking import MlflowClient

from infrastructure.naming.mlflow.run_keys import build_mlflow_run_key, build_mlflow_run_key_hash
from infrastructure.tracking.mlflow.index import update_mlflow_index
from infrastructure.tracking.mlflow.masked_logging import get_logger
from infrastructure.tracking.mlflow.runs import (
    ChildRunPolicy,
    create_child_run_with,
    create_run_with_tags,
    require_parent_run_id,
    standalone_experiment_id,
)
from infrastructure.tracking.mlflow.tag_values import tag_values
from infrastructure.tracking.mlflow.uri_masking import mask_uris_in_text
from infrastructure.tracking.mlflow.urls import get_mlflow_run_url as web_url

logger = get_logger(__name__)


class _StderrReport:
    """The training child run's report on stderr (part of its contract, legacy-core §2.2)."""

    def created(self, run_id: str) -> None:
        print(f"  [Training] ✓ Created child run: {run_id[:12]}...", file=sys.stderr)

    def failed(self, error: Exception) -> None:
        print(f"  [Training] Error creating child run: {mask_uris_in_text(str(error))}", file=sys.stderr)


#: A training child run (trial or fold of the orchestrator), compared with ``runs.TRIAL_CHILD_RUN``:
#: Azure trial tags and ``mlflow.runName`` on every URI, trial tag only when given, experiment from
#: the parent else the client's by-name lookup (else RuntimeError), no retry, no Azure parent check, stderr.
TRAINING_CHILD_RUN = ChildRunPolicy(
    azure_trial_tags="always",
    trial_tag="if_given",
    experiment_sources=("parent", "name"),
    on_create_error="raise",
    azure_parent_check=False,
    report=_StderrReport(),
)

_CHILD_RUN_REPLACEMENT = (
    "training.execution.mlflow_setup.create_training_child_run is deprecated; call "
    "infrastructure.tracking.mlflow.runs.create_child_run_with(TRAINING_CHILD_RUN, parent_run_id, "
    "run_name, experiment_name=experiment_name, tags=tags, trial_number=trial_number, "
    "fold_idx=fold_idx, tracking_uri=tracking_uri) with "
    "training.execution.mlflow_setup.TRAINING_CHILD_RUN"
)


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

    The child (``create_as_child``; a None or empty ``parent_run_id`` raises ValueError before
    any store call) goes through ``runs.create_child_run_with(TRAINING_CHILD_RUN, ...)``; the
    standalone run through ``runs.standalone_experiment_id`` (the named experiment, created if
    missing, or the parent's; no parent tag is added) and ``runs.create_run_with_tags``
    (re-raise). The run is RUNNING and not started. Added here: with ``root_dir``, ``config_dir``
    and ``context`` the local index is updated, and a run URL is logged (for URIs with a web UI);
    errors of both are swallowed. Tag values are sent as ``str``; one over MLflow's limit raises
    ValueError first.
    """
    tags = tag_values(tags)
    if run_id:
        return run_id, MlflowClient(tracking_uri=tracking_uri).get_run(run_id)

    if create_as_child:
        child_args = (tags, trial_number, fold_idx, tracking_uri)
        parent = require_parent_run_id(parent_run_id)
        return _training_child_run(experiment_name, run_name, parent, *child_args)

    client = MlflowClient(tracking_uri=tracking_uri)
    experiment_id = standalone_experiment_id(client, experiment_name, parent_run_id)
    created_run = create_run_with_tags(client, experiment_id, run_name, tags, "raise")
    new_run_id: str = created_run.info.run_id

    if root_dir and config_dir and context:
        try:
            run_key_hash = build_mlflow_run_key_hash(build_mlflow_run_key(context))
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

    try:
        logger.info("Created MLflow run %s %s", new_run_id, web_url(experiment_id, new_run_id) or "")
    except Exception as exc:
        logger.debug("Could not build the run URL: %s", exc)

    return new_run_id, created_run


def create_training_child_run(
    experiment_name: str, run_name: str, parent_run_id: str, tags: Optional[Dict[str, str]] = None,
    trial_number: Optional[int] = None, fold_idx: Optional[int] = None, tracking_uri: Optional[str] = None,
) -> tuple[str, Any]:  # fmt: skip
    """Deprecated: ``runs.create_child_run_with(TRAINING_CHILD_RUN, ...)`` does exactly this.

    Kept for backward compatibility only; it warns and delegates (docs/migration.md).
    """
    warnings.warn(_CHILD_RUN_REPLACEMENT, DeprecationWarning, stacklevel=2)
    return _training_child_run(
        experiment_name, run_name, parent_run_id, tags, trial_number, fold_idx, tracking_uri
    )


def _training_child_run(
    experiment_name: str,
    run_name: str,
    parent_run_id: str,
    tags: Optional[Dict[str, str]],
    trial_number: Optional[int],
    fold_idx: Optional[int],
    tracking_uri: Optional[str],
) -> tuple[str, Any]:
    """The replacement call the deprecation names: ``runs`` under :data:`TRAINING_CHILD_RUN`."""
    return create_child_run_with(
        TRAINING_CHILD_RUN,
        parent_run_id,
        run_name,
        experiment_name=experiment_name,
        tags=tags,
        trial_number=trial_number,
        fold_idx=fold_idx,
        tracking_uri=tracking_uri,
    )


#: Deprecated functions declare their replacement (read by tests that assert the warning).
create_training_child_run.__deprecated__ = _CHILD_RUN_REPLACEMENT  # type: ignore[attr-defined]


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
