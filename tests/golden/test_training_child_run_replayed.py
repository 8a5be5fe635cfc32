"""The deprecated create_training_child_run's scenarios, replayed through its replacement.

Every scenario of ``test_training_child_run.py`` runs again with ``create_training_child_run``
replaced by the call its deprecation names, and must match the same golden files (``golden_as``):
the replacement is exact.
"""

from __future__ import annotations

import pytest
import test_training_child_run as scenarios
from _support_replay import through_replacement
from test_training_child_run import *  # noqa: F403  (re-collects every scenario of the module)

pytestmark = pytest.mark.golden_as("tests/golden/test_training_child_run.py")


@pytest.fixture(autouse=True)
def _replacement(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(scenarios, "create_training_child_run", through_replacement())
