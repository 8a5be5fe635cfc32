"""Golden scenarios: runs.create_child_run over seeded combinations of its inputs and store state.

Each seed deterministically picks (``random.Random(seed)``) the parent state, the experiment name,
an active fluent run, the Azure URI, the trial number, the additional tags and whether the body
raises; the chosen case is part of the result, so every golden file says what it pins.
"""

from __future__ import annotations

import random
from typing import Any

import pytest
from _support_child_run import (
    MISSING_RUN_ID,
    PARENT_TAG,
    RUN_NAME_TAG,
    Arranged,
    arrange,
    run_child,
    start_live_run,
)

PARENT_STATES = ("existing", "missing", "deleted", "malformed", "none")
EXPERIMENT_NAMES = ("named", "absent", None)
TRIAL_NUMBERS: tuple[Any, ...] = (0, "3", None, "unknown")
TAG_CHOICES = ("none", "extra", "trial-number", "parent-tag", "run-name-equal", "run-name-different")
SEEDS = range(36)


def additional_tags_for(choice: str, trial_number: Any) -> dict[str, str] | None:
    """The ``additional_tags`` argument for a tag choice (colliding keys included)."""
    tags: dict[str, dict[str, str] | None] = {
        "none": None,
        "extra": {"extra": "x"},
        "trial-number": {"extra": "x", "trial_number": "override"},
        "parent-tag": {"extra": "x", PARENT_TAG: "caller-parent"},
        "run-name-equal": {RUN_NAME_TAG: f"trial_{trial_number}"},
        "run-name-different": {"extra": "x", RUN_NAME_TAG: "custom"},
    }
    return tags[choice]


def build_case(seed: int) -> dict[str, Any]:
    """The scenario for ``seed``: JSON-able, recorded in the golden as chosen."""
    rng = random.Random(seed)
    trial_number = rng.choice(TRIAL_NUMBERS)
    return {
        "parent": rng.choice(PARENT_STATES),
        "experiment_name": rng.choice(EXPERIMENT_NAMES),
        "active_run": rng.choice((False, False, False, True)),  # rarer: it blocks the start (R3)
        "azure": rng.choice((False, True)),
        "trial_number": trial_number,
        "additional_tags": additional_tags_for(rng.choice(TAG_CHOICES), trial_number),
        "raise_in_body": rng.choice((False, True)),
    }


def parent_run_id_for(state: str, known: Arranged, client: Any) -> str | None:
    """The ``parent_run_id`` argument for a parent state (deleting the parent if asked)."""
    if state == "deleted":
        client.delete_run(known.parent_id)
    ids = {
        "existing": known.parent_id,
        "deleted": known.parent_id,
        "missing": MISSING_RUN_ID,
        "malformed": "not-a-run-id",
        "none": None,
    }
    return ids[state]


@pytest.mark.parametrize("seed", SEEDS, ids=lambda s: f"seed-{s}")
def test_seeded_combination(tracking_store, golden, seed):
    case = build_case(seed)
    known = arrange(tracking_store.client)
    parent_run_id = parent_run_id_for(case["parent"], known, tracking_store.client)
    if case["active_run"]:
        start_live_run(tracking_store.client)
    if case["azure"]:
        tracking_store.use_azureml()
    outcome = run_child(
        golden,
        parent_run_id,
        case["trial_number"],
        experiment_name=case["experiment_name"],
        additional_tags=case["additional_tags"],
        raise_in_body=case["raise_in_body"],
    )
    golden.check(result={"case": case, **outcome})
