"""Golden scenarios that close mutation-testing gaps in tags.apply_lineage_tags (legacy-core §4).

apply_lineage_tags hands its ``root_dir`` to the finder, where it makes the local-index strategy
reachable even without an output folder, and its ``config_dir``, which locates the index (the root is
not the config folder's parent here): the run ``create_training_mlflow_run`` indexed is tagged, not
the newer run the most-recent fallback would take.
"""

from __future__ import annotations

from _support_tags import CONTEXTS, FULL_LINEAGE, RunSpec, add_runs, apply_and_report, make_project

from training.execution.mlflow_setup import create_training_mlflow_run

EXPERIMENT = "final_training"


def test_root_dir_without_output_dir_reaches_the_local_index(tracking_store, golden, capsys):
    experiment_id = tracking_store.client.create_experiment(EXPERIMENT)
    project = make_project(tracking_store.tmp_path)
    context = CONTEXTS["final_training"]
    indexed, _ = create_training_mlflow_run(
        EXPERIMENT, "indexed", root_dir=project.root, config_dir=project.config_dir, context=context
    )
    newer = add_runs(tracking_store.client, experiment_id, [RunSpec("newer", start_time=4_000_000_000_000)])
    lineage = dict(FULL_LINEAGE)
    outcome = apply_and_report(
        capsys,
        EXPERIMENT,
        project,
        lineage,
        context=context,
        output_dir=None,
        root_dir=tracking_store.tmp_path,
    )
    golden.check(result={**outcome, "indexed": indexed, **newer})
