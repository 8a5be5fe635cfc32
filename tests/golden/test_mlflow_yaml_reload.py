"""Golden scenario: an edited mlflow.yaml takes effect in the same process (legacy-support §12.12 fixed).

The legacy loader cached the first parse of a path forever, so switching the local index on in
mlflow.yaml changed nothing until the process restarted. Now the next call sees the edit.
"""

from __future__ import annotations

from _support_mlflow_setup import CONTEXTS, existing_experiment
from scenario_support import make_config_dir, read_index

from training.execution.mlflow_setup import create_training_mlflow_run


def test_switching_the_index_on_takes_effect_for_the_next_run(tracking_store, golden):
    existing_experiment(tracking_store.client, "train")
    config_dir = make_config_dir(tracking_store.tmp_path, mlflow_cfg={"index": {"enabled": False}})
    index_args = {"root_dir": tracking_store.tmp_path, "config_dir": config_dir}
    create_training_mlflow_run("train", "before", context=CONTEXTS["final_training"], **index_args)
    before = read_index(config_dir)
    (config_dir / "mlflow.yaml").write_text("index:\n  enabled: true\n", encoding="utf-8")
    create_training_mlflow_run("train", "after", context=CONTEXTS["hpo_study"], **index_args)
    golden.check(result={"index_before_edit": before, "index_after_edit": read_index(config_dir)})
