"""Reads what a scenario left in the store into a raw (not yet normalized) snapshot."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import mlflow
import mlflow.artifacts
from mlflow.entities import ViewType
from mlflow.tracking import MlflowClient

from mlflow_golden import _faults as faults
from mlflow_golden._recorder import CreationLog

PAGE_SIZE = 1000


@dataclass
class RawExperiment:
    id: str
    name: str
    lifecycle_stage: str
    tags: dict[str, str]
    creation_time: int | None = None


@dataclass(frozen=True)
class RawMetricPoint:
    """One logged value of a metric (its timestamp is read for ordering only, never snapshot)."""

    step: int
    value: float


@dataclass(frozen=True)
class RawArtifact:
    """One artifact file of a run: its path relative to the run's artifact root, and its bytes."""

    path: str
    content: bytes


@dataclass
class RawRun:
    id: str
    experiment_id: str
    name: str
    status: str
    end_time: int | None
    lifecycle_stage: str
    tags: dict[str, str]
    params: dict[str, str]
    metrics: dict[str, list[RawMetricPoint]]
    start_time: int | None = None
    artifacts: list[RawArtifact] = field(default_factory=list)


@dataclass
class RawSnapshot:
    """Everything normalization needs: store contents, creation order and the scenario outcome."""

    experiments: list[RawExperiment]
    runs: list[RawRun]
    creation: CreationLog = field(default_factory=CreationLog)
    active_run_id: str | None = None
    result: Any = None
    error: BaseException | None = None
    tmp_path: str | None = None
    tracking_uri: str | None = None
    azureml_uri: str | None = None


def _pages(fetch: Any) -> Iterator[Any]:
    token = None
    while True:
        page = fetch(token)
        yield from page
        token = page.token
        if not token:
            return


def _metric_history(client: MlflowClient, run_id: str, key: str) -> list[RawMetricPoint]:
    """The metric's history ordered by step, then timestamp (the harness clock makes it
    deterministic), then value."""
    history = client.get_metric_history(run_id, key)
    ordered = sorted(history, key=lambda m: (m.step, m.timestamp, m.value))
    return [RawMetricPoint(step=int(m.step), value=float(m.value)) for m in ordered]


def _artifact_files(artifact_uri: str, directory: str = "") -> list[str]:
    """Paths of every artifact file under ``directory`` of the run's artifact root, recursively.

    MLflow lists a URI relative to its parent folder, so only each entry's last name is used.
    """
    uri = f"{artifact_uri.rstrip('/')}/{directory}" if directory else artifact_uri
    files: list[str] = []
    for info in mlflow.artifacts.list_artifacts(artifact_uri=uri):
        name = info.path.rstrip("/").rsplit("/", 1)[-1]
        path = f"{directory}/{name}" if directory else name
        if info.is_dir:
            files.extend(_artifact_files(artifact_uri, path))
        else:
            files.append(path)
    return files


def read_artifacts(artifact_uri: str | None) -> list[RawArtifact]:
    """Every artifact file of a run (path and bytes), sorted by path, through MLflow's public API.

    The run's whole artifact tree is downloaded once into a temporary folder outside the test's
    folder. Call inside ``faults.suspended()``: the repository may ask the tracking store.
    """
    if not artifact_uri:
        return []
    paths = _artifact_files(artifact_uri)
    if not paths:
        return []
    with tempfile.TemporaryDirectory(prefix="mlflow-golden-artifacts-") as scratch:
        root = Path(mlflow.artifacts.download_artifacts(artifact_uri=artifact_uri, dst_path=scratch))
        return [RawArtifact(path=path, content=(root / path).read_bytes()) for path in sorted(paths)]


def read_entities(client: MlflowClient) -> tuple[list[RawExperiment], list[RawRun]]:
    """All experiments and runs (any lifecycle stage) with tags, params, metric histories and
    artifacts."""
    with faults.suspended():
        experiments = [
            RawExperiment(
                id=str(exp.experiment_id),
                name=exp.name,
                lifecycle_stage=exp.lifecycle_stage,
                tags=dict(exp.tags),
                creation_time=exp.creation_time,
            )
            for exp in _pages(
                lambda token: client.search_experiments(
                    view_type=ViewType.ALL, max_results=PAGE_SIZE, page_token=token
                )
            )
        ]
        experiment_ids = [exp.id for exp in experiments]
        runs: list[RawRun] = []
        for start in range(0, len(experiment_ids), 100):
            chunk = experiment_ids[start : start + 100]
            for run in _pages(
                lambda token, chunk=chunk: client.search_runs(
                    chunk, run_view_type=ViewType.ALL, max_results=PAGE_SIZE, page_token=token
                )
            ):
                runs.append(
                    RawRun(
                        id=run.info.run_id,
                        experiment_id=str(run.info.experiment_id),
                        name=run.info.run_name or "",
                        status=run.info.status,
                        end_time=run.info.end_time,
                        lifecycle_stage=run.info.lifecycle_stage,
                        tags=dict(run.data.tags),
                        params=dict(run.data.params),
                        metrics={k: _metric_history(client, run.info.run_id, k) for k in run.data.metrics},
                        start_time=run.info.start_time,
                        artifacts=read_artifacts(run.info.artifact_uri),
                    )
                )
    return experiments, runs


def order_by_creation(
    experiments: Sequence[RawExperiment], runs: Sequence[RawRun], log: CreationLog
) -> tuple[list[RawExperiment], list[RawRun]]:
    """Default experiment first, then observed creation order, then unobserved ones.

    Unobserved entities (created out of the harness's sight, or half-created by a failing
    store call) follow, sorted by creation/start time, name and id.
    """
    exp_rank = {eid: i for i, eid in enumerate(log.experiment_ids)}
    run_rank = {rid: i for i, rid in enumerate(log.run_ids)}
    n_exp, n_run = len(exp_rank), len(run_rank)

    def exp_key(exp: RawExperiment) -> tuple[int, int, int, str, str]:
        if exp.id == "0":
            return (0, 0, 0, "", "")
        if exp.id in exp_rank:
            return (1, exp_rank[exp.id], 0, "", "")
        return (2, n_exp, exp.creation_time or 0, exp.name, exp.id)

    def run_key(run: RawRun) -> tuple[int, int, str, str]:
        if run.id in run_rank:
            return (run_rank[run.id], 0, "", "")
        return (n_run, run.start_time or 0, run.name, run.id)

    return sorted(experiments, key=exp_key), sorted(runs, key=run_key)


def active_run_id() -> str | None:
    """The fluent API's active run in this thread, if any."""
    run = mlflow.active_run()
    return None if run is None else str(run.info.run_id)


def read_store(
    client: MlflowClient,
    log: CreationLog,
    *,
    result: Any = None,
    error: BaseException | None = None,
    tmp_path: str | None = None,
    tracking_uri: str | None = None,
    azureml_uri: str | None = None,
) -> RawSnapshot:
    """Read the store plus the scenario outcome into a RawSnapshot."""
    experiments, runs = order_by_creation(*read_entities(client), log)
    return RawSnapshot(
        experiments=experiments,
        runs=runs,
        creation=log,
        active_run_id=active_run_id(),
        result=result,
        error=error,
        tmp_path=tmp_path,
        tracking_uri=tracking_uri,
        azureml_uri=azureml_uri,
    )
