"""Golden scenarios: training.execution.tags.apply_lineage_tags (legacy-core §4, §6.2, §9.1).

Every scenario starts from a store holding an "hpo" experiment (whose run is the newest of the
store) and, mostly, a "final_training" experiment with pre-existing runs. The function finds a
run through the finder (metadata.json, the local index, tags, the most-recent fallback) or its
direct query and writes the full-data flag and the lineage tags in one batch through the client,
leaving the run's status and end time alone; it never raises and reports on stdout (traceback on
stderr). Results hold its return value, its output and whether the lineage dict was left alone.
"""

from __future__ import annotations

from typing import Any

import mlflow
import pytest
from _support_tags import (
    BROKEN_TAGS_YAML,
    CONTEXTS,
    FULL_LINEAGE,
    LINEAGE_FIELDS,
    Project,
    RunSpec,
    add_runs,
    apply_and_report,
    make_project,
    write_metadata,
    write_tags_file,
)
from mlflow.tracking import MlflowClient

from training.execution.mlflow_setup import create_training_mlflow_run

EXPERIMENT = "final_training"
T0 = 1_600_000_000_000
#: Two finished final-training runs; "newer" is the most recent one.
TWO_RUNS = [RunSpec("older", start_time=T0 + 10), RunSpec("newer", start_time=T0 + 20)]


def _arrange(
    client: MlflowClient,
    tmp_path: Any,
    specs: list[RunSpec] | None = None,
    *,
    experiment: str | None = EXPERIMENT,
    tags_yaml: str | None = None,
) -> tuple[Project, dict[str, str]]:
    """The hpo experiment (newest run of the store), then ``experiment`` with ``specs``."""
    hpo = client.create_experiment("hpo")
    run_ids = add_runs(
        client, hpo, [RunSpec("hpo-sweep", start_time=T0 + 1000), RunSpec("hpo-trial", start_time=T0 + 1001)]
    )
    if experiment is not None:
        experiment_id = client.create_experiment(experiment)
        run_ids.update(add_runs(client, experiment_id, specs or []))
    return make_project(tmp_path, tags_yaml), run_ids


def _apply_final_context_without_folders(
    tracking_store: Any, capsys: pytest.CaptureFixture[str], specs: list[RunSpec]
) -> dict[str, Any]:
    """Arrange ``specs``, then apply with the final_training context but no output/root folders."""
    project, ids = _arrange(tracking_store.client, tracking_store.tmp_path, specs)
    return apply_and_report(
        capsys,
        EXPERIMENT,
        project,
        _lineage(ids),
        context=CONTEXTS["final_training"],
        root_dir=None,
        output_dir=None,
    )


def _lineage(run_ids: dict[str, str]) -> dict[str, Any]:
    """Full lineage whose run ids are the hpo experiment's real runs."""
    return {
        **FULL_LINEAGE,
        "hpo_trial_run_id": run_ids["hpo-trial"],
        "hpo_sweep_run_id": run_ids["hpo-sweep"],
    }


# --- finding the run ------------------------------------------------------------------------------


def test_apply_metadata_json_mlflow_info_selects_an_older_run(tracking_store, golden, capsys):
    project, ids = _arrange(tracking_store.client, tracking_store.tmp_path, TWO_RUNS)
    write_metadata(project.output_dir, "mlflow_info", ids["older"])
    golden.check(result=apply_and_report(capsys, EXPERIMENT, project, _lineage(ids)))


def test_apply_metadata_json_written_under_mlflow_key_selects_an_older_run(tracking_store, golden, capsys):
    project, ids = _arrange(tracking_store.client, tracking_store.tmp_path, TWO_RUNS)
    write_metadata(project.output_dir, "mlflow", ids["older"])
    golden.check(result=apply_and_report(capsys, EXPERIMENT, project, _lineage(ids)))


