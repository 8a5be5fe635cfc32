"""Per-scenario overhead of the mlflow_golden harness, per backend, and the sqlite template gain.

    .venv/bin/python benchmarks/harness_overhead.py [--repeat N] [--backends file sqlite server]

For each backend a throwaway pytest project runs one small scenario (an experiment, a parent run,
three tagged child runs, all ended) N times in two ways, in one pytest subprocess that loads the
real plugin:

- bare: the same MLflow calls on a plain store prepared outside the timed region (file: an empty
  folder; sqlite: a copy of an already migrated database; server: the harness's server, emptied);
  timed: the test's call phase only.
- harnessed: the test uses the ``golden`` fixture and calls ``golden.check()``: the harness's
  per-test store, isolation, deterministic clock, creation recorder, capture, normalization,
  serialization and golden file write (``--golden-update``); timed: setup + call + teardown.

Overhead = median(harnessed) - median(bare). The first few scenarios of each kind are warm-up and
not counted. Separately, in this process: creating a fresh migrated sqlite schema versus the
harness's per-test template copy (``BackendManager.new_store``), each followed by opening the store.

Targets: overhead < 20 ms per scenario on file and sqlite (the server backend is reported, without
target: every call is an HTTP round trip); template copy >= 10x faster than a fresh schema.
Exit code 1 when a measured target is missed.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from textwrap import dedent

ROOT = Path(__file__).resolve().parent.parent
SRC = ROOT / "src"
BACKENDS = ("file", "sqlite", "server")
OVERHEAD_TARGET_MS = {"file": 20.0, "sqlite": 20.0}
TEMPLATE_SPEEDUP_TARGET = 10.0
WARMUP = 3
DURATIONS_ENV = "HARNESS_BENCH_DURATIONS"

CONFTEST = f'''\
import json
import os
import time

import pytest

pytest_plugins = ["mlflow_golden.plugin"]

_durations = dict()


def pytest_collection_modifyitems(items):
    """Alternate bare and harnessed scenarios, so a load change on the machine hits both alike."""
    items.sort(key=lambda item: (item.callspec.params["index"], item.name))


def _timed(phase):
    @pytest.hookimpl(wrapper=True)
    def hook(item):
        wall, cpu = time.perf_counter(), time.process_time()
        try:
            return (yield)
        finally:
            row = _durations.setdefault(item.nodeid, dict())
            row[phase] = time.perf_counter() - wall
            row[phase + "_cpu"] = time.process_time() - cpu
    return hook


pytest_runtest_setup = _timed("setup")
pytest_runtest_call = _timed("call")
pytest_runtest_teardown = _timed("teardown")


def pytest_sessionfinish(session):
    with open(os.environ["{DURATIONS_ENV}"], "w", encoding="utf-8") as handle:
        json.dump(_durations, handle)
'''

SCENARIOS = '''\
import os
import shutil

import mlflow
import pytest
from mlflow.store.tracking.sqlalchemy_store import SqlAlchemyStore

from mlflow_golden import _backends as backends, _server as server
from mlflow_golden._session import backend_of

REPEAT = %d


def scenario():
    """An experiment, a parent run, three child runs with tags; every run ended."""
    mlflow.set_experiment("bench")
    with mlflow.start_run(run_name="parent") as parent:
        for index in range(3):
            with mlflow.start_run(run_name=f"child_{index}", nested=True, tags={"fold": str(index)}):
                mlflow.set_tag("stage", "cv")
    return parent.info.run_id


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory):
    path = tmp_path_factory.mktemp("template") / "template.db"
    uri = f"sqlite:///{path}"
    SqlAlchemyStore(uri, str(path.parent / "artifacts")).engine.dispose()
    SqlAlchemyStore._engine_map.pop(uri, None)
    return path


@pytest.fixture(scope="session")
def bench_server(request):
    if backend_of(request.config) != "server":
        yield None
        return
    manager = backends.acquire_manager()
    try:
        yield manager.server_endpoint()
    finally:
        backends.release_manager()


@pytest.fixture
def bare_store(request, tmp_path, monkeypatch, sqlite_template, bench_server):
    """A plain store for the bare scenario, made before the timed call phase."""
    backend = backend_of(request.config)
    for name in [name for name in os.environ if name.startswith("MLFLOW_")]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("MLFLOW_DISABLE_TELEMETRY", "true")
    if backend == "file":
        monkeypatch.setenv("MLFLOW_ALLOW_FILE_STORE", "true")
        uri = (tmp_path / "mlruns").as_uri()
    elif backend == "sqlite":
        shutil.copyfile(sqlite_template, tmp_path / "mlflow.db")
        uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    else:
        server.reset_database(bench_server)
        uri = bench_server.url
    monkeypatch.chdir(tmp_path)
    mlflow.set_tracking_uri(uri)
    yield uri
    while mlflow.active_run() is not None:
        mlflow.end_run()
    mlflow.tracking.fluent._active_experiment_id = None
    engine = SqlAlchemyStore._engine_map.pop(uri, None)
    if engine is not None:
        engine.dispose()


@pytest.mark.parametrize("index", range(REPEAT))
def test_bare(index, bare_store):
    scenario()


@pytest.mark.parametrize("index", range(REPEAT))
def test_harnessed(index, golden):
    golden.check(result=scenario())
'''


@dataclass(frozen=True)
class BackendResult:
    """Medians in ms; ``*_cpu_ms`` count this process's CPU time only (robust to a busy machine)."""

    backend: str
    scenarios: int
    bare_ms: float
    harnessed_ms: float
    setup_ms: float
    call_ms: float
    teardown_ms: float
    bare_cpu_ms: float
    harnessed_cpu_ms: float

    @property
    def overhead_ms(self) -> float:
        return self.harnessed_ms - self.bare_ms

    @property
    def overhead_cpu_ms(self) -> float:
        return self.harnessed_cpu_ms - self.bare_cpu_ms

    @property
    def target_ms(self) -> float | None:
        return OVERHEAD_TARGET_MS.get(self.backend)


