"""Web URL of an MLflow run, derived from the global tracking URI (legacy-support §7).

Only an ``http``/``https`` tracking server, or an Azure ML workspace, has a web UI; for any other
URI (sqlite, file, a plain path, postgresql, databricks) there is no run URL and None is returned.
The URL is for display (log lines), so it is built from the masked URI: credentials in the
tracking URI never reach it.
"""

from __future__ import annotations

from typing import Optional
from urllib.parse import urlsplit, urlunsplit

import mlflow

from infrastructure.tracking.mlflow.uri_masking import mask_tracking_uri

AZUREML_SCHEME = "azureml://"
WEB_SCHEMES = frozenset({"http", "https"})


def web_base_url(tracking_uri: str) -> Optional[str]:
    """``scheme://host/path`` of the UI serving ``tracking_uri``, or None if it has no web UI.

    A leading ``azureml://`` becomes ``https://`` (only the scheme; the rest is kept). An Azure
    URI (``azureml`` anywhere) is cut before its first ``/mlflow``. Query, fragment and trailing
    slashes are dropped.
    """
    if tracking_uri[: len(AZUREML_SCHEME)].lower() == AZUREML_SCHEME:
        tracking_uri = "https://" + tracking_uri[len(AZUREML_SCHEME) :]
    elif "azureml" in tracking_uri.lower():
        tracking_uri = tracking_uri.split("/mlflow")[0]
    try:
        parts = urlsplit(tracking_uri)
    except ValueError:
        return None
    if parts.scheme.lower() not in WEB_SCHEMES or not parts.netloc:
        return None
    return urlunsplit((parts.scheme, parts.netloc, parts.path.rstrip("/"), "", ""))


def get_mlflow_run_url(experiment_id: str, run_id: str) -> Optional[str]:
    """``<base>/#/experiments/<experiment_id>/runs/<run_id>`` for the current URI (see
    ``web_base_url``), or None when the tracking URI has no web UI (sqlite, file, ...)."""
    base = web_base_url(mlflow.get_tracking_uri())
    if base is None:
        return None
    return f"{mask_tracking_uri(base)}/#/experiments/{experiment_id}/runs/{run_id}"
