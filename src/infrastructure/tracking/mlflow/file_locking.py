"""Advisory exclusive lock on ``<file>.lock`` (POSIX ``flock``), used by the index and counter files."""

from __future__ import annotations

import contextlib
import logging
import os
import time
from pathlib import Path
from types import ModuleType
from typing import Optional

logger = logging.getLogger(__name__)

_fcntl: Optional[ModuleType]
try:
    import fcntl as _fcntl
except ImportError:  # pragma: no cover - Windows: no POSIX locking
    _fcntl = None

POLL_INTERVAL = 0.1


def _lock_path(file_path: Path) -> Path:
    return file_path.with_suffix(".lock")


def acquire_lock(file_path: Path, timeout: float = 10.0) -> Optional[int]:
    """Lock ``file_path.with_suffix(".lock")``, polling every 0.1 s up to ``timeout`` seconds.

    Returns the lock file descriptor, or None on timeout, OSError, or without ``fcntl``.
    """
    fcntl_mod = _fcntl
    if fcntl_mod is None:
        return None
    lock_path = _lock_path(file_path)
    try:
        fd = os.open(lock_path, os.O_CREAT | os.O_WRONLY | os.O_TRUNC)
    except OSError as exc:
        logger.warning("Could not open lock file %s: %s", lock_path, exc)
        return None
    deadline = time.monotonic() + timeout
    while True:
        try:
            fcntl_mod.flock(fd, fcntl_mod.LOCK_EX | fcntl_mod.LOCK_NB)
            return fd
        except BlockingIOError:
            if time.monotonic() >= deadline:
                os.close(fd)
                logger.warning("Timed out after %ss waiting for lock %s", timeout, lock_path)
                return None
            time.sleep(POLL_INTERVAL)
        except OSError as exc:
            os.close(fd)
            logger.warning("Could not lock %s: %s", lock_path, exc)
            return None


def release_lock(lock_fd: Optional[int], file_path: Path) -> None:
    """Unlock and close ``lock_fd``, then delete the lock file; every error is swallowed.

    Deleting the lock file is the legacy behavior (it lets two holders overlap; legacy-support §5).
    """
    if lock_fd is None:
        return
    fcntl_mod = _fcntl
    if fcntl_mod is not None:
        with contextlib.suppress(OSError):
            fcntl_mod.flock(lock_fd, fcntl_mod.LOCK_UN)
    with contextlib.suppress(OSError):
        os.close(lock_fd)
    with contextlib.suppress(OSError):
        _lock_path(file_path).unlink()
