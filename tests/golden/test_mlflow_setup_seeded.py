"""Golden scenarios: seeded combinations for training.execution.mlflow_setup (legacy-core §2, §6.1).

Each seed draws one case (``random.Random(seed)``) over the inputs of create_training_mlflow_run,
create_training_child_run or setup_mlflow_tracking_env: parent and experiment states, colliding
tags, trial/fold values (0 included), create_as_child, run_id, tracking URI and index arguments.
The drawn case is part of the result. Only backend-independent inputs are drawn (string tag
values, experiment names without single quotes).
"""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

import pytest
from _support_mlflow_setup import (
    CONTEXTS,
    MALFORMED_RUN_ID,
    UNKNOWN_RUN_ID,
    cache_listing,
    captured_call,
    environ_copy,
    existing_experiment,
    parent_run,
    printed_canonical,
)
from scenario_support import make_config_dir, read_index

from training.execution.mlflow_setup import (
    create_training_child_run,
    create_training_mlflow_run,
    setup_mlflow_tracking_env,
)

SEEDS = range(40)
RUN_NAMES = ("final", "trial_1", "refit")
TRIALS = (None, None, 0, 3)
FOLDS = (None, None, 0, 1)
URI_CHOICES = (None, None, "store", "azureml")
CHILD_PARENTS = ("same_experiment", "other_experiment", "unknown", "malformed", "deleted_run", "empty")
CTM_PARENTS = ("none", "none", *CHILD_PARENTS)


def _seed_id(seed: int) -> str:
    return f"seed-{seed}"


def _maybe(rng: random.Random, probability: float = 0.5) -> bool:
    return rng.random() < probability


class _Store:
    """Arranges the drawn store state and resolves symbolic run/URI names to real values."""

    def __init__(
        self, tracking_store: Any, rng: random.Random, experiment: str, parent_states: tuple[str, ...]
    ) -> None:
        self.tracking_store = tracking_store
        client = tracking_store.client
        self.bystander: str = client.search_runs([existing_experiment(client, "other")])[0].info.run_id
        self.experiment_state = rng.choice(["existing", "existing", "missing", "missing", "deleted"])
        self.parent_state = rng.choice(parent_states)
        self.global_uri = rng.choice(["store", "store", "azureml"])
        experiment_id = None
        if self.experiment_state != "missing":
            experiment_id = existing_experiment(client, experiment)
        self.parent: str | None = {
            "none": None,
            "unknown": UNKNOWN_RUN_ID,
            "malformed": MALFORMED_RUN_ID,
            "empty": "",
        }.get(self.parent_state)
        if self.parent_state in ("same_experiment", "other_experiment", "deleted_run"):
            parent_exp = experiment_id
            if parent_exp is None or self.parent_state != "same_experiment":
                parent_exp = existing_experiment(client, "hpo")
            self.parent = parent_run(client, parent_exp, deleted=self.parent_state == "deleted_run")
        if self.experiment_state == "deleted" and experiment_id is not None:
            client.delete_experiment(experiment_id)
        if self.global_uri == "azureml":
            tracking_store.use_azureml()

    def uri(self, choice: str | None) -> str | None:
        return {"store": self.tracking_store.uri, "azureml": self.tracking_store.azureml_uri}.get(str(choice))

    def case(self) -> dict[str, Any]:
        return {
            "experiment": self.experiment_state,
            "parent": self.parent_state,
            "global_uri": self.global_uri,
        }