@pytest.mark.parametrize(
    "variant", ["other_experiment", "unknown_run", "invalid_json", "mlflow_info_without_run_id"]
)
def test_apply_unusable_metadata_json_falls_back_to_most_recent(tracking_store, golden, capsys, variant):
    project, ids = _arrange(tracking_store.client, tracking_store.tmp_path, TWO_RUNS)
    target = {"other_experiment": ids["hpo-trial"], "unknown_run": "deadbeef" * 4}.get(variant)
    write_metadata(project.output_dir, "mlflow_info" if target else variant, target)
    golden.check(result={"metadata": variant, **apply_and_report(capsys, EXPERIMENT, project, _lineage(ids))})


def test_apply_metadata_json_naming_a_deleted_run_hits_the_guard(tracking_store, golden, capsys):
    specs = [RunSpec("deleted", start_time=T0 + 10, deleted=True), RunSpec("newer", start_time=T0 + 20)]
    project, ids = _arrange(tracking_store.client, tracking_store.tmp_path, specs)
    write_metadata(project.output_dir, "mlflow_info", ids["deleted"])
    golden.check(result=apply_and_report(capsys, EXPERIMENT, project, _lineage(ids)))


@pytest.mark.parametrize("root", ["given", "derived_from_output_dir"])
def test_apply_with_context_and_no_index_entry_tags_the_most_recent_run(tracking_store, golden, capsys, root):
    project, ids = _arrange(tracking_store.client, tracking_store.tmp_path, TWO_RUNS)
    root_dir = project.root if root == "given" else None
    result = apply_and_report(
        capsys, EXPERIMENT, project, _lineage(ids), context=CONTEXTS["final_training"], root_dir=root_dir
    )
    golden.check(result=result)


def test_apply_with_context_tags_the_run_create_training_mlflow_run_indexed(tracking_store, golden, capsys):
    """End to end: the run created with root_dir/config_dir/context is found through the local
    index, although a newer run exists, and is the one tagged."""
    project, ids = _arrange(tracking_store.client, tracking_store.tmp_path, TWO_RUNS)
    indexed, _ = create_training_mlflow_run(
        EXPERIMENT, "indexed", root_dir=project.root, config_dir=project.config_dir,
        context=CONTEXTS["final_training"],
    )  # fmt: skip
    experiment_id = tracking_store.client.get_experiment_by_name(EXPERIMENT).experiment_id
    later = add_runs(tracking_store.client, experiment_id, [RunSpec("later", start_time=T0 + 10**9)])
    result = apply_and_report(capsys, EXPERIMENT, project, _lineage(ids), context=CONTEXTS["final_training"])
    golden.check(result={**result, "indexed": indexed, **later})


def test_apply_with_context_finds_the_metadata_json_run_first(tracking_store, golden, capsys):
    project, ids = _arrange(tracking_store.client, tracking_store.tmp_path, TWO_RUNS)
    write_metadata(project.output_dir, "mlflow_info", ids["older"])
    result = apply_and_report(capsys, EXPERIMENT, project, _lineage(ids), context=CONTEXTS["final_training"])
    golden.check(result=result)


def test_apply_with_incomplete_refit_context_fails_on_the_run_key(tracking_store, golden, capsys):
    project, ids = _arrange(tracking_store.client, tracking_store.tmp_path, TWO_RUNS)
    result = apply_and_report(
        capsys, EXPERIMENT, project, _lineage(ids), context=CONTEXTS["hpo_refit_without_trial_id"]
    )
    golden.check(result=result)


def test_apply_with_context_and_no_folders_finds_the_run_key_hash_tag(tracking_store, golden, capsys):
    # Outside the annotated types (output_dir/root_dir None): the only way past the index defect.
    from infrastructure.naming.mlflow.run_keys import build_mlflow_run_key, build_mlflow_run_key_hash

    run_key_hash = build_mlflow_run_key_hash(build_mlflow_run_key(CONTEXTS["final_training"]))
    specs = [RunSpec("hashed", start_time=T0 + 10, tags={"code.run_key_hash": run_key_hash}), TWO_RUNS[1]]
    golden.check(result=_apply_final_context_without_folders(tracking_store, capsys, specs))


