"""What the store reader takes from a real store: artifact locations stay behind (they name store paths)."""

from __future__ import annotations

from mlflow_golden import TrackingStore
from mlflow_golden._normalize import normalize
from mlflow_golden._snapshot import dumps
from mlflow_golden._store_reader import read_store


def test_artifact_locations_of_experiments_and_runs_are_not_in_the_snapshot(
    tracking_store: TrackingStore,
) -> None:
    client = tracking_store.client
    experiment_id = client.create_experiment("sweep")
    run = client.create_run(experiment_id, run_name="trial")
    assert client.get_experiment(experiment_id).artifact_location  # the store has both locations
    assert run.info.artifact_uri

    snapshot = normalize(
        read_store(client, tracking_store.creation_log, tmp_path=str(tracking_store.tmp_path))
    )

    assert snapshot["experiments"][1] == {
        "ref": "exp-1",
        "name": "sweep",
        "lifecycle_stage": "active",
        "tags": {},
    }
    assert snapshot["runs"][0]["tags"] == {"mlflow.runName": "trial"}
    assert snapshot["runs"][0]["artifacts"] == []  # no artifact files; the URIs are not snapshot
    assert "artifact_uri" not in dumps(snapshot) and "artifact_location" not in dumps(snapshot)
    assert "mlruns" not in dumps(snapshot)
