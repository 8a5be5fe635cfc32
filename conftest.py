"""Root conftest: loads the mlflow_golden plugin when it is not installed as an entry point.

The entry point is named after the module, so pytest skips this import when the package is
installed (no double registration). ``pytester`` serves the harness's own tests.
"""

pytest_plugins = ["mlflow_golden.plugin", "pytester"]