def _median_ms(values: list[float]) -> float:
    return statistics.median(values) * 1000.0


def measure_backend(backend: str, repeat: int) -> BackendResult:
    """Run the bare and harnessed scenarios in one pytest subprocess on ``backend``."""
    with tempfile.TemporaryDirectory(prefix="harness-bench-") as folder:
        project = Path(folder)
        (project / "tests" / "golden").mkdir(parents=True)
        (project / "conftest.py").write_text(CONFTEST, encoding="utf-8")
        (project / "tests" / "golden" / "test_bench.py").write_text(SCENARIOS % repeat, encoding="utf-8")
        (project / "pytest.ini").write_text(
            dedent(
                """\
                [pytest]
                addopts = -p no:cacheprovider -p no:randomly
                """
            ),
            encoding="utf-8",
        )
        durations_file = project / "durations.json"
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(p for p in (str(SRC), env.get("PYTHONPATH")) if p)
        env[DURATIONS_ENV] = str(durations_file)
        command = [
            sys.executable, "-m", "pytest", "-q", "tests/golden",
            "--golden-backend", backend, "--golden-update",
        ]  # fmt: skip
        completed = subprocess.run(command, cwd=project, env=env, capture_output=True, text=True, check=False)
        if completed.returncode != 0:
            raise SystemExit(f"benchmark run on {backend} failed:\n{completed.stdout}\n{completed.stderr}")
        durations: dict[str, dict[str, float]] = json.loads(durations_file.read_text(encoding="utf-8"))

    def phases(test: str) -> list[dict[str, float]]:
        rows = [value for nodeid, value in durations.items() if f"::{test}[" in nodeid]
        return rows[WARMUP:]

    bare = phases("test_bare")
    harnessed = phases("test_harnessed")

    def total(row: dict[str, float], suffix: str = "") -> float:
        return row["setup" + suffix] + row["call" + suffix] + row["teardown" + suffix]

    return BackendResult(
        backend=backend,
        scenarios=len(harnessed),
        bare_ms=_median_ms([row["call"] for row in bare]),
        harnessed_ms=_median_ms([total(row) for row in harnessed]),
        setup_ms=_median_ms([row["setup"] for row in harnessed]),
        call_ms=_median_ms([row["call"] for row in harnessed]),
        teardown_ms=_median_ms([row["teardown"] for row in harnessed]),
        bare_cpu_ms=_median_ms([row["call_cpu"] for row in bare]),
        harnessed_cpu_ms=_median_ms([total(row, "_cpu") for row in harnessed]),
    )


@dataclass(frozen=True)
class TemplateResult:
    fresh_ms: float
    copy_ms: float
    copy_open_ms: float

    @property
    def speedup(self) -> float:
        return self.fresh_ms / self.copy_open_ms


