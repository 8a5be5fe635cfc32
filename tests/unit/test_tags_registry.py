"""Tag-key registry: defaults, overrides, cache, errors (legacy-core §7)."""

from __future__ import annotations

from pathlib import Path

import pytest

from infrastructure.naming.mlflow.tags_registry import TagKeyError, TagsRegistry, load_tags_registry

REPO_CONFIG = Path(__file__).resolve().parents[2] / "config"

EXPECTED_DEFAULTS = {
    ("grouping", "study_key_hash"): "code.study_key_hash",
    ("grouping", "trial_key_hash"): "code.trial_key_hash",
    ("grouping", "parent_run_id"): "code.parent_run_id",
    ("grouping", "study_family_hash"): "code.study_family_hash",
    ("grouping", "run_key_hash"): "code.run_key_hash",
    ("grouping", "group_id"): "code.group_id",
    ("grouping", "grouping_schema_version"): "code.grouping_schema_version",
    ("process", "stage"): "code.stage",
    ("process", "project"): "code.project",
    ("process", "backbone"): "code.backbone",
    ("process", "model"): "code.model",
    ("process", "run_type"): "code.run_type",
    ("process", "env"): "code.env",
    ("process", "storage_env"): "code.storage_env",
    ("process", "execution_platform"): "code.execution_platform",
    ("process", "created_by"): "code.created_by",
    ("training", "trained_on_full_data"): "code.trained_on_full_data",
    ("training", "refit"): "code.refit",
    ("training", "refit_has_validation"): "code.refit_has_validation",
    ("training", "interrupted"): "code.interrupted",
    ("training", "source_training_run"): "source_training_run",
    ("hpo", "trial_number"): "code.hpo.trial_number",
    ("hpo", "refit_planned"): "code.refit_planned",
    ("hpo", "best_trial_run_id"): "best_trial_run_id",
    ("hpo", "best_trial_number"): "best_trial_number",
    ("lineage", "source"): "code.lineage.source",
    ("lineage", "hpo_study_key_hash"): "code.lineage.hpo_study_key_hash",
    ("lineage", "hpo_trial_key_hash"): "code.lineage.hpo_trial_key_hash",
    ("lineage", "hpo_trial_run_id"): "code.lineage.hpo_trial_run_id",
    ("lineage", "hpo_refit_run_id"): "code.lineage.hpo_refit_run_id",
    ("lineage", "hpo_sweep_run_id"): "code.lineage.hpo_sweep_run_id",
    ("lineage", "parent_training_run_id"): "code.lineage.parent_training_run_id",
    ("paths", "spec_fp"): "code.spec_fp",
    ("paths", "exec_fp"): "code.exec_fp",
    ("paths", "conv_fp"): "code.conv_fp",
    ("paths", "output_dir"): "code.output_dir",
    ("paths", "refit_protocol_fp"): "code.refit_protocol_fp",
    ("azureml", "run_type"): "azureml.runType",
    ("azureml", "sweep"): "azureml.sweep",
    ("mlflow", "run_type"): "mlflow.runType",
    ("mlflow", "parent_run_id"): "mlflow.parentRunId",
    ("legacy", "trial_number"): "trial_number",
    ("legacy", "trial_id"): "code.trial_id",
    ("legacy", "parent_training_id"): "code.parent_training_id",
    ("legacy", "variant"): "code.variant",
    ("legacy", "benchmark_config_hash"): "code.benchmark_config_hash",
    ("legacy", "run_id_prefix"): "code.run_id_prefix",
}

FILE_ONLY_KEYS = {
    ("study", "key_schema_version"): "code.study.key_schema_version",
    ("fingerprint", "data"): "code.fingerprint.data",
    ("fingerprint", "eval"): "code.fingerprint.eval",
    ("objective", "direction"): "code.objective.direction",
    ("artifact", "available"): "code.artifact.available",
    ("refit", "of_trial_run_id"): "code.refit.of_trial_run_id",
}


def write_tags(config_dir: Path, text: str) -> Path:
    config_dir.mkdir(parents=True, exist_ok=True)
    path = config_dir / "tags.yaml"
    path.write_text(text, encoding="utf-8")
    return config_dir


def test_defaults_without_file(tmp_path: Path) -> None:
    registry = load_tags_registry(tmp_path / "config")
    assert {pair: registry.key(*pair) for pair in EXPECTED_DEFAULTS} == EXPECTED_DEFAULTS


def test_default_schema_version_is_zero(tmp_path: Path) -> None:
    assert load_tags_registry(tmp_path / "config").schema_version == 0


@pytest.mark.parametrize("pair", sorted(FILE_ONLY_KEYS))
def test_file_only_keys_absent_from_defaults(tmp_path: Path, pair: tuple[str, str]) -> None:
    with pytest.raises(TagKeyError):
        load_tags_registry(tmp_path / "config").key(*pair)


def test_shipped_file_repeats_defaults_and_adds_file_only_keys() -> None:
    registry = load_tags_registry(REPO_CONFIG)
    expected = {**EXPECTED_DEFAULTS, **FILE_ONLY_KEYS}
    assert {pair: registry.key(*pair) for pair in expected} == expected
    assert registry.schema_version == 1


