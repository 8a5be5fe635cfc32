"""Round trips and wall time of a realistic HPO workload on a real ``mlflow server`` (127.0.0.1).

    .venv/bin/python benchmarks/tracking_workload.py [--repeats 3] [--trials 20] [--folds 5]
        [--baseline c90d8b4] [--store sqlite|postgres|both] [--out build/tracking_workload]

The workload (``benchmarks/workload/pipeline.py``) is the pipeline of ``pipeline_demo`` (the
project's public functions, called the way the NER pipeline calls them) with a bigger sweep: a
sweep parent, TRIALS trials x FOLDS folds as nested child runs, selection of the best trial, a
refit, final training with lineage tags, then ``apply_lineage_tags`` on the final training run, a
benchmark run and a conversion run.

Three variants, each in its own interpreter against the same server (emptied before every run):

- ``baseline``: the legacy code of the baseline revision, from a temporary git worktree;
- ``current``: this checkout's code;
- ``raw``: the minimum a raw ``MlflowClient`` needs to leave the same final store contents
  (``benchmarks/workload/replay.py``), replaying what ``current`` left.

Each store (``sqlite``: the harness's sqlite-backed server; ``postgres``: the same server over a
PostgreSQL cluster from the pgserver wheel) gets its own server, both started before the first
run. The runs are interleaved: repeat r runs, per store, baseline, then current, then raw, before
repeat r+1 starts, so machine noise spreads over every variant alike.

The final store contents of the three variants are compared with the harness's snapshot; any
difference stops the benchmark (exit 1), since the comparison would not be fair. Per store and
variant it reports REST calls by endpoint (counted in the client), calls per child run (all REST
calls of the workload divided by the runs that have a parent) and the workload's wall time (median
of the repeats, interpreter start and imports excluded); then the ratios current/raw and
current/baseline. Output: a table on stdout, ``tracking_workload.json`` (no absolute paths: code
is named by revision), ``tracking_workload.txt`` and ``tracking_workload.png`` in ``--out``.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

if not __package__:  # run as a script: make ``benchmarks.workload`` importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.workload.report import chart, summarize_store, table
from benchmarks.workload.runner import (
    ROOT,
    VariantCode,
    Workload,
    current_code,
    differing_contents,
    run_worker,
)
from benchmarks.workload.servers import STORES, running_servers
from benchmarks.workload.worker import VARIANTS

logger = logging.getLogger("tracking_workload")

Results = dict[str, dict[str, list[dict[str, Any]]]]  # store -> variant -> one result per repeat


def measure(
    codes: dict[str, VariantCode], stores: list[str], workload: Workload, repeats: int, scratch: Path
) -> Results:
    """Every repeat runs, per store, baseline, current and raw (in that order)."""
    results: Results = {store: {variant: [] for variant in VARIANTS} for store in stores}
    plans = {store: scratch / f"replay-plan-{store}.json" for store in stores}
    with running_servers(stores) as servers:
        for repeat in range(repeats):
            for store, server in servers.items():
                for variant in VARIANTS:
                    plan = plans[store] if variant == "raw" else None
                    result = run_worker(codes[variant], server, workload, scratch, plan)
                    if variant == "current" and not plans[store].exists():
                        plans[store].write_text(json.dumps(result["plan"]), encoding="utf-8")
                    result.pop("plan", None)
                    logger.info(
                        "repeat %d %-8s %-8s %5d REST calls %7.2f s",
                        repeat + 1,
                        store,
                        variant,
                        sum(result["rest_calls"].values()),
                        result["wall_s"],
                    )
                    results[store][variant].append(result)
    return results


def contents_equal(results: Results) -> bool:
    """Whether, in every store and repeat, the three variants left the same store contents."""
    equal = True
    for store, by_variant in results.items():
        for repeat in range(len(by_variant[VARIANTS[0]])):
            snapshots = {variant: by_variant[variant][repeat]["snapshot"] for variant in VARIANTS}
            differing = differing_contents(snapshots)
            if differing:
                logger.error("%s, repeat %d: contents differ (%s)", store, repeat + 1, ", ".join(differing))
                equal = False
    return equal


def orchestrate(args: argparse.Namespace) -> int:
    from mlflow_golden import _gitrev as gitrev

    out_dir = Path(args.out).resolve()
    out_dir.mkdir(parents=True, exist_ok=True)
    repo = gitrev.repo_root(ROOT)
    baseline_sha = gitrev.resolve_revision(args.baseline, repo)
    stores = sorted(STORES) if args.store == "both" else [args.store]
    workload = Workload(args.trials, args.folds)
    with (
        tempfile.TemporaryDirectory(prefix="tracking-workload-") as scratch_dir,
        gitrev.worktree(repo, baseline_sha) as tree,
    ):
        codes = {
            "baseline": VariantCode(
                "baseline", tree / ROOT.relative_to(repo) / "src", f"revision {baseline_sha[:12]}: src"
            ),
            "current": current_code(),
            "raw": current_code("raw"),
        }
        results = measure(codes, stores, workload, args.repeats, Path(scratch_dir))
    if not contents_equal(results):
        logger.error("final store contents differ: the comparison is not fair")
        return 1
    summary: dict[str, Any] = {
        "stores": {store: summarize_store(by_variant) for store, by_variant in results.items()},
        "setup": {
            "baseline_revision": baseline_sha,
            "stores": stores,
            "trials": args.trials,
            "folds": args.folds,
            "repeats": args.repeats,
            "order": "interleaved: per repeat, per store, baseline, current, raw",
            "python": sys.version.split()[0],
            "store_contents_equal": True,
        },
    }
    report = "\n".join(table(store, data) for store, data in summary["stores"].items())
    sys.stdout.write(report)
    (out_dir / "tracking_workload.json").write_text(
        json.dumps(summary, indent=2, sort_keys=True) + "\n", encoding="utf-8"
    )
    (out_dir / "tracking_workload.txt").write_text(report, encoding="utf-8")
    title = f"HPO workload, {args.trials} trials x {args.folds} folds, mlflow server on 127.0.0.1"
    chart(summary["stores"], out_dir / "tracking_workload.png", title)
    logger.info("wrote %s/tracking_workload.{json,txt,png}", out_dir)
    return 0


def parse(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3, help="runs per variant; wall time is their median")
    parser.add_argument("--trials", type=int, default=20)
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--baseline", default="c90d8b4", help="git revision of the baseline code")
    parser.add_argument(
        "--store", choices=[*sorted(STORES), "both"], default="both", help="the servers' store(s)"
    )
    parser.add_argument("--out", default=str(ROOT / "build" / "tracking_workload"), help="output folder")
    args = parser.parse_args(argv)
    if args.repeats < 1 or args.trials < 2 or args.folds < 1:
        parser.error("need --repeats >= 1, --trials >= 2 (trial 1 is the best), --folds >= 1")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    return orchestrate(parse(argv))


if __name__ == "__main__":
    sys.exit(main())
