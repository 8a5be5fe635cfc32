"""The pytest plugin: options, fixtures and hooks, wired to the modules that do the work.

Loaded through the ``pytest11`` entry point into every pytest run of a project that installs the
package, it imports no MLflow, starts nothing and replaces nothing at load or configure time: it
adds its options and its two public markers. The first test that uses ``tracking_store``,
``golden`` or ``store_faults`` imports MLflow and builds the backend (``session.GoldenSession``).

The objects: ``tracking_store.TrackingStore``, ``golden.Golden``, ``faults.StoreFaults``.
"""

from __future__ import annotations

from collections.abc import Generator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from mlflow_golden import budgets, golden_paths, target_src
from mlflow_golden.session import (
    ALIASES,
    BACKENDS,
    SESSION_KEY,
    VOLATILE_TAGS_INI,
    GoldenSession,
    read_settings,
    session_of,
)

if TYPE_CHECKING:
    from mlflow_golden.faults import StoreFaults
    from mlflow_golden.golden import Golden
    from mlflow_golden.tracking_store import TrackingStore

#: Orphan golden files (paths relative to the golden dir) found at session finish.
ORPHANS_KEY = pytest.StashKey[list[str]]()

_CALL_REPORT_KEY = pytest.StashKey[pytest.TestReport]()
_GOLDEN_AS = "golden_as"
_GOLDEN_AS_HELP = (
    f"{_GOLDEN_AS}(module): compare with the golden files of the same-named tests in another module"
)


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
        "--golden-backend",
        default=None,
        choices=BACKENDS,
        help="tracking store each test gets (default: file)",
    )
    group.addoption(
        "--golden-target-src",
        default=None,
        metavar="DIR",
        help="import the code under test from DIR/src (or DIR); the harness itself stays current",
    )
    backend_alias, target_alias = ALIASES
    group.addoption(
        backend_alias.old, dest=backend_alias.old_dest, default=None, choices=BACKENDS,
        help=f"deprecated spelling of {backend_alias.new}",
    )  # fmt: skip
    group.addoption(
        target_alias.old, dest=target_alias.old_dest, default=None, metavar="DIR",
        help=f"deprecated spelling of {target_alias.new}",
    )  # fmt: skip
    parser.addini(
        VOLATILE_TAGS_INI,
        type="linelist",
        default=[],
        help="glob patterns of your own tag keys whose values change per run: snapshots keep the key, "
        "with the value <volatile>",
    )


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", _GOLDEN_AS_HELP)
    config.addinivalue_line("markers", budgets.MARKER_HELP)
    settings = read_settings(config)
    if settings.target_src:
        target_src.import_code_under_test_from(settings.target_src, config.rootpath / "src")
    session = GoldenSession(settings, xdist_worker=hasattr(config, "workerinput"))
    config.stash[SESSION_KEY] = session
    inputs = _OrphanInputs()
    config.stash[_ORPHAN_INPUTS_KEY] = inputs
    config.pluginmanager.register(_CollectionWatcher(inputs), "mlflow_golden-collection-watcher")


def pytest_unconfigure(config: pytest.Config) -> None:
    session = config.stash.get(SESSION_KEY, None)
    if session is not None:
        del config.stash[SESSION_KEY]
        session.close()


def pytest_report_header(config: pytest.Config) -> str:
    settings = session_of(config).settings
    mode = "update" if settings.update else "compare"
    return f"mlflow_golden: backend={settings.backend} golden-dir={settings.golden_dir} mode={mode}"


# -- fixtures --------------------------------------------------------------------------------------
@pytest.fixture
def tracking_store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[TrackingStore]:
    """A fresh, isolated MLflow tracking store for this test on the chosen backend."""
    from mlflow_golden.tracking_store import open_tracking_store

    with open_tracking_store(session_of(request.config), tmp_path) as store:
        yield store