def test_override_replaces_only_named_key(tmp_path: Path) -> None:
    config_dir = write_tags(tmp_path / "config", "training:\n  trained_on_full_data: custom.full\n")
    registry = load_tags_registry(config_dir)
    assert registry.key("training", "trained_on_full_data") == "custom.full"
    assert registry.key("training", "refit") == "code.refit"


def test_extra_section_is_added(tmp_path: Path) -> None:
    config_dir = write_tags(tmp_path / "config", "extra:\n  thing: x.thing\n")
    registry = load_tags_registry(config_dir)
    assert registry.key("extra", "thing") == "x.thing"
    assert registry.key("grouping", "run_key_hash") == "code.run_key_hash"


def test_non_dict_value_replaces_whole_section(tmp_path: Path) -> None:
    config_dir = write_tags(tmp_path / "config", "lineage: [a, b]\n")
    with pytest.raises(TagKeyError) as excinfo:
        load_tags_registry(config_dir).key("lineage", "source")
    assert str(excinfo.value) == "Section 'lineage' is not a dictionary"


def test_schema_version_converted_with_int(tmp_path: Path) -> None:
    config_dir = write_tags(tmp_path / "config", "schema_version: '7'\n")
    assert load_tags_registry(config_dir).schema_version == 7


@pytest.mark.parametrize(
    ("text", "error"),
    [("schema_version: one\n", ValueError), ("", AttributeError), ("- a\n- b\n", AttributeError)],
    ids=["non_numeric_schema_version", "empty_file", "non_mapping_file"],
)
def test_file_the_loader_cannot_read_raises(tmp_path: Path, text: str, error: type[Exception]) -> None:
    config_dir = write_tags(tmp_path / "config", text)
    with pytest.raises(error):
        load_tags_registry(config_dir)


def test_unparsable_file_gives_defaults(tmp_path: Path) -> None:
    config_dir = write_tags(tmp_path / "config", "grouping: [unclosed\n")
    registry = load_tags_registry(config_dir)
    assert registry.key("grouping", "study_key_hash") == "code.study_key_hash"
    assert registry.schema_version == 0


def test_none_config_dir_uses_cwd_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write_tags(tmp_path / "config", "lineage:\n  source: cwd.source\n")
    monkeypatch.chdir(tmp_path)
    assert load_tags_registry().key("lineage", "source") == "cwd.source"


def test_same_path_returns_cached_registry_even_after_file_change(tmp_path: Path) -> None:
    config_dir = write_tags(tmp_path / "config", "lineage:\n  source: first\n")
    first = load_tags_registry(config_dir)
    write_tags(config_dir, "lineage:\n  source: second\n")
    second = load_tags_registry(config_dir)
    assert second is first
    assert second.key("lineage", "source") == "first"


def test_same_path_keeps_defaults_after_file_appears(tmp_path: Path) -> None:
    config_dir = tmp_path / "config"
    load_tags_registry(config_dir)
    write_tags(config_dir, "lineage:\n  source: late\n")
    assert load_tags_registry(config_dir).key("lineage", "source") == "code.lineage.source"


def test_other_path_reloads_and_replaces_slot(tmp_path: Path) -> None:
    dir_a = write_tags(tmp_path / "a", "lineage:\n  source: from_a\n")
    dir_b = write_tags(tmp_path / "b", "lineage:\n  source: from_b\n")
    first = load_tags_registry(dir_a)
    assert load_tags_registry(dir_b).key("lineage", "source") == "from_b"
    write_tags(dir_a, "lineage:\n  source: changed_a\n")
    reloaded = load_tags_registry(dir_a)
    assert reloaded is not first
    assert reloaded.key("lineage", "source") == "changed_a"


def test_cache_key_is_unresolved_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config_dir = write_tags(tmp_path / "config", "lineage:\n  source: v1\n")
    monkeypatch.chdir(tmp_path)
    first = load_tags_registry(Path("config"))
    write_tags(config_dir, "lineage:\n  source: v2\n")
    assert load_tags_registry(config_dir).key("lineage", "source") == "v2"
    assert load_tags_registry(Path("config")) is not first


def test_missing_section_message(tmp_path: Path) -> None:
    with pytest.raises(TagKeyError) as excinfo:
        load_tags_registry(tmp_path / "config").key("nope", "thing")
    assert str(excinfo.value) == "Missing tag key: nope.thing"
    assert excinfo.value.args[0] == "Missing tag key: nope.thing"


def test_missing_name_message(tmp_path: Path) -> None:
    with pytest.raises(TagKeyError) as excinfo:
        load_tags_registry(tmp_path / "config").key("lineage", "nope")
    assert str(excinfo.value) == "Missing tag key: lineage.nope"


def test_non_string_value_message(tmp_path: Path) -> None:
    config_dir = write_tags(tmp_path / "config", "lineage:\n  source: 5\n")
    with pytest.raises(TagKeyError) as excinfo:
        load_tags_registry(config_dir).key("lineage", "source")
    assert str(excinfo.value) == "Tag key 'lineage.source' is not a string: int"


def test_tag_key_error_is_key_error() -> None:
    assert issubclass(TagKeyError, KeyError)


def test_registry_key_on_plain_data() -> None:
    registry = TagsRegistry({"s": {"n": "k"}}, schema_version=3)
    assert (registry.key("s", "n"), registry.schema_version) == ("k", 3)