def _draw_tags(rng: random.Random, run_name: str, store: _Store) -> tuple[Any, dict[str, Any] | None]:
    """Tags (None, {} or colliding keys) and their symbolic description for the case."""
    kind = rng.choice(["none", "empty", "given", "given"])
    if kind != "given":
        return ({} if kind == "empty" else None), {"kind": kind}
    pool: dict[str, tuple[str, Any]] = {
        "code.stage": ("final_training", "final_training"),
        "azureml.runType": ("refit", "refit"),
        "azureml.trial": ("false", "false"),
        "trial_number": ("override", "override"),
        "fold_idx": ("9", "9"),
        "extra": ("x", "x"),
    }
    if _maybe(rng, 0.3):
        equal = _maybe(rng, 0.6)
        pool["mlflow.runName"] = ("run_name" if equal else "other-name", run_name if equal else "other-name")
    if _maybe(rng, 0.4):
        to_bystander = _maybe(rng)
        pool["mlflow.parentRunId"] = (
            "bystander" if to_bystander else "text",
            store.bystander if to_bystander else "not-a-run",
        )
    keys = sorted(pool)
    chosen = rng.sample(keys, rng.randint(1, len(keys)))
    return {k: pool[k][1] for k in chosen}, {"kind": "given", "keys": {k: pool[k][0] for k in chosen}}


def _draw_run(
    tracking_store: Any, seed: int, experiment: str, parent_states: tuple[str, ...]
) -> tuple[random.Random, _Store, str, Any, dict[str, Any] | None]:
    """The draws every run-creation case starts with, in this order: store states, run name, tags.

    Returns the generator (for the scenario's further draws), the arranged store, the run name,
    the tags and their symbolic description.
    """
    rng = random.Random(seed)
    store = _Store(tracking_store, rng, experiment, parent_states)
    run_name = rng.choice(RUN_NAMES)
    tags, tags_case = _draw_tags(rng, run_name, store)
    return rng, store, run_name, tags, tags_case


def _case(store: _Store, run_name: str, tags_case: dict[str, Any] | None, **drawn: Any) -> dict[str, Any]:
    """The drawn case in result order: store states, run name, tags, then ``drawn`` as given."""
    return {**store.case(), "run_name": run_name, "tags": tags_case, **drawn}


def _check_call(
    golden: Any,
    capsys: Any,
    case: dict[str, Any],
    tags: Any,
    state_after: Callable[[], dict[str, Any]],
    function: Callable[..., Any],
    /,
    *args: Any,
    **kwargs: Any,
) -> None:
    """Call ``function`` under the golden capture and check the case, the outcome, whether the
    caller's ``tags`` were left alone, ``state_after()`` (read after the call) and what it printed."""
    tags_before = None if tags is None else dict(tags)
    outcome = captured_call(golden, function, *args, **kwargs)
    golden.check(
        result={
            "case": case,
            **outcome,
            "tags_unchanged": tags == tags_before,
            **state_after(),
            "printed": printed_canonical(capsys),
        }
    )


@pytest.mark.parametrize("seed", SEEDS, ids=_seed_id)
def test_create_training_mlflow_run_seeded(tracking_store, golden, capsys, seed):
    rng, store, run_name, tags, tags_case = _draw_run(tracking_store, seed, "train", CTM_PARENTS)
    run_id_choice = rng.choice([None, None, None, None, "bystander", "unknown", "empty"])
    run_id = {"bystander": store.bystander, "unknown": UNKNOWN_RUN_ID, "empty": ""}.get(str(run_id_choice))
    create_as_child = _maybe(rng, 0.3)
    trial_number, fold_idx = rng.choice(TRIALS), rng.choice(FOLDS)
    uri_choice = rng.choice(URI_CHOICES)
    index_choice = rng.choice(["none", "all", "all", "all", "no_root_dir", "no_config_dir", "no_context"])
    context_name = rng.choice(sorted(CONTEXTS))
    config_dir = make_config_dir(tracking_store.tmp_path)
    index_args: dict[str, Any] = {
        "root_dir": tracking_store.tmp_path,
        "config_dir": config_dir,
        "context": CONTEXTS[context_name],
    }
    if index_choice == "none":
        index_args = {}
    elif index_choice != "all":
        index_args[index_choice.removeprefix("no_")] = None
    case = _case(
        store,
        run_name,
        tags_case,
        run_id=run_id_choice,
        create_as_child=create_as_child,
        trial_number=trial_number,
        fold_idx=fold_idx,
        tracking_uri=uri_choice,
        index=index_choice,
        context=context_name,
    )
    _check_call(
        golden,
        capsys,
        case,
        tags,
        lambda: {"index": read_index(config_dir), "cache": cache_listing(config_dir)},
        create_training_mlflow_run,
        "train",
        run_name,
        tags=tags,
        parent_run_id=store.parent,
        run_id=run_id,
        tracking_uri=store.uri(uri_choice),
        trial_number=trial_number,
        fold_idx=fold_idx,
        create_as_child=create_as_child,
        **index_args,
    )


