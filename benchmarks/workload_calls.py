"""Measure the pinned workload's REST calls per endpoint and compare them with (or write) the pin.

    .venv/bin/python benchmarks/workload_calls.py [--write [--allow-increase]]

Without ``--write``: prints the per-endpoint differences from ``tests/perf/workload_calls.json``
and exits 1 when there are any. With ``--write``: rewrites that file from this checkout's code
(the way to lower the pin after cutting calls); a higher total is refused unless
``--allow-increase`` (a call added on purpose, named in the commit).
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence
from pathlib import Path

if not __package__:  # run as a script: make ``benchmarks.workload`` importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.workload.calls import EXPECTED_FILE, differences, measure, read_expected, write_expected

logger = logging.getLogger("workload_calls")


def main(argv: Sequence[str] | None = None) -> int:
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--write", action="store_true", help=f"rewrite {EXPECTED_FILE.name} from this code")
    parser.add_argument("--allow-increase", action="store_true", help="with --write: accept a higher total")
    args = parser.parse_args(argv)
    actual = measure()
    expected = read_expected() if EXPECTED_FILE.exists() else {}
    changed = differences(expected, actual)
    for line in changed:
        logger.info("%s", line)
    if not args.write:
        logger.info("%s", "pin holds" if not changed else "pin differs (rewrite with --write)")
        return 1 if changed else 0
    if expected and sum(actual.values()) > sum(expected.values()) and not args.allow_increase:
        logger.error("the total went up; refusing to raise the pin without --allow-increase")
        return 1
    write_expected(actual)
    logger.info("wrote %s (%d calls)", EXPECTED_FILE, sum(actual.values()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
