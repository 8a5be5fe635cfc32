"""Root conftest: loads the mlflow_golden plugin when it is not installed as an entry point.

The entry point is named after the module, so pytest skips this import when the package is
installed (no double registration).
"""

pytest_plugins = ["mlflow_golden.plugin"]
