"""apply_lineage_tags (legacy-core §4): what it finds, what it writes, what it prints."""

from __future__ import annotations

import itertools
import json
from pathlib import Path
from typing import Any, Dict

import mlflow
import pytest
from mlflow.entities import Run
from mlflow.exceptions import MlflowException
from mlflow.tracking import MlflowClient
from pytest_mock import MockerFixture

from infrastructure.naming.context import NamingContext
from training.execution.mlflow_setup import create_training_mlflow_run
from training.execution.tags import apply_lineage_tags

LINEAGE: Dict[str, Any] = {
    "hpo_study_key_hash": "s" * 64,
    "hpo_trial_key_hash": "t" * 64,
    "hpo_trial_run_id": "trial-run",
    "hpo_refit_run_id": "refit-run",
    "hpo_sweep_run_id": "sweep-run",
}
FULL_LINEAGE_TAGS = {
    "code.lineage.source": "hpo_best_selected",
    "code.lineage.hpo_study_key_hash": "s" * 64,
    "code.lineage.hpo_trial_key_hash": "t" * 64,
    "code.lineage.hpo_trial_run_id": "trial-run",
    "code.lineage.hpo_refit_run_id": "refit-run",
    "code.lineage.hpo_sweep_run_id": "sweep-run",
}
CONTEXT = NamingContext(
    process_type="final_training", model="bert", environment="local", spec_fp="s1", exec_fp="e1"
)
_START_TIMES = itertools.count(1_700_000_000_000, 1000)


@pytest.fixture
def experiment_id(client: MlflowClient) -> str:
    return client.create_experiment("final")


@pytest.fixture
def dirs(tmp_path: Path) -> Dict[str, Path]:
    return {
        "output_dir": tmp_path / "outputs" / "final_training" / "bert",
        "root_dir": tmp_path,
        "config_dir": tmp_path / "config",
    }


def make_run(client: MlflowClient, experiment_id: str) -> str:
    """A RUNNING, unstarted run that is strictly newer than the runs made before it."""
    run_id: str = client.create_run(
        experiment_id=experiment_id, run_name="final", start_time=next(_START_TIMES)
    ).info.run_id
    return run_id


def stored(client: MlflowClient, run_id: str) -> Run:
    return client.get_run(run_id)