@pytest.fixture
def golden(request: pytest.FixtureRequest, tracking_store: TrackingStore) -> Iterator[Golden]:
    """Snapshot what the test left in ``tracking_store`` and compare it with its golden files.

    ``@pytest.mark.golden_as("tests/golden/test_x.py")`` makes the test use the golden files of the
    same-named test in that module: a replay of its scenario through other code. Such a test only
    compares; under ``--golden-update`` it is skipped (the owning test writes the files).
    """
    from mlflow_golden.golden import Golden

    settings = session_of(request.config).settings
    nodeid = request.node.nodeid
    marker = request.node.get_closest_marker(_GOLDEN_AS)
    if marker is not None:
        if settings.update:
            pytest.skip("golden_as replays only compare; the owning test records the golden file")
        nodeid = golden_paths.replayed_nodeid(nodeid, marker.args[0])
    fixture = Golden(
        tracking_store,
        golden_paths.golden_path_for_nodeid(nodeid, settings.golden_dir),
        golden_dir=settings.golden_dir,
        update=settings.update,
        item=request.node,
        volatile_tags=settings.volatile_tags,
    )
    yield fixture
    report = request.node.stash.get(_CALL_REPORT_KEY, None)
    if not fixture.used and report is not None and report.passed:
        pytest.fail(
            f"{request.node.nodeid} uses the golden fixture but never called golden.check(); "
            "call golden.check(result=...) at the end of the scenario (or golden.snapshot() to only "
            "inspect the snapshot)",
            pytrace=False,
        )


@pytest.fixture
def store_faults(tracking_store: TrackingStore) -> Iterator[StoreFaults]:
    """Make chosen methods of the backend's store class fail on chosen calls (undone at test end)."""
    from mlflow_golden.faults import StoreFaults

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


# -- orphans ---------------------------------------------------------------------------------------
def _is_full_run(config: pytest.Config) -> bool:
    option = config.option
    if getattr(option, "keyword", "") or getattr(option, "markexpr", ""):
        return False
    if getattr(option, "lf", False) or getattr(option, "deselect", None):
        return False
    if getattr(option, "stepwise", False):
        return False
    # Node ids select single tests; path arguments are honoured by find_orphans' selection.
    return not any("::" in str(arg) for arg in config.args)


def _selected_paths(config: pytest.Config) -> list[str]:
    """The session's test path arguments, relative to the rootdir (outside ones are ignored)."""
    selected = []
    for arg in config.args:
        path = (config.invocation_params.dir / str(arg)).resolve()
        try:
            selected.append(path.relative_to(config.rootpath.resolve()).as_posix())
        except ValueError:
            continue
    return selected


@dataclass
class _OrphanInputs:
    nodeids: set[str] = field(default_factory=set)
    collection_failed: bool = False


_ORPHAN_INPUTS_KEY = pytest.StashKey[_OrphanInputs]()


class _CollectionWatcher:
    """Notes collection errors: with modules missing, orphan judgment would be wrong."""

    def __init__(self, state: _OrphanInputs) -> None:
        self._state = state

    def pytest_collectreport(self, report: pytest.CollectReport) -> None:
        if report.failed:
            self._state.collection_failed = True


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_node_collection_finished(node: Any, ids: list[str]) -> None:
    state = node.config.stash.get(_ORPHAN_INPUTS_KEY, None)
    if state is not None:
        state.nodeids.update(ids)


def pytest_collection_finish(session: pytest.Session) -> None:
    session.config.stash[_ORPHAN_INPUTS_KEY].nodeids.update(item.nodeid for item in session.items)


@pytest.hookimpl(tryfirst=True)
def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    config = session.config
    if hasattr(config, "workerinput") or SESSION_KEY not in config.stash:
        return
    settings = session_of(config).settings
    state = config.stash[_ORPHAN_INPUTS_KEY]
    if state.collection_failed or not state.nodeids or not _is_full_run(config):
        return
    orphans = golden_paths.find_orphans(settings.golden_dir, state.nodeids, _selected_paths(config))
    config.stash[ORPHANS_KEY] = orphans
    if not orphans:
        return
    if settings.update:
        for relative in orphans:
            (settings.golden_dir / relative).unlink(missing_ok=True)
    elif session.exitstatus == 0:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    orphans = config.stash.get(ORPHANS_KEY, [])
    session = config.stash.get(SESSION_KEY, None)
    if orphans and session is not None:
        verb = (
            "removed"
            if session.settings.update
            else "owned by no collected test; --golden-update removes them"
        )
        terminalreporter.section("mlflow_golden orphans")
        for relative in orphans:
            terminalreporter.write_line(f"orphan golden file: {relative}")
        terminalreporter.write_line(f"{len(orphans)} orphan golden file(s): {verb}")
    timing = None if session is None else session.server_timing()
    if timing is not None:
        terminalreporter.write_line(f"mlflow_golden: {timing}")


__all__ = ["ORPHANS_KEY"]
