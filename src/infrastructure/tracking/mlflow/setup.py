"""MLflow experiment setup: tracking URI resolution (explicit, env, Azure ML workspace, local sqlite).

``setup_mlflow`` is the entry point; ``setup_mlflow_cross_platform`` (the legacy
``common.shared.mlflow_setup`` function) handles the no-URI case. An explicit or env URI always
beats ``ml_client``.
"""

from __future__ import annotations

import importlib
import os
import sys
import warnings
from pathlib import Path
from typing import Any, Optional

import mlflow

from infrastructure.naming.platform import detect_platform
from infrastructure.tracking.mlflow.config_loader import get_naming_config
from infrastructure.tracking.mlflow.masked_logging import get_logger

logger = get_logger(__name__)

AZUREML_MLFLOW_MODULE = "azureml.mlflow"
AZUREML_TIMEOUT_ENV = "AZUREML_ARTIFACTS_DEFAULT_TIMEOUT"
AZUREML_TIMEOUT_SECONDS = "600"
#: Env vars that would make ``start_run`` resume a run of the abandoned Azure store.
AZURE_RUN_ENV_VARS = ("MLFLOW_RUN_ID", "MLFLOW_USE_RUN_ID")
COLAB_DRIVE_ROOT = Path("/content/drive/MyDrive")
COLAB_LOCAL_DB = Path("/content/mlflow.db")
KAGGLE_LOCAL_DB = Path("/kaggle/working/mlflow.db")


def is_azure_uri(uri: Optional[str]) -> bool:
    """An Azure ML tracking URI contains ``azureml`` (case-insensitive)."""
    return bool(uri) and "azureml" in str(uri).lower()


def _reimport_azureml_mlflow() -> bool:
    """Re-import ``azureml.mlflow`` (drops it from ``sys.modules`` first); any error means unavailable."""
    sys.modules.pop(AZUREML_MLFLOW_MODULE, None)
    try:
        importlib.import_module(AZUREML_MLFLOW_MODULE)
    except Exception as exc:
        logger.debug("azureml.mlflow unavailable: %s", exc)
        return False
    return True


def _set_azure_timeout_env() -> None:
    """Give Azure artifact uploads a 600 s timeout unless the user chose one."""
    os.environ.setdefault(AZUREML_TIMEOUT_ENV, AZUREML_TIMEOUT_SECONDS)


def get_local_tracking_db_path() -> Path:
    """Platform-specific sqlite file: Colab Drive (or /content), Kaggle working dir, else ``cwd/mlruns``."""
    platform = detect_platform()
    if platform == "colab":
        if COLAB_DRIVE_ROOT.exists():
            project = get_naming_config()["project_name"]
            return COLAB_DRIVE_ROOT / f"{project}-mlflow" / "mlflow.db"
        return COLAB_LOCAL_DB
    if platform == "kaggle":
        return KAGGLE_LOCAL_DB
    return Path.cwd() / "mlruns" / "mlflow.db"


def get_local_tracking_uri() -> str:
    """``sqlite:///`` + absolute db path (four slashes on POSIX); creates the db's parent directory."""
    db_path = get_local_tracking_db_path().absolute()
    db_path.parent.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{db_path}"


def setup_mlflow(
    experiment_name: Optional[str] = None,
    ml_client: Optional[Any] = None,
    tracking_uri: Optional[str] = None,
    fallback_to_local: bool = True,
) -> str:
    """Point MLflow at a tracking URI and experiment; return the URI in use.

    Name and URI default to ``MLFLOW_EXPERIMENT_NAME`` / ``MLFLOW_TRACKING_URI``. An Azure URI
    without a working ``azureml.mlflow`` falls back to the local sqlite URI (when allowed) and
    drops ``MLFLOW_RUN_ID``/``MLFLOW_USE_RUN_ID``. Without any URI, delegates to
    ``setup_mlflow_cross_platform``.
    """
    name = experiment_name or os.environ.get("MLFLOW_EXPERIMENT_NAME")
    if not name:
        raise ValueError("experiment_name must be provided or MLFLOW_EXPERIMENT_NAME must be set")
    uri = tracking_uri or os.environ.get("MLFLOW_TRACKING_URI")

    if uri and is_azure_uri(uri) and not _reimport_azureml_mlflow() and fallback_to_local:
        logger.warning("azureml.mlflow is unavailable; falling back to local MLflow tracking")
        uri = get_local_tracking_uri()
        for var in AZURE_RUN_ENV_VARS:
            os.environ.pop(var, None)

    if uri:
        mlflow.set_tracking_uri(uri)
        mlflow.set_experiment(name)
        if is_azure_uri(uri):
            _set_azure_timeout_env()
        return uri

    result = setup_mlflow_cross_platform(name, ml_client, fallback_to_local)
    if is_azure_uri(result):
        _set_azure_timeout_env()
    return result


def _azure_workspace_tracking_uri(ml_client: Any) -> str:
    """The Azure ML workspace's MLflow URI; RuntimeError when it cannot be read."""
    try:
        workspace = ml_client.workspaces.get(name=ml_client.workspace_name)
        return str(workspace.mlflow_tracking_uri)
    except Exception as exc:
        raise RuntimeError(f"Failed to get Azure ML workspace tracking URI: {exc}") from exc


def _setup_azure_from_client(experiment_name: str, ml_client: Any) -> str:
    """Azure branch of ``setup_mlflow_cross_platform``; raises on any failure."""
    try:
        importlib.import_module(AZUREML_MLFLOW_MODULE)
    except ImportError as exc:
        raise ImportError(f"azureml.mlflow is required for Azure ML tracking: {exc}") from exc
    uri = _azure_workspace_tracking_uri(ml_client)
    mlflow.set_tracking_uri(uri)
    mlflow.set_experiment(experiment_name)
    _set_azure_timeout_env()
    return uri


def setup_mlflow_cross_platform(
    experiment_name: str,
    ml_client: Optional[Any] = None,
    fallback_to_local: bool = True,
) -> str:
    """Use an active Azure URI, else the Azure ML workspace of ``ml_client``, else local sqlite.

    With a client, any Azure failure raises ``RuntimeError`` when fallback is off, and falls
    back to local tracking (with a warning) when it is on.
    """
    # Azure/MLflow emit noisy deprecation warnings on every import and call.
    warnings.filterwarnings("ignore", category=DeprecationWarning)

    current_uri = mlflow.get_tracking_uri()
    if ml_client is None and is_azure_uri(current_uri):
        mlflow.set_experiment(experiment_name)
        _set_azure_timeout_env()
        return str(current_uri)

    if ml_client is not None:
        try:
            return _setup_azure_from_client(experiment_name, ml_client)
        except Exception as exc:
            if not fallback_to_local:
                raise RuntimeError(f"Azure ML tracking failed and fallback disabled: {exc}") from exc
            logger.warning("Azure ML tracking failed (%s); falling back to local tracking", exc)

    local_uri = get_local_tracking_uri()
    mlflow.set_tracking_uri(local_uri)
    mlflow.set_experiment(experiment_name)
    return local_uri