def test_newest_run_gets_trained_and_lineage_tags_and_stays_running(
    client: MlflowClient, experiment_id: str, dirs: Dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    make_run(client, experiment_id)
    run_id = make_run(client, experiment_id)
    apply_lineage_tags("final", None, lineage=dict(LINEAGE), **dirs)
    run = stored(client, run_id)
    assert run.data.tags == {
        "mlflow.runName": "final",
        "code.trained_on_full_data": "true",
        **FULL_LINEAGE_TAGS,
    }
    assert run.info.status == "RUNNING"
    assert run.info.end_time is None
    assert capsys.readouterr().out == (
        f"✓ Set lineage tags in MLflow run {run_id[:12]}...\n   Lineage: {list(FULL_LINEAGE_TAGS)}\n"
    )
    assert mlflow.active_run() is None


def test_input_lineage_is_not_mutated(
    client: MlflowClient, experiment_id: str, dirs: Dict[str, Path]
) -> None:
    make_run(client, experiment_id)
    lineage = dict(LINEAGE)
    apply_lineage_tags("final", None, lineage=lineage, **dirs)
    assert lineage == LINEAGE


def test_empty_lineage_sets_only_the_trained_tag_with_the_literal_message(
    client: MlflowClient, experiment_id: str, dirs: Dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    run_id = make_run(client, experiment_id)
    apply_lineage_tags("final", None, lineage={"hpo_trial_run_id": "", "hpo_refit_run_id": None}, **dirs)
    assert stored(client, run_id).data.tags == {
        "mlflow.runName": "final",
        "code.trained_on_full_data": "true",
    }
    assert capsys.readouterr().out == f"✓ Set code.trained_on_full_data tag in MLflow run {run_id[:12]}...\n"


def test_registry_override_moves_the_trained_key_but_not_the_message(
    client: MlflowClient, experiment_id: str, dirs: Dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    dirs["config_dir"].mkdir()
    (dirs["config_dir"] / "tags.yaml").write_text(
        "training:\n  trained_on_full_data: custom.full_data\n", encoding="utf-8"
    )
    run_id = make_run(client, experiment_id)
    apply_lineage_tags("final", None, lineage={}, **dirs)
    tags = stored(client, run_id).data.tags
    assert tags["custom.full_data"] == "true"
    assert "code.trained_on_full_data" not in tags
    assert "code.trained_on_full_data tag" in capsys.readouterr().out


def test_registry_error_leaves_the_run_untouched(
    client: MlflowClient, experiment_id: str, dirs: Dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    dirs["config_dir"].mkdir()
    (dirs["config_dir"] / "tags.yaml").write_text("training:\n  trained_on_full_data: 5\n", encoding="utf-8")
    run_id = make_run(client, experiment_id)
    apply_lineage_tags("final", None, lineage=dict(LINEAGE), **dirs)
    run = stored(client, run_id)
    assert (run.info.status, run.info.end_time) == ("RUNNING", None)
    assert run.data.tags == {"mlflow.runName": "final"}
    assert capsys.readouterr().out.startswith("⚠ Could not set MLflow tags: ")


def test_tags_are_written_in_one_batch_through_the_client(
    client: MlflowClient, experiment_id: str, dirs: Dict[str, Path], mocker: MockerFixture
) -> None:
    run_id = make_run(client, experiment_id)
    batch = mocker.spy(MlflowClient, "log_batch")
    apply_lineage_tags("final", None, lineage={**LINEAGE, "hpo_refit_run_id": 7}, **dirs)
    batch.assert_called_once()
    assert stored(client, run_id).data.tags["code.lineage.hpo_refit_run_id"] == "7"


def test_context_finds_the_run_create_training_mlflow_run_indexed(
    client: MlflowClient, experiment_id: str, dirs: Dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    indexed, _ = create_training_mlflow_run(
        "final", "indexed", root_dir=dirs["root_dir"], config_dir=dirs["config_dir"], context=CONTEXT
    )
    newer = make_run(client, experiment_id)
    apply_lineage_tags("final", CONTEXT, lineage=dict(LINEAGE), **dirs)
    assert capsys.readouterr().out.startswith(f"✓ Set lineage tags in MLflow run {indexed[:12]}...")
    assert stored(client, indexed).data.tags["code.trained_on_full_data"] == "true"
    assert "code.trained_on_full_data" not in stored(client, newer).data.tags


def test_context_run_is_found_through_metadata_json(
    client: MlflowClient, experiment_id: str, dirs: Dict[str, Path]
) -> None:
    run_id = make_run(client, experiment_id)
    make_run(client, experiment_id)
    dirs["output_dir"].mkdir(parents=True)
    (dirs["output_dir"] / "metadata.json").write_text(json.dumps({"mlflow_info": {"run_id": run_id}}))
    apply_lineage_tags("final", CONTEXT, lineage={}, **dirs)
    assert stored(client, run_id).data.tags["code.trained_on_full_data"] == "true"


def test_unknown_experiment_is_printed_not_raised(
    local_mlflow: str, dirs: Dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    apply_lineage_tags("absent", None, lineage={}, **dirs)
    assert capsys.readouterr().out == (
        "⚠ Could not set MLflow tags: Could not get experiment 'absent': Experiment 'absent' not found\n"
    )


def test_empty_experiment_reports_that_no_run_was_found(
    experiment_id: str, dirs: Dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    apply_lineage_tags("final", None, lineage=dict(LINEAGE), **dirs)
    assert capsys.readouterr().out == "⚠ Could not find MLflow run to apply lineage tags\n"


def fail_first_searches(mocker: MockerFixture, failures: int) -> None:
    """Make the first ``failures`` MlflowClient.search_runs calls fail."""
    real_search = MlflowClient.search_runs
    calls = itertools.count(1)

    def search(self: MlflowClient, *args: Any, **kwargs: Any) -> Any:
        if next(calls) <= failures:
            raise MlflowException("search down")
        return real_search(self, *args, **kwargs)

    mocker.patch.object(MlflowClient, "search_runs", search)


@pytest.mark.parametrize(
    ("failures", "expected_out", "status"),
    [
        (
            1,
            "✓ Found MLflow run via direct query: {short}...\n"
            "✓ Set code.trained_on_full_data tag in MLflow run {short}...\n",
            "RUNNING",
        ),
        (
            2,
            "⚠ Could not query MLflow for recent run: search down\n"
            "⚠ Could not find MLflow run to apply lineage tags\n",
            "RUNNING",
        ),
    ],
    ids=["finder_search_failed_direct_query_finds_the_run", "direct_query_error_is_printed_then_not_found"],
)
def test_direct_query_after_failed_finder_searches(
    client: MlflowClient,
    experiment_id: str,
    dirs: Dict[str, Path],
    capsys: pytest.CaptureFixture[str],
    mocker: MockerFixture,
    failures: int,
    expected_out: str,
    status: str,
) -> None:
    """One failed search: the direct query finds the run; two: its error is printed, nothing tagged."""
    run_id = make_run(client, experiment_id)
    fail_first_searches(mocker, failures=failures)
    apply_lineage_tags("final", None, lineage={}, **dirs)
    assert capsys.readouterr().out == expected_out.format(short=run_id[:12])
    assert stored(client, run_id).info.status == status


def test_an_active_fluent_run_does_not_matter(
    client: MlflowClient, experiment_id: str, dirs: Dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    target = make_run(client, experiment_id)
    with mlflow.start_run(experiment_id="0") as active:
        apply_lineage_tags("final", None, lineage={}, **dirs)
        assert mlflow.active_run().info.run_id == active.info.run_id  # type: ignore[union-attr]
    assert capsys.readouterr().out.startswith("✓ Set code.trained_on_full_data tag")
    assert stored(client, target).data.tags["code.trained_on_full_data"] == "true"
