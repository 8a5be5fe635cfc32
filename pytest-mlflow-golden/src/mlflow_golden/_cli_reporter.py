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
With ``REQUIRE_TARGET_ENV`` set, a run that would collect the whole invocation folder (no test
paths given and no ``testpaths`` folder found) is a usage error instead.
"""

from __future__ import annotations

import json
import os
from collections.abc import Generator, Sequence
from dataclasses import dataclass, field
from typing import IO, Any

import pytest

from mlflow_golden._status import STATUS_PROPERTY, Status

__all__ = ["EVENTS_FD_ENV", "REQUIRE_TARGET_ENV", "scenario_status"]

EVENTS_FD_ENV = "GOLDEN_CLI_EVENTS_FD"
REQUIRE_TARGET_ENV = "GOLDEN_CLI_REQUIRE_TARGET"
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
        if report.failed:
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


def pytest_configure(config: pytest.Config) -> None:
    """Register the reporter in the controller when the CLI handed us a pipe."""
    if hasattr(config, "workerinput") or EVENTS_FD_ENV not in os.environ:
        return
    if os.environ.get(REQUIRE_TARGET_ENV) and config.args_source == pytest.Config.ArgsSource.INVOCATION_DIR:
        raise pytest.UsageError(
            f"no test paths given and no {os.environ[REQUIRE_TARGET_ENV]} folder under the rootdir"
            f" {config.rootpath}: run from the project root or pass test paths"
        )
    stream = os.fdopen(int(os.environ[EVENTS_FD_ENV]), "w", encoding="utf-8")
    config.pluginmanager.register(_Reporter(stream), _PLUGIN_NAME)


def pytest_unconfigure(config: pytest.Config) -> None:
    """Close the pipe so the CLI sees the end of the stream."""
    reporter = config.pluginmanager.get_plugin(_PLUGIN_NAME)
    if isinstance(reporter, _Reporter):
        reporter.close()