def test_apply_with_context_and_no_folders_finds_the_context_tags(tracking_store, golden, capsys):
    # Outside the annotated types (output_dir/root_dir None); P5 matches model/env/spec_fp/variant.
    context_tags = {
        "code.model": "distilbert",
        "code.env": "local",
        "code.spec_fp": "spec1",
        "code.variant": "1",
    }
    specs = [RunSpec("context-tagged", start_time=T0 + 10, tags=context_tags), TWO_RUNS[1]]
    golden.check(result=_apply_final_context_without_folders(tracking_store, capsys, specs))


@pytest.mark.parametrize("status", ["RUNNING", "FINISHED", "FAILED", "KILLED"])
def test_apply_without_context_tags_the_most_recent_run_in_any_status(tracking_store, golden, capsys, status):
    specs = [RunSpec("older", start_time=T0 + 10), RunSpec("newest", status=status, start_time=T0 + 20)]
    project, ids = _arrange(tracking_store.client, tracking_store.tmp_path, specs)
    golden.check(
        result={"status_before": status, **apply_and_report(capsys, EXPERIMENT, project, _lineage(ids))}
    )


def test_apply_most_recent_is_by_start_time_not_creation_order(tracking_store, golden, capsys):
    specs = [RunSpec("started-last", start_time=T0 + 30), RunSpec("created-last", start_time=T0 + 5)]
    project, ids = _arrange(tracking_store.client, tracking_store.tmp_path, specs)
    golden.check(result=apply_and_report(capsys, EXPERIMENT, project, _lineage(ids)))


def test_apply_skips_a_deleted_most_recent_run(tracking_store, golden, capsys):
    specs = [
        RunSpec("older", start_time=T0 + 10),
        RunSpec("deleted-newest", start_time=T0 + 20, deleted=True),
    ]
    project, ids = _arrange(tracking_store.client, tracking_store.tmp_path, specs)
    golden.check(result=apply_and_report(capsys, EXPERIMENT, project, _lineage(ids)))


def test_apply_only_deleted_runs_finds_nothing(tracking_store, golden, capsys):
    specs = [RunSpec("deleted", start_time=T0 + 10, deleted=True)]
    project, ids = _arrange(tracking_store.client, tracking_store.tmp_path, specs)
    golden.check(result=apply_and_report(capsys, EXPERIMENT, project, _lineage(ids)))


def test_apply_missing_experiment_prints_the_finder_error(tracking_store, golden, capsys):
    project, ids = _arrange(tracking_store.client, tracking_store.tmp_path, experiment=None)
    golden.check(result=apply_and_report(capsys, EXPERIMENT, project, _lineage(ids)))


def test_apply_experiment_without_runs_finds_nothing(tracking_store, golden, capsys):
    project, ids = _arrange(tracking_store.client, tracking_store.tmp_path, [])
    golden.check(result=apply_and_report(capsys, EXPERIMENT, project, _lineage(ids)))


def test_apply_deleted_experiment(tracking_store, golden, capsys):
    project, ids = _arrange(tracking_store.client, tracking_store.tmp_path, TWO_RUNS)
    client = tracking_store.client
    client.delete_experiment(client.get_experiment_by_name(EXPERIMENT).experiment_id)
    golden.check(result=apply_and_report(capsys, EXPERIMENT, project, _lineage(ids)))


def test_apply_experiment_lookup_failure_prints_the_finder_error(
    tracking_store, golden, capsys, store_faults
):
    project, ids = _arrange(tracking_store.client, tracking_store.tmp_path, TWO_RUNS)
    store_faults.fail("get_experiment_by_name", calls=1)
    golden.check(result=apply_and_report(capsys, EXPERIMENT, project, _lineage(ids)))


