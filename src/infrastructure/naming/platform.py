"""Execution-platform detection from environment variables (first match wins)."""

from __future__ import annotations

import os


def detect_platform() -> str:
    """Return "colab", "kaggle", "azure" or "local" by presence of the platform's env vars."""
    if "COLAB_GPU" in os.environ or "COLAB_TPU" in os.environ:
        return "colab"
    if "KAGGLE_KERNEL_RUN_TYPE" in os.environ:
        return "kaggle"
    if "AZURE_ML_RUN_ID" in os.environ or "AZURE_ML_OUTPUT_DIR" in os.environ:
        return "azure"
    return "local"
