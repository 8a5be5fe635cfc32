"""mlflow.yaml loader and getters (legacy-support §6)."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from pytest_mock import MockerFixture

from infrastructure.tracking.mlflow import config_loader as cl

REPO_CONFIG = Path(__file__).resolve().parents[2] / "config"


def write_config(config_dir: Path, text: str) -> Path:
    config_dir.mkdir(parents=True, exist_ok=True)
    (config_dir / "mlflow.yaml").write_text(text, encoding="utf-8")
    return config_dir


def test_loads_yaml(tmp_path: Path) -> None:
    config_dir = write_config(tmp_path / "config", "index:\n  enabled: false\n")
    assert cl.load_mlflow_config(config_dir) == {"index": {"enabled": False}}


def test_missing_file_gives_empty_dict(tmp_path: Path) -> None:
    assert cl.load_mlflow_config(tmp_path / "config") == {}


def test_parse_error_gives_empty_dict(tmp_path: Path) -> None:
    config_dir = write_config(tmp_path / "config", "index: [unclosed\n")
    assert cl.load_mlflow_config(config_dir) == {}


def test_none_config_dir_uses_cwd(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write_config(tmp_path / "config", "naming:\n  project_name: cwdproj\n")
    monkeypatch.chdir(tmp_path)
    assert cl.load_mlflow_config() == {"naming": {"project_name": "cwdproj"}}


def test_each_load_returns_an_independent_copy(tmp_path: Path) -> None:
    config_dir = write_config(tmp_path / "config", "index:\n  enabled: true\n")
    first = cl.load_mlflow_config(config_dir)
    first["mutated"] = True
    first["index"]["enabled"] = False
    assert cl.load_mlflow_config(config_dir) == {"index": {"enabled": True}}


def test_mutating_the_raw_tracking_section_does_not_leak(tmp_path: Path) -> None:
    config_dir = write_config(tmp_path / "config", "tracking:\n  training:\n    enabled: true\n")
    cl.get_tracking_config(config_dir)["training"]["enabled"] = False
    assert cl.get_tracking_config(config_dir, stage="training")["enabled"] is True


def test_an_edited_file_is_seen_by_the_next_load(tmp_path: Path) -> None:
    config_dir = write_config(tmp_path / "config", "index:\n  max_entries: 5\n")
    assert cl.get_index_config(config_dir)["max_entries"] == 5
    write_config(config_dir, "index:\n  max_entries: 9\n")
    assert cl.get_index_config(config_dir)["max_entries"] == 9


def test_a_file_created_after_a_miss_is_seen(tmp_path: Path) -> None:
    config_dir = tmp_path / "config"
    assert cl.load_mlflow_config(config_dir) == {}
    write_config(config_dir, "index:\n  max_entries: 9\n")
    assert cl.load_mlflow_config(config_dir) == {"index": {"max_entries": 9}}


def test_a_deleted_file_means_defaults_again(tmp_path: Path) -> None:
    config_dir = write_config(tmp_path / "config", "index:\n  max_entries: 9\n")
    cl.load_mlflow_config(config_dir)
    (config_dir / "mlflow.yaml").unlink()
    assert cl.load_mlflow_config(config_dir) == {}


def test_unchanged_file_is_parsed_once(tmp_path: Path, mocker: MockerFixture) -> None:
    config_dir = write_config(tmp_path / "config", "index:\n  max_entries: 5\n")
    parse = mocker.spy(cl.yaml, "safe_load")
    cl.load_mlflow_config(config_dir)
    cl.load_mlflow_config(config_dir)
    assert parse.call_count == 1


def test_a_broken_file_warns_once_while_unchanged(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    config_dir = write_config(tmp_path / "config", "index: [unclosed\n")
    with caplog.at_level(logging.WARNING, logger=cl.__name__):
        cl.load_mlflow_config(config_dir)
        cl.load_mlflow_config(config_dir)
    assert len(caplog.records) == 1


def test_unreadable_path_warns_and_gives_defaults(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    (tmp_path / "config" / "mlflow.yaml").mkdir(parents=True)
    with caplog.at_level(logging.WARNING, logger=cl.__name__):
        assert cl.load_mlflow_config(tmp_path / "config") == {}
    assert "Could not load MLflow config" in caplog.text


def test_other_path_replaces_slot(tmp_path: Path) -> None:
    dir_a = write_config(tmp_path / "a", "naming:\n  project_name: a\n")
    dir_b = write_config(tmp_path / "b", "naming:\n  project_name: b\n")
    cl.load_mlflow_config(dir_a)
    cl.load_mlflow_config(dir_b)
    write_config(dir_a, "naming:\n  project_name: a2\n")
    assert cl.get_naming_config(dir_a)["project_name"] == "a2"


@pytest.mark.parametrize(
    "text", ["", "# only a comment\n", "---\n"], ids=["empty", "comment", "bare_document"]
)
def test_empty_file_loads_as_an_empty_mapping(tmp_path: Path, text: str) -> None:
    config_dir = write_config(tmp_path / "config", text)
    assert cl.load_mlflow_config(config_dir) == {}


def test_empty_file_gives_every_getter_its_defaults(tmp_path: Path) -> None:
    config_dir = write_config(tmp_path / "config", "")
    assert cl.get_index_config(config_dir) == cl.get_index_config(config={})
    assert cl.get_naming_config(config_dir) == cl.get_naming_config(config={})
    assert cl.get_run_finder_config(config_dir) == {"strict_mode_default": True}
    assert cl.get_auto_increment_config(config_dir)["enabled"] is False
    assert cl.get_tracking_config(config_dir, stage="training")["enabled"] is True


@pytest.mark.parametrize("text", ["- a\n- b\n", "just text\n", "42\n"], ids=["list", "string", "number"])
def test_non_mapping_document_warns_and_loads_as_an_empty_mapping(
    tmp_path: Path, text: str, caplog: pytest.LogCaptureFixture
) -> None:
    config_dir = write_config(tmp_path / "config", text)
    with caplog.at_level(logging.WARNING, logger=cl.__name__):
        assert cl.load_mlflow_config(config_dir) == {}
    assert "not a mapping; using defaults" in caplog.text


def test_empty_file_loads_without_a_warning(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    config_dir = write_config(tmp_path / "config", "")
    with caplog.at_level(logging.WARNING, logger=cl.__name__):
        cl.load_mlflow_config(config_dir)
    assert caplog.records == []


def test_explicit_non_mapping_config_raises_type_error() -> None:
    with pytest.raises(TypeError, match="config must be a mapping, got list"):
        cl.get_index_config(config=["index"])  # type: ignore[arg-type]


def test_naming_defaults() -> None:
    assert cl.get_naming_config(config={}) == {
        "project_name": cl.DEFAULT_PROJECT_NAME,
        "tags": {"max_length": 250, "sanitize": True},
        "run_name": {"max_length": 100, "shorten_fingerprints": True},
    }


def test_naming_invalid_max_length_warns_and_defaults(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING):
        result = cl.get_naming_config(config={"naming": {"tags": {"max_length": 501}}})
    assert result["tags"]["max_length"] == 250
    assert "max_length" in caplog.text


def test_naming_values_from_config() -> None:
    config = {"naming": {"project_name": "p", "tags": {"max_length": 100, "sanitize": False}}}
    result = cl.get_naming_config(config=config)
    assert (result["project_name"], result["tags"]) == ("p", {"max_length": 100, "sanitize": False})


def test_index_defaults() -> None:
    assert cl.get_index_config(config={}) == {
        "enabled": True,
        "max_entries": 1000,
        "file_name": "mlflow_index.json",
    }


@pytest.mark.parametrize("bad", ["a/b.json", "a\\b.json", ""])
def test_index_file_name_with_separator_falls_back(bad: str) -> None:
    assert cl.get_index_config(config={"index": {"file_name": bad}})["file_name"] == "mlflow_index.json"


@pytest.mark.parametrize("bad", [0, -3, "ten"])
def test_index_invalid_max_entries_falls_back(bad: object) -> None:
    assert cl.get_index_config(config={"index": {"max_entries": bad}})["max_entries"] == 1000


def test_index_values_from_config() -> None:
    config = {"index": {"enabled": False, "max_entries": 3, "file_name": "idx.json"}}
    assert cl.get_index_config(config=config) == {"enabled": False, "max_entries": 3, "file_name": "idx.json"}


def test_run_finder_default_and_value() -> None:
    assert cl.get_run_finder_config(config={}) == {"strict_mode_default": True}
    config = {"run_finder": {"strict_mode_default": False}}
    assert cl.get_run_finder_config(config=config) == {"strict_mode_default": False}


def test_run_finder_has_no_strict_key() -> None:
    assert "strict" not in cl.get_run_finder_config(config={"run_finder": {"strict": True}})


def test_auto_increment_defaults() -> None:
    assert cl.get_auto_increment_config(config={}) == {
        "enabled": False,
        "processes": {"hpo": True, "benchmarking": True},
        "format": "{base}.{version}",
    }


def test_auto_increment_enabled_for_process() -> None:
    config = {"naming": {"run_name": {"auto_increment": {"enabled": True, "processes": {"hpo": False}}}}}
    assert cl.get_auto_increment_config(process_type="hpo", config=config)["enabled_for_process"] is False
    assert cl.get_auto_increment_config(process_type="benchmarking", config=config)["enabled_for_process"]


def test_auto_increment_disabled_overall_disables_process() -> None:
    assert cl.get_auto_increment_config(process_type="hpo", config={})["enabled_for_process"] is False


def test_auto_increment_invalid_format_falls_back() -> None:
    config = {"naming": {"run_name": {"auto_increment": {"format": "{base}"}}}}
    assert cl.get_auto_increment_config(config=config)["format"] == "{base}.{version}"


def test_tracking_raw_section() -> None:
    config = {"tracking": {"training": {"enabled": False}}}
    assert cl.get_tracking_config(config=config) == {"training": {"enabled": False}}


def test_tracking_stage_defaults_and_overlay() -> None:
    config = {"tracking": {"training": {"log_checkpoint": False, "extra": 1}}}
    assert cl.get_tracking_config(stage="training", config=config) == {
        "enabled": True,
        "log_checkpoint": False,
        "log_metrics_json": True,
        "extra": 1,
    }


def test_tracking_unknown_stage_only_enabled() -> None:
    assert cl.get_tracking_config(stage="hpo", config={}) == {"enabled": True}


def test_shipped_config() -> None:
    config = cl.load_mlflow_config(REPO_CONFIG)
    assert cl.get_naming_config(config=config)["project_name"] == cl.DEFAULT_PROJECT_NAME
    assert cl.get_index_config(config=config) == {
        "enabled": True,
        "max_entries": 1000,
        "file_name": "mlflow_index.json",
    }
    assert cl.get_run_finder_config(config=config) == {"strict_mode_default": True}
    assert cl.get_auto_increment_config(process_type="hpo", config=config)["enabled_for_process"] is True
    assert cl.get_tracking_config(stage="benchmark", config=config) == {
        "enabled": True,
        "log_artifacts": True,
    }
