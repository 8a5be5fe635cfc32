"""training.execution.tag_helpers (legacy-core §3)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from pytest_mock import MockerFixture

from infrastructure.naming.mlflow.tags_registry import TagKeyError
from training.execution import tag_helpers
from training.execution.tag_helpers import (
    _build_lineage_tags_dict,
    _get_training_tag_keys,
    add_training_tags,
    add_training_tags_with_lineage,
)

FULL_LINEAGE: dict[str, Any] = {
    "hpo_study_key_hash": "sk",
    "hpo_trial_key_hash": "tk",
    "hpo_trial_run_id": "trial_run",
    "hpo_refit_run_id": "refit_run",
    "hpo_sweep_run_id": "sweep_run",
}


def config_with_tags(tmp_path: Path, text: str) -> Path:
    config_dir = tmp_path / "config"
    config_dir.mkdir()
    (config_dir / "tags.yaml").write_text(text, encoding="utf-8")
    return config_dir


@pytest.fixture
def defaults_dir(tmp_path: Path) -> Path:
    """A config dir without tags.yaml: the registry defaults."""
    return tmp_path / "noconfig"


# --- add_training_tags ---


def test_add_training_tags_mutates_and_returns_same_dict() -> None:
    tags = {"a": "1"}
    result = add_training_tags(tags)
    assert result is tags
    assert tags == {"a": "1", "mlflow.runType": "training", "training_type": "final"}


def test_add_training_tags_overwrites_existing_values() -> None:
    tags = {"mlflow.runType": "sweep", "training_type": "x"}
    add_training_tags(tags, training_type="continued")
    assert tags == {"mlflow.runType": "training", "training_type": "continued"}


def test_add_training_tags_ignores_config_dir(tmp_path: Path) -> None:
    config_dir = config_with_tags(tmp_path, "mlflow:\n  run_type: custom.runType\n")
    assert "mlflow.runType" in add_training_tags({}, config_dir=config_dir)


def test_add_training_tags_never_loads_registry(mocker: MockerFixture) -> None:
    loader = mocker.patch(
        "infrastructure.naming.mlflow.tag_keys.load_tags_registry", side_effect=RuntimeError("no registry")
    )
    add_training_tags({})
    loader.assert_not_called()


# --- _get_training_tag_keys ---


def test_training_tag_keys_defaults(defaults_dir: Path) -> None:
    assert _get_training_tag_keys(defaults_dir) == {
        "mlflow_run_type": "mlflow.runType",
        "trained_on_full_data": "code.trained_on_full_data",
        "study_key_hash": "code.study_key_hash",
        "trial_key_hash": "code.trial_key_hash",
        "lineage_source": "code.lineage.source",
        "lineage_hpo_study_key_hash": "code.lineage.hpo_study_key_hash",
        "lineage_hpo_trial_key_hash": "code.lineage.hpo_trial_key_hash",
        "lineage_hpo_trial_run_id": "code.lineage.hpo_trial_run_id",
        "lineage_hpo_refit_run_id": "code.lineage.hpo_refit_run_id",
        "lineage_hpo_sweep_run_id": "code.lineage.hpo_sweep_run_id",
    }


def test_training_tag_keys_raise_tag_key_error(tmp_path: Path) -> None:
    config_dir = config_with_tags(tmp_path, "lineage:\n  hpo_sweep_run_id: 3\n")
    with pytest.raises(TagKeyError, match=r"lineage\.hpo_sweep_run_id"):
        _get_training_tag_keys(config_dir)


# --- _build_lineage_tags_dict ---


def test_lineage_dict_empty_without_values(defaults_dir: Path) -> None:
    assert _build_lineage_tags_dict({"hpo_trial_run_id": "", "other": "x"}, defaults_dir) == {}


def test_lineage_dict_empty_never_touches_registry(mocker: MockerFixture) -> None:
    loader = mocker.patch(
        "infrastructure.naming.mlflow.tag_keys.load_tags_registry", side_effect=RuntimeError("no registry")
    )
    assert _build_lineage_tags_dict({}) == {}
    loader.assert_not_called()


def test_lineage_dict_full(defaults_dir: Path) -> None:
    assert _build_lineage_tags_dict(FULL_LINEAGE, defaults_dir) == {
        "code.lineage.source": "hpo_best_selected",
        "code.lineage.hpo_study_key_hash": "sk",
        "code.lineage.hpo_trial_key_hash": "tk",
        "code.lineage.hpo_trial_run_id": "trial_run",
        "code.lineage.hpo_refit_run_id": "refit_run",
        "code.lineage.hpo_sweep_run_id": "sweep_run",
    }


def test_lineage_dict_only_present_keys(defaults_dir: Path) -> None:
    result = _build_lineage_tags_dict({"hpo_refit_run_id": "r", "hpo_trial_run_id": ""}, defaults_dir)
    assert result == {"code.lineage.source": "hpo_best_selected", "code.lineage.hpo_refit_run_id": "r"}


def test_lineage_dict_never_emits_parent_training_run_id(defaults_dir: Path) -> None:
    result = _build_lineage_tags_dict({**FULL_LINEAGE, "parent_training_run_id": "p"}, defaults_dir)
    assert "code.lineage.parent_training_run_id" not in result


def test_lineage_dict_copies_values_verbatim(defaults_dir: Path) -> None:
    long_value = "z" * 400
    result = _build_lineage_tags_dict({"hpo_trial_run_id": 42, "hpo_sweep_run_id": long_value}, defaults_dir)
    assert result["code.lineage.hpo_trial_run_id"] == 42  # type: ignore[comparison-overlap]
    assert result["code.lineage.hpo_sweep_run_id"] == long_value


def test_lineage_dict_follows_registry_override(tmp_path: Path) -> None:
    config_dir = config_with_tags(tmp_path, "lineage:\n  source: my.src\n  hpo_refit_run_id: my.refit\n")
    assert _build_lineage_tags_dict({"hpo_refit_run_id": "r"}, config_dir) == {
        "my.src": "hpo_best_selected",
        "my.refit": "r",
    }


def test_lineage_dict_returns_new_dict(defaults_dir: Path) -> None:
    lineage = dict(FULL_LINEAGE)
    _build_lineage_tags_dict(lineage, defaults_dir)
    assert lineage == FULL_LINEAGE


# --- add_training_tags_with_lineage ---


def test_with_lineage_full(defaults_dir: Path) -> None:
    tags = {"code.stage": "final_training"}
    result = add_training_tags_with_lineage(tags, FULL_LINEAGE, run_name="my_run", config_dir=defaults_dir)
    assert result is tags
    assert list(tags.items()) == [
        ("code.stage", "final_training"),
        ("mlflow.runType", "training"),
        ("training_type", "final"),
        ("code.trained_on_full_data", "true"),
        ("mlflow.runName", "my_run"),
        ("code.study_key_hash", "sk"),
        ("code.trial_key_hash", "tk"),
        ("code.lineage.source", "hpo_best_selected"),
        ("code.lineage.hpo_study_key_hash", "sk"),
        ("code.lineage.hpo_trial_key_hash", "tk"),
        ("code.lineage.hpo_trial_run_id", "trial_run"),
        ("code.lineage.hpo_refit_run_id", "refit_run"),
        ("code.lineage.hpo_sweep_run_id", "sweep_run"),
    ]


def test_with_lineage_empty_lineage(defaults_dir: Path) -> None:
    tags: dict[str, str] = {}
    add_training_tags_with_lineage(tags, {}, config_dir=defaults_dir)
    assert tags == {
        "mlflow.runType": "training",
        "training_type": "final",
        "code.trained_on_full_data": "true",
    }


def test_with_lineage_training_type_always_final(defaults_dir: Path) -> None:
    tags = {"training_type": "continued"}
    add_training_tags_with_lineage(tags, {}, config_dir=defaults_dir)
    assert tags["training_type"] == "final"


def test_with_lineage_empty_run_name_not_set(defaults_dir: Path) -> None:
    tags = {"mlflow.runName": "keep"}
    add_training_tags_with_lineage(tags, {}, run_name="", config_dir=defaults_dir)
    assert tags["mlflow.runName"] == "keep"


def test_with_lineage_hashes_overwrite_base_values(defaults_dir: Path) -> None:
    tags = {"code.study_key_hash": "base_s", "code.trial_key_hash": "base_t"}
    add_training_tags_with_lineage(tags, {"hpo_study_key_hash": "lin_s"}, config_dir=defaults_dir)
    assert (tags["code.study_key_hash"], tags["code.trial_key_hash"]) == ("lin_s", "base_t")


def test_with_lineage_overrides_move_registry_keys_only(tmp_path: Path) -> None:
    config_dir = config_with_tags(
        tmp_path,
        "training:\n  trained_on_full_data: x.full\n"
        "grouping:\n  study_key_hash: x.study\n"
        "lineage:\n  source: x.source\n"
        "mlflow:\n  run_type: x.runType\n",
    )
    tags: dict[str, str] = {}
    add_training_tags_with_lineage(tags, {"hpo_study_key_hash": "s"}, run_name="n", config_dir=config_dir)
    assert tags == {
        "mlflow.runType": "training",
        "training_type": "final",
        "x.full": "true",
        "mlflow.runName": "n",
        "x.study": "s",
        "x.source": "hpo_best_selected",
        "code.lineage.hpo_study_key_hash": "s",
    }


def test_with_lineage_registry_error_raised_after_base_tags(tmp_path: Path) -> None:
    config_dir = config_with_tags(tmp_path, "lineage:\n  hpo_refit_run_id: [a]\n")
    tags: dict[str, str] = {}
    with pytest.raises(TagKeyError) as excinfo:
        add_training_tags_with_lineage(tags, {}, config_dir=config_dir)
    assert str(excinfo.value) == "Tag key 'lineage.hpo_refit_run_id' is not a string: list"
    assert tags == {"mlflow.runType": "training", "training_type": "final"}


def test_with_lineage_calls_add_training_tags_with_final(defaults_dir: Path, mocker: MockerFixture) -> None:
    spy = mocker.spy(tag_helpers, "add_training_tags")
    tags: dict[str, str] = {}
    add_training_tags_with_lineage(tags, {}, config_dir=defaults_dir)
    spy.assert_called_once_with(tags, "final", defaults_dir)


def test_get_training_tag_keys_resolves_only_the_named_entries_in_order(mocker: MockerFixture) -> None:
    resolved: list[str] = []
    for name in ("trained_on_full_data", "lineage_source", "mlflow_run_type"):
        mocker.patch.dict(tag_helpers._TAG_KEY_GETTERS, {name: lambda _dir, n=name: resolved.append(n) or n})
    keys = tag_helpers._get_training_tag_keys(None, ("lineage_source", "trained_on_full_data"))
    assert keys == {"lineage_source": "lineage_source", "trained_on_full_data": "trained_on_full_data"}
    assert resolved == ["lineage_source", "trained_on_full_data"]