def test_apply_direct_query_finds_the_run_when_the_finder_search_fails(
    tracking_store, golden, capsys, store_faults
):
    project, ids = _arrange(tracking_store.client, tracking_store.tmp_path, TWO_RUNS)
    store_faults.fail("search_runs", calls=1)
    result = apply_and_report(capsys, EXPERIMENT, project, _lineage(ids))
    golden.check(result={**result, "search_runs_calls": store_faults.calls("search_runs")})


def test_apply_direct_query_error_is_printed(tracking_store, golden, capsys, store_faults):
    project, ids = _arrange(tracking_store.client, tracking_store.tmp_path, TWO_RUNS)
    store_faults.fail("search_runs", calls=[1, 2])
    result = apply_and_report(capsys, EXPERIMENT, project, _lineage(ids))
    golden.check(result={**result, "search_runs_calls": store_faults.calls("search_runs")})


# --- writing the tags -----------------------------------------------------------------------------


@pytest.mark.parametrize("absent", ["empty_dict", "empty_strings", "nones"])
def test_apply_without_lineage_sets_only_the_full_data_flag(tracking_store, golden, capsys, absent):
    value = {"empty_dict": None, "empty_strings": "", "nones": None}[absent]
    lineage: dict[str, Any] = {} if absent == "empty_dict" else {name: value for name in LINEAGE_FIELDS}
    project, _ = _arrange(tracking_store.client, tracking_store.tmp_path, TWO_RUNS)
    golden.check(result=apply_and_report(capsys, EXPERIMENT, project, lineage))


def test_apply_partial_lineage(tracking_store, golden, capsys):
    project, ids = _arrange(tracking_store.client, tracking_store.tmp_path, TWO_RUNS)
    lineage = {"hpo_trial_run_id": ids["hpo-trial"], "hpo_study_key_hash": "", "hpo_refit_run_id": None}
    golden.check(result=apply_and_report(capsys, EXPERIMENT, project, lineage))


def test_apply_full_lineage_never_writes_training_or_grouping_keys(tracking_store, golden, capsys):
    existing = {
        "code.trained_on_full_data": "false",
        "code.lineage.source": "manual",
        "code.study_key_hash": "base-study",
        "mlflow.runType": "benchmark",
    }
    specs = [RunSpec("older", start_time=T0 + 10), RunSpec("tagged", start_time=T0 + 20, tags=existing)]
    project, ids = _arrange(tracking_store.client, tracking_store.tmp_path, specs)
    golden.check(result=apply_and_report(capsys, EXPERIMENT, project, _lineage(ids)))


def test_apply_tag_keys_from_config_dir_tags_yaml(tracking_store, golden, capsys):
    project, ids = _arrange(
        tracking_store.client, tracking_store.tmp_path, TWO_RUNS, tags_yaml="override_all_movable"
    )
    golden.check(result=apply_and_report(capsys, EXPERIMENT, project, _lineage(ids)))


def test_apply_full_data_key_mapped_to_run_name_renames_the_run(tracking_store, golden, capsys):
    project, _ = _arrange(tracking_store.client, tracking_store.tmp_path, TWO_RUNS)
    write_tags_file(project.config_dir, {"training": {"trained_on_full_data": "mlflow.runName"}})
    golden.check(result=apply_and_report(capsys, EXPERIMENT, project, {}))


@pytest.mark.parametrize("variant", BROKEN_TAGS_YAML)
def test_apply_broken_tags_yaml_fails_before_any_write(tracking_store, golden, capsys, variant):
    # Nothing is written when a key it reads is broken; key_not_string breaks a grouping key,
    # which this function never resolves (§6.2), so that variant succeeds.
    project, ids = _arrange(tracking_store.client, tracking_store.tmp_path, TWO_RUNS, tags_yaml=variant)
    golden.check(
        result={"tags_yaml": variant, **apply_and_report(capsys, EXPERIMENT, project, _lineage(ids))}
    )


def test_apply_never_reads_mlflow_yaml(tracking_store, golden, capsys):
    project, ids = _arrange(tracking_store.client, tracking_store.tmp_path, TWO_RUNS)
    (project.config_dir / "mlflow.yaml").write_text("", encoding="utf-8")  # would raise if loaded
    golden.check(result=apply_and_report(capsys, EXPERIMENT, project, _lineage(ids)))


