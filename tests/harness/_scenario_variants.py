"""A one-test scenario module whose parts vary between runs, for the harness tests that record a
scenario once and then change one part of it (a tag, a step, an artifact) to read the comparison."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

#: The golden file and budget of the module's one test, ``test_scenario.py::test_scenario``.
GOLDEN = Path("golden/test_scenario/test_scenario.json")
BUDGET = Path("golden/test_scenario/test_scenario.calls.json")


class ScenarioVariants:
    """``template``'s ``{FIELDS}`` filled from ``baseline``, with some fields changed per variant."""

    def __init__(self, template: str, **baseline: str) -> None:
        self.template = template
        self.baseline = baseline

    def write(self, pytester: pytest.Pytester, **changes: str) -> None:
        """Write the variant with ``changes`` as ``test_scenario.py``."""
        pytester.makepyfile(test_scenario=self.template.format(**{**self.baseline, **changes}))

    def record(
        self, pytester: pytest.Pytester, run_inner: Callable[..., pytest.RunResult]
    ) -> pytest.Pytester:
        """Write the baseline variant and record its golden files (``--golden-update``)."""
        self.write(pytester)
        run_inner("--golden-update").assert_outcomes(passed=1)
        return pytester
