"""Replays of a deprecated function's scenarios through the replacement its warning names.

On a tree without the replacement (the baseline c90d8b4, which provenance re-records from) the
replay modules are skipped: there is nothing to replay.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest


def through_replacement() -> Callable[..., tuple[str, Any]]:
    """``create_training_child_run``'s documented replacement, with the deprecated signature."""
    runs = pytest.importorskip("infrastructure.tracking.mlflow.runs")
    mlflow_setup = pytest.importorskip("training.execution.mlflow_setup")
    if not hasattr(runs, "create_child_run_with"):
        pytest.skip("no replacement in this tree (the baseline deprecates nothing)")

    def create_training_child_run(
        experiment_name: str, run_name: str, parent_run_id: str, *args: Any, **kwargs: Any
    ) -> tuple[str, Any]:
        """Positional extras map to the deprecated signature's order; all go by keyword."""
        named = dict(zip(("tags", "trial_number", "fold_idx", "tracking_uri"), args, strict=False), **kwargs)
        result: tuple[str, Any] = runs.create_child_run_with(
            mlflow_setup.TRAINING_CHILD_RUN, parent_run_id, run_name, experiment_name=experiment_name, **named
        )
        return result

    return create_training_child_run
