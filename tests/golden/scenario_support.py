"""Helpers shared by golden scenarios: config folders, index files and printed output."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

_TRACEBACK = re.compile(r"Traceback \(most recent call last\):\n(?:[ \t].*\n)*", re.MULTILINE)
# MLflow's own output depends on the backend and the clock, not on the code under test: the REST
# client prints run/experiment URLs when a run ends on a server URI, and MLflow's timestamped log
# lines come from the client on local stores but from the server process on the server backend.
_MLFLOW_URL_LINES = ("🏃 View run ", "🧪 View experiment at: ")
_MLFLOW_LOG_LINE = re.compile(r"^\d{4}/\d{2}/\d{2} \d{2}:\d{2}:\d{2} [A-Z]+ mlflow\.")


def make_config_dir(
    root: Path,
    *,
    tags: dict[str, Any] | None = None,
    mlflow_cfg: dict[str, Any] | None = None,
    naming: dict[str, Any] | None = None,
    name: str = "project",
) -> Path:
    """Create ``root/<name>/config`` with the given YAML files (only those passed)."""
    config_dir = root / name / "config"
    config_dir.mkdir(parents=True, exist_ok=True)
    for file_name, content in (("tags.yaml", tags), ("mlflow.yaml", mlflow_cfg), ("naming.yaml", naming)):
        if content is not None:
            (config_dir / file_name).write_text(yaml.safe_dump(content, sort_keys=False), encoding="utf-8")
    return config_dir


def index_path(config_dir: Path, file_name: str = "mlflow_index.json") -> Path:
    """Where the legacy layer keeps its local run index for ``config_dir``."""
    return config_dir.parent / "outputs" / "cache" / file_name


def read_index(config_dir: Path, file_name: str = "mlflow_index.json") -> Any:
    """The index file's JSON with the wall-clock ``updated_at`` values masked, or None if absent."""
    path = index_path(config_dir, file_name)
    if not path.exists():
        return None
    data = json.loads(path.read_text(encoding="utf-8"))
    if isinstance(data, dict):
        for entry in data.values():
            if isinstance(entry, dict) and "updated_at" in entry:
                entry["updated_at"] = "<updated_at>"
    return data


def printed(capsys: pytest.CaptureFixture[str]) -> dict[str, str]:
    """What the scenario printed, without MLflow's own lines; traceback frames are collapsed."""
    captured = capsys.readouterr()
    stdout = "".join(
        line for line in captured.out.splitlines(keepends=True) if not line.startswith(_MLFLOW_URL_LINES)
    )
    stderr = "".join(
        line for line in captured.err.splitlines(keepends=True) if not _MLFLOW_LOG_LINE.match(line)
    )
    return {
        "stdout": stdout,
        "stderr": _TRACEBACK.sub("Traceback (most recent call last): <frames>\n", stderr),
    }
