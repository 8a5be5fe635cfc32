"""Shared arrangement for the create_run_safe / get_or_create_experiment / resolve_experiment_id goldens.

Every scenario starts from the same store, so each snapshot shows that the call left it alone:
- "existing" (active) holding run "pre-existing" (tag keep=me),
- "other" (active) holding run "parent" (tag role=parent),
- "deleted" holding run "orphan", both deleted (the run follows its experiment).

Values that behave differently per backend are kept out of every scenario (reported to the lead):
tag values that are not str (None, int); tag keys that MLflow rejects (e.g. containing a single
quote: the file store writes the run, fails on the tag and leaves a half-created run, the SQL stores
keep the tag); experiment names containing a single quote (the file store builds a filter string
from the name and fails to parse it).
"""

from __future__ import annotations

import copy
import random
from dataclasses import dataclass
from typing import Any

import mlflow

from infrastructure.tracking.mlflow import runs

PARENT_TAG = "mlflow.parentRunId"
RUN_NAME_TAG = "mlflow.runName"
#: Well-formed (32 hex) but absent from every store.
MISSING_RUN_ID = "0123456789abcdef0123456789abcdef"
#: A numeric experiment id no store reaches in a scenario.
MISSING_EXPERIMENT_ID = "999"
#: Double quotes only: single quotes break the file store's name lookup (see module docstring).
QUOTED_NAME = 'say "hi"'
QUOTED_VALUE = 'it\'s "quoted"'


@dataclass(frozen=True)
class Arranged:
    """Ids of what exists before the call under test."""

    existing_experiment_id: str
    pre_run_id: str
    other_experiment_id: str
    parent_run_id: str
    deleted_experiment_id: str
    orphan_run_id: str


def arrange(client: Any) -> Arranged:
    """Create the baseline store described in the module docstring."""
    existing = str(client.create_experiment("existing"))
    pre = client.create_run(existing, run_name="pre-existing", tags={"keep": "me"})
    other = str(client.create_experiment("other"))
    parent = client.create_run(other, run_name="parent", tags={"role": "parent"})
    deleted = str(client.create_experiment("deleted"))
    orphan = client.create_run(deleted, run_name="orphan")
    client.delete_experiment(deleted)
    return Arranged(
        existing_experiment_id=existing,
        pre_run_id=pre.info.run_id,
        other_experiment_id=other,
        parent_run_id=parent.info.run_id,
        deleted_experiment_id=deleted,
        orphan_run_id=orphan.info.run_id,
    )


def start_fluent_run(experiment_id: str, run_name: str) -> Any:
    """Start a fluent run (left active) and return its ActiveRun."""
    return mlflow.start_run(experiment_id=experiment_id, run_name=run_name)


def ended_active_run(experiment_id: str, run_name: str) -> Any:
    """An ActiveRun object whose run was started and ended (FINISHED) with the fluent API."""
    with mlflow.start_run(experiment_id=experiment_id, run_name=run_name) as active:
        pass
    return active


# -- calls under test (errors land in the snapshot via golden.capture) ----------------------------
def create_run_safe_outcome(
    golden: Any, experiment_id: str, run_name: str, tags: Any = None, parent: Any = None
) -> dict[str, Any]:
    """Call create_run_safe; report what it returned and the caller's tags afterwards."""
    before = copy.deepcopy(tags)
    returned = None
    with golden.catch_error():
        returned = runs.create_run_safe(experiment_id, run_name, tags=tags, parent_run_id=parent)
    return {"returned": returned, "tags_after": tags, "tags_unchanged": tags == before}


def get_or_create_outcome(golden: Any, name: str) -> Any:
    """get_or_create_experiment's return value (None if it raised; the error is captured)."""
    returned = None
    with golden.catch_error():
        returned = runs.get_or_create_experiment(name)
    return returned


def resolve_outcome(golden: Any, **kwargs: Any) -> Any:
    """resolve_experiment_id's return value (None if it raised; the error is captured)."""
    returned = None
    with golden.catch_error():
        returned = runs.resolve_experiment_id(**kwargs)
    return returned


