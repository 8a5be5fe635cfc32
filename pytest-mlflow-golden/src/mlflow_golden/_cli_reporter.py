"""pytest plugin used by the CLI: streams one JSON event per finished scenario to the CLI process.

The CLI (``python -m mlflow_golden verify|record|provenance``) runs pytest in a subprocess with
``-p mlflow_golden._cli_reporter`` and the number of an inherited pipe in ``EVENTS_FD_ENV``. This
plugin, in the pytest controller process only (not in xdist workers, whose reports reach the
controller), writes JSON lines to that pipe:

- ``{"event": "collected", "nodeids": [...]}`` once the collected tests are known;
- ``{"event": "test", "nodeid", "status", "details"}`` when a test's last phase is reported;
  ``status`` (a ``Status``) is the verdict the harness attached as the ``("golden", status)``
  user property (``ok``, ``differs``, ``missing``, ``written``), ``error`` for a failure without
  a failing verdict (or after an ``ok`` one), ``skipped``, or ``ok`` for a passing test without
  a verdict;
- ``{"event": "collect_error", "nodeid", "details"}`` for a module that failed to collect;
- ``{"event": "orphan", "path"}`` for each orphan golden file, at session end;
- ``{"event": "end", "exitstatus": N}`` last.

Without ``EVENTS_FD_ENV`` the plugin does nothing, so loading it by accident is harmless.

Test paths: given none, a CLI run collects what ``pytest`` itself would collect with none (its
``testpaths`` when run from the rootdir, else the current folder), except that the harness's
``golden_testpaths`` ini, when set, takes the place of ``testpaths`` (in the controller and in
every xdist worker alike, so they collect the same tests). With ``PROBE_ENV`` set, the plugin only
writes ``{"event": "project", "rootdir", "golden_dir"}`` (the ini's golden folder) and stops pytest.
"""

from __future__ import annotations

import glob
import json
import os
from collections.abc import Generator, Sequence
from dataclasses import dataclass, field
from typing import IO, Any

import pytest

from mlflow_golden._orphans import ORPHAN_NODEID_PREFIX
from mlflow_golden._status import STATUS_PROPERTY, Status

__all__ = ["EVENTS_FD_ENV", "GOLDEN_TESTPATHS_INI", "PROBE_ENV", "scenario_status", "test_paths"]

EVENTS_FD_ENV = "GOLDEN_CLI_EVENTS_FD"
PROBE_ENV = "GOLDEN_CLI_PROBE"
GOLDEN_TESTPATHS_INI = "golden_testpaths"
"""ini: what a CLI run collects when given no test paths (default: pytest's ``testpaths``)."""
_PLUGIN_NAME = "mlflow_golden-cli-reporter"
_FAILED_VERDICTS = frozenset({Status.DIFFERS, Status.MISSING})


@dataclass
class _TestState:
    """What the reports of one test said so far."""

    verdict: Status | None = None
    failed: bool = False
    skipped: bool = False
    details: list[str] = field(default_factory=list)


def scenario_status(verdict: Status | None, failed: bool, skipped: bool) -> Status:
    """The CLI status of a finished test from its golden verdict and outcome."""
    if failed:
        return verdict if verdict is not None and verdict in _FAILED_VERDICTS else Status.ERROR
    if skipped:
        return Status.SKIPPED
    return verdict or Status.OK


def _verdict(user_properties: Sequence[tuple[str, object]]) -> Status | None:
    verdict = None
    for name, value in user_properties:
        if name == STATUS_PROPERTY:
            verdict = Status(str(value))
    return verdict


