"""Golden scenarios, seeded: training.execution.tags.apply_lineage_tags over generated stores (§4).

Each seed draws (``random.Random(seed)``) whether the final-training experiment exists, its runs
(status, start time, deleted or not, some already tagged), a metadata.json variant and target,
the context (None or a NamingContext), root_dir given or derived, the lineage and a tags.yaml
(absent, overriding, broken). An "hpo" experiment whose run is the newest of the store is always
there. The drawn case is part of the result, next to the output and the lineage afterwards.
"""

from __future__ import annotations

import copy
import random
from typing import Any

import pytest
from _support_tags import (
    CONTEXTS,
    RunSpec,
    add_runs,
    apply_and_report,
    make_project,
    random_lineage,
    random_tags_yaml,
    write_metadata,
    write_tags_file,
)

EXPERIMENT = "final_training"
T0 = 1_600_000_000_000
STATUSES = ("RUNNING", "FINISHED", "FAILED", "KILLED")
METADATA = ("none", "none", "mlflow", "mlflow_info", "mlflow_info_other_experiment", "invalid_json")


def _draw_runs(rng: random.Random) -> list[RunSpec]:
    """0-3 runs with distinct start times (no ties for "most recent")."""
    count = rng.randrange(0, 4)
    starts = rng.sample(range(1, 100), count)
    return [
        RunSpec(
            f"final-{index}",
            status=rng.choice(STATUSES),
            start_time=T0 + 10 * start,
            deleted=rng.random() < 0.2,
            tags={"code.lineage.source": "manual", "code.trained_on_full_data": "false"}
            if rng.random() < 0.3
            else {},
        )
        for index, start in enumerate(starts)
    ]


@pytest.mark.parametrize("seed", range(30), ids=lambda seed: f"seed-{seed}")
def test_apply_lineage_tags_seeded(tracking_store, golden, capsys, seed):
    rng = random.Random(seed)
    experiment_present = rng.random() < 0.85
    specs = _draw_runs(rng) if experiment_present else []
    metadata = rng.choice(METADATA)
    target = rng.choice([spec.name for spec in specs]) if specs else None
    if metadata == "mlflow_info_other_experiment":
        target = "hpo-trial"
    elif metadata in ("mlflow", "mlflow_info") and target is None:
        metadata = "none"
    context = rng.choice([None, None, None, "final_training", "hpo_refit_without_trial_id"])
    root = rng.choice(["given", "derived_from_output_dir"])
    lineage = random_lineage(rng)
    tags_yaml = random_tags_yaml(rng)
    case: dict[str, Any] = {
        "experiment_present": experiment_present,
        "runs": [
            {
                "name": s.name,
                "status": s.status,
                "start": s.start_time - T0,
                "deleted": s.deleted,
                "tags": s.tags,
            }
            for s in specs
        ],
        "metadata": metadata,
        "metadata_target": target if metadata != "none" else None,
        "context": context,
        "root_dir": root,
        "lineage": copy.deepcopy(lineage),
        "tags_yaml": tags_yaml,
    }

    client = tracking_store.client
    run_ids = add_runs(client, client.create_experiment("hpo"), [RunSpec("hpo-trial", start_time=T0 + 5000)])
    if experiment_present:
        run_ids.update(add_runs(client, client.create_experiment(EXPERIMENT), specs))
    project = make_project(tracking_store.tmp_path)
    write_tags_file(project.config_dir, tags_yaml)
    write_metadata(
        project.output_dir,
        "mlflow_info" if metadata == "mlflow_info_other_experiment" else metadata,
        run_ids[target] if target else None,
    )

    result = None
    with golden.catch_error():
        result = apply_and_report(
            capsys,
            EXPERIMENT,
            project,
            lineage,
            context=CONTEXTS[context] if context else None,
            root_dir=project.root if root == "given" else None,
        )
    golden.check(result={"case": case, **(result or {})})
