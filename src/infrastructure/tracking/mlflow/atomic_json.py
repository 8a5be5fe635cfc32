"""Crash-safe JSON file replacement for files other processes read without a lock.

The new content goes to a temp file unique to the writer (``.<name>.<random>.tmp``, same
directory, so the rename stays on one filesystem), is flushed and fsynced, and then replaces the
target with ``os.replace``. A reader therefore sees the old or the new file, never a mix, and
after a crash the target is the old or the new version. On error the temp file is removed and
the target is left as it was.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
from pathlib import Path
from typing import Any


def write_json_atomically(path: Path, data: Any) -> None:
    """Replace ``path`` with ``data`` as JSON (indent 2), atomically and durably."""
    tmp_name = path.with_name(f".{path.name}.{secrets.token_hex(8)}.tmp")
    # O_EXCL: the name is this writer's alone; mode 0o666 lets the umask decide, like a plain open().
    fd = os.open(tmp_name, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(data, handle, indent=2)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp_name, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp_name)
        raise
    _fsync_directory(path.parent)


def _fsync_directory(directory: Path) -> None:
    """Make the rename itself durable (POSIX; Windows cannot open a directory)."""
    if os.name == "nt":
        return
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
