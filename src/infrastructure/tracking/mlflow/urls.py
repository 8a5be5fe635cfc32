"""Web URL of an MLflow run, derived from the global tracking URI (legacy-support §7).

Only meaningful for server and Azure ML URIs; sqlite and file URIs yield non-web URLs
(legacy hazard §12.13, kept as is). The URL is for display (log lines), so it is built from the
masked URI: credentials in the tracking URI never reach it.
"""

from __future__ import annotations

import mlflow

from infrastructure.tracking.mlflow.masked_logging import get_logger
from infrastructure.tracking.mlflow.uri_masking import mask_tracking_uri

logger = get_logger(__name__)


def get_mlflow_run_url(experiment_id: str, run_id: str) -> str:
    """Return ``<base>/#/experiments/<experiment_id>/runs/<run_id>`` for the current URI.

    Base: an ``azureml://`` URI has every ``azureml://`` replaced by ``https://``; any other
    Azure URI is cut before its first ``/mlflow``; everything else is used unchanged.
    """
    tracking_uri = mlflow.get_tracking_uri()
    try:
        if tracking_uri.startswith("azureml://"):
            base_url = tracking_uri.replace("azureml://", "https://")
        elif "azureml" in tracking_uri.lower():
            base_url = tracking_uri.split("/mlflow")[0]
        else:
            base_url = tracking_uri
        return f"{mask_tracking_uri(base_url)}/#/experiments/{experiment_id}/runs/{run_id}"
    except Exception as exc:
        logger.warning("Could not build MLflow run URL: %s", exc)
        return f"{mask_tracking_uri(tracking_uri)}/#/experiments/{experiment_id}/runs/{run_id}"
