"""Golden scenarios that close mutation-testing gaps in tags.apply_lineage_tags (legacy-core §4).

apply_lineage_tags hands its ``root_dir`` to the finder, where it makes the local-index strategy
reachable, and with it the finder's TypeError defect, even without an output folder: the error
lands in the function's guard and no run is tagged.
"""

from __future__ import annotations

from _support_tags import CONTEXTS, FULL_LINEAGE, RunSpec, add_runs, apply_and_report, make_project

EXPERIMENT = "final_training"


def test_root_dir_without_output_dir_reaches_the_index_defect(tracking_store, golden, capsys):
    experiment_id = tracking_store.client.create_experiment(EXPERIMENT)
    add_runs(tracking_store.client, experiment_id, [RunSpec("final")])
    project = make_project(tracking_store.tmp_path)
    context = CONTEXTS["final_training"]
    lineage = dict(FULL_LINEAGE)
    outcome = apply_and_report(capsys, EXPERIMENT, project, lineage, context=context, output_dir=None)
    golden.check(result=outcome)