class _Reporter:
    """Collects per-test reports in the controller and writes one event per finished test."""

    def __init__(self, stream: IO[str]) -> None:
        self._stream = stream
        self._tests: dict[str, _TestState] = {}
        self._collected = False

    def _emit(self, **event: Any) -> None:
        if self._stream.closed:
            return
        self._stream.write(json.dumps(event, sort_keys=True) + "\n")
        self._stream.flush()

    def _collected_ids(self, nodeids: Sequence[str]) -> None:
        if not self._collected:
            self._collected = True
            self._emit(event="collected", nodeids=list(nodeids))

    def pytest_collection_finish(self, session: pytest.Session) -> None:
        self._collected_ids([item.nodeid for item in session.items])

    @pytest.hookimpl(optionalhook=True)
    def pytest_xdist_node_collection_finished(self, node: object, ids: Sequence[str]) -> None:
        self._collected_ids(ids)

    def pytest_collectreport(self, report: pytest.CollectReport) -> None:
        if report.failed and not report.nodeid.startswith(ORPHAN_NODEID_PREFIX):  # orphans: own events
            self._emit(event="collect_error", nodeid=report.nodeid, details=report.longreprtext)

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        state = self._tests.setdefault(report.nodeid, _TestState())
        state.verdict = _verdict(report.user_properties) or state.verdict
        if report.failed:
            state.failed = True
            state.details.append(report.longreprtext)
        elif report.skipped:
            state.skipped = True
        if report.when in ("teardown", "???"):  # "???": xdist's report for a crashed worker
            self._finish(report.nodeid)

    def _finish(self, nodeid: str) -> None:
        state = self._tests.pop(nodeid)
        status = scenario_status(state.verdict, state.failed, state.skipped)
        details = "\n".join(text for text in state.details if text) or None
        self._emit(event="test", nodeid=nodeid, status=status, details=details)

    @pytest.hookimpl(wrapper=True)
    def pytest_sessionfinish(self, session: pytest.Session, exitstatus: int) -> Generator[None, None, None]:
        # After every other implementation: the harness has then stored the orphans.
        result = yield
        for nodeid in list(self._tests):
            self._finish(nodeid)
        for path in _orphans(session.config):
            self._emit(event="orphan", path=path)
        self._emit(event="end", exitstatus=int(session.exitstatus))
        return result

    def close(self) -> None:
        self._stream.close()


def _orphans(config: pytest.Config) -> list[str]:
    try:
        from mlflow_golden._orphans import ORPHANS_KEY
    except ImportError:
        return []
    orphans: list[str] = config.stash.get(ORPHANS_KEY, [])
    return sorted(orphans)


def test_paths(config: pytest.Config) -> list[str] | None:
    """The ``golden_testpaths`` to collect instead of pytest's choice, or None to keep pytest's.

    Only when no test paths were given and pytest would use ``testpaths`` (run from the rootdir),
    as pytest does with ``testpaths``; globs are expanded relative to the rootdir. ``UsageError``
    when they match nothing.
    """
    patterns = [str(pattern) for pattern in config.getini(GOLDEN_TESTPATHS_INI)]
    if not patterns or config.args_source == pytest.Config.ArgsSource.ARGS:
        return None
    if config.invocation_params.dir != config.rootpath:
        return None
    found = [
        path
        for pattern in patterns
        for path in sorted(glob.iglob(str(config.rootpath / pattern), recursive=True))
    ]
    if not found:
        raise pytest.UsageError(
            f"{GOLDEN_TESTPATHS_INI} = {' '.join(patterns)}: no such test path under the rootdir"
            f" {config.rootpath}"
        )
    return found


def _probe(config: pytest.Config) -> None:
    """Tell the CLI the rootdir and the ini's golden folder, then stop pytest."""
    from mlflow_golden._session import golden_dir_of

    with os.fdopen(int(os.environ[EVENTS_FD_ENV]), "w", encoding="utf-8") as stream:
        golden_dir = str(golden_dir_of(config))
        event = {"event": "project", "rootdir": str(config.rootpath), "golden_dir": golden_dir}
        stream.write(json.dumps(event) + "\n")
    pytest.exit("mlflow_golden: project probed", returncode=0)


def pytest_configure(config: pytest.Config) -> None:
    """Register the reporter in the controller when the CLI handed us a pipe."""
    if EVENTS_FD_ENV not in os.environ:
        return
    paths = test_paths(config)
    if paths is not None:
        config.args = paths  # every process decides alike, so xdist workers collect the same tests
    if hasattr(config, "workerinput"):
        return
    if os.environ.get(PROBE_ENV):
        _probe(config)
    stream = os.fdopen(int(os.environ[EVENTS_FD_ENV]), "w", encoding="utf-8")
    config.pluginmanager.register(_Reporter(stream), _PLUGIN_NAME)


def pytest_unconfigure(config: pytest.Config) -> None:
    """Close the pipe so the CLI sees the end of the stream."""
    reporter = config.pluginmanager.get_plugin(_PLUGIN_NAME)
    if isinstance(reporter, _Reporter):
        reporter.close()
