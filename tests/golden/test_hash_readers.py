"""Golden scenarios: the grouping-hash readers (legacy-support §7 "hash_utils", §12.6 fixed).

get_{study_key,trial_key,study_family}_hash_from_run return a run's tag, None for a run without
it or a run that does not exist, and let every other store error propagate (the legacy readers
returned None for any error, so a network failure looked like "no hash").
"""

from __future__ import annotations

from typing import Any

import pytest
from _support_legacy_support import UNKNOWN_RUN_ID, make_run
from mlflow.exceptions import MlflowException
from mlflow.protos.databricks_pb2 import TEMPORARILY_UNAVAILABLE
from scenario_support import make_config_dir

from infrastructure.tracking.mlflow.hash_utils import (
    get_study_family_hash_from_run,
    get_study_key_hash_from_run,
    get_trial_key_hash_from_run,
)

READERS = {
    "study_key_hash": get_study_key_hash_from_run,
    "trial_key_hash": get_trial_key_hash_from_run,
    "study_family_hash": get_study_family_hash_from_run,
}


def _tagged_run(tracking_store: Any, tags: dict[str, str]) -> str:
    experiment_id = tracking_store.client.create_experiment("hpo")
    return make_run(tracking_store.client, experiment_id, "trial", tags=tags)


def test_each_reader_takes_the_code_tag_then_the_grouping_tag(tracking_store, golden):
    run_id = _tagged_run(
        tracking_store,
        {
            "code.study_key_hash": "study",
            "code.grouping.study_key_hash": "ignored",
            "code.grouping.trial_key_hash": "trial-grouping",
        },
    )
    golden.check(result={name: read(run_id, tracking_store.client) for name, read in READERS.items()})


def test_the_registry_key_is_read_only_with_a_config_dir(tracking_store, golden):
    config_dir = make_config_dir(
        tracking_store.tmp_path, tags={"schema_version": 1, "grouping": {"study_family_hash": "my.family"}}
    )
    run_id = _tagged_run(tracking_store, {"my.family": "fam"})
    golden.check(
        result={
            "without_config_dir": get_study_family_hash_from_run(run_id, tracking_store.client),
            "with_config_dir": get_study_family_hash_from_run(run_id, tracking_store.client, config_dir),
        }
    )


@pytest.mark.parametrize("run_id", [UNKNOWN_RUN_ID, "not a run id"], ids=["unknown", "malformed"])
def test_a_run_that_does_not_exist_gives_none(tracking_store, golden, run_id):
    _tagged_run(tracking_store, {"code.study_key_hash": "study"})
    golden.check(result={name: read(run_id, tracking_store.client) for name, read in READERS.items()})


@pytest.mark.parametrize(
    "error",
    [
        ConnectionError("network down"),
        MlflowException("store temporarily unavailable", error_code=TEMPORARILY_UNAVAILABLE),
    ],
    ids=["network", "unavailable"],
)
def test_a_store_error_propagates(tracking_store, golden, store_faults, error):
    run_id = _tagged_run(tracking_store, {"code.study_key_hash": "study"})
    store_faults.fail("get_run", exc=error)
    with golden.catch_error():
        get_study_key_hash_from_run(run_id, tracking_store.client)
    golden.check()
