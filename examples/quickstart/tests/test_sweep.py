"""Golden scenarios for the sweep helper: what a sweep leaves in MLflow, run by run."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

import pytest
from sweep import grid, run_sweep


def quadratic(params: Mapping[str, Any]) -> Iterator[float]:
    """Three training steps whose loss shrinks towards (lr - 0.1)^2 + layers / 10."""
    target = (params["lr"] - 0.1) ** 2 + params.get("layers", 1) / 10
    for step in range(3):
        yield round(target + 1 / (step + 1), 6)


def diverges_for_large_lr(params: Mapping[str, Any]) -> Iterator[float]:
    yield 1.0
    if params["lr"] > 0.5:
        raise ValueError("loss diverged")
    yield 0.5


def test_a_single_trial_is_one_child_of_the_sweep_run(tracking_store, golden):
    result = run_sweep("single", [{"lr": 0.1}], quadratic)
    golden.check(result={"best": result.best, "failed": result.failed})


def test_a_grid_makes_one_nested_run_per_combination(tracking_store, golden):
    trials = grid({"lr": [0.01, 0.1], "layers": [1, 2]})
    result = run_sweep("grid", trials, quadratic)
    golden.check(result={"trials": len(trials), "best": result.best})


def test_the_loss_is_logged_at_every_step(tracking_store, golden):
    run_sweep("steps", [{"lr": 0.3}], quadratic)
    golden.check()


def test_a_diverging_trial_is_left_failed_and_the_sweep_goes_on(tracking_store, golden):
    result = run_sweep("diverging", grid({"lr": [0.1, 0.9]}), diverges_for_large_lr)
    golden.check(result={"best": result.best, "failed": result.failed})


def test_a_trial_whose_run_cannot_be_created_is_skipped(tracking_store, golden, store_faults):
    # The store refuses the second child run (create_run call 1 is the sweep run itself).
    store_faults.fail("create_run", calls=3)
    result = run_sweep("faulty", grid({"lr": [0.01, 0.1, 1.0]}), quadratic)
    golden.check(result={"best": result.best, "failed": result.failed})


def test_an_empty_sweep_leaves_only_the_parent_run(tracking_store, golden):
    result = run_sweep("empty", [], quadratic)
    golden.check(result={"best": result.best, "losses": result.losses})


@pytest.mark.parametrize("lr", [0.05, 0.2])
def test_each_learning_rate_alone(tracking_store, golden, lr):
    run_sweep(f"lr-{lr}", [{"lr": lr}], quadratic)
    golden.check()
