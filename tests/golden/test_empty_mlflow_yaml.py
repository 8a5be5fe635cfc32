"""Golden scenarios: an empty mlflow.yaml behaves like an empty mapping (legacy-support §12.12 fixed).

The legacy loader returned None for an empty file, so every getter raised AttributeError: the
finder's strict-mode lookup raised it, create_training_mlflow_run's index update swallowed it
(no index entry), and the run-name builder fell back to its fixed names. Now the getters give
their defaults, seen here through those tier-1 functions on a real store.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from _support_legacy_support import UNKNOWN_RUN_ID, make_run, report
from _support_mlflow_setup import CONTEXTS, cache_listing, captured_call, existing_experiment
from scenario_support import make_config_dir, read_index

from infrastructure.tracking.mlflow.finder import find_mlflow_run
from training.execution.mlflow_setup import create_training_mlflow_run
from training.execution.run_names import build_training_run_name_with_fallback

#: An hpo_trial pattern unlike the builder's fixed fallback name, so the two cannot be confused.
NAMING: dict[str, Any] = {
    "patterns": {"hpo_trial": "{model}-trial{trial_number}-{env}-{study_hash}"},
    "hash_length": 8,
    "version": {"format": "_{number}"},
}
STUDY_HASH = "0123456789abcdef" * 4


def _empty_mlflow_yaml(tmp_path: Path, naming: dict[str, Any] | None = None) -> Path:
    config_dir = make_config_dir(tmp_path, naming=naming)
    (config_dir / "mlflow.yaml").write_text("", encoding="utf-8")
    return config_dir


def test_finder_strict_none_takes_the_default_strict_mode(tracking_store, golden):
    """strict_mode_default defaults to True: P1 still hits, a search-only lookup raises ValueError."""
    experiment_id = tracking_store.client.create_experiment("train")
    run_id = make_run(tracking_store.client, experiment_id, "only")
    config_dir = _empty_mlflow_yaml(tracking_store.tmp_path)
    hit = report(find_mlflow_run("train", run_id=run_id, config_dir=config_dir))
    with golden.catch_error():
        find_mlflow_run("train", run_id=UNKNOWN_RUN_ID, config_dir=config_dir)
    golden.check(result=hit)


def test_create_training_mlflow_run_writes_the_index_entry(tracking_store, golden):
    existing_experiment(tracking_store.client, "train")
    config_dir = _empty_mlflow_yaml(tracking_store.tmp_path)
    outcome = captured_call(
        golden,
        create_training_mlflow_run,
        "train",
        "final",
        root_dir=tracking_store.tmp_path,
        config_dir=config_dir,
        context=CONTEXTS["final_training"],
    )
    golden.check(result={**outcome, "index": read_index(config_dir), "cache": cache_listing(config_dir)})


def test_hpo_trial_run_name_follows_the_policy_without_a_suffix(tracking_store, golden):
    """Auto-increment defaults to off: the policy name, no ``_N``, no counter file."""
    config_dir = _empty_mlflow_yaml(tracking_store.tmp_path, naming=NAMING)
    name = build_training_run_name_with_fallback(
        "hpo_trial", model="distilbert", trial_number=4, study_key_hash=STUDY_HASH, config_dir=config_dir
    )
    golden.check(result={"name": name, "cache": cache_listing(config_dir)})
