"""The deprecated create_training_child_run's seeded scenarios, replayed through its replacement.

``test_create_training_child_run_seeded`` of ``test_mlflow_setup_seeded.py`` runs again with the
call its deprecation names and must match the same golden files (``golden_as``).
"""

from __future__ import annotations

import pytest
import test_mlflow_setup_seeded as scenarios
from _support_replay import through_replacement
from test_mlflow_setup_seeded import test_create_training_child_run_seeded  # noqa: F401  (re-collected)

pytestmark = pytest.mark.golden_as("tests/golden/test_mlflow_setup_seeded.py")


@pytest.fixture(autouse=True)
def _replacement(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(scenarios, "create_training_child_run", through_replacement())
