"""How long a golden file name may be, and the stable short form of a test name that is longer.

The limit comes from the file system of the golden folder (``PC_NAME_MAX``, usually 255 bytes),
less room for the longest suffix a test's files take (``.calls.json.new``) and for a snapshot
name (``<test>.<snapshot>...``). A longer test name keeps a readable prefix and ends with ``~``
and 16 hex digits of the SHA-256 of the full name: stable across runs and machines with the same
limit, distinct for distinct names, and never equal to an unshortened name (``~`` is not one of
the characters ``safe_test_name`` keeps).
"""

from __future__ import annotations

import functools
import hashlib
import os
from pathlib import Path
from typing import Final

#: The limit when the file system does not say (POSIX's common NAME_MAX).
DEFAULT_NAME_MAX: Final = 255
#: Room kept for the longest suffix of a test's files and a snapshot name of up to 32 characters.
SUFFIX_ROOM: Final = len(".calls.json.new") + 1 + 32
SHORTENED_MARK: Final = "~"
_HASH_DIGITS: Final = 16


@functools.lru_cache(maxsize=32)
def name_max(directory: Path) -> int:
    """``PC_NAME_MAX`` of the file system ``directory`` is (or will be) on."""
    probe = directory
    while not probe.exists() and probe != probe.parent:
        probe = probe.parent
    try:
        return int(os.pathconf(probe, "PC_NAME_MAX"))
    except (OSError, ValueError):
        return DEFAULT_NAME_MAX


def test_name_limit(directory: Path) -> int:
    """The longest test part of a golden file name under ``directory`` (bytes, UTF-8)."""
    return name_max(directory) - SUFFIX_ROOM


def shortened(safe_name: str, original: str, limit: int) -> str:
    """``safe_name`` if it fits in ``limit`` bytes, else ``<prefix>~<hash of original>``."""
    if len(safe_name.encode("utf-8")) <= limit:
        return safe_name
    digest = hashlib.sha256(original.encode("utf-8")).hexdigest()[:_HASH_DIGITS]
    keep = limit - len(SHORTENED_MARK) - _HASH_DIGITS
    return safe_name[:keep] + SHORTENED_MARK + digest
