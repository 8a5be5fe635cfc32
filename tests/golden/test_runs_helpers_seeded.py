"""Golden scenarios, seeded: create_run_safe, get_or_create_experiment, resolve_experiment_id.

legacy-core §1.2-§1.4. Each seed draws one input combination with ``random.Random(seed)`` (see the
``*_case`` generators in _support_runs_helpers): existing / missing / deleted / malformed
experiments, existing / missing / deleted parents, tag dicts whose keys collide with the parent
argument and the run name, names with quotes, the Azure URI on or off and store faults. The drawn
case is part of the result, so each golden file says what it pins. Every store starts from
``arrange``, so each snapshot also shows the pre-existing runs and experiments untouched.
"""

from __future__ import annotations

import random
from typing import Any

import pytest
from _support_runs_helpers import (
    QUOTED_NAME,
    active_run_argument,
    arrange,
    create_run_safe_case,
    create_run_safe_outcome,
    experiment_id_for,
    get_or_create_case,
    get_or_create_outcome,
    resolve_case,
    resolve_outcome,
    resolve_tag_labels,
    run_id_for,
    start_fluent_run,
)

SEEDS = range(40)


def _seed_id(seed: int) -> str:
    return f"seed-{seed}"


#: The store call each drawn fault makes fail.
FAULTY_CALLS = {"lookup": "get_experiment_by_name", "create": "create_experiment", "get_run": "get_run"}


def _use_drawn_uri_and_fault(tracking_store: Any, store_faults: Any, case: dict[str, Any]) -> None:
    """Switch to the Azure URI if the case drew it, then make the drawn store call fail (if any)."""
    if case["azure"]:
        tracking_store.use_azureml()
    if case["fault"] is not None:
        # The fault is drawn independently of the rest of the case, so on some draws the code never
        # reaches the faulted call (the experiment already exists: nothing creates one; a parent run
        # gives the experiment: nothing looks it up by name). The snapshot then pins that the drawn
        # fault changes nothing, on the baseline and on the current code alike.
        store_faults.fail(FAULTY_CALLS[case["fault"]], must_fire=False)


@pytest.mark.parametrize("seed", SEEDS, ids=_seed_id)
def test_create_run_safe_seeded(tracking_store, golden, seed):
    case = create_run_safe_case(random.Random(seed))
    known = arrange(tracking_store.client)
    tags = resolve_tag_labels(case["tags"], known)
    if case["azure"]:
        tracking_store.use_azureml()
    outcome = create_run_safe_outcome(
        golden,
        experiment_id_for(case["experiment"], known),
        case["run_name"],
        tags=tags,
        parent=run_id_for(case["parent"], known),
    )
    golden.check(result={"case": case, **outcome})


@pytest.mark.parametrize("seed", SEEDS, ids=_seed_id)
def test_get_or_create_experiment_seeded(tracking_store, golden, store_faults, seed):
    case = get_or_create_case(random.Random(seed))
    arrange(tracking_store.client)
    if case["pre_create_name"]:
        tracking_store.client.create_experiment(case["name"])
    _use_drawn_uri_and_fault(tracking_store, store_faults, case)
    returned = get_or_create_outcome(golden, case["name"])
    golden.check(result={"case": case, "returned_experiment": returned})


@pytest.mark.parametrize("seed", SEEDS, ids=_seed_id)
def test_resolve_experiment_id_seeded(tracking_store, golden, store_faults, seed):
    case = resolve_case(random.Random(seed))
    known = arrange(tracking_store.client)
    if case["experiment_name"] == QUOTED_NAME:
        tracking_store.client.create_experiment(QUOTED_NAME)
    given = active_run_argument(case["active_run"], tracking_store.client, known)
    if case["fluent_run_active"]:
        start_fluent_run(str(tracking_store.client.create_experiment("fluent")), "fluent")
    _use_drawn_uri_and_fault(tracking_store, store_faults, case)
    returned = resolve_outcome(
        golden,
        experiment_name=case["experiment_name"],
        parent_run_id=run_id_for(case["parent"], known),
        active_run=given,
    )
    golden.check(result={"case": case, "returned_experiment": returned})
