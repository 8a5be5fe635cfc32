"""Run one variant of the workload in its own interpreter against a server, and compare contents."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .servers import TrackingServer

ROOT = Path(__file__).resolve().parents[2]
SRC = ROOT / "src"
WORKER_TIMEOUT_S = 1800.0

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class VariantCode:
    """Where a variant imports the code under test from, and how the report names that code."""

    variant: str
    src: Path
    label: str


def current_code(variant: str = "current") -> VariantCode:
    """This checkout's code."""
    return VariantCode(variant, SRC, "this checkout: src")


@dataclass(frozen=True)
class Workload:
    """The sweep's size."""

    trials: int
    folds: int


def python_path(src: Path) -> str:
    # The code under test first; then this checkout for pipeline_demo, benchmarks and mlflow_golden.
    parts = [str(src), str(ROOT), str(SRC), os.environ.get("PYTHONPATH", "")]
    return os.pathsep.join(part for part in parts if part)


def run_worker(
    code: VariantCode,
    server: TrackingServer,
    workload: Workload,
    scratch: Path,
    plan: Path | None = None,
    snapshot: bool = True,
) -> dict[str, Any]:
    """Empty the server, run one variant in its own interpreter, return what it measured."""
    server.reset()
    root = Path(tempfile.mkdtemp(prefix=f"{code.variant}-", dir=scratch))
    out = root / "result.json"
    command = [
        sys.executable, "-m", "benchmarks.workload.worker", "--variant", code.variant,
        "--uri", server.url, "--root", str(root / "work"), "--out", str(out),
        "--expect-src", str(code.src), "--trials", str(workload.trials), "--folds", str(workload.folds),
    ]  # fmt: skip
    if plan is not None:
        command += ["--plan", str(plan)]
    if not snapshot:
        command.append("--no-snapshot")
    env = {
        **os.environ,
        "PYTHONPATH": python_path(code.src),
        "MLFLOW_HTTP_REQUEST_MAX_RETRIES": "0",
        "MLFLOW_HTTP_REQUEST_TIMEOUT": "60",
    }
    completed = subprocess.run(
        command, cwd=root, env=env, capture_output=True, text=True, timeout=WORKER_TIMEOUT_S, check=False
    )
    if completed.returncode != 0:
        raise RuntimeError(
            f"{code.variant} worker failed ({completed.returncode}):\n{completed.stderr[-4000:]}"
        )
    result: dict[str, Any] = json.loads(out.read_text(encoding="utf-8"))
    result["code_from"] = code.label
    return result


def differing_contents(snapshots: Mapping[str, dict[str, Any]]) -> list[str]:
    """Variants whose final store contents differ from the first one's (with a tree diff logged)."""
    from mlflow_golden._tree import tree_diff

    names = list(snapshots)
    reference = snapshots[names[0]]
    differing = []
    for variant, snapshot in snapshots.items():
        if snapshot != reference:
            logger.error(
                "%s left different store contents than %s:\n%s",
                variant,
                names[0],
                tree_diff(reference, snapshot),
            )
            differing.append(variant)
    return differing
