"""A server subprocess that can never outlive the harness: own process group, log file, watchdog.

The process runs in a new session (its own process group), writes stdout and stderr to a log
file (whose tail goes into start errors), and is watched by a tiny watchdog process that kills
the whole group if the harness process dies without stopping it. ``stop`` signals the group,
reaps it, and escalates to SIGKILL. Used for the ``mlflow server`` and for PostgreSQL.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

_logger = logging.getLogger(__name__)

STOP_TIMEOUT_S = 10.0
LOG_TAIL_LINES = 40

_WATCHDOG = """
import os, signal, sys, time
parent, pgid = int(sys.argv[1]), int(sys.argv[2])
while True:
    time.sleep(0.5)
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        sys.exit(0)
    if os.getppid() != parent:
        for sig in (signal.SIGTERM, signal.SIGKILL):
            try:
                os.killpg(pgid, sig)
            except ProcessLookupError:
                sys.exit(0)
            time.sleep(3)
        sys.exit(0)
"""


class ProcessGroup:
    """One started server process (the leader of its own group) plus its watchdog."""

    def __init__(
        self,
        command: Sequence[str],
        log_path: Path,
        env: Mapping[str, str],
        cwd: Path,
        user: tuple[int, int] | None = None,
    ) -> None:
        """Start ``command``; ``user`` is (uid, gid) to run it as (needs root)."""
        self.log_path = log_path
        with log_path.open("ab") as log:
            self._process: subprocess.Popen[bytes] | None = subprocess.Popen(
                list(command), stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                env=dict(env), cwd=cwd, start_new_session=True, **run_as(user),
            )  # fmt: skip
        self.pid = self._process.pid
        self._watchdog: subprocess.Popen[bytes] | None = subprocess.Popen(
            [sys.executable, "-S", "-c", _WATCHDOG, str(os.getpid()), str(self.pid)],
            stdin=subprocess.DEVNULL, start_new_session=True,
        )  # fmt: skip

    def exit_code(self) -> int | None:
        """The process's exit code once it has exited, else None."""
        return None if self._process is None else self._process.poll()

    def log_tail(self, lines: int = LOG_TAIL_LINES) -> str:
        try:
            text = self.log_path.read_text(errors="replace").splitlines()
        except OSError:
            return "<no log>"
        return "\n".join(text[-lines:])

    def stop(self, first_signal: signal.Signals = signal.SIGTERM) -> None:
        """Signal the whole group (``first_signal``, then SIGKILL), reap it; idempotent."""
        process, self._process = self._process, None
        watchdog, self._watchdog = self._watchdog, None
        if process is not None:
            _kill_group(process.pid, [process], first_signal)
        if watchdog is not None:
            watchdog.kill()
            watchdog.wait(STOP_TIMEOUT_S)


def run_as(user: tuple[int, int] | None) -> dict[str, Any]:
    """``subprocess`` keyword arguments that run a child as ``user`` (uid, gid), or as ourselves."""
    return {} if user is None else {"user": user[0], "group": user[1], "extra_groups": []}


def group_alive(pgid: int) -> bool:
    """Whether any process of the group still exists."""
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    return True


def _kill_group(pgid: int, children: list[subprocess.Popen[bytes]], first_signal: signal.Signals) -> None:
    """Signal the process group, reap our own children, and escalate to SIGKILL if needed."""
    for sig in (first_signal, signal.SIGKILL):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(pgid, sig)
        deadline = time.monotonic() + STOP_TIMEOUT_S
        for child in children:
            with contextlib.suppress(subprocess.TimeoutExpired):
                child.wait(max(0.0, deadline - time.monotonic()))
        while group_alive(pgid) and time.monotonic() < deadline:
            time.sleep(0.05)
        if not group_alive(pgid):
            return
    _logger.warning("process group %d survived SIGKILL", pgid)
