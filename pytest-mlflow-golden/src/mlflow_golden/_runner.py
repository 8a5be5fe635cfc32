"""Run the golden tests in a fresh pytest subprocess and stream its per-scenario results.

The CLI never runs scenarios in its own process: every run (verify, record from a worktree,
provenance) gets a fresh interpreter, so ``--golden-target-src`` imports and MLflow state cannot leak
between runs. The child loads ``mlflow_golden._cli_reporter``, which writes one JSON event per
finished scenario to a pipe; ``run_pytest`` hands each event to a callback as it arrives, so the
CLI can print progress while pytest runs (also under ``-n``/xdist). pytest's own output is kept
in a temporary file and returned, to be shown when pytest itself failed.
"""

from __future__ import annotations

import json
import logging
import os
import queue
import subprocess
import sys
import tempfile
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, Protocol

from mlflow_golden._cli_reporter import EVENTS_FD_ENV
from mlflow_golden._pytest_args import join_option_values
from mlflow_golden._status import Status

__all__ = [
    "OnCollected",
    "OnResult",
    "PytestRun",
    "PytestRunner",
    "ScenarioResult",
    "run_pytest",
]

logger = logging.getLogger(__name__)

_STOP_TIMEOUT_SECONDS = 10.0
_EOF_GRACE_SECONDS = 5.0
"""How long to wait for the event pipe to close after pytest exited (a stray grandchild may hold it)."""


@dataclass(frozen=True)
class ScenarioResult:
    """One finished scenario (test node id) or one collection error."""

    nodeid: str
    status: Status
    details: str | None = None


@dataclass
class PytestRun:
    """Everything a finished pytest subprocess reported."""

    exit_code: int
    output: str
    collected: list[str] | None = None
    """Node ids of the collected tests (None when pytest stopped before collecting)."""
    scenarios: list[ScenarioResult] = field(default_factory=list)
    collect_errors: list[ScenarioResult] = field(default_factory=list)
    orphans: list[str] = field(default_factory=list)
    project: dict[str, str] | None = None
    """The probe's answer (``PROBE_ENV``): ``rootdir`` and ``golden_dir``."""

    @property
    def could_not_run(self) -> bool:
        """pytest stopped before judging the scenarios (usage error, collection error, crash...)."""
        return bool(self.collect_errors) or self.exit_code not in (0, 1)


OnResult = Callable[[ScenarioResult], None]
"""Called for each finished scenario and each collection error, as they arrive."""
OnCollected = Callable[[int], None]
"""Called once with the number of collected tests."""


class PytestRunner(Protocol):
    """How the CLI runs the golden tests: ``run_pytest``, or a stand-in that returns ``PytestRun``s,
    calling back as results arrive."""

    def __call__(
        self, args: Sequence[str], cwd: Path, on_result: OnResult, on_collected: OnCollected
    ) -> PytestRun: ...


Event = Mapping[str, Any]


_OUTER_PYTEST_ENV = (
    "PYTEST_CURRENT_TEST",
    "PYTEST_XDIST_WORKER",
    "PYTEST_XDIST_WORKER_COUNT",
    "PYTEST_XDIST_TESTRUNUID",
)
"""Variables an enclosing pytest run sets; the child is a top-level run of its own."""


def _child_env(events_fd: int, extra: Mapping[str, str]) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if key not in _OUTER_PYTEST_ENV}
    package_parent = str(Path(__file__).resolve().parent.parent)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (package_parent, env.get("PYTHONPATH")) if p)
    env[EVENTS_FD_ENV] = str(events_fd)
    env.update(extra)
    return env


def _pump(stream: IO[str], events: queue.Queue[Event | None]) -> None:
    """Move JSON events from the pipe into ``events``; ``None`` marks the end of the stream."""
    try:
        for line in stream:
            if not line.strip():
                continue
            try:
                events.put(json.loads(line))
            except json.JSONDecodeError:
                logger.warning("ignoring a garbled reporter event: %r", line[:200])
    finally:
        events.put(None)


def _apply(run: PytestRun, event: Event) -> ScenarioResult | None:
    kind = event.get("event")
    if kind == "collected":
        run.collected = [str(nodeid) for nodeid in event["nodeids"]]
    elif kind == "test":
        result = ScenarioResult(str(event["nodeid"]), Status(str(event["status"])), event.get("details"))
        run.scenarios.append(result)
        return result
    elif kind == "collect_error":
        result = ScenarioResult(str(event["nodeid"]) or "<collection>", Status.ERROR, event.get("details"))
        run.collect_errors.append(result)
        return result
    elif kind == "orphan":
        run.orphans.append(str(event["path"]))
    elif kind == "project":
        run.project = {"rootdir": str(event["rootdir"]), "golden_dir": str(event["golden_dir"])}
    return None


def _follow(
    process: subprocess.Popen[bytes],
    stream: IO[str],
    run: PytestRun,
    on_result: OnResult | None,
    on_collected: OnCollected | None,
) -> None:
    """Apply events to ``run`` and call back as they arrive, until the stream ends or pytest is gone."""
    events: queue.Queue[Event | None] = queue.Queue()
    threading.Thread(target=_pump, args=(stream, events), daemon=True).start()
    while True:
        try:
            event = events.get(timeout=0.2 if process.poll() is None else _EOF_GRACE_SECONDS)
        except queue.Empty:
            if process.poll() is None:
                continue
            return  # pytest exited but something (a stray grandchild) still holds the pipe
        if event is None:
            return
        result = _apply(run, event)
        if result is not None and on_result is not None:
            on_result(result)
        if event.get("event") == "collected" and on_collected is not None:
            on_collected(len(event["nodeids"]))


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=_STOP_TIMEOUT_SECONDS)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def run_pytest(
    args: Sequence[str],
    cwd: Path,
    on_result: OnResult | None = None,
    on_collected: OnCollected | None = None,
    env: Mapping[str, str] | None = None,
) -> PytestRun:
    """Run ``python -m pytest <args>`` in ``cwd`` with the CLI reporter.

    ``on_result`` is called for each finished scenario and each collection error as it
    arrives, ``on_collected`` once with the number of collected tests. Without test paths in
    ``args``, pytest collects what it would collect with none, the ``golden_testpaths`` ini taking
    the place of ``testpaths`` when set (``mlflow_golden._cli_reporter``).
    """
    read_fd, write_fd = os.pipe()
    command = [
        sys.executable, "-m", "pytest",
        "-p", "mlflow_golden._cli_reporter",
        *join_option_values(args),
    ]  # fmt: skip
    logger.debug("running %s in %s", command, cwd)
    with tempfile.TemporaryFile() as output:
        try:
            process = subprocess.Popen(
                command,
                cwd=cwd,
                env=_child_env(write_fd, env or {}),
                stdin=subprocess.DEVNULL,
                stdout=output,
                stderr=subprocess.STDOUT,
                pass_fds=(write_fd,),
            )
        finally:
            os.close(write_fd)
        run = PytestRun(exit_code=-1, output="")
        try:
            _follow(process, os.fdopen(read_fd, encoding="utf-8"), run, on_result, on_collected)
            run.exit_code = process.wait()
        except BaseException:  # interrupted (Ctrl-C) or a callback failed: do not leave pytest running
            _stop(process)
            raise
        output.seek(0)
        run.output = output.read().decode("utf-8", errors="replace")
    return run
