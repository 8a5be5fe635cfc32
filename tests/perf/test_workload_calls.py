"""The HPO workload's REST calls per endpoint are pinned, so a call added or cut fails CI (issue 18).

The measured instance (``benchmarks.workload.calls``: 3 trials x 2 folds, refit, final training
with lineage, ``apply_lineage_tags``, benchmark, conversion) is the benchmark's own workload, run
in a fresh interpreter against a real ``mlflow server`` this test starts (sqlite store) and stops.
Fewer calls fail too: lower the pin deliberately with ``python benchmarks/workload_calls.py --write``.
"""

from __future__ import annotations

from benchmarks.workload.calls import EXPECTED_FILE, differences, measure, read_expected


def test_the_workload_makes_exactly_the_pinned_rest_calls_per_endpoint() -> None:
    changed = differences(read_expected(), measure())
    assert not changed, (
        f"the workload's REST calls differ from {EXPECTED_FILE.name}:\n  "
        + "\n  ".join(changed)
        + "\nafter a deliberate cut: python benchmarks/workload_calls.py --write"
    )


def test_differences_name_every_changed_endpoint_and_the_total() -> None:
    pinned = {"GET runs/get": 5, "POST runs/log-metric": 2, "POST runs/update": 3}
    now = {"GET runs/get": 5, "POST runs/log-batch": 1, "POST runs/update": 4}
    assert differences(pinned, now) == [
        "POST runs/log-batch: pinned 0, now 1 (+1)",
        "POST runs/log-metric: pinned 2, now 0 (-2)",
        "POST runs/update: pinned 3, now 4 (+1)",
        "total: pinned 10, now 10 (+0)",
    ]


def test_equal_counts_have_no_differences() -> None:
    assert differences({"GET runs/get": 5}, {"GET runs/get": 5}) == []
