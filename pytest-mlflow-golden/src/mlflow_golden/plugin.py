"""The pytest plugin: options, fixtures and hooks, wired to the modules that do the work.

Loaded through the ``pytest11`` entry point into every pytest run of a project that installs the
package, it imports no MLflow, starts nothing and replaces nothing at load or configure time: it
adds its options and its two public markers. The first test that uses ``tracking_store``,
``golden`` or ``store_faults`` imports MLflow and builds the backend (``_session.GoldenSession``).

The fixtures give ``mlflow_golden.TrackingStore``, ``mlflow_golden.Golden`` and
``mlflow_golden.StoreFaults``.
"""

from __future__ import annotations

from collections.abc import Generator, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from mlflow_golden import _budgets as budgets
from mlflow_golden import _golden_paths as golden_paths
from mlflow_golden import _name_collisions as name_collisions
from mlflow_golden import _orphans as orphans
from mlflow_golden import _pending as pending
from mlflow_golden import _target_src as target_src
from mlflow_golden._cli_reporter import GOLDEN_TESTPATHS_INI
from mlflow_golden._pytest_args import (
    BACKEND_OPTION,
    GOLDEN_DIR_OPTION,
    TARGET_SRC_OPTION,
    UPDATE_MISSING_OPTION,
    UPDATE_OPTION,
)
from mlflow_golden._session import (
    BACKEND_ALIAS,
    BACKENDS,
    GOLDEN_DIR_INI,
    SESSION_KEY,
    SOURCE_ROOTS_INI,
    TARGET_SRC_ALIAS,
    VOLATILE_PATHS_INI,
    VOLATILE_TAGS_INI,
    GoldenSession,
    read_settings,
    session_of,
    source_roots_of,
)

if TYPE_CHECKING:
    from mlflow_golden._faults import StoreFaults
    from mlflow_golden._golden import Golden
    from mlflow_golden._tracking_store import TrackingStore

_CALL_REPORT_KEY = pytest.StashKey[pytest.TestReport]()
_GOLDEN_AS = "golden_as"
_GOLDEN_AS_HELP = (
    f"{_GOLDEN_AS}(module): compare with the golden files of the same-named tests in another module"
)


# -- options and session ---------------------------------------------------------------------------
def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("mlflow_golden", "golden MLflow snapshots (mlflow_golden)")
    group.addoption(
        UPDATE_OPTION, action="store_true", default=False,
        help="write golden files instead of comparing; delete orphan golden files (refused when CI is set)",
    )  # fmt: skip
    group.addoption(
        UPDATE_MISSING_OPTION, action="store_true", default=False,
        help="write only missing golden files and budgets; compare the rest, keep orphans "
        "(refused when CI is set)",
    )  # fmt: skip
    group.addoption(
        GOLDEN_DIR_OPTION, default=None, metavar="DIR",
        help=f"golden files, relative to the rootdir (default: {GOLDEN_DIR_INI} ini, else <rootdir>/golden)",
    )  # fmt: skip
    group.addoption(
        BACKEND_OPTION, default=None, choices=BACKENDS, help="tracking store each test gets (default: file)"
    )
    group.addoption(
        TARGET_SRC_OPTION, default=None, metavar="DIR",
        help="import the code under test from DIR/src (or DIR; relative to the rootdir); the harness itself "
        "stays current",
    )  # fmt: skip
    group.addoption(
        BACKEND_ALIAS.old, dest=BACKEND_ALIAS.old_dest, default=None, choices=BACKENDS,
        help=f"deprecated spelling of {BACKEND_ALIAS.new}",
    )  # fmt: skip
    group.addoption(
        TARGET_SRC_ALIAS.old, dest=TARGET_SRC_ALIAS.old_dest, default=None, metavar="DIR",
        help=f"deprecated spelling of {TARGET_SRC_ALIAS.new}",
    )  # fmt: skip
    parser.addini(
        GOLDEN_DIR_INI, type="string", default="",
        help="the golden folder, relative to the rootdir (default: golden); --golden-dir overrides it",
    )  # fmt: skip
    parser.addini(
        SOURCE_ROOTS_INI, type="linelist", default=[],
        help="the project's own import roots, relative to the rootdir, that --golden-target-src replaces "
        "(default: pytest's pythonpath ini, else <rootdir>/src)",
    )  # fmt: skip
    parser.addini(
        GOLDEN_TESTPATHS_INI, type="args", default=[],
        help="test paths the mlflow-golden CLI collects when given none, relative to the rootdir "
        "(default: pytest's testpaths); a plain pytest run is unaffected",
    )  # fmt: skip
    parser.addini(
        VOLATILE_TAGS_INI,
        type="linelist",
        default=[],
        help="glob patterns of your own tag keys whose values change per run: snapshots keep the key, "
        "with the value <volatile>",
    )
    parser.addini(
        VOLATILE_PATHS_INI,
        type="linelist",
        default=[],
        help="snapshot path patterns (e.g. runs.*.params.duration_s, runs.*.artifacts.logs/*.log) whose "
        "values change per run: snapshots keep the key, with the value <volatile>",
    )


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", _GOLDEN_AS_HELP)
    config.addinivalue_line("markers", budgets.MARKER_HELP)
    settings = read_settings(config)
    if settings.target_src:
        target_src.import_code_under_test_from(settings.target_src, source_roots_of(config), config.rootpath)
    session = GoldenSession(settings, xdist_worker=hasattr(config, "workerinput"))
    config.stash[SESSION_KEY] = session
    judge = orphans.OrphanJudge(settings.golden_dir, settings.update)
    config.pluginmanager.register(judge, orphans.PLUGIN_NAME)
    if settings.writes_pending:
        config.pluginmanager.register(pending.PendingFiles(settings.golden_dir), pending.PLUGIN_NAME)


