"""Loader and getters for ``mlflow.yaml`` (legacy-support §6).

``load_mlflow_config`` keeps one module-level slot: the file path, its bytes and the parsed
mapping. Every call reads the bytes again (a missing file counts as none) and parses only when
path or bytes changed, so an edited, created or deleted file is seen by the next call; each call
returns a deep copy, so a caller that mutates its result changes nobody else's. A missing or
unparsable file yields ``{}``. An empty file, or one whose top level is not a mapping, also yields
``{}`` (the getters' defaults); a non-mapping document is logged at warning.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any, Dict, Optional

import yaml

from infrastructure.tracking.mlflow.masked_logging import get_logger

logger = get_logger(__name__)

DEFAULT_PROJECT_NAME = "resume-ner"
DEFAULT_INDEX_FILE_NAME = "mlflow_index.json"
DEFAULT_AUTO_INCREMENT_FORMAT = "{base}.{version}"

_STAGE_DEFAULTS: Dict[str, Dict[str, Any]] = {
    "benchmark": {"log_artifacts": True},
    "training": {"log_checkpoint": True, "log_metrics_json": True},
    "conversion": {"log_onnx_model": True, "log_conversion_log": True},
}

#: (path, file bytes or None when missing, parsed mapping) of the last load.
_cache: Optional[tuple[Path, Optional[bytes], Dict[str, Any]]] = None


def _read_bytes(config_path: Path) -> Optional[bytes]:
    try:
        return config_path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as exc:
        logger.warning("Could not load MLflow config from %s: %s", config_path, exc)
        return None


def _parse(config_path: Path, raw: Optional[bytes]) -> Dict[str, Any]:
    """The mapping in ``raw``; ``{}`` for no file, an empty document, a parse error or a non-mapping."""
    if raw is None:
        return {}
    try:
        loaded: Any = yaml.safe_load(raw.decode("utf-8"))
    except Exception as exc:
        logger.warning("Could not load MLflow config from %s: %s", config_path, exc)
        return {}
    if loaded is None:
        return {}
    if not isinstance(loaded, dict):
        logger.warning(
            "MLflow config %s is a %s, not a mapping; using defaults", config_path, type(loaded).__name__
        )
        return {}
    return loaded


def load_mlflow_config(config_dir: Optional[Path] = None) -> Dict[str, Any]:
    """A copy of the parsed ``(config_dir or cwd/config)/mlflow.yaml``, reparsed when its bytes change."""
    global _cache
    config_path = (config_dir or Path.cwd() / "config") / "mlflow.yaml"
    raw = _read_bytes(config_path)
    if _cache is None or _cache[0] != config_path or _cache[1] != raw:
        _cache = (config_path, raw, _parse(config_path, raw))
    return copy.deepcopy(_cache[2])


def _as_mapping(config: object) -> Dict[str, Any]:
    """An explicitly passed ``config`` must be a mapping (``TypeError`` otherwise)."""
    if not isinstance(config, dict):
        raise TypeError(f"config must be a mapping, got {type(config).__name__}")
    return config


def _resolve(config_dir: Optional[Path], config: Optional[Dict[str, Any]]) -> Dict[str, Any]:
    return _as_mapping(config if config is not None else load_mlflow_config(config_dir))


def _section(mapping: Dict[str, Any], name: str) -> Dict[str, Any]:
    value = mapping.get(name, {})
    return value if isinstance(value, dict) else {}


def _bool(value: Any, default: bool, label: str) -> bool:
    if isinstance(value, bool):
        return value
    logger.warning("Invalid %s=%r; using default %r", label, value, default)
    return default


def _int_in_range(value: Any, default: int, low: int, high: Optional[int], label: str) -> int:
    is_int = isinstance(value, int) and not isinstance(value, bool)
    if is_int and value >= low and (high is None or value <= high):
        return int(value)
    logger.warning("Invalid %s=%r; using default %r", label, value, default)
    return default


def get_naming_config(
    config_dir: Optional[Path] = None, config: Optional[Dict[str, Any]] = None
) -> Dict[str, Any]:
    """Naming settings, shaped ``{"project_name": str, "tags": {"max_length", "sanitize"},
    "run_name": {"max_length", "shorten_fingerprints"}}``."""
    naming = _section(_resolve(config_dir, config), "naming")
    tags = _section(naming, "tags")
    run_name = _section(naming, "run_name")
    project_name = naming.get("project_name", DEFAULT_PROJECT_NAME)
    if not isinstance(project_name, str) or not project_name:
        logger.warning("Invalid naming.project_name=%r; using default", project_name)
        project_name = DEFAULT_PROJECT_NAME
    return {
        "project_name": project_name,
        "tags": {
            "max_length": _int_in_range(tags.get("max_length", 250), 250, 1, 500, "naming.tags.max_length"),
            "sanitize": _bool(tags.get("sanitize", True), True, "naming.tags.sanitize"),
        },
        "run_name": {
            "max_length": _int_in_range(
                run_name.get("max_length", 100), 100, 1, None, "naming.run_name.max_length"
            ),
            "shorten_fingerprints": _bool(
                run_name.get("shorten_fingerprints", True), True, "naming.run_name.shorten_fingerprints"
            ),
        },
    }


def get_index_config(
    config_dir: Optional[Path] = None, config: Optional[Dict[str, Any]] = None
) -> Dict[str, Any]:
    """``{"enabled": bool, "max_entries": int > 0, "file_name": str without path separators}``."""
    index = _section(_resolve(config_dir, config), "index")
    file_name = index.get("file_name", DEFAULT_INDEX_FILE_NAME)
    if not isinstance(file_name, str) or not file_name or "/" in file_name or "\\" in file_name:
        logger.warning("Invalid index.file_name=%r; using default", file_name)
        file_name = DEFAULT_INDEX_FILE_NAME
    return {
        "enabled": _bool(index.get("enabled", True), True, "index.enabled"),
        "max_entries": _int_in_range(index.get("max_entries", 1000), 1000, 1, None, "index.max_entries"),
        "file_name": file_name,
    }


def get_run_finder_config(
    config_dir: Optional[Path] = None, config: Optional[Dict[str, Any]] = None
) -> Dict[str, Any]:
    """``{"strict_mode_default": bool}`` (default True): the finder's strict mode when not given."""
    finder = _section(_resolve(config_dir, config), "run_finder")
    return {
        "strict_mode_default": _bool(
            finder.get("strict_mode_default", True), True, "run_finder.strict_mode_default"
        )
    }


