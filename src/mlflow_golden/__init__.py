"""mlflow_golden: record what code leaves in MLflow and compare it with golden JSON files.

The package is a pytest plugin (``mlflow_golden.plugin``) plus a small CLI. It imports only
mlflow, pytest and the standard library, so it can verify any code that talks to MLflow.
"""

from __future__ import annotations

import os

# MLflow decides about telemetry when it is first imported: switch it off before that happens.
os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")
os.environ.setdefault("DO_NOT_TRACK", "true")

SCHEMA_VERSION = 1

__all__ = ["SCHEMA_VERSION"]
