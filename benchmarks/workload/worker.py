"""One variant, once, in a fresh interpreter: ``python -m benchmarks.workload.worker ...``.

Runs the workload (or the raw replay) against ``--uri``, counting REST calls and store calls, then
writes ``--out`` (JSON): the counts, the wall time (imports excluded), the runs, and unless
``--no-snapshot`` the harness snapshot of the final store (and, for ``current``, the replay plan).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from .pipeline import counting_rest_calls, run_pipeline_workload
from .replay import make_replay_plan, replay_raw

VARIANTS = ("baseline", "current", "raw")
PARENT_TAG = "mlflow.parentRunId"


def parse(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--variant", choices=VARIANTS, required=True)
    for name in ("--uri", "--root", "--out", "--expect-src"):
        parser.add_argument(name, required=True)
    parser.add_argument("--plan", help="replay plan (raw variant)")
    parser.add_argument("--trials", type=int, required=True)
    parser.add_argument("--folds", type=int, required=True)
    parser.add_argument("--no-snapshot", action="store_true", help="skip reading the final store back")
    return parser.parse_args(argv)


def run(args: argparse.Namespace) -> dict[str, Any]:
    """Run one variant; what it measured (and, with a snapshot, what it left)."""
    from mlflow.store.tracking.rest_store import RestStore
    from mlflow.tracking import MlflowClient

    import infrastructure
    from mlflow_golden._normalize import normalize
    from mlflow_golden._recorder import Recorder
    from mlflow_golden._store_reader import read_store

    code_from = Path(infrastructure.__file__).resolve().parents[1]
    if code_from != Path(args.expect_src).resolve():
        raise SystemExit(f"worker imported the code under test from {code_from}, expected {args.expect_src}")
    root = Path(args.root)
    os.environ["MLFLOW_TRACKING_URI"] = args.uri
    plan = json.loads(Path(args.plan).read_text(encoding="utf-8")) if args.plan else None
    with Recorder().installed([RestStore]) as log, counting_rest_calls() as rest_calls:
        began = time.perf_counter()
        if args.variant == "raw":
            replay_raw(plan or {}, root, args.uri)
        else:
            run_pipeline_workload(root, args.uri, args.trials, args.folds)
        wall = time.perf_counter() - began
        calls = dict(rest_calls)
        store_calls = Counter(log.store_calls)
    result: dict[str, Any] = {
        "variant": args.variant,
        "wall_s": wall,
        "rest_calls": calls,
        "store_calls": dict(store_calls),
    }
    if not args.no_snapshot:
        raw = read_store(MlflowClient(tracking_uri=args.uri), log, tmp_path=str(root), tracking_uri=args.uri)
        result["runs"] = len(raw.runs)
        result["child_runs"] = sum(1 for run in raw.runs if run.tags.get(PARENT_TAG))
        result["snapshot"] = normalize(raw)
        result["plan"] = make_replay_plan(raw, str(root)) if args.variant == "current" else None
    return result


def main(argv: Sequence[str] | None = None) -> int:
    args = parse(argv)
    Path(args.out).write_text(json.dumps(run(args), sort_keys=True), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