def get_auto_increment_config(
    config_dir: Optional[Path] = None,
    process_type: Optional[str] = None,
    config: Optional[Dict[str, Any]] = None,
) -> Dict[str, Any]:
    """``naming.run_name.auto_increment``: enabled, processes, format (+ enabled_for_process)."""
    naming = _section(_resolve(config_dir, config), "naming")
    auto = _section(_section(naming, "run_name"), "auto_increment")
    processes: Dict[str, Any] = {"hpo": True, "benchmarking": True}
    raw_processes = auto.get("processes", {})
    if isinstance(raw_processes, dict):
        processes.update(raw_processes)
    else:
        logger.warning("Invalid auto_increment.processes=%r; using defaults", raw_processes)
    fmt = auto.get("format", DEFAULT_AUTO_INCREMENT_FORMAT)
    if not isinstance(fmt, str) or "{base}" not in fmt or "{version}" not in fmt:
        logger.warning("Invalid auto_increment.format=%r; using default", fmt)
        fmt = DEFAULT_AUTO_INCREMENT_FORMAT
    result: Dict[str, Any] = {
        "enabled": _bool(auto.get("enabled", False), False, "auto_increment.enabled"),
        "processes": processes,
        "format": fmt,
    }
    if process_type is not None:
        result["enabled_for_process"] = bool(result["enabled"] and processes.get(process_type, False))
    return result


def get_tracking_config(
    config_dir: Optional[Path] = None,
    stage: Optional[str] = None,
    config: Optional[Dict[str, Any]] = None,
) -> Dict[str, Any]:
    """Raw ``tracking`` section, or for a stage its defaults overlaid with ``tracking.<stage>``."""
    tracking = _section(_resolve(config_dir, config), "tracking")
    if stage is None:
        return tracking
    result: Dict[str, Any] = {"enabled": True, **_STAGE_DEFAULTS.get(stage, {})}
    result.update(_section(tracking, stage))
    return result
