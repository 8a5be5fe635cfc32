"""The pytest plugin: options, the ``tracking_store``/``golden``/``store_faults`` fixtures, golden
file status per test, and orphan detection. The work is done by the other modules; this file only
wires them to pytest.
"""

from __future__ import annotations

import logging
import sys
import warnings
from collections.abc import Generator, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import mlflow
import pytest
from mlflow.tracking import MlflowClient

from mlflow_golden import azureml_scheme, backends, budgets, faults, golden_paths, isolation, orphans
from mlflow_golden.capture import RawSnapshot, capture
from mlflow_golden.determinism import deterministic
from mlflow_golden.faults import StoreFaults
from mlflow_golden.normalize import HarnessError, normalize
from mlflow_golden.recorder import CreationLog, Recorder
from mlflow_golden.report import mismatch_report
from mlflow_golden.snapshot import GoldenFileError, dumps, load

_logger = logging.getLogger(__name__)

#: Per-test golden status key in ``item.user_properties``: ("golden", status).
STATUS_PROPERTY = "golden"
STATUSES = ("ok", "differs", "missing", "written")

_SESSION_KEY = pytest.StashKey["_SessionState"]()
_CALL_REPORT_KEY = pytest.StashKey[pytest.TestReport]()


@dataclass
class _SessionState:
    golden_dir: Path
    update: bool
    backend: str
    manager: backends.BackendManager


# -- options and session ---------------------------------------------------------------------------
def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("mlflow_golden", "golden MLflow snapshots (mlflow_golden)")
    group.addoption(
        "--golden-update",
        action="store_true",
        default=False,
        help="write golden files instead of comparing; delete orphan golden files",
    )
    group.addoption(
        "--golden-dir", default=None, metavar="DIR", help="golden files (default: <rootdir>/golden)"
    )
    group.addoption(
        "--mlflow-backend",
        default="file",
        choices=backends.BACKENDS,
        help="tracking store each test gets (default: file)",
    )
    group.addoption(
        "--target-src",
        default=None,
        metavar="DIR",
        help="import the code under test from DIR/src (or DIR); the harness itself stays current",
    )


def _apply_target_src(config: pytest.Config, value: str) -> None:
    target = Path(value).expanduser().resolve()
    if not target.is_dir():
        raise pytest.UsageError(f"--target-src: no such directory: {value} (resolved to {target})")
    root = target / "src" if (target / "src").is_dir() else target
    sys.path.insert(0, str(root))
    own_src = (config.rootpath / "src").resolve()
    if own_src == root:
        return
    for name, module in list(sys.modules.items()):
        if name == "mlflow_golden" or name.startswith("mlflow_golden."):
            continue
        file = getattr(module, "__file__", None)
        if file and Path(file).resolve().is_relative_to(own_src):
            del sys.modules[name]
    _logger.info("--target-src: importing code under test from %s", root)


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "harness_server: needs a real mlflow server subprocess")
    config.addinivalue_line("markers", "golden_as(module): use the golden files of another test module")
    config.addinivalue_line("markers", budgets.MARKER_HELP)
    target = config.getoption("target_src")
    if target:
        _apply_target_src(config, target)
    isolation.disable_telemetry()
    azureml_scheme.register()
    golden_dir = config.getoption("golden_dir")
    state = _SessionState(
        golden_dir=Path(golden_dir).resolve() if golden_dir else config.rootpath / "golden",
        update=bool(config.getoption("golden_update")),
        backend=config.getoption("mlflow_backend"),
        manager=backends.acquire_manager(xdist_worker=hasattr(config, "workerinput")),
    )
    config.stash[_SESSION_KEY] = state
    config.pluginmanager.register(orphans.OrphanJudge(state.golden_dir, state.update), orphans.PLUGIN_NAME)


def pytest_unconfigure(config: pytest.Config) -> None:
    if _SESSION_KEY in config.stash:
        del config.stash[_SESSION_KEY]
        backends.release_manager()


def pytest_report_header(config: pytest.Config) -> str:
    state = config.stash[_SESSION_KEY]
    mode = "update" if state.update else "compare"
    return f"mlflow_golden: backend={state.backend} golden-dir={state.golden_dir} mode={mode}"


# -- fixtures --------------------------------------------------------------------------------------
@dataclass
class TrackingStore:
    """The test's isolated tracking store (see the ``tracking_store`` fixture)."""

    uri: str
    azureml_uri: str
    client: MlflowClient
    backend: str
    tmp_path: Path
    store_class: type
    creation_log: CreationLog

    def use_azureml(self) -> None:
        """Make the azureml URI the global tracking URI (and env MLFLOW_TRACKING_URI)."""
        mlflow.set_tracking_uri(self.azureml_uri)


@pytest.fixture
def tracking_store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[TrackingStore]:
    """A fresh, isolated MLflow tracking store for this test on the chosen backend."""
    state = request.config.stash[_SESSION_KEY]
    location = state.manager.new_store(state.backend, tmp_path)
    with ExitStack() as stack:
        stack.enter_context(
            isolation.isolated_environment({**location.env, "MLFLOW_TRACKING_URI": location.uri})
        )
        stack.enter_context(isolation.working_directory(tmp_path))
        stack.callback(state.manager.release, location)
        stack.callback(azureml_scheme.set_target, None)
        azureml_scheme.set_target(location.uri)
        stack.enter_context(isolation.tracking_uri(location.uri))
        stack.enter_context(deterministic())
        log = stack.enter_context(Recorder().installed(backends.STORE_CLASSES.values()))
        stack.callback(_reset_fluent)
        yield TrackingStore(
            uri=location.uri,
            azureml_uri=azureml_scheme.AZUREML_URI,
            client=MlflowClient(tracking_uri=location.uri),
            backend=state.backend,
            tmp_path=tmp_path,
            store_class=backends.STORE_CLASSES[state.backend],
            creation_log=log,
        )


