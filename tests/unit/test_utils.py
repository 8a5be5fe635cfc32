"""get_mlflow_run_id and infer_config_dir_from_path (legacy-support §7)."""

from __future__ import annotations

from pathlib import Path

import mlflow
import pytest
from pytest_mock import MockerFixture

from infrastructure.tracking.mlflow.utils import get_mlflow_run_id, infer_config_dir_from_path


def test_run_id_of_active_run_wins_over_env(local_mlflow: str, monkeypatch: pytest.MonkeyPatch) -> None:
    mlflow.set_experiment("utils")
    with mlflow.start_run(run_name="active") as run:
        monkeypatch.setenv("MLFLOW_RUN_ID", "from-env")
        assert get_mlflow_run_id() == run.info.run_id


def test_run_id_falls_back_to_env(local_mlflow: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MLFLOW_RUN_ID", "abc123")
    assert get_mlflow_run_id() == "abc123"


def test_run_id_is_none_without_run_or_env(local_mlflow: str) -> None:
    assert get_mlflow_run_id() is None


def test_run_id_swallows_active_run_errors(
    local_mlflow: str, monkeypatch: pytest.MonkeyPatch, mocker: MockerFixture
) -> None:
    mocker.patch("mlflow.active_run", side_effect=RuntimeError("broken"))
    monkeypatch.setenv("MLFLOW_RUN_ID", "env-id")
    assert get_mlflow_run_id() == "env-id"


def test_config_dir_for_none_is_cwd_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert infer_config_dir_from_path(None) == tmp_path / "config"


def test_config_dir_is_nearest_ancestor_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "project" / "config").mkdir(parents=True)
    (tmp_path / "project" / "outputs" / "config").mkdir(parents=True)
    path = tmp_path / "project" / "outputs" / "hpo" / "trial_1"
    assert infer_config_dir_from_path(path) == tmp_path / "project" / "outputs" / "config"


def test_config_dir_ignores_the_path_itself(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cwd = tmp_path / "cwd"
    cwd.mkdir()
    monkeypatch.chdir(cwd)
    target = tmp_path / "project"
    (target / "config").mkdir(parents=True)
    assert infer_config_dir_from_path(target) == cwd / "config"


def test_config_dir_falls_back_to_cwd_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cwd = tmp_path / "cwd"
    cwd.mkdir()
    monkeypatch.chdir(cwd)
    assert infer_config_dir_from_path(tmp_path / "a" / "b" / "c") == cwd / "config"


def test_config_dir_accepts_a_config_file_too(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "project").mkdir()
    (tmp_path / "project" / "config").write_text("not a directory", encoding="utf-8")
    assert infer_config_dir_from_path(tmp_path / "project" / "out") == tmp_path / "project" / "config"
