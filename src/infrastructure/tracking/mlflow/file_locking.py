"""Cross-process exclusive lock for a file the layer shares between processes (index, counter).

The lock is a ``filelock`` lock on ``<file>.lock`` next to the target (``flock`` on POSIX).
The lock file is removed before the lock is let go, so nothing is left beside the target once
a write is done. Removing it is safe: only the holder removes it, and only if the path still
names the inode it locked; ``filelock`` retries a lock it won on an unlinked inode (one a
previous holder removed while the waiter was queued on it), so two holders never overlap.

Timeout policy: waiting is bounded by ``timeout`` seconds (polling); then ``LockTimeoutError``
is raised and the caller writes nothing. There is no write without the lock. The default is
long compared with a hold (milliseconds; the kernel drops the lock of a process that dies), so
contention alone does not reach it even when many writers loop back to back and the polling
lets one of them win repeatedly; reaching it means a live process is stuck holding the lock.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Optional

from filelock import FileLock, Timeout

from infrastructure.tracking.mlflow.masked_logging import get_logger

logger = get_logger(__name__)

#: Seconds a writer waits for the lock before giving up with ``LockTimeoutError`` (legacy: 10).
DEFAULT_TIMEOUT = 60.0
#: Seconds between two attempts while the lock is held elsewhere.
POLL_INTERVAL = 0.01


class LockTimeoutError(TimeoutError):
    """The lock on a shared file was not acquired in time; nothing was written."""


def lock_path_for(target: Path) -> Path:
    """``<target name>.lock`` in the target's directory (never the target itself)."""
    return target.with_name(target.name + ".lock")


@contextlib.contextmanager
def exclusive_lock(target: Path, timeout: float = DEFAULT_TIMEOUT) -> Iterator[None]:
    """Hold the lock for ``target`` during the ``with`` body; ``LockTimeoutError`` after ``timeout`` s."""
    lock_path = lock_path_for(target)
    locked_inode: list[os.stat_result] = []
    lock = FileLock(
        lock_path,
        timeout=timeout,
        poll_interval=POLL_INTERVAL,
        fallback_to_soft=False,
        on_acquired=lambda fd: locked_inode.append(os.fstat(fd)),
    )
    try:
        lock.acquire()
    except Timeout as exc:
        raise LockTimeoutError(f"Timed out after {timeout}s waiting for the lock on {target}") from exc
    try:
        yield
    finally:
        try:
            _remove_own_lock_file(lock_path, locked_inode[-1] if locked_inode else None)
        finally:
            lock.release()


def _remove_own_lock_file(lock_path: Path, locked: Optional[os.stat_result]) -> None:
    """Unlink ``lock_path`` while still holding it, if it is still the inode we locked (POSIX).

    On Windows an open file cannot be unlinked; ``filelock`` removes it after the release there.
    """
    if os.name == "nt" or locked is None:
        return
    try:
        if os.path.samestat(os.stat(lock_path), locked):
            os.unlink(lock_path)
    except FileNotFoundError:
        pass
    except OSError as exc:  # a lock file left behind is harmless; never mask the body's outcome
        logger.warning("Could not remove lock file %s: %s", lock_path, exc)