def _reset_fluent() -> None:
    with faults.suspended():
        isolation.reset_fluent_state()


class Golden:
    """The ``golden`` fixture object: snapshot the store and compare with the golden file."""

    def __init__(self, store: TrackingStore, path: Path, update: bool, item: pytest.Item) -> None:
        self._store = store
        self.path = path
        self._update = update
        self._item = item
        self._error: BaseException | None = None
        self.checked = False

    @contextmanager
    def capture(self) -> Iterator[None]:
        """Record an Exception raised in the block (not re-raised) for the next ``check()``."""
        try:
            yield
        except Exception as exc:
            self._error = exc

    def raw(self, result: object = None, error: BaseException | None = None) -> RawSnapshot:
        return capture(
            self._store.client,
            self._store.creation_log,
            result=result,
            error=error if error is not None else self._error,
            tmp_path=str(self._store.tmp_path),
            tracking_uri=self._store.uri,
            azureml_uri=self._store.azureml_uri,
        )

    def snapshot(self, result: object = None, error: BaseException | None = None) -> dict[str, Any]:
        """The normalized snapshot of the store plus ``result``/``error``, without comparing."""
        try:
            return normalize(self.raw(result, error))
        except HarnessError as exc:
            pytest.fail(f"mlflow_golden: {exc}", pytrace=False)

    def _status(self, status: str) -> None:
        self._item.user_properties.append((STATUS_PROPERTY, status))

    def check(self, result: object = None, error: BaseException | None = None) -> None:
        """Compare the snapshot byte for byte with the golden file, then the store calls made so far
        with their budget (or write both when updating)."""
        self.checked = True
        calls = list(self._store.creation_log.store_calls)
        self._check_behavior(result, error)
        if budgets.exempt(self._item, self._store.backend):
            return
        budget = golden_paths.budget_path(self.path)
        verdict = budgets.judge(budget, calls, self._item.nodeid, update=self._update)
        if verdict.status == "written":
            self._status("written")
        elif verdict.status == "lower":
            warnings.warn(budgets.BudgetCanBeLowered(verdict.message), stacklevel=2)
        elif verdict.status in ("over", "missing"):
            self._status("differs" if verdict.status == "over" else "missing")
            pytest.fail(verdict.message, pytrace=False)

    def _check_behavior(self, result: object, error: BaseException | None) -> None:
        text = dumps(self.snapshot(result, error))
        exists = self.path.is_file()
        if self._update:
            if exists and self.path.read_bytes() == text.encode("utf-8"):
                self._status("ok")
            else:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                self.path.write_text(text, encoding="utf-8", newline="\n")
                self._status("written")
            return
        if not exists:
            self._status("missing")
            message = f"missing golden file {self.path}; run with --golden-update to record it"
            pytest.fail(message, pytrace=False)
        if self.path.read_bytes() == text.encode("utf-8"):
            self._status("ok")
            return
        self._status("differs")
        try:
            expected = load(self.path)
        except GoldenFileError as exc:
            pytest.fail(f"mlflow_golden: {exc}", pytrace=False)
        actual = self.snapshot(result, error)
        pytest.fail(mismatch_report(expected, actual, self.path), pytrace=False)


@pytest.fixture
def golden(request: pytest.FixtureRequest, tracking_store: TrackingStore) -> Iterator[Golden]:
    """Snapshot what the test left in ``tracking_store`` and compare it with its golden file.

    ``@pytest.mark.golden_as("tests/golden/test_x.py")`` makes the test use the golden file of the
    same-named test in that module: a replay of its scenario through other code. Such a test only
    compares; under ``--golden-update`` it is skipped (the owning test writes the file).
    """
    state = request.config.stash[_SESSION_KEY]
    nodeid = request.node.nodeid
    marker = request.node.get_closest_marker("golden_as")
    if marker is not None:
        if state.update:
            pytest.skip("golden_as replays only compare; the owning test records the golden file")
        nodeid = golden_paths.replayed_nodeid(nodeid, marker.args[0])
    path = golden_paths.golden_path_for_nodeid(nodeid, state.golden_dir)
    fixture = Golden(tracking_store, path, state.update, request.node)
    yield fixture
    report = request.node.stash.get(_CALL_REPORT_KEY, None)
    if not fixture.checked and report is not None and report.passed:
        pytest.fail(
            f"{request.node.nodeid} uses the golden fixture but never called golden.check(); "
            "call golden.check(result=...) at the end of the scenario",
            pytrace=False,
        )


@pytest.fixture
def store_faults(tracking_store: TrackingStore) -> Iterator[StoreFaults]:
    """Make chosen methods of the backend's store class fail on chosen calls (undone at test end)."""
    injector = StoreFaults(tracking_store.store_class)
    try:
        yield injector
    finally:
        injector.undo()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    report = yield
    if report.when == "call":
        item.stash[_CALL_REPORT_KEY] = report
    return report


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    state = config.stash.get(_SESSION_KEY, None)
    timing = None if state is None else state.manager.server_timing()
    if timing is not None:
        terminalreporter.write_line(f"mlflow_golden: {timing}")


__all__ = [
    "STATUSES",
    "STATUS_PROPERTY",
    "Golden",
    "StoreFaults",
    "TrackingStore",
]
