"""Tag-key registry: logical (section, name) -> MLflow tag key (legacy-core §7).

Defaults are overlaid by ``<config_dir>/tags.yaml`` (deep merge). One module-level cache slot,
keyed by the unresolved tags.yaml path, holds the last registry: the same path returns it even
if the file changed since; another path reloads and replaces the slot.
"""

from __future__ import annotations

import copy
import logging
from pathlib import Path
from typing import Any, Dict, Optional

import yaml

logger = logging.getLogger(__name__)


class TagKeyError(KeyError):
    """A tag key is missing or malformed in the registry.

    ``str(exc)`` is the plain message (KeyError would otherwise wrap it in quotes).
    """

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


def _code_keys(*names: str) -> Dict[str, str]:
    return {name: f"code.{name}" for name in names}


def _default_registry_data() -> Dict[str, Any]:
    """The built-in defaults (§7.2); a fresh copy on every call."""
    lineage_names = (
        "source",
        "hpo_study_key_hash",
        "hpo_trial_key_hash",
        "hpo_trial_run_id",
        "hpo_refit_run_id",
        "hpo_sweep_run_id",
        "parent_training_run_id",
    )
    return {
        "grouping": _code_keys(
            "study_key_hash",
            "trial_key_hash",
            "parent_run_id",
            "study_family_hash",
            "run_key_hash",
            "group_id",
            "grouping_schema_version",
        ),
        "process": _code_keys(
            "stage",
            "project",
            "backbone",
            "model",
            "run_type",
            "env",
            "storage_env",
            "execution_platform",
            "created_by",
        ),
        "training": {
            **_code_keys("trained_on_full_data", "refit", "refit_has_validation", "interrupted"),
            "source_training_run": "source_training_run",
        },
        "hpo": {
            "trial_number": "code.hpo.trial_number",
            "refit_planned": "code.refit_planned",
            "best_trial_run_id": "best_trial_run_id",
            "best_trial_number": "best_trial_number",
        },
        "lineage": {name: f"code.lineage.{name}" for name in lineage_names},
        "paths": _code_keys("spec_fp", "exec_fp", "conv_fp", "output_dir", "refit_protocol_fp"),
        "azureml": {"run_type": "azureml.runType", "sweep": "azureml.sweep"},
        "mlflow": {"run_type": "mlflow.runType", "parent_run_id": "mlflow.parentRunId"},
        "legacy": {
            "trial_number": "trial_number",
            **_code_keys(
                "trial_id", "parent_training_id", "variant", "benchmark_config_hash", "run_id_prefix"
            ),
        },
    }


DEFAULT_TAGS: Dict[str, Any] = _default_registry_data()


class TagsRegistry:
    """Resolved registry data plus its schema version."""

    def __init__(self, data: Dict[str, Any], schema_version: int = 0) -> None:
        self._data = data
        self.schema_version = schema_version

    @property
    def data(self) -> Dict[str, Any]:
        """The merged registry mapping (sections -> name -> key)."""
        return self._data

    def key(self, section: str, name: str) -> str:
        """Return the tag key for ``section.name``; raise TagKeyError when absent or malformed."""
        if section not in self._data:
            raise TagKeyError(f"Missing tag key: {section}.{name}")
        section_data = self._data[section]
        if not isinstance(section_data, dict):
            raise TagKeyError(f"Section '{section}' is not a dictionary")
        if name not in section_data:
            raise TagKeyError(f"Missing tag key: {section}.{name}")
        value = section_data[name]
        if not isinstance(value, str):
            raise TagKeyError(f"Tag key '{section}.{name}' is not a string: {type(value).__name__}")
        return value


def _deep_merge(base: Dict[str, Any], override: Dict[str, Any]) -> Dict[str, Any]:
    """Merge ``override`` into a copy of ``base``: dicts merge, everything else replaces."""
    merged = dict(base)
    for key, value in override.items():
        current = merged.get(key)
        if isinstance(current, dict) and isinstance(value, dict):
            merged[key] = _deep_merge(current, value)
        else:
            merged[key] = value
    return merged


_cached_path: Optional[Path] = None
_cached_registry: Optional[TagsRegistry] = None


def _read_tags_file(path: Path) -> Optional[Any]:
    """Parsed YAML content, or None (meaning "use defaults") when missing/unreadable/unparsable."""
    if not path.exists():
        return None
    try:
        with path.open("r", encoding="utf-8") as handle:
            loaded: Any = yaml.safe_load(handle)
    except Exception as exc:  # legacy: any read/parse error falls back to defaults
        logger.warning("Could not load tags registry from %s: %s; using defaults", path, exc)
        return None
    if not isinstance(loaded, dict):
        # Legacy: an empty (None) or non-mapping document reached `.get(...)` and raised
        # AttributeError; reproduced explicitly (legacy-core §7.1).
        raise AttributeError(f"'{type(loaded).__name__}' object has no attribute 'get'")
    return loaded


def load_tags_registry(config_dir: Optional[Path] = None) -> TagsRegistry:
    """Load (or return the cached) registry for ``<config_dir>/tags.yaml`` (cwd/config if None)."""
    global _cached_path, _cached_registry
    base_dir = config_dir if config_dir is not None else Path.cwd() / "config"
    tags_path = base_dir / "tags.yaml"
    if _cached_registry is not None and _cached_path == tags_path:
        return _cached_registry

    data = copy.deepcopy(DEFAULT_TAGS)
    loaded = _read_tags_file(tags_path)
    if loaded is not None:
        data = _deep_merge(data, loaded)
    schema_version = int(data.get("schema_version", 0))

    registry = TagsRegistry(data, schema_version)
    _cached_path = tags_path
    _cached_registry = registry
    return registry
