"""create_child_run (legacy-core §1.1): happy path and the F1/F2/F3 fallbacks, on a real store.

The Azure branch is exercised in test_runs_create_child_run_azure.py.
"""

from __future__ import annotations

from typing import Any

import mlflow
import pytest
from mlflow.entities import Run
from mlflow.exceptions import MlflowException
from mlflow.tracking import MlflowClient
from pytest_mock import MockerFixture

from infrastructure.tracking.mlflow.runs import create_child_run
from unit._helpers import PARENT_TAG, user_tags


def runs_named(client: MlflowClient, experiment_id: str, name: str) -> list[Run]:
    return list(
        client.search_runs(experiment_ids=[experiment_id], filter_string=f"attributes.run_name = '{name}'")
    )


@pytest.fixture
def experiment_id(client: MlflowClient) -> str:
    return client.create_experiment("hpo")


# --- happy path -------------------------------------------------------------------------------


def test_happy_path_yields_none_with_the_child_active(client: MlflowClient, parent_id: str) -> None:
    with create_child_run(parent_id, "3") as yielded:
        active = mlflow.active_run()
        assert active is not None
        child = client.get_run(active.info.run_id)
    assert yielded is None
    assert child.info.run_name == "trial_3"
    assert child.info.run_id != parent_id


def test_happy_path_child_lives_in_the_parents_experiment_with_parent_and_trial_tags(
    client: MlflowClient, experiment_id: str, parent_id: str
) -> None:
    with create_child_run(parent_id, "3"):
        child_id = mlflow.active_run().info.run_id  # type: ignore[union-attr]
    child = client.get_run(child_id)
    assert child.info.experiment_id == experiment_id
    assert user_tags(child) == {PARENT_TAG: parent_id, "trial_number": "3", "mlflow.runName": "trial_3"}


def test_happy_path_ends_the_child_finished_and_leaves_no_active_run(
    client: MlflowClient, parent_id: str
) -> None:
    with create_child_run(parent_id, "0"):
        child_id = mlflow.active_run().info.run_id  # type: ignore[union-attr]
    assert client.get_run(child_id).info.status == "FINISHED"
    assert mlflow.active_run() is None


def test_body_exception_is_reraised_and_the_child_still_ends_finished(
    client: MlflowClient, parent_id: str
) -> None:
    child_id = ""
    with pytest.raises(KeyError, match="body failed"), create_child_run(parent_id, "1"):
        child_id = mlflow.active_run().info.run_id  # type: ignore[union-attr]
        raise KeyError("body failed")
    assert client.get_run(child_id).info.status == "FINISHED"


def test_additional_tags_win_over_the_built_tags_including_the_parent_tag(
    client: MlflowClient, parent_id: str
) -> None:
    extra = {PARENT_TAG: "someone-else", "trial_number": "override", "stage": "hpo"}
    with create_child_run(parent_id, "2", additional_tags=extra):
        child_id = mlflow.active_run().info.run_id  # type: ignore[union-attr]
    tags = user_tags(client.get_run(child_id))
    assert tags == {
        PARENT_TAG: "someone-else",
        "trial_number": "override",
        "stage": "hpo",
        "mlflow.runName": "trial_2",
    }


def test_non_string_trial_number_is_rendered_in_name_and_tag(client: MlflowClient, parent_id: str) -> None:
    with create_child_run(parent_id, None):  # type: ignore[arg-type]
        child = client.get_run(mlflow.active_run().info.run_id)  # type: ignore[union-attr]
    assert child.info.run_name == "trial_None"
    assert child.data.tags["trial_number"] == "None"


def test_unreadable_parent_falls_back_to_the_named_experiment(client: MlflowClient) -> None:
    named_id = client.create_experiment("named")
    with create_child_run("missing-parent", "4", experiment_name="named"):
        child = client.get_run(mlflow.active_run().info.run_id)  # type: ignore[union-attr]
    assert child.info.experiment_id == named_id
    assert child.data.tags[PARENT_TAG] == "missing-parent"


def test_an_active_fluent_run_blocks_the_child_and_nothing_is_created(client: MlflowClient) -> None:
    outer_experiment = client.create_experiment("outer")
    with mlflow.start_run(experiment_id=outer_experiment) as outer:
        with pytest.raises(Exception, match="is already active"), create_child_run("missing-parent", "5"):
            pass
        runs = client.search_runs(experiment_ids=[outer_experiment])
    assert [run.info.run_id for run in runs] == [outer.info.run_id]


# --- F1: no experiment ------------------------------------------------------------------------


def test_f1_yields_an_independent_active_run_with_parent_and_trial_tags_only(client: MlflowClient) -> None:
    with create_child_run("missing-parent", "7", additional_tags={"extra": "dropped"}) as yielded:
        run_id = yielded.info.run_id
        assert yielded is mlflow.active_run()
    run = client.get_run(run_id)
    assert run.info.run_name == "trial_7"
    assert run.info.experiment_id == "0"
    assert user_tags(run) == {PARENT_TAG: "missing-parent", "trial_number": "7", "mlflow.runName": "trial_7"}
    assert run.info.status == "FINISHED"


def test_f1_uses_the_fluent_active_experiment(client: MlflowClient) -> None:
    chosen = mlflow.set_experiment("chosen").experiment_id
    with create_child_run("missing-parent", "7") as yielded:
        run_id = yielded.info.run_id
    assert client.get_run(run_id).info.experiment_id == chosen


def test_f1_body_exception_ends_the_run_failed(client: MlflowClient) -> None:
    run_id = ""
    with pytest.raises(ValueError, match="boom"), create_child_run("missing-parent", "8") as yielded:
        run_id = yielded.info.run_id
        raise ValueError("boom")
    assert client.get_run(run_id).info.status == "FAILED"


