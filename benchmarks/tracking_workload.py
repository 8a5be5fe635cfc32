"""Round trips and wall time of a realistic HPO workload on a real ``mlflow server`` (127.0.0.1).

    .venv/bin/python benchmarks/tracking_workload.py [--repeats 3] [--trials 20] [--folds 5]
        [--baseline c90d8b4] [--store sqlite] [--out build/tracking_workload]

The workload is the pipeline of ``pipeline_demo`` (the project's public functions, called the way
the NER pipeline calls them) with a bigger sweep: a sweep parent, TRIALS trials x FOLDS folds as
nested child runs, selection of the best trial, a refit, final training with lineage tags, then
``apply_lineage_tags`` on the final training run, a benchmark run and a conversion run.

Three variants, each in its own interpreter against the same server (emptied before every run):

- ``baseline``: the legacy code of the baseline revision, from a temporary git worktree
  (``PYTHONPATH=<worktree>/src``);
- ``current``: this checkout's code;
- ``raw``: the minimum a raw ``MlflowClient`` needs to leave the same final store contents: the
  experiments, one ``create_run`` with all tags per run (tags that name a run created later are
  deferred), then per run one ``log_batch`` (params, metrics, deferred tags) and
  ``set_terminated``. It replays the contents the ``current`` variant left.

The final store contents of the three variants are compared with the harness's snapshot
(``mlflow_golden._store_reader`` + ``normalize``); any difference stops the benchmark (exit 1), since
the comparison would not be fair. Per variant it reports REST calls by endpoint (counted in the
client, at ``mlflow.utils.rest_utils.http_request``), calls per child run (all REST calls of the
workload divided by the runs that have a parent), and the workload's wall time (median of the
repeats, interpreter start and imports excluded); then the ratios current/baseline and
current/raw. Output: a table on stdout, ``tracking_workload.json`` and ``tracking_workload.png``
(bar charts) in ``--out``.

The server is started with the harness's ``mlflow_golden._server`` (through ``BackendManager``) on
127.0.0.1 and always stopped (its process group is killed) also on failure. Every loop is bounded
(repeats x variants), every worker has a timeout. The store behind the server is pluggable
(``SERVER_STORES``); sqlite is the one available now.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

ROOT = Path(__file__).resolve().parent.parent
SRC = ROOT / "src"
VARIANTS = ("baseline", "current", "raw")
WORKER_TIMEOUT_S = 1800.0
LINEAGE_EXPERIMENT = "ner-final-training"
PARENT_TAG = "mlflow.parentRunId"
RUN_NAME_TAG = "mlflow.runName"
#: Tags MLflow's fluent API writes about the client process; the snapshot drops them too.
VOLATILE_TAG = re.compile(r"^(mlflow\.user|mlflow\.source\..*|mlflow\.git.*)$")
_RUN_ID = re.compile(r"(?<![0-9a-f])[0-9a-f]{12}(?:[0-9a-f]{20})?(?![0-9a-f])")
_PLACEHOLDER = re.compile(r"\{(run|run12):(\d+)\}")
ROOT_PLACEHOLDER = "{root}"

logger = logging.getLogger("tracking_workload")


# =============================================================================================
# Worker side: runs in a fresh interpreter per variant and repeat.


def sweep_shape(trials: int, folds: int) -> tuple[list[dict[str, Any]], list[list[float]]]:
    """Hyperparameters per trial (cycling the demo's grid) and a distinct objective per fold.

    Scores are binary fractions, so fold means are exact on every variant; trial 1 is the best.
    """
    grid = [
        {"learning_rate": lr, "batch_size": bs, "dropout": dr}
        for lr in (2e-5, 3e-5, 5e-5)
        for bs in (16, 32)
        for dr in (0.1, 0.2)
    ]
    params = [dict(grid[number % len(grid)], seed=number) for number in range(trials)]
    scores = [
        [(0.875 if number == 1 else 0.5) + (number % 8 + fold) / 256 for fold in range(folds)]
        for number in range(trials)
    ]
    return params, scores


def run_pipeline_workload(root: Path, uri: str, trials: int, folds: int) -> None:
    """The HPO pipeline through the project's public functions, then ``apply_lineage_tags``."""
    from pipeline_demo import pipeline

    from infrastructure.naming.context import NamingContext
    from infrastructure.naming.platform import detect_platform
    from training.execution.tags import apply_lineage_tags

    params, scores = sweep_shape(trials, folds)
    summary = pipeline.run_pipeline(root, tracking_uri=uri, trials=params, fold_scores=scores)
    context = NamingContext(
        "final_training",
        pipeline.MODEL,
        detect_platform(),
        spec_fp=pipeline.SPEC_FP,
        exec_fp=pipeline.EXEC_FP,
    )
    apply_lineage_tags(
        LINEAGE_EXPERIMENT,
        context,
        root / "outputs" / "final_training",
        root,
        root / "config",
        summary["final_training"]["lineage"],
    )


def _encode(value: str, index: Mapping[str, int], root: str) -> str:
    """Run ids (full or 12-character prefixes) -> ``{run:N}``/``{run12:N}``, the root -> ``{root}``."""

    def ref(match: re.Match[str]) -> str:
        token = match.group(0)
        for run_id, number in index.items():
            if token == run_id:
                return f"{{run:{number}}}"
            if len(token) == 12 and run_id.startswith(token):
                return f"{{run12:{number}}}"
        return token

    return _RUN_ID.sub(ref, value.replace(root, ROOT_PLACEHOLDER))


def make_replay_plan(raw: Any, root: str) -> dict[str, Any]:
    """What the raw client must recreate: experiments and runs in creation order, ids as refs."""
    index = {run.id: number for number, run in enumerate(raw.runs)}
    names = {exp.id: exp.name for exp in raw.experiments}
    runs = []
    for run in raw.runs:
        tags = {
            key: _encode(value, index, root)
            for key, value in run.tags.items()
            if value is not None and key != RUN_NAME_TAG and not VOLATILE_TAG.match(key)
        }
        runs.append(
            {
                "experiment": names[run.experiment_id],
                "name": run.name,
                "status": run.status,
                "ended": run.end_time is not None,
                "tags": tags,
                "params": {key: _encode(value, index, root) for key, value in run.params.items()},
                "metrics": run.metrics,
            }
        )
    experiments = [{"name": exp.name, "tags": exp.tags} for exp in raw.experiments if exp.id != "0"]
    return {"experiments": experiments, "runs": runs}


def _decode(value: str, ids: Sequence[str], root: str) -> str:
    def run_id(match: re.Match[str]) -> str:
        full = ids[int(match.group(2))]
        return full if match.group(1) == "run" else full[:12]

    return _PLACEHOLDER.sub(run_id, value.replace(ROOT_PLACEHOLDER, root))


def _refs(value: str) -> list[int]:
    return [int(match.group(2)) for match in _PLACEHOLDER.finditer(value)]


def replay_raw(plan: Mapping[str, Any], root: Path, uri: str) -> None:
    """The raw-client minimum: one create_run with all known tags per run, then end-of-run updates."""
    from mlflow.entities import Metric, Param, RunTag
    from mlflow.tracking import MlflowClient

    client = MlflowClient(tracking_uri=uri)
    experiment_ids = {
        exp["name"]: client.create_experiment(exp["name"], tags=exp["tags"] or None)
        for exp in plan["experiments"]
    }
    ids: list[str] = []
    deferred: list[dict[str, str]] = []
    for number, run in enumerate(plan["runs"]):
        known = {k: v for k, v in run["tags"].items() if all(ref < number for ref in _refs(v))}
        deferred.append({k: v for k, v in run["tags"].items() if k not in known})
        created = client.create_run(
            experiment_ids[run["experiment"]],
            run_name=run["name"],
            tags={key: _decode(value, ids, str(root)) for key, value in known.items()},
        )
        ids.append(created.info.run_id)
    now = int(time.time() * 1000)
    for number, run in enumerate(plan["runs"]):
        metrics = [
            Metric(key, value, now, step)
            for key, values in run["metrics"].items()
            for step, value in enumerate(values)
        ]
        params = [Param(key, _decode(value, ids, str(root))) for key, value in run["params"].items()]
        tags = [RunTag(key, _decode(value, ids, str(root))) for key, value in deferred[number].items()]
        if metrics or params or tags:
            client.log_batch(ids[number], metrics=metrics, params=params, tags=tags)
        if run["ended"]:
            client.set_terminated(ids[number], run["status"])


@contextmanager
def counting_rest_calls() -> Iterator[Counter[str]]:
    """Count every HTTP request the MLflow client sends, as ``METHOD /endpoint``."""
    import mlflow.store.tracking.rest_store as rest_store
    import mlflow.utils.rest_utils as rest_utils

    counts: Counter[str] = Counter()
    original = rest_utils.http_request

    def counted(host_creds: Any, endpoint: str, method: str, *args: Any, **kwargs: Any) -> Any:
        counts[f"{method} {endpoint}"] += 1
        return original(host_creds, endpoint, method, *args, **kwargs)

    modules = [
        module for module in (rest_utils, rest_store) if getattr(module, "http_request", None) is original
    ]
    for module in modules:
        module.http_request = counted  # type: ignore[attr-defined]
    try:
        yield counts
    finally:
        for module in modules:
            module.http_request = original  # type: ignore[attr-defined]


def worker(args: argparse.Namespace) -> int:
    """Run one variant once; write its counts, wall time, snapshot (and replay plan) as JSON."""
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
    raw = read_store(MlflowClient(tracking_uri=args.uri), log, tmp_path=str(root), tracking_uri=args.uri)
    result = {
        "variant": args.variant,
        "code_from": str(code_from),
        "wall_s": wall,
        "rest_calls": calls,
        "store_calls": dict(store_calls),
        "runs": len(raw.runs),
        "child_runs": sum(1 for run in raw.runs if run.tags.get(PARENT_TAG)),
        "snapshot": normalize(raw),
        "plan": make_replay_plan(raw, str(root)) if args.variant == "current" else None,
    }
    Path(args.out).write_text(json.dumps(result, sort_keys=True), encoding="utf-8")
    return 0


# =============================================================================================
# Orchestrator side.


class TrackingServer(Protocol):
    """A running ``mlflow server`` on 127.0.0.1 whose store can be emptied between runs."""

    url: str

    def reset(self) -> None: ...

    def close(self) -> None: ...


class SqliteServer:
    """The harness's sqlite-backed server (``BackendManager``: template DB, start, reset, stop)."""

    def __init__(self) -> None:
        from mlflow_golden._backends import BackendManager

        self._manager = BackendManager()
        self._manager.may_share_server = False
        try:
            self._endpoint = self._manager.server_endpoint()
        except BaseException:
            self._manager.close()
            raise
        self.url = self._endpoint.url
        seconds = self._manager.server_startup_seconds or 0.0
        logger.info("mlflow server (sqlite) on %s, started in %.1f s", self.url, seconds)

    def reset(self) -> None:
        from mlflow_golden._server import reset_database

        reset_database(self._endpoint)

    def close(self) -> None:
        self._manager.close()


#: Stores a benchmark server can run on (a PostgreSQL-backed one plugs in here).
SERVER_STORES: dict[str, Callable[[], TrackingServer]] = {"sqlite": SqliteServer}


@dataclass(frozen=True)
class VariantCode:
    """Where a variant imports the code under test from."""

    variant: str
    src: Path


def _python_path(src: Path) -> str:
    # The code under test first; then this checkout for pipeline_demo and (current) mlflow_golden.
    parts = [str(src), str(ROOT), str(SRC), os.environ.get("PYTHONPATH", "")]
    return os.pathsep.join(part for part in parts if part)


def run_worker(
    code: VariantCode, server: TrackingServer, args: argparse.Namespace, scratch: Path, plan: Path | None
) -> dict[str, Any]:
    """Empty the server, run one variant in its own interpreter, return what it measured."""
    server.reset()
    root = Path(tempfile.mkdtemp(prefix=f"{code.variant}-", dir=scratch))
    out = root / "result.json"
    command = [
        sys.executable, __file__, "--worker", code.variant, "--uri", server.url,
        "--root", str(root / "work"), "--out", str(out), "--expect-src", str(code.src),
        "--trials", str(args.trials), "--folds", str(args.folds),
    ]  # fmt: skip
    if plan is not None:
        command += ["--plan", str(plan)]
    env = {
        **os.environ,
        "PYTHONPATH": _python_path(code.src),
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
    return result


def check_same_contents(snapshots: Mapping[str, dict[str, Any]]) -> list[str]:
    """Variants whose final store contents differ from the baseline's (with a tree diff logged)."""
    from mlflow_golden._tree import tree_diff

    reference = snapshots[VARIANTS[0]]
    differing = []
    for variant, snapshot in snapshots.items():
        if snapshot != reference:
            logger.error(
                "%s left different store contents than %s:\n%s",
                variant,
                VARIANTS[0],
                tree_diff(reference, snapshot),
            )
            differing.append(variant)
    return differing


def summarize(results: Mapping[str, list[dict[str, Any]]]) -> dict[str, Any]:
    """Per variant: REST calls by endpoint, calls per child run, median wall time; then ratios."""
    variants: dict[str, Any] = {}
    for variant, runs in results.items():
        first = runs[0]
        if any(run["rest_calls"] != first["rest_calls"] for run in runs):
            raise RuntimeError(f"{variant}: REST calls differ between repeats (not deterministic)")
        total = sum(first["rest_calls"].values())
        variants[variant] = {
            "rest_calls": dict(sorted(first["rest_calls"].items())),
            "store_calls": dict(sorted(first["store_calls"].items())),
            "rest_calls_total": total,
            "runs": first["runs"],
            "child_runs": first["child_runs"],
            "calls_per_child_run": total / first["child_runs"],
            "wall_s_median": statistics.median(run["wall_s"] for run in runs),
            "wall_s_all": [run["wall_s"] for run in runs],
            "code_from": first["code_from"],
        }
    ratios = {}
    for other in ("baseline", "raw"):
        short = "a" if other == "baseline" else "c"
        ratios[f"b/{short}"] = {
            "calls": variants["current"]["rest_calls_total"] / variants[other]["rest_calls_total"],
            "wall": variants["current"]["wall_s_median"] / variants[other]["wall_s_median"],
        }
    return {"variants": variants, "ratios": ratios}


def table(summary: Mapping[str, Any]) -> str:
    """The human-readable report: totals per variant, ratios, then calls by endpoint."""
    variants = summary["variants"]
    lines = [
        f"{'variant':<10} {'runs':>5} {'children':>8} {'REST calls':>10} {'calls/child':>11}"
        f" {'wall s (median)':>15}",
    ]
    for name, data in variants.items():
        lines.append(
            f"{name:<10} {data['runs']:>5} {data['child_runs']:>8} {data['rest_calls_total']:>10}"
            f" {data['calls_per_child_run']:>11.2f} {data['wall_s_median']:>15.2f}"
        )
    lines.append("")
    for label, ratio in summary["ratios"].items():
        lines.append(f"{label}: calls x{ratio['calls']:.2f}, wall time x{ratio['wall']:.2f}")
    lines.append("")
    endpoints = sorted({endpoint for data in variants.values() for endpoint in data["rest_calls"]})
    lines.append(f"{'endpoint':<44}" + "".join(f" {name:>9}" for name in variants))
    for endpoint in endpoints:
        lines.append(
            f"{endpoint:<44}"
            + "".join(f" {data['rest_calls'].get(endpoint, 0):>9}" for data in variants.values())
        )
    return "\n".join(lines) + "\n"


def chart(summary: Mapping[str, Any], path: Path, title: str) -> None:
    """Two bar charts: REST calls per child run, and median wall time, per variant."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = list(summary["variants"])
    data = summary["variants"]
    figure, (calls_axis, wall_axis) = plt.subplots(1, 2, figsize=(9, 3.8))
    for axis, key, label, fmt in (
        (calls_axis, "calls_per_child_run", "REST calls per child run", "{:.2f}"),
        (wall_axis, "wall_s_median", "wall time, s (median)", "{:.1f}"),
    ):
        values = [data[name][key] for name in names]
        bars = axis.bar(names, values, color=["#7f7f7f", "#1f77b4", "#2ca02c"][: len(names)])
        axis.bar_label(bars, labels=[fmt.format(value) for value in values])
        axis.set_title(label)
        axis.set_ylim(0, max(values) * 1.2)
    figure.suptitle(title)
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)


def orchestrate(args: argparse.Namespace) -> int:
    from mlflow_golden import _gitrev as gitrev

    out_dir = Path(args.out).resolve()
    out_dir.mkdir(parents=True, exist_ok=True)
    repo = gitrev.repo_root(ROOT)
    baseline_sha = gitrev.resolve_revision(args.baseline, repo)
    results: dict[str, list[dict[str, Any]]] = {variant: [] for variant in VARIANTS}
    with (
        tempfile.TemporaryDirectory(prefix="tracking-workload-") as scratch_dir,
        gitrev.worktree(repo, baseline_sha) as tree,
    ):
        scratch = Path(scratch_dir)
        codes = {
            "baseline": VariantCode("baseline", tree / ROOT.relative_to(repo) / "src"),
            "current": VariantCode("current", SRC),
            "raw": VariantCode("raw", SRC),
        }
        server = SERVER_STORES[args.store]()
        try:
            plan_path = scratch / "replay-plan.json"
            for repeat in range(args.repeats):
                # Rotate the order from the second repeat on (the first one makes the replay plan for
                # raw), so no variant always runs first or right after another.
                shift = repeat % len(VARIANTS) if repeat else 0
                for variant in VARIANTS[shift:] + VARIANTS[:shift]:
                    plan = plan_path if variant == "raw" else None
                    result = run_worker(codes[variant], server, args, scratch, plan)
                    if variant == "current" and not plan_path.exists():
                        plan_path.write_text(json.dumps(result["plan"]), encoding="utf-8")
                    logger.info(
                        "repeat %d %-8s %5d REST calls %7.2f s",
                        repeat + 1,
                        variant,
                        sum(result["rest_calls"].values()),
                        result["wall_s"],
                    )
                    results[variant].append(result)
        finally:
            server.close()
    for repeat in range(args.repeats):
        differing = check_same_contents(
            {variant: results[variant][repeat]["snapshot"] for variant in VARIANTS}
        )
        if differing:
            logger.error("final store contents differ (%s): the comparison is not fair", ", ".join(differing))
            return 1
    summary = summarize(results)
    summary["setup"] = {
        "baseline_revision": baseline_sha,
        "store": args.store,
        "trials": args.trials,
        "folds": args.folds,
        "repeats": args.repeats,
        "python": sys.version.split()[0],
        "store_contents_equal": True,
    }
    report = table(summary)
    sys.stdout.write(report)
    (out_dir / "tracking_workload.json").write_text(
        json.dumps(summary, indent=2, sort_keys=True) + "\n", encoding="utf-8"
    )
    (out_dir / "tracking_workload.txt").write_text(report, encoding="utf-8")
    title = (
        f"HPO workload, {args.trials} trials x {args.folds} folds, mlflow server ({args.store}), 127.0.0.1"
    )
    chart(summary, out_dir / "tracking_workload.png", title)
    logger.info("wrote %s/tracking_workload.{json,txt,png}", out_dir)
    return 0


def parse(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3, help="runs per variant; wall time is their median")
    parser.add_argument("--trials", type=int, default=20)
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--baseline", default="c90d8b4", help="git revision of the baseline code")
    parser.add_argument("--store", choices=sorted(SERVER_STORES), default="sqlite", help="the server's store")
    parser.add_argument("--out", default=str(ROOT / "build" / "tracking_workload"), help="output folder")
    # worker mode (internal)
    parser.add_argument("--worker", choices=VARIANTS, dest="variant", help=argparse.SUPPRESS)
    for name in ("--uri", "--root", "--expect-src", "--plan"):
        parser.add_argument(name, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.repeats < 1 or args.trials < 2 or args.folds < 1:
        parser.error("need --repeats >= 1, --trials >= 2 (trial 1 is the best), --folds >= 1")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    args = parse(argv)
    if args.variant:
        return worker(args)
    return orchestrate(args)


if __name__ == "__main__":
    sys.exit(main())