# -- seeded cases ----------------------------------------------------------------------------------
def experiment_id_for(label: str, known: Arranged) -> str:
    """The experiment id a case label stands for (labels keep goldens self-describing)."""
    return {
        "existing": known.existing_experiment_id,
        "other": known.other_experiment_id,
        "default": "0",
        "deleted": known.deleted_experiment_id,
        "missing": MISSING_EXPERIMENT_ID,
        "malformed": "abc",
        "empty": "",
    }[label]


def run_id_for(label: str | None, known: Arranged) -> str | None:
    """The run id a case label stands for; None and "" are passed through."""
    if label is None or label == "":
        return label
    return {
        "parent": known.parent_run_id,
        "pre-existing": known.pre_run_id,
        "orphan": known.orphan_run_id,
        "missing": MISSING_RUN_ID,
    }[label]


def create_run_safe_case(rng: random.Random) -> dict[str, Any]:
    """A create_run_safe input: experiment, run name, tags (colliding keys), parent, Azure."""
    run_name = rng.choice(["run-a", "", QUOTED_NAME])
    tags: dict[str, str] | None
    shape = rng.choice(["none", "empty", "dict", "dict"])
    if shape == "none":
        tags = None
    elif shape == "empty":
        tags = {}
    else:
        tags = {}
        if rng.random() < 0.6:
            tags["note"] = rng.choice(["v", QUOTED_VALUE, "x" * 5001])
        if rng.random() < 0.5:
            tags[PARENT_TAG] = rng.choice(["parent", "pre-existing", "missing"])
        if rng.random() < 0.5:
            tags[RUN_NAME_TAG] = rng.choice([run_name or "tag-name", "other-name"])
        if rng.random() < 0.3:
            tags["azureml.runType"] = "caller"
    return {
        "experiment": rng.choice(
            ["existing", "other", "default", "deleted", "missing", "malformed", "empty"]
        ),
        "run_name": run_name,
        "tags": tags,
        "parent": rng.choice([None, "", "parent", "orphan", "missing"]),
        "azure": rng.random() < 0.5,
    }


def resolve_tag_labels(tags: dict[str, str] | None, known: Arranged) -> dict[str, str] | None:
    """Replace parent-run labels in a case's tags by real run ids (a fresh dict)."""
    if tags is None:
        return None
    resolved = copy.copy(tags)
    if PARENT_TAG in resolved:
        resolved[PARENT_TAG] = str(run_id_for(resolved[PARENT_TAG], known))
    return resolved


def get_or_create_case(rng: random.Random) -> dict[str, Any]:
    """A get_or_create_experiment input: which name, whether it pre-exists, Azure, a fault."""
    name = rng.choice(["existing", "deleted", "fresh", QUOTED_NAME, "", "Default"])
    return {
        "name": name,
        "pre_create_name": name in ("fresh", QUOTED_NAME) and rng.random() < 0.5,
        "azure": rng.random() < 0.5,
        "fault": rng.choice([None, None, "lookup", "create"]),
    }


def active_run_argument(label: str | None, client: Any, known: Arranged) -> Any:
    """The ``active_run`` argument a case label stands for.

    "active-run-object": an ActiveRun started and ended in the default experiment;
    "run-object": a plain Run ("pre-existing"); None and "not-a-run" are passed as they are.
    """
    if label == "active-run-object":
        return ended_active_run("0", "given")
    if label == "run-object":
        return client.get_run(known.pre_run_id)
    return label


def resolve_case(rng: random.Random) -> dict[str, Any]:
    """A resolve_experiment_id input: the three sources, fluent state, Azure, a fault."""
    return {
        "parent": rng.choice([None, "", "parent", "pre-existing", "orphan", "missing"]),
        "experiment_name": rng.choice([None, "", "existing", "other", "deleted", "fresh", QUOTED_NAME]),
        "active_run": rng.choice([None, "active-run-object", "run-object", "not-a-run"]),
        "fluent_run_active": rng.random() < 0.5,
        "azure": rng.random() < 0.5,
        "fault": rng.choice([None, None, "get_run", "lookup"]),
    }
