"""Stress proof for issue 11: 8 processes x 40 writes on one index and one run-name counter.

Runs ``benchmarks/lock_stress.py`` once (in a subprocess, so its forked workers do not inherit
pytest's threads) on this tree's code, with two lock-free readers per phase, and checks each
figure it reports. Bounded in count (320 writes per phase, at most 200k reads per reader) and in
time (the script's phase deadline and the subprocess timeout); no figure depends on timing.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "benchmarks" / "lock_stress.py"
PROCESSES, WRITES, READERS = 8, 40, 2

pytestmark = [
    pytest.mark.skipif(os.name == "nt", reason="the stress workers are forked"),
    pytest.mark.xdist_group("lock_stress"),
]


@pytest.fixture(scope="module")
def figures() -> dict[str, Any]:
    command = [sys.executable, str(SCRIPT), "--json", "--processes", str(PROCESSES)]
    command += ["--writes", str(WRITES), "--readers", str(READERS)]
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    completed = subprocess.run(command, env=env, capture_output=True, text=True, timeout=600, check=False)
    assert completed.returncode in (0, 1), completed.stderr
    result: dict[str, Any] = json.loads(completed.stdout)
    assert Path(result["code"]) == ROOT / "src"
    return result


PHASES = ("index", "counter")


@pytest.mark.parametrize("phase", PHASES)
def test_every_write_is_in_the_final_file(figures: dict[str, Any], phase: str) -> None:
    assert figures[phase]["expected"] == PROCESSES * WRITES
    assert figures[phase]["found"] == PROCESSES * WRITES


@pytest.mark.parametrize("phase", PHASES)
def test_no_writer_raises(figures: dict[str, Any], phase: str) -> None:
    assert figures[phase]["writer_errors"] == 0, figures[phase]["error_types"]
    assert figures[phase]["hung_processes"] == 0


@pytest.mark.parametrize("phase", PHASES)
def test_every_concurrent_read_parses(figures: dict[str, Any], phase: str) -> None:
    assert figures[phase]["reads"] > 0
    assert figures[phase]["failed_reads"] == 0
    assert figures[phase]["final_file_parses"] is True


@pytest.mark.parametrize("phase", PHASES)
def test_no_lock_or_temp_file_is_left_behind(figures: dict[str, Any], phase: str) -> None:
    assert figures[phase]["leftovers"] == []


def test_distinct_reservations_get_distinct_versions(figures: dict[str, Any]) -> None:
    assert figures["counter"]["reservations"] == PROCESSES * WRITES
    assert figures["counter"]["duplicate_versions"] == 0


def test_every_reservation_is_committed(figures: dict[str, Any]) -> None:
    assert figures["counter"]["commits_matched"] == PROCESSES * WRITES
