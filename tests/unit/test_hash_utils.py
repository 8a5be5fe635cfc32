"""hash_utils (legacy-support §7): tag readers against a real store, eval config, key hashes."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Dict

import pytest
from mlflow.exceptions import MlflowException
from mlflow.protos.databricks_pb2 import TEMPORARILY_UNAVAILABLE
from mlflow.tracking import MlflowClient
from pytest_mock import MockerFixture

from infrastructure.naming.mlflow import hpo_keys
from infrastructure.tracking.mlflow import hash_utils
from infrastructure.tracking.mlflow.hash_utils import (
    compute_study_key_hash_v2,
    compute_trial_key_hash_from_configs,
    compute_trial_key_hash_from_trial_run,
    derive_eval_config,
    get_study_family_hash_from_run,
    get_study_key_hash_from_run,
    get_trial_key_hash_from_run,
)

DATA: Dict[str, Any] = {"name": "resumes", "version": "v1"}
HPO: Dict[str, Any] = {"objective": {"metric": "macro-f1", "goal": "maximize"}, "search_space": {}}
TRAIN: Dict[str, Any] = {"training": {"epochs": 2}}


def run_with_tags(client: MlflowClient, tags: Dict[str, str]) -> str:
    experiment_id = client.get_experiment_by_name("hashes")
    exp = experiment_id.experiment_id if experiment_id else client.create_experiment("hashes")
    return str(client.create_run(experiment_id=exp, tags=tags).info.run_id)


def test_reads_code_tag(client: MlflowClient) -> None:
    run_id = run_with_tags(client, {"code.study_key_hash": "s1", "code.grouping.study_key_hash": "g1"})
    assert get_study_key_hash_from_run(run_id, client) == "s1"


def test_falls_back_to_grouping_tag(client: MlflowClient) -> None:
    run_id = run_with_tags(client, {"code.grouping.trial_key_hash": "t-grouping"})
    assert get_trial_key_hash_from_run(run_id, client) == "t-grouping"


def test_registry_key_used_only_with_config_dir(client: MlflowClient, tmp_path: Path) -> None:
    config_dir = tmp_path / "cfg"
    config_dir.mkdir()
    (config_dir / "tags.yaml").write_text(
        "schema_version: 1\ngrouping:\n  study_family_hash: custom.family\n", encoding="utf-8"
    )
    run_id = run_with_tags(client, {"custom.family": "fam"})
    assert get_study_family_hash_from_run(run_id, client) is None
    assert get_study_family_hash_from_run(run_id, client, config_dir=config_dir) == "fam"


def test_missing_tags_give_none(client: MlflowClient) -> None:
    run_id = run_with_tags(client, {})
    assert get_study_key_hash_from_run(run_id, client) is None


def test_unknown_run_gives_none(client: MlflowClient) -> None:
    assert get_study_key_hash_from_run("0" * 32, client) is None


def test_malformed_run_id_gives_none(client: MlflowClient) -> None:
    assert get_study_key_hash_from_run("not a run id", client) is None


def test_network_error_propagates(client: MlflowClient, mocker: MockerFixture) -> None:
    run_id = run_with_tags(client, {"code.study_key_hash": "s1"})
    mocker.patch.object(client, "get_run", side_effect=ConnectionError("network down"))
    with pytest.raises(ConnectionError, match="network down"):
        get_study_key_hash_from_run(run_id, client)


def test_server_error_propagates(client: MlflowClient, mocker: MockerFixture) -> None:
    run_id = run_with_tags(client, {"code.study_key_hash": "s1"})
    failure = MlflowException("API request to http://host failed", error_code=TEMPORARILY_UNAVAILABLE)
    mocker.patch.object(client, "get_run", side_effect=failure)
    with pytest.raises(MlflowException) as info:
        get_trial_key_hash_from_run(run_id, client)
    assert info.value is failure


def test_broken_tag_registry_propagates(client: MlflowClient, tmp_path: Path) -> None:
    config_dir = tmp_path / "cfg"
    config_dir.mkdir()
    (config_dir / "tags.yaml").write_text("schema_version: 1\ngrouping:\n  study_family_hash: 7\n")
    run_id = run_with_tags(client, {})
    with pytest.raises(KeyError):
        get_study_family_hash_from_run(run_id, client, config_dir=config_dir)


def test_trial_run_alias() -> None:
    assert compute_trial_key_hash_from_trial_run is get_trial_key_hash_from_run


def test_eval_config_prefers_train_eval_and_aliases_it() -> None:
    train_eval = {"evaluator_version": "v2"}
    result = derive_eval_config({"eval": train_eval}, {"evaluation": {"x": 1}})
    assert result is train_eval


def test_eval_config_then_hpo_evaluation() -> None:
    hpo_eval = {"metric": "f1"}
    assert derive_eval_config({"eval": {}}, {"evaluation": hpo_eval}) is hpo_eval


def test_eval_config_default_with_hpo_objective() -> None:
    assert derive_eval_config(None, HPO) == {"evaluator_version": "default", "metric": HPO["objective"]}


def test_eval_config_default_without_hpo() -> None:
    assert derive_eval_config({}, None) == {"evaluator_version": "default"}


def test_study_key_hash_v2_matches_hpo_keys() -> None:
    data_fp = hpo_keys.compute_data_fingerprint(DATA)
    eval_fp = hpo_keys.compute_eval_fingerprint(derive_eval_config(TRAIN, HPO))
    key = hpo_keys.build_hpo_study_key_v2(DATA, HPO, TRAIN, "bert", data_fp, eval_fp)
    assert compute_study_key_hash_v2(DATA, HPO, TRAIN, "bert") == hpo_keys.build_hpo_study_key_hash(key)


def test_study_key_hash_v2_is_model_case_insensitive_and_model_sensitive() -> None:
    assert compute_study_key_hash_v2(DATA, HPO, TRAIN, "BERT") == compute_study_key_hash_v2(
        DATA, HPO, TRAIN, "bert"
    )
    assert compute_study_key_hash_v2(DATA, HPO, TRAIN, "bert") != compute_study_key_hash_v2(
        DATA, HPO, TRAIN, "roberta"
    )


def test_study_key_hash_v2_error_gives_none(mocker: MockerFixture) -> None:
    mocker.patch.object(hash_utils.hpo_keys, "compute_data_fingerprint", side_effect=TypeError("bad data"))
    assert compute_study_key_hash_v2(DATA, HPO, TRAIN, "bert") is None


def test_trial_key_hash_from_configs() -> None:
    params = {"learning_rate": 2e-5, "backbone": "bert"}
    expected = hpo_keys.build_hpo_trial_key_hash(hpo_keys.build_hpo_trial_key("s" * 64, params))
    assert compute_trial_key_hash_from_configs("s" * 64, params) == expected
    assert compute_trial_key_hash_from_configs("s" * 64, {"learning_rate": 2e-5}) == expected


def test_trial_key_hash_error_gives_none() -> None:
    class Unprintable:
        def __str__(self) -> str:
            raise RuntimeError("no str")

    assert compute_trial_key_hash_from_configs("s", {"x": Unprintable()}) is None