def measure_template(repeat: int, fresh_repeat: int) -> TemplateResult:
    """Fresh migrated schema vs the harness's template copy, each followed by opening the store."""
    sys.path.insert(0, str(SRC))
    os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")
    from mlflow.store.tracking.sqlalchemy_store import SqlAlchemyStore

    from mlflow_golden._backends import BackendManager

    logging.getLogger("mlflow").setLevel(logging.WARNING)  # no "Creating initial tables" lines

    def open_store(uri: str, artifacts: Path) -> None:
        SqlAlchemyStore(uri, str(artifacts)).engine.dispose()  # type: ignore[no-untyped-call]
        SqlAlchemyStore._engine_map.pop(uri, None)

    with tempfile.TemporaryDirectory(prefix="harness-bench-sqlite-") as folder:
        root = Path(folder)
        fresh: list[float] = []
        for index in range(fresh_repeat):
            path = root / f"fresh-{index}.db"
            began = time.perf_counter()
            open_store(f"sqlite:///{path}", root / "artifacts")
            fresh.append(time.perf_counter() - began)
        manager = BackendManager()
        try:
            manager.template()  # built once per session by the harness, not per test
            copies: list[float] = []
            copies_open: list[float] = []
            for index in range(repeat):
                test_dir = root / f"test-{index}"
                test_dir.mkdir()
                began = time.perf_counter()
                location = manager.new_store("sqlite", test_dir)
                copied = time.perf_counter()
                open_store(location.uri, test_dir / "artifacts")
                copies.append(copied - began)
                copies_open.append(time.perf_counter() - began)
        finally:
            manager.close()
    return TemplateResult(_median_ms(fresh), _median_ms(copies), _median_ms(copies_open))


def _verdict(met: bool) -> str:
    return "met" if met else "MISSED"


def report(results: list[BackendResult], template: TemplateResult | None) -> tuple[str, bool]:
    """The printed table and whether every measured target was met (judged on wall time)."""
    ok = True
    lines = [
        f"{'backend':<8} {'n':>3} {'bare ms':>8} {'harness ms':>10} {'overhead ms':>11} {'ratio':>6}"
        f" {'setup/call/teardown':>20} {'cpu overhead ms':>15}  target",
    ]
    for result in results:
        if result.target_ms is None:
            target = "(none)"
        else:
            met = result.overhead_ms < result.target_ms
            ok &= met
            target = f"< {result.target_ms:.0f} ms: {_verdict(met)}"
        phases = f"{result.setup_ms:.1f}/{result.call_ms:.1f}/{result.teardown_ms:.1f}"
        ratio = result.harnessed_ms / result.bare_ms
        cpu = result.overhead_cpu_ms
        lines.append(
            f"{result.backend:<8} {result.scenarios:>3} {result.bare_ms:>8.1f} {result.harnessed_ms:>10.1f}"
            f" {result.overhead_ms:>11.1f} {ratio:>5.2f}x {phases:>20} {cpu:>15.1f}  {target}"
        )
    if template is not None:
        met = template.speedup >= TEMPLATE_SPEEDUP_TARGET
        ok &= met
        lines.append("")
        lines.append(
            f"sqlite store per test: fresh schema {template.fresh_ms:.0f} ms; template copy"
            f" {template.copy_ms:.1f} ms (copy + open {template.copy_open_ms:.1f} ms):"
            f" {template.speedup:.0f}x faster (target >= {TEMPLATE_SPEEDUP_TARGET:.0f}x: {_verdict(met)})"
        )
    load = os.getloadavg()[0]
    cores = os.cpu_count() or 1
    lines.append("")
    busy = ": the machine is busy, wall times are inflated (the cpu column is less affected)"
    lines.append(f"load average {load:.1f} on {cores} cores" + (busy if load > cores else ""))
    return "\n".join(lines), ok


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=30, help="scenarios per backend and kind (default 30)")
    parser.add_argument("--backends", nargs="+", choices=BACKENDS, default=list(BACKENDS))
    parser.add_argument(
        "--fresh-repeat", type=int, default=3, help="fresh sqlite schemas to time (default 3)"
    )
    parser.add_argument("--no-template", action="store_true", help="skip the sqlite template measurement")
    args = parser.parse_args(argv)
    if args.repeat <= WARMUP:
        parser.error(f"--repeat must exceed the {WARMUP} warm-up scenarios")
    results = []
    for backend in args.backends:
        began = time.perf_counter()
        results.append(measure_backend(backend, args.repeat))
        sys.stderr.write(f"{backend}: measured in {time.perf_counter() - began:.0f} s\n")
    template = None if args.no_template else measure_template(args.repeat, args.fresh_repeat)
    table, ok = report(results, template)
    sys.stdout.write(table + "\n")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
