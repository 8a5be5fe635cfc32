"""Golden scenario: the whole pipeline through the legacy layer (legacy-core §9.3; legacy-support §4, §8, §9).

HPO sweep (sweep tracker) with 3 trials x 2 folds as nested children (create_training_child_run,
then a fluent start_run(run_id)), best trial by metric (queries), refit (create_training_mlflow_run
with a parent), final training with lineage (build_mlflow_tags + add_training_tags_with_lineage,
local index), benchmark and conversion (trackers). Pins every run, tag, param and metric, the
summary, what the layer printed and the local run index it wrote.
"""

from __future__ import annotations

from pipeline_demo import run_pipeline
from scenario_support import printed, read_index


def test_pipeline_end_to_end(tracking_store, golden, capsys):
    root = tracking_store.tmp_path / "project"
    summary = run_pipeline(root, tracking_uri=tracking_store.uri)
    golden.check(
        result={"summary": summary, "index": read_index(root / "config"), "printed": printed(capsys)}
    )


def test_pipeline_defaults_to_the_current_tracking_uri(tracking_store, golden):
    summary = run_pipeline(tracking_store.tmp_path / "project")
    golden.check(result={"tracking_uri": summary["tracking_uri"], "runs": len(summary["creation_order"])})
