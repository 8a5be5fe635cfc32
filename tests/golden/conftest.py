"""Golden scenarios: environment every scenario starts from.

Scenarios reach the tracking layer only through its public functions and the files it writes,
so the same scenarios replay against other layouts (``--golden-target-src``).
"""

from __future__ import annotations

import pytest

# Variables the legacy layer reads besides MLFLOW_* (which the harness clears itself).
_CLEARED = (
    "USERNAME",
    "COLAB_GPU",
    "COLAB_TPU",
    "KAGGLE_KERNEL_RUN_TYPE",
    "AZURE_ML_RUN_ID",
    "AZURE_ML_OUTPUT_DIR",
    "HPO_STUDY_KEY_HASH",
    "AZUREML_ARTIFACTS_DEFAULT_TIMEOUT",
)


@pytest.fixture(autouse=True)
def scenario_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """A fixed user and no platform hints, so code.created_by / code.env are stable."""
    for name in _CLEARED:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("USER", "golden")
