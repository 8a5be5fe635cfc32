"""MLflow telemetry off: for the tests' environment, the mlflow server child, and this process."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any, Final

#: Environment variables that switch MLflow 3.17 telemetry off (see mlflow.telemetry.utils).
TELEMETRY_OFF_ENV: Final[Mapping[str, str]] = {"MLFLOW_DISABLE_TELEMETRY": "true", "DO_NOT_TRACK": "true"}


def disable_telemetry() -> None:
    """Switch telemetry off for this process (env vars plus dropping a live client)."""
    from mlflow.telemetry import client as telemetry_client

    os.environ.update(TELEMETRY_OFF_ENV)
    telemetry: Any = telemetry_client
    if telemetry.get_telemetry_client() is not None:
        telemetry.set_telemetry_client()  # re-evaluates the env vars and installs no client


__all__ = ["TELEMETRY_OFF_ENV", "disable_telemetry"]
