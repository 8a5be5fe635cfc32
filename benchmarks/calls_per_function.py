"""REST calls per public function, happy path, non-Azure: the baseline revision vs this checkout.

    .venv/bin/python benchmarks/calls_per_function.py [--baseline c90d8b4] [--json FILE]

Each probe of ``benchmarks/workload/functions.py`` (create_child_run, create_training_child_run,
create_training_mlflow_run as a child and standalone, create_run_safe, apply_lineage_tags, each
tracker's start/end) runs in a fresh interpreter against the harness's ``mlflow server`` (sqlite),
emptied before each probe, once with the baseline code (a temporary git worktree) and once with
this checkout's. Only the function's own call is counted (its set-up is not). Prints a markdown
table, one row per function: both totals, the current calls by endpoint, the endpoints that changed.
A function that did not take its happy path is marked (the baseline's apply_lineage_tags fails on
its index lookup, a legacy defect).
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import subprocess
import sys
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

if not __package__:  # run as a script: make ``benchmarks.workload`` importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.workload.functions import PROBES
from benchmarks.workload.runner import ROOT, VariantCode, current_code, python_path
from benchmarks.workload.servers import TrackingServer, running_servers

logger = logging.getLogger("calls_per_function")
PROBE_TIMEOUT_S = 300.0


def run_probe(probe: str, code: VariantCode, server: TrackingServer, scratch: Path) -> dict[str, Any]:
    server.reset()
    root = Path(tempfile.mkdtemp(prefix="probe-", dir=scratch))
    out = root / "result.json"
    command = [
        sys.executable, "-m", "benchmarks.workload.functions", "--probe", probe, "--uri", server.url,
        "--root", str(root / "work"), "--out", str(out), "--expect-src", str(code.src),
    ]  # fmt: skip
    env = {**os.environ, "PYTHONPATH": python_path(code.src), "MLFLOW_HTTP_REQUEST_MAX_RETRIES": "0"}
    completed = subprocess.run(
        command, cwd=root, env=env, capture_output=True, text=True, timeout=PROBE_TIMEOUT_S, check=False
    )
    if completed.returncode != 0:
        raise RuntimeError(f"{probe} ({code.variant}) failed:\n{completed.stderr[-3000:]}")
    result: dict[str, Any] = json.loads(out.read_text(encoding="utf-8"))
    return result


def _short(endpoint: str) -> str:
    return endpoint.rsplit("/mlflow/", 1)[-1]


def _total(result: Mapping[str, Any]) -> str:
    total = str(sum(result["rest_calls"].values()))
    return total if result["outcome"] == "ok" else f"{total} (not the happy path: {result['outcome']})"


def _breakdown(calls: Mapping[str, int]) -> str:
    return ", ".join(f"{_short(endpoint)} {count}" for endpoint, count in sorted(calls.items())) or "none"


def row(name: str, baseline: Mapping[str, Any], current: Mapping[str, Any]) -> str:
    """``| function | baseline total | current total | current calls by endpoint | changed endpoints |``"""
    before: Mapping[str, int] = baseline["rest_calls"]
    after: Mapping[str, int] = current["rest_calls"]
    changed = [
        f"{_short(endpoint)} {before.get(endpoint, 0)}->{after.get(endpoint, 0)}"
        for endpoint in sorted(set(before) | set(after))
        if before.get(endpoint, 0) != after.get(endpoint, 0)
    ]
    return (
        f"| {name} | {_total(baseline)} | {_total(current)} | {_breakdown(after)} |"
        f" {', '.join(changed) or 'none'} |"
    )


def main(argv: Sequence[str] | None = None) -> int:
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--baseline", default="c90d8b4", help="git revision of the baseline code")
    parser.add_argument("--json", help="also write the counts to this file")
    parser.add_argument("--probe", action="append", choices=sorted(PROBES), help="only these (repeatable)")
    args = parser.parse_args(argv)
    from mlflow_golden import _gitrev as gitrev

    repo = gitrev.repo_root(ROOT)
    sha = gitrev.resolve_revision(args.baseline, repo)
    probes = args.probe or list(PROBES)
    results: dict[str, dict[str, dict[str, Any]]] = {}
    with (
        tempfile.TemporaryDirectory(prefix="calls-per-function-") as scratch,
        gitrev.worktree(repo, sha) as tree,
        running_servers(["sqlite"]) as servers,
    ):
        codes = [VariantCode("baseline", tree / ROOT.relative_to(repo) / "src", sha[:12]), current_code()]
        for probe in probes:
            results[probe] = {
                code.variant: run_probe(probe, code, servers["sqlite"], Path(scratch)) for code in codes
            }
    lines = [
        f"| function (happy path, non-Azure) | {sha[:7]} | current | current calls | changed |",
        "|---|---:|---:|---|---|",
        *(row(probe, counts["baseline"], counts["current"]) for probe, counts in results.items()),
    ]
    sys.stdout.write("\n".join(lines) + "\n")
    if args.json:
        Path(args.json).write_text(
            json.dumps({"baseline_revision": sha, "calls": results}, indent=2, sort_keys=True) + "\n",
            encoding="utf-8",
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