def test_apply_keeps_a_finished_runs_status_and_end_time(tracking_store, golden, capsys):
    project, ids = _arrange(tracking_store.client, tracking_store.tmp_path, TWO_RUNS)
    client = tracking_store.client
    before = client.get_run(ids["newer"]).info.end_time
    result = apply_and_report(capsys, EXPERIMENT, project, _lineage(ids))
    after = client.get_run(ids["newer"]).info
    golden.check(
        result={**result, "status_after": after.status, "end_time_unchanged": after.end_time == before}
    )


def test_apply_tags_the_run_active_in_fluent_and_leaves_it_active(tracking_store, golden, capsys):
    project, ids = _arrange(tracking_store.client, tracking_store.tmp_path, TWO_RUNS)
    active = mlflow.start_run(run_id=ids["newer"])
    result = apply_and_report(capsys, EXPERIMENT, project, _lineage(ids))
    golden.check(result={**result, "active_before": active, "active_after": mlflow.active_run()})


def test_apply_with_another_fluent_run_active_tags_the_found_run(tracking_store, golden, capsys):
    project, ids = _arrange(tracking_store.client, tracking_store.tmp_path, TWO_RUNS)
    active = mlflow.start_run(run_id=ids["hpo-sweep"])
    result = apply_and_report(capsys, EXPERIMENT, project, _lineage(ids))
    golden.check(result={**result, "active_before": active, "active_after": mlflow.active_run()})


def test_apply_with_the_active_experiment_set_to_another_tags_the_found_run(tracking_store, golden, capsys):
    project, ids = _arrange(tracking_store.client, tracking_store.tmp_path, TWO_RUNS)
    mlflow.set_experiment("hpo")
    golden.check(result=apply_and_report(capsys, EXPERIMENT, project, _lineage(ids)))


def test_apply_lineage_values_with_quotes(tracking_store, golden, capsys):
    project, _ = _arrange(tracking_store.client, tracking_store.tmp_path, TWO_RUNS)
    lineage = {"hpo_study_key_hash": "it's", "hpo_trial_key_hash": 'say "hi"', "hpo_sweep_run_id": "a'b\"c"}
    golden.check(result=apply_and_report(capsys, EXPERIMENT, project, lineage))


def test_apply_experiment_name_with_double_quotes(tracking_store, golden, capsys):
    # A single quote is left out: the file store cannot even create such an experiment.
    name = 'final "training" v2'
    project, ids = _arrange(tracking_store.client, tracking_store.tmp_path, TWO_RUNS, experiment=name)
    golden.check(result=apply_and_report(capsys, name, project, _lineage(ids)))


def test_apply_non_string_lineage_values_are_stored_as_text(tracking_store, golden, capsys):
    project, _ = _arrange(tracking_store.client, tracking_store.tmp_path, TWO_RUNS)
    lineage: dict[str, Any] = {
        "hpo_study_key_hash": 12345,
        "hpo_trial_key_hash": 1.5,
        "hpo_trial_run_id": True,
    }
    golden.check(result=apply_and_report(capsys, EXPERIMENT, project, lineage))


def test_apply_oversized_lineage_value(tracking_store, golden, capsys):
    project, _ = _arrange(tracking_store.client, tracking_store.tmp_path, TWO_RUNS)
    lineage = {"hpo_study_key_hash": "s" * 9000}
    golden.check(result=apply_and_report(capsys, EXPERIMENT, project, lineage))


def test_apply_batch_write_failure_leaves_the_run_untouched(tracking_store, golden, capsys, store_faults):
    project, ids = _arrange(tracking_store.client, tracking_store.tmp_path, TWO_RUNS)
    store_faults.fail("log_batch", calls=1)
    golden.check(result=apply_and_report(capsys, EXPERIMENT, project, _lineage(ids)))