@pytest.mark.parametrize("seed", SEEDS, ids=_seed_id)
def test_create_training_child_run_seeded(tracking_store, golden, capsys, seed):
    rng, store, run_name, tags, tags_case = _draw_run(tracking_store, seed, "hpo_named", CHILD_PARENTS)
    trial_number, fold_idx = rng.choice(TRIALS), rng.choice(FOLDS)
    uri_choice = rng.choice(URI_CHOICES)
    case = _case(
        store, run_name, tags_case, trial_number=trial_number, fold_idx=fold_idx, tracking_uri=uri_choice
    )
    _check_call(
        golden,
        capsys,
        case,
        tags,
        dict,
        create_training_child_run,
        "hpo_named",
        run_name,
        store.parent,
        tags,
        trial_number,
        fold_idx,
        store.uri(uri_choice),
    )


_ENV_POOL: dict[str, str] = {
    "MLFLOW_EXPERIMENT_NAME": "override-exp",
    "MLFLOW_TRACKING_URI": "http://override.example.invalid",
    "MLFLOW_PARENT_RUN_ID": "override-parent",
    "MLFLOW_RUN_ID": "override-run",
    "MLFLOW_TRIAL_NUMBER": "override-trial",
    "EXTRA_A": "a",
    "EXTRA_B": "b",
    "PYTHONHASHSEED": "0",
}


@pytest.mark.parametrize("seed", SEEDS, ids=_seed_id)
def test_setup_mlflow_tracking_env_seeded(tracking_store, golden, seed):
    rng = random.Random(seed)
    global_uri = rng.choice(["store", "azureml"])
    if global_uri == "azureml":
        tracking_store.use_azureml()
    uri_choice = rng.choice([None, "", "store", "azureml", "remote"])
    tracking_uri = {
        "": "",
        "store": tracking_store.uri,
        "azureml": tracking_store.azureml_uri,
        "remote": "http://tracking.example.invalid:5000",
    }.get(str(uri_choice) if uri_choice is not None else "none")
    extra_kind = rng.choice(["none", "empty", "given", "given"])
    additional: dict[str, str] | None = None if extra_kind == "none" else {}
    if extra_kind == "given":
        additional = {k: _ENV_POOL[k] for k in rng.sample(sorted(_ENV_POOL), rng.randint(1, len(_ENV_POOL)))}
    kwargs: dict[str, Any] = {
        "experiment_name": rng.choice(["train", "hpo-distilbert", ""]),
        "tracking_uri": tracking_uri,
        "parent_run_id": rng.choice([None, "", "0123456789abcdef0123456789abcdef"]),
        "run_id": rng.choice([None, "", "fedcba9876543210fedcba9876543210"]),
        "trial_number": rng.choice([None, 0, 5, 7]),
        "additional_vars": additional,
    }
    case = {**kwargs, "global_uri": global_uri, "tracking_uri": uri_choice}
    before = environ_copy()
    returned = setup_mlflow_tracking_env(**kwargs)
    golden.check(
        result={
            "case": case,
            "returned": returned,
            "keys": list(returned.keys()),
            "environ_unchanged": environ_copy() == before,
        }
    )
