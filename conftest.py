"""Root conftest: loads the mlflow_golden plugin when it is not installed as an entry point.

The entry point is named after the module, so pytest skips this import when the package is
installed (no double registration). ``pytester`` serves the harness's own tests.

MLflow decides about telemetry when it is first imported, and the scenario modules import it at
collection: this project switches it off before that.
"""

import os

from mlflow_golden._telemetry import TELEMETRY_OFF_ENV

for _name, _value in TELEMETRY_OFF_ENV.items():
    os.environ.setdefault(_name, _value)

pytest_plugins = ["mlflow_golden.plugin", "pytester"]
