"""The raw-client variant: the minimum a raw ``MlflowClient`` needs to leave the same contents.

``make_replay_plan`` turns what the ``current`` variant left in the store into a plan (experiments
and runs in creation order, run ids and the work folder as placeholders); ``replay_raw`` replays it
with one ``create_run`` with all known tags per run (tags that name a run created later are
deferred), then per run one ``log_batch`` (params, metrics, deferred tags) and ``set_terminated``.
"""

from __future__ import annotations

import re
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

RUN_NAME_TAG = "mlflow.runName"
#: Tags MLflow's fluent API writes about the client process; the snapshot drops them too.
VOLATILE_TAG = re.compile(r"^(mlflow\.user|mlflow\.source\..*|mlflow\.git.*)$")
_RUN_ID = re.compile(r"(?<![0-9a-f])[0-9a-f]{12}(?:[0-9a-f]{20})?(?![0-9a-f])")
_PLACEHOLDER = re.compile(r"\{(run|run12):(\d+)\}")
ROOT_PLACEHOLDER = "{root}"


def _encode(value: str, index: Mapping[str, int], root: str) -> str:
    """Run ids (full or 12-character prefixes) -> ``{run:N}``/``{run12:N}``, the root -> ``{root}``."""

    def ref(match: re.Match[str]) -> str:
        token = match.group(0)
        for run_id, number in index.items():
            if token == run_id:
                return f"{{run:{number}}}"
            if len(token) == 12 and run_id.startswith(token):
                return f"{{run12:{number}}}"
        return token

    return _RUN_ID.sub(ref, value.replace(root, ROOT_PLACEHOLDER))


def make_replay_plan(raw: Any, root: str) -> dict[str, Any]:
    """What the raw client must recreate: experiments and runs in creation order, ids as refs."""
    index = {run.id: number for number, run in enumerate(raw.runs)}
    names = {exp.id: exp.name for exp in raw.experiments}
    runs = []
    for run in raw.runs:
        tags = {
            key: _encode(value, index, root)
            for key, value in run.tags.items()
            if value is not None and key != RUN_NAME_TAG and not VOLATILE_TAG.match(key)
        }
        runs.append(
            {
                "experiment": names[run.experiment_id],
                "name": run.name,
                "status": run.status,
                "ended": run.end_time is not None,
                "tags": tags,
                "params": {key: _encode(value, index, root) for key, value in run.params.items()},
                "metrics": {
                    key: [[point.step, point.value] for point in points]
                    for key, points in run.metrics.items()
                },
                "artifacts": [artifact.path for artifact in run.artifacts],
            }
        )
    experiments = [{"name": exp.name, "tags": exp.tags} for exp in raw.experiments if exp.id != "0"]
    return {"experiments": experiments, "runs": runs}


def _decode(value: str, ids: Sequence[str], root: str) -> str:
    def run_id(match: re.Match[str]) -> str:
        full = ids[int(match.group(2))]
        return full if match.group(1) == "run" else full[:12]

    return _PLACEHOLDER.sub(run_id, value.replace(ROOT_PLACEHOLDER, root))


def _refs(value: str) -> list[int]:
    return [int(match.group(2)) for match in _PLACEHOLDER.finditer(value)]


def replay_raw(plan: Mapping[str, Any], root: Path, uri: str) -> None:
    """The raw-client minimum: one create_run with all known tags per run, then end-of-run updates."""
    from mlflow.entities import Metric, Param, RunTag
    from mlflow.tracking import MlflowClient

    client = MlflowClient(tracking_uri=uri)
    experiment_ids = {
        exp["name"]: client.create_experiment(exp["name"], tags=exp["tags"] or None)
        for exp in plan["experiments"]
    }
    ids: list[str] = []
    deferred: list[dict[str, str]] = []
    for number, run in enumerate(plan["runs"]):
        known = {k: v for k, v in run["tags"].items() if all(ref < number for ref in _refs(v))}
        deferred.append({k: v for k, v in run["tags"].items() if k not in known})
        created = client.create_run(
            experiment_ids[run["experiment"]],
            run_name=run["name"],
            tags={key: _decode(value, ids, str(root)) for key, value in known.items()},
        )
        ids.append(created.info.run_id)
    now = int(time.time() * 1000)
    for number, run in enumerate(plan["runs"]):
        metrics = [
            Metric(key, value, now, step) for key, points in run["metrics"].items() for step, value in points
        ]
        params = [Param(key, _decode(value, ids, str(root))) for key, value in run["params"].items()]
        tags = [RunTag(key, _decode(value, ids, str(root))) for key, value in deferred[number].items()]
        if metrics or params or tags:
            client.log_batch(ids[number], metrics=metrics, params=params, tags=tags)
        if run["ended"]:
            client.set_terminated(ids[number], run["status"])
