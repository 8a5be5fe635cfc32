"""Parallel writers and lock-free readers on the local run index and the run-name counter.

    .venv/bin/python benchmarks/lock_stress.py [--processes 8] [--writes 40] [--readers 2] [--json]
    .venv/bin/python benchmarks/lock_stress.py --baseline c90d8b4   # before (REV's code) vs after

Index phase: ``--processes`` processes each record ``--writes`` distinct run keys with
``update_mlflow_index`` into one index, while ``--readers`` processes call
``find_in_mlflow_index`` (a lock-free read of the whole file) until the writers are done.
Counter phase: the same number of processes each reserve and then commit ``--writes`` run-name
versions of one counter key, while readers parse the counter file.

Figures per phase: entries expected vs found in the final file, writer errors (by type), reads
and reads that failed to parse, files left next to the index/counter (lock or temp files),
duplicate versions handed out for distinct reservations, the wall time, and the slowest single
call (lock wait included; compare it with the lock timeout).

With ``--baseline REV`` the workload runs twice in subprocesses, first on REV's ``src`` (a
temporary git worktree, removed afterwards) and then on this tree's ``src``, and both sets of
figures are printed. The exit code is 1 when the current code shows any loss or error.
Workers are forked (POSIX only); every wait is bounded.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import multiprocessing
import os
import queue
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from multiprocessing.synchronize import Event
from pathlib import Path
from typing import Any, Dict, List

ROOT = Path(__file__).resolve().parent.parent
SRC = ROOT / "src"
URI = "file:///stress/mlruns"
COUNTER_KEY = "stress:hpo:" + "0" * 64 + ":local"
START_TIMEOUT = 60.0
PHASE_TIMEOUT = 300.0
MAX_READS = 200_000
# Readers spin; a lower priority keeps them from starving the writers of CPU on a small machine.
READER_NICENESS = 10
INDEX_FILE = "mlflow_index.json"
COUNTER_FILE = "run_name_counter.json"


def run_key_hash(process: int, write: int) -> str:
    return hashlib.sha256(f"stress:{process}:{write}".encode()).hexdigest()


def _index_writer(root: Path, process: int, writes: int, start: Event, results: Any) -> None:
    from infrastructure.tracking.mlflow.index import update_mlflow_index

    start.wait(START_TIMEOUT)
    errors: List[str] = []
    slowest = 0.0
    for write in range(writes):
        began = time.perf_counter()
        try:
            update_mlflow_index(root, run_key_hash(process, write), f"run-{process}-{write}", "1", URI)
        except Exception as exc:
            errors.append(type(exc).__name__)
        slowest = max(slowest, time.perf_counter() - began)
    results.put({"role": "writer", "errors": errors, "slowest": slowest})


def _index_reader(root: Path, start: Event, stop: Event, results: Any) -> None:
    from infrastructure.tracking.mlflow.index import find_in_mlflow_index, get_mlflow_index_path

    def read_once() -> Any:
        return find_in_mlflow_index(root, run_key_hash(0, 0), URI)

    _read_until_stopped(get_mlflow_index_path(root), read_once, start, stop, results)


def _read_until_stopped(
    path: Path, read_once: Callable[[], Any], start: Event, stop: Event, results: Any
) -> None:
    """Call ``read_once`` (lock-free, parses the whole file) until ``stop``; count reads that raise."""
    os.nice(READER_NICENESS)
    start.wait(START_TIMEOUT)
    reads = failed = 0
    for _ in range(MAX_READS):
        if stop.is_set():
            break
        if not path.exists():
            continue  # not written yet
        reads += 1
        try:
            read_once()
        except Exception:
            failed += 1
    results.put({"role": "reader", "reads": reads, "failed": failed})


def _counter_worker(root: Path, process: int, writes: int, start: Event, results: Any) -> None:
    from infrastructure.tracking.mlflow.version_counter import (
        commit_run_name_version,
        reserve_run_name_version,
    )

    start.wait(START_TIMEOUT)
    errors: List[str] = []
    reserved: List[int] = []
    committed = 0
    slowest = 0.0
    for write in range(writes):
        run_id = f"run-{process}-{write}"
        began = time.perf_counter()
        try:
            version = reserve_run_name_version(COUNTER_KEY, run_id, root)
            reserved.append(version)
            committed += bool(commit_run_name_version(COUNTER_KEY, run_id, version, root))
        except Exception as exc:
            errors.append(type(exc).__name__)
        slowest = max(slowest, time.perf_counter() - began)
    results.put(
        {"role": "writer", "errors": errors, "versions": reserved, "committed": committed, "slowest": slowest}
    )


def _counter_reader(root: Path, start: Event, stop: Event, results: Any) -> None:
    from infrastructure.tracking.mlflow.version_counter import get_run_name_counter_path

    path = get_run_name_counter_path(root)
    _read_until_stopped(path, lambda: json.loads(path.read_text(encoding="utf-8")), start, stop, results)


def _run_phase(
    writer: Any, reader: Any, root: Path, processes: int, writes: int, readers: int
) -> Dict[str, Any]:
    """Fork writers and readers, start them together, stop readers when writers end; collect results."""
    ctx = multiprocessing.get_context("fork")
    start, stop, results = ctx.Event(), ctx.Event(), ctx.Queue()
    writer_procs = [
        ctx.Process(target=writer, args=(root, p, writes, start, results)) for p in range(processes)
    ]
    reader_procs = [ctx.Process(target=reader, args=(root, start, stop, results)) for _ in range(readers)]
    for proc in writer_procs + reader_procs:
        proc.start()
    began = time.perf_counter()
    start.set()
    deadline = began + PHASE_TIMEOUT
    for proc in writer_procs:
        proc.join(max(deadline - time.perf_counter(), 0.0))
    seconds = time.perf_counter() - began
    stop.set()
    for proc in reader_procs:
        proc.join(max(deadline - time.perf_counter(), 1.0))
    hung = [proc for proc in writer_procs + reader_procs if proc.is_alive()]
    for proc in hung:
        proc.terminate()
    collected = []
    for _ in range(len(writer_procs) + len(reader_procs) - len(hung)):
        try:
            collected.append(results.get(timeout=10.0))
        except queue.Empty:
            break  # a worker died without reporting; its writes count as lost
    writer_results = [r for r in collected if r["role"] == "writer"]
    reader_results = [r for r in collected if r["role"] == "reader"]
    errors = Counter(e for r in writer_results for e in r["errors"])
    return {
        "processes": processes,
        "writes_each": writes,
        "expected": processes * writes,
        "writer_errors": sum(errors.values()),
        "error_types": dict(errors),
        "reads": sum(r["reads"] for r in reader_results),
        "failed_reads": sum(r["failed"] for r in reader_results),
        "hung_processes": len(hung),
        "seconds": round(seconds, 2),
        "slowest_call_seconds": round(max((r["slowest"] for r in writer_results), default=0.0), 2),
        "writers": writer_results,
    }


def _final_file(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _leftovers(folder: Path, keep: str) -> List[str]:
    return sorted(entry.name for entry in folder.iterdir() if entry.name != keep)


def stress_index(root: Path, processes: int, writes: int, readers: int) -> Dict[str, Any]:
    """Index phase figures (see the module docstring)."""
    from infrastructure.tracking.mlflow.index import get_mlflow_index_path

    path = get_mlflow_index_path(root)
    figures = _run_phase(_index_writer, _index_reader, root, processes, writes, readers)
    figures.pop("writers")
    final = _final_file(path)
    expected = {run_key_hash(p, w) for p in range(processes) for w in range(writes)}
    figures["final_file_parses"] = final is not None
    figures["found"] = len(expected & set(final)) if isinstance(final, dict) else 0
    figures["lost"] = figures["expected"] - figures["found"]
    figures["leftovers"] = _leftovers(path.parent, INDEX_FILE)
    return figures


def stress_counter(root: Path, processes: int, writes: int, readers: int) -> Dict[str, Any]:
    """Counter phase figures: reservations, commits, duplicates and what the final file holds."""
    from infrastructure.tracking.mlflow.version_counter import get_run_name_counter_path

    path = get_run_name_counter_path(root)
    figures = _run_phase(_counter_worker, _counter_reader, root, processes, writes, readers)
    writers = figures.pop("writers")
    versions = [v for r in writers for v in r["versions"]]
    final = _final_file(path)
    allocations = final.get("allocations", []) if isinstance(final, dict) else []
    committed_run_ids = {
        a.get("run_id")
        for a in allocations
        if a.get("counter_key") == COUNTER_KEY and a.get("status") == "committed"
    }
    expected_run_ids = {f"run-{p}-{w}" for p in range(processes) for w in range(writes)}
    figures["final_file_parses"] = final is not None
    figures["reservations"] = len(versions)
    figures["duplicate_versions"] = len(versions) - len(set(versions))
    figures["commits_matched"] = sum(r["committed"] for r in writers)
    figures["found"] = len(expected_run_ids & committed_run_ids)
    figures["lost"] = figures["expected"] - figures["found"]
    figures["leftovers"] = _leftovers(path.parent, COUNTER_FILE)
    return figures


def run_all(processes: int, writes: int, readers: int) -> Dict[str, Any]:
    """Both phases in fresh temporary roots; records which ``infrastructure`` package ran."""
    import infrastructure

    with tempfile.TemporaryDirectory(prefix="lock-stress-") as tmp:
        index = stress_index(Path(tmp) / "index", processes, writes, readers)
        counter = stress_counter(Path(tmp) / "counter", processes, writes, readers)
    return {"code": str(Path(infrastructure.__file__).parent.parent), "index": index, "counter": counter}


def _in_subprocess(src: Path, args: argparse.Namespace) -> Dict[str, Any]:
    env = {**os.environ, "PYTHONPATH": str(src)}
    command = [sys.executable, __file__, "--json", "--processes", str(args.processes)]
    command += ["--writes", str(args.writes), "--readers", str(args.readers)]
    completed = subprocess.run(command, env=env, capture_output=True, text=True, check=False, timeout=900)
    if completed.returncode not in (0, 1):
        raise RuntimeError(f"stress run on {src} failed: {completed.stderr.strip()}")
    result: Dict[str, Any] = json.loads(completed.stdout)
    return result


def is_clean(figures: Dict[str, Any]) -> bool:
    """No loss, no error, every read parsed, nothing left behind, no duplicate version."""
    return all(
        figures[phase]["lost"] == 0
        and figures[phase]["writer_errors"] == 0
        and figures[phase]["failed_reads"] == 0
        and figures[phase]["hung_processes"] == 0
        and not figures[phase]["leftovers"]
        and figures[phase].get("duplicate_versions", 0) == 0
        for phase in ("index", "counter")
    )


_ROWS = (
    ("entries expected", "expected"),
    ("entries found", "found"),
    ("writer errors", "writer_errors"),
    ("error types", "error_types"),
    ("reads", "reads"),
    ("failed reads", "failed_reads"),
    ("final file parses", "final_file_parses"),
    ("leftover files", "leftovers"),
    ("duplicate versions", "duplicate_versions"),
    ("commits matched", "commits_matched"),
    ("seconds", "seconds"),
    ("slowest call (s)", "slowest_call_seconds"),
)


def _print_table(columns: Dict[str, Dict[str, Any]]) -> None:
    for phase in ("index", "counter"):
        print(f"\n{phase}: {next(iter(columns.values()))[phase]['processes']} processes x "
              f"{next(iter(columns.values()))[phase]['writes_each']} writes")
        print(f"  {'':20}" + "".join(f"{name:>34}" for name in columns))
        for label, key in _ROWS:
            cells = [str(figures[phase].get(key, "-")) for figures in columns.values()]
            print(f"  {label:20}" + "".join(f"{cell:>34}" for cell in cells))


def main(argv: List[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--processes", type=int, default=8)
    parser.add_argument("--writes", type=int, default=40)
    parser.add_argument("--readers", type=int, default=2)
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument("--baseline", metavar="REV", help="also run on REV's code and compare")
    args = parser.parse_args(argv)

    if args.baseline:
        sys.path.insert(0, str(SRC))
        from mlflow_golden import _gitrev as gitrev

        repo = gitrev.repo_root(ROOT)
        with gitrev.worktree(repo, args.baseline) as tree:
            before = _in_subprocess(tree / ROOT.relative_to(repo) / "src", args)
        after = _in_subprocess(SRC, args)
        columns = {f"before ({args.baseline})": before, "after (this tree)": after}
        if args.json:
            print(json.dumps(columns, indent=2))
        else:
            _print_table(columns)
        return 0 if is_clean(after) else 1

    figures = run_all(args.processes, args.writes, args.readers)
    if args.json:
        print(json.dumps(figures, indent=2))
    else:
        _print_table({"this tree": figures})
    return 0 if is_clean(figures) else 1


if __name__ == "__main__":
    sys.exit(main())
