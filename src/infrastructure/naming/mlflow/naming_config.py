"""Loader for the run-name policy file ``<config_dir>/naming.yaml``.

The file holds the name patterns, the ``{env}``/``{model}`` normalization, the hash length, the
version-suffix format and the validation rules. Values missing from the file take the defaults
below; a missing or unreadable file yields None (callers then use legacy names).
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any, Dict, List, Optional

import yaml

logger = logging.getLogger(__name__)

NAMING_FILE_NAME = "naming.yaml"

DEFAULT_VERSION_FORMAT = "_{number}"
DEFAULT_HASH_LENGTH = 8
DEFAULT_MAX_LENGTH = 256
DEFAULT_REPLACED_CHARS: List[str] = ["/", "-", " "]
DEFAULT_FORBIDDEN_CHARS: List[str] = ["/", "\\", ":", "*", "?", '"', "<", ">", "|"]


def load_naming_policy(config_dir: Path) -> Optional[Dict[str, Any]]:
    """Parsed policy with defaults filled in; None if the file is missing, unreadable or not a mapping."""
    path = Path(config_dir) / NAMING_FILE_NAME
    if not path.exists():
        return None
    try:
        with path.open("r", encoding="utf-8") as handle:
            raw = yaml.safe_load(handle)
    except Exception as exc:
        logger.warning("Could not read naming policy %s: %s", path, exc)
        return None
    if not isinstance(raw, dict):
        logger.warning("Naming policy %s is not a mapping; ignoring it", path)
        return None
    validation = raw.get("validation") or {}
    return {
        "patterns": dict(raw.get("patterns") or {}),
        "replace_with_underscore": list(
            (raw.get("normalize") or {}).get("replace_with_underscore", DEFAULT_REPLACED_CHARS)
        ),
        "hash_length": int(raw.get("hash_length", DEFAULT_HASH_LENGTH)),
        "version_format": str((raw.get("version") or {}).get("format", DEFAULT_VERSION_FORMAT)),
        "max_length": int(validation.get("max_length", DEFAULT_MAX_LENGTH)),
        "forbidden_chars": list(validation.get("forbidden_chars", DEFAULT_FORBIDDEN_CHARS)),
    }