def pytest_unconfigure(config: pytest.Config) -> None:
    session = config.stash.get(SESSION_KEY, None)
    if session is not None:
        del config.stash[SESSION_KEY]
        session.close()


def pytest_report_header(config: pytest.Config) -> str:
    settings = session_of(config).settings
    ci = "" if settings.ci is None else f" (CI={settings.ci}: no files written)"
    where = f"backend={settings.backend} golden-dir={settings.golden_dir}"
    return f"mlflow_golden: {where} mode={settings.mode}{ci}"


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Two selected tests that would share a golden file are a collection error (nothing runs)."""
    owners = [
        item.nodeid
        for item in items
        if "golden" in getattr(item, "fixturenames", ()) and item.get_closest_marker(_GOLDEN_AS) is None
    ]
    clashes = name_collisions.collisions(owners, session_of(config).settings.golden_dir)
    for clash in clashes:
        report = pytest.CollectReport(clash.nodeid, "failed", f"mlflow_golden: {clash.message}", [])
        config.hook.pytest_collectreport(report=report)
    if clashes:
        # Nothing runs: a plain session stops on the collection error, but an xdist worker would
        # run its share anyway, so the selection is emptied (identically in every worker).
        items.clear()


# -- fixtures --------------------------------------------------------------------------------------
@pytest.fixture
def tracking_store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[TrackingStore]:
    """A fresh, isolated MLflow tracking store for this test on the chosen backend."""
    from mlflow_golden._tracking_store import open_tracking_store

    with open_tracking_store(session_of(request.config), tmp_path) as store:
        yield store


@pytest.fixture
def golden(request: pytest.FixtureRequest, tracking_store: TrackingStore) -> Iterator[Golden]:
    """Snapshot what the test left in ``tracking_store`` and compare it with its golden files.

    ``@pytest.mark.golden_as("tests/golden/test_x.py")`` makes the test use the golden files of the
    same-named test in that module: a replay of its scenario through other code. Such a test only
    compares and writes no pending file; under ``--golden-update`` and ``--golden-update-missing`` it is
    skipped (the owning test writes the files).
    """
    from mlflow_golden._golden import Golden

    settings = session_of(request.config).settings
    nodeid = request.node.nodeid
    marker = request.node.get_closest_marker(_GOLDEN_AS)
    pending_files = pending.of(request.config)
    if marker is not None:
        pending_files = None  # a replay compares with another test's files: it leaves their pending alone
        if settings.update or settings.update_missing:
            pytest.skip("golden_as replays only compare; the owning test records the golden file")
        nodeid = golden_paths.replayed_nodeid(nodeid, marker.args[0])
    fixture = Golden(
        tracking_store,
        golden_paths.golden_path_for_nodeid(nodeid, settings.golden_dir),
        golden_dir=settings.golden_dir,
        update=settings.update,
        item=request.node,
        volatile_tags=settings.volatile_tags,
        volatile_paths=settings.volatile_paths,
        update_missing=settings.update_missing,
        pending_files=pending_files,
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
def store_faults(request: pytest.FixtureRequest, tracking_store: TrackingStore) -> Iterator[StoreFaults]:
    """Make chosen methods of the backend's store class fail on chosen calls (undone at test end).

    A passing test whose faults did not all fire fails at teardown (``fail(..., must_fire=False)``
    opts out).
    """
    from mlflow_golden._faults import StoreFaults

    injector = StoreFaults(tracking_store.store_class)
    try:
        yield injector
    finally:
        unfired = injector.unfired()
        injector.undo()
    report = request.node.stash.get(_CALL_REPORT_KEY, None)
    if unfired and report is not None and report.passed:
        pytest.fail(
            f"{request.node.nodeid}: injected store faults never fired:\n  " + "\n  ".join(unfired)
            + "\n(the scenario no longer reaches the failing call: fix it, or pass must_fire=False "
            "with a comment saying why the fault may not fire)",
            pytrace=False,
        )


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    report = yield
    if report.when == "call":
        item.stash[_CALL_REPORT_KEY] = report
    return report


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    session = config.stash.get(SESSION_KEY, None)
    timing = None if session is None else session.server_timing()
    if timing is not None:
        terminalreporter.write_line(f"mlflow_golden: {timing}")


__all__: list[str] = []