def test_f1_writes_the_parent_and_trial_tags_with_the_create(
    client: MlflowClient, mocker: MockerFixture
) -> None:
    set_tag = mocker.spy(MlflowClient, "set_tag")
    with create_child_run("missing-parent", "9") as yielded:
        run_id = yielded.info.run_id
    tags = client.get_run(run_id).data.tags
    assert (tags[PARENT_TAG], tags["trial_number"]) == ("missing-parent", "9")
    assert set_tag.call_count == 0


@pytest.mark.parametrize("parent_run_id", [None, ""], ids=["none", "empty"])
@pytest.mark.parametrize("return_tuple", [False, True], ids=["context_manager", "tuple"])
def test_missing_parent_raises_value_error_at_the_call_before_any_store_call(
    client: MlflowClient, mocker: MockerFixture, parent_run_id: Any, return_tuple: bool
) -> None:
    client.create_experiment("named")
    spy = mocker.spy(MlflowClient, "__init__")
    with pytest.raises(ValueError, match="A child run needs a parent run id, got"):
        create_child_run(parent_run_id, "1", experiment_name="named", return_tuple=return_tuple)
    spy.assert_not_called()
    assert client.search_runs(experiment_ids=["0"]) == []
    assert mlflow.active_run() is None


# --- F2: create with tags failed --------------------------------------------------------------


def test_f2_run_name_conflict_creates_without_tags_then_renames_via_set_tag(
    client: MlflowClient, experiment_id: str, parent_id: str
) -> None:
    with create_child_run(parent_id, "2", additional_tags={"mlflow.runName": "custom"}) as yielded:
        child_id = mlflow.active_run().info.run_id  # type: ignore[union-attr]
    child = client.get_run(child_id)
    assert yielded is None
    assert child.info.run_name == "custom"
    assert user_tags(child) == {PARENT_TAG: parent_id, "trial_number": "2", "mlflow.runName": "custom"}
    assert child.info.status == "FINISHED"
    assert len(client.search_runs(experiment_ids=[experiment_id])) == 2  # parent + one child


def test_f2_skips_tags_that_fail_to_set(client: MlflowClient, parent_id: str, mocker: MockerFixture) -> None:
    real_create_run, real_set_tag = MlflowClient.create_run, MlflowClient.set_tag
    tagged_creates: list[int] = []

    def fail_the_tagged_create(self: MlflowClient, *args: Any, **kwargs: Any) -> Any:
        if kwargs.get("tags") and PARENT_TAG in kwargs["tags"] and not tagged_creates:
            tagged_creates.append(1)
            raise MlflowException("create with tags failed")
        return real_create_run(self, *args, **kwargs)

    def fail_trial_number(self: MlflowClient, run_id: str, key: str, value: Any, **kwargs: Any) -> None:
        if key == "trial_number":
            raise MlflowException("tag write failed")
        real_set_tag(self, run_id, key, value, **kwargs)

    mocker.patch.object(MlflowClient, "create_run", fail_the_tagged_create)
    mocker.patch.object(MlflowClient, "set_tag", fail_trial_number)
    with create_child_run(parent_id, "2", additional_tags={"extra": "x"}):
        child = client.get_run(mlflow.active_run().info.run_id)  # type: ignore[union-attr]
    assert "trial_number" not in child.data.tags
    assert (child.data.tags[PARENT_TAG], child.data.tags["extra"]) == (parent_id, "x")
    assert child.info.run_name == "trial_2"


def test_f2_own_create_failure_surfaces_at_with_entry(
    client: MlflowClient, experiment_id: str, parent_id: str, mocker: MockerFixture
) -> None:
    mocker.patch.object(MlflowClient, "create_run", side_effect=MlflowException("store down"))
    entered = False
    with pytest.raises(MlflowException, match="store down"), create_child_run(parent_id, "1"):
        entered = True
    assert not entered
    assert mlflow.active_run() is None


# --- F3: start failed -------------------------------------------------------------------------


def test_set_experiment_elsewhere_does_not_move_the_child_out_of_the_parents_experiment(
    client: MlflowClient, experiment_id: str, parent_id: str
) -> None:
    other_id = mlflow.set_experiment("other").experiment_id
    with create_child_run(parent_id, "3"):
        pass
    [child] = runs_named(client, experiment_id, "trial_3")
    assert child.info.status == "FINISHED"
    assert client.search_runs([other_id]) == []


def test_the_callers_run_name_tag_names_the_child_in_its_single_create(
    client: MlflowClient, experiment_id: str, parent_id: str, mocker: MockerFixture
) -> None:
    create = mocker.spy(MlflowClient, "create_run")
    with create_child_run(parent_id, "3", additional_tags={"mlflow.runName": "custom"}):
        pass
    [child] = runs_named(client, experiment_id, "custom")
    assert child.data.tags["mlflow.runName"] == "custom"
    assert create.call_count == 1


def test_mlflow_run_id_in_the_environment_is_not_resumed(
    client: MlflowClient, experiment_id: str, parent_id: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MLFLOW_RUN_ID", parent_id)
    with create_child_run(parent_id, "3"):
        active_id = mlflow.active_run().info.run_id  # type: ignore[union-attr]
    assert active_id != parent_id
    assert [run.info.run_id for run in runs_named(client, experiment_id, "trial_3")] == [active_id]


def test_the_created_child_is_not_read_back_on_a_non_azure_uri(
    client: MlflowClient, parent_id: str, mocker: MockerFixture
) -> None:
    read = mocker.spy(MlflowClient, "get_run")
    with create_child_run(parent_id, "6"):
        child_id = mlflow.active_run().info.run_id  # type: ignore[union-attr]
    assert child_id not in [call.args[1] for call in read.call_args_list]
