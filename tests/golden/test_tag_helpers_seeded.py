"""Golden scenarios, seeded: training.execution.tag_helpers over generated cases (legacy-core §3, §7).

Each seed draws (``random.Random(seed)``) the caller's tags (keys the helpers may overwrite),
a lineage dict (fields absent, None, "" or text), the run name / training type and a tags.yaml
(absent, overriding some keys, or broken). The drawn case is part of the result, next to the
outcome: returned dict, caller's dict after the call, key order, or the registry error.
"""

from __future__ import annotations

import copy
import random
from pathlib import Path
from typing import Any

import pytest
from _support_tags import dict_outcome, random_input_tags, random_lineage, random_tags_yaml, write_tags_file
from scenario_support import make_config_dir

from training.execution.tag_helpers import (
    _build_lineage_tags_dict,
    _get_training_tag_keys,
    add_training_tags,
    add_training_tags_with_lineage,
)

SEEDS = pytest.mark.parametrize("seed", range(30), ids=lambda seed: f"seed-{seed}")


def _registry_location(rng: random.Random, tmp_path: Path, case: dict[str, Any]) -> Path | None:
    """Draw a tags.yaml and where it lives: a config_dir passed in, or cwd/config (config_dir None).

    Records both in ``case``; returns the config_dir argument.
    """
    content = random_tags_yaml(rng)
    via_cwd = rng.random() < 0.3
    case["tags_yaml"] = content
    case["config_dir"] = "None (cwd/config)" if via_cwd else "project/config"
    config_dir = make_config_dir(tmp_path, name="." if via_cwd else "project")
    write_tags_file(config_dir, content)
    return None if via_cwd else config_dir


def _drawn_case(rng: random.Random, tmp_path: Path, **inputs: Any) -> tuple[dict[str, Any], Path | None]:
    """The case for the drawn ``inputs`` (copied before the call can change them) and a tags.yaml.

    Returns the case (inputs first, then the registry drawn by ``_registry_location``) and the
    config_dir argument.
    """
    case = {name: copy.deepcopy(value) for name, value in inputs.items()}
    return case, _registry_location(rng, tmp_path, case)


@SEEDS
def test_add_training_tags_seeded(tracking_store, golden, seed):
    rng = random.Random(seed)
    tags = random_input_tags(rng)
    case, config_dir = _drawn_case(rng, tracking_store.tmp_path, input=tags)
    training_type = rng.choice([None, "final", "continued", ""])
    case["training_type"] = training_type if training_type is not None else "(default)"
    if training_type is None:
        returned = add_training_tags(tags, config_dir=config_dir)
    else:
        returned = add_training_tags(tags, training_type, config_dir)
    golden.check(result={"case": case, **dict_outcome(returned, tags)})


@SEEDS
def test_add_training_tags_with_lineage_seeded(tracking_store, golden, seed):
    rng = random.Random(seed)
    tags = random_input_tags(rng)
    lineage = random_lineage(rng)
    run_name = rng.choice([None, "", f"final-run-{seed}"])
    tmp_path = tracking_store.tmp_path
    case, config_dir = _drawn_case(rng, tmp_path, input=tags, lineage=lineage, run_name=run_name)
    returned = None
    with golden.catch_error():
        returned = add_training_tags_with_lineage(tags, lineage, run_name, config_dir)
    outcome = (
        dict_outcome(returned, tags)
        if returned is not None
        else {"input_after": tags, "input_keys": list(tags)}
    )
    golden.check(result={"case": case, **outcome, "lineage_unchanged": lineage == case["lineage"]})


@SEEDS
def test_build_lineage_tags_dict_seeded(tracking_store, golden, seed):
    rng = random.Random(seed)
    lineage = random_lineage(rng)
    case, config_dir = _drawn_case(rng, tracking_store.tmp_path, lineage=lineage)
    returned = None
    with golden.catch_error():
        returned = _build_lineage_tags_dict(lineage, config_dir)
    keys = list(returned) if returned is not None else None
    golden.check(result={"case": case, "returned": returned, "returned_keys": keys, "lineage_after": lineage})


@SEEDS
def test_get_training_tag_keys_seeded(tracking_store, golden, seed):
    rng = random.Random(seed)
    case, config_dir = _drawn_case(rng, tracking_store.tmp_path)
    keys = None
    with golden.catch_error():
        keys = _get_training_tag_keys(config_dir)
    golden.check(result={"case": case, "keys": keys})
