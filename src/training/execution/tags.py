"""Apply lineage tags to an existing final-training run (legacy-core §4), quirks included.

The run is found by ``infrastructure.tracking.mlflow.finder.find_mlflow_run`` alone (the source
of truth for finding runs), with its ``direct_query_fallback`` as the last resort; tag keys come
from ``training.execution.tag_helpers`` (the source of truth for tag building). The function
writes ``trained_on_full_data`` plus the ``code.lineage.*`` tags (values as ``str``) through the
client in one ``log_batch`` call, leaving the run's status and end time as they were. It reports
on stdout and never raises. With a context, the run that
``create_training_mlflow_run`` indexed under the same context is found through the local index.
"""

from __future__ import annotations

import sys
import traceback
from pathlib import Path
from typing import Any, Dict

from mlflow.entities import LifecycleStage, RunTag
from mlflow.tracking import MlflowClient

from infrastructure.tracking.mlflow.finder import DIRECT_QUERY_FAILED, STRATEGY_DIRECT_QUERY, find_mlflow_run
from infrastructure.tracking.mlflow.tag_values import tag_values
from infrastructure.tracking.mlflow.uri_masking import mask_uris_in_text
from training.execution.tag_helpers import LINEAGE_FIELDS, _build_lineage_tags_dict, _get_training_tag_keys


def apply_lineage_tags(
    experiment_name: str,
    context: Any,
    output_dir: Path,
    root_dir: Path,
    config_dir: Path,
    lineage: Dict[str, Any],
) -> None:
    """Tag the final-training run with ``trained_on_full_data`` and the HPO lineage.

    Any error is printed (``⚠ Could not set MLflow tags: ...`` plus a traceback on stderr); a
    lineage value over MLflow's tag length limit is such an error, raised before the search.
    """
    try:
        tag_values({field: lineage[field] for field in LINEAGE_FIELDS if lineage.get(field)})  # no search yet
        report = find_mlflow_run(
            experiment_name, context=context, output_dir=output_dir, strict=False,
            root_dir=root_dir, config_dir=config_dir, direct_query_fallback=True,
        )  # fmt: skip
        if report.strategy_used == STRATEGY_DIRECT_QUERY:
            print(f"✓ Found MLflow run via direct query: {str(report.run_id)[:12]}...")
        elif (report.error or "").startswith(DIRECT_QUERY_FAILED):
            print(f"⚠ {mask_uris_in_text(str(report.error))}")
        run_id = report.run_id
        if run_id:
            # Keys first (a registry error writes nothing), then one batch (a deleted run is refused
            # the same way on every store); the run's status and end time are left as they are.
            keys = _get_training_tag_keys(config_dir, ("trained_on_full_data",))
            lineage_tags = _build_lineage_tags_dict(lineage, config_dir)
            tags = tag_values({keys["trained_on_full_data"]: "true", **lineage_tags})
            client = MlflowClient()
            if client.get_run(run_id).info.lifecycle_stage != LifecycleStage.ACTIVE:
                raise ValueError(f"Run {run_id} is deleted; its tags are left unchanged")
            client.log_batch(run_id, tags=[RunTag(key, value) for key, value in tags.items()])
            if lineage_tags:
                print(f"✓ Set lineage tags in MLflow run {run_id[:12]}...")
                print(f"   Lineage: {list(lineage_tags.keys())}")
            else:
                print(f"✓ Set code.trained_on_full_data tag in MLflow run {run_id[:12]}...")
        else:
            print("⚠ Could not find MLflow run to apply lineage tags")
    except Exception as exc:
        print(f"⚠ Could not set MLflow tags: {mask_uris_in_text(str(exc))}")
        print(mask_uris_in_text(traceback.format_exc()), end="", file=sys.stderr)
