"""verify's progress lines: one per tenth of the run, with the count of scenarios not ok."""

from __future__ import annotations

from mlflow_golden._cli_progress import Progress


def _run(total: int, not_ok: frozenset[int] = frozenset()) -> list[str]:
    lines: list[str] = []
    progress = Progress(lines.append)
    progress.start(total)
    for index in range(total):
        progress.finished(index not in not_ok)
    return lines


def test_a_line_at_every_tenth_of_the_run() -> None:
    lines = _run(1003)
    assert len(lines) == 10
    assert lines[0] == "[ 10%] 101/1003 scenarios, 0 not ok"
    assert lines[-1] == "[100%] 1003/1003 scenarios, 0 not ok"


def test_the_lines_count_scenarios_that_are_not_ok() -> None:
    lines = _run(20, not_ok=frozenset({0, 5}))
    assert lines[0] == "[ 10%] 2/20 scenarios, 1 not ok"
    assert lines[-1] == "[100%] 20/20 scenarios, 2 not ok"


def test_a_small_run_prints_one_line_per_scenario_at_most() -> None:
    assert _run(2) == ["[ 50%] 1/2 scenarios, 0 not ok", "[100%] 2/2 scenarios, 0 not ok"]


def test_nothing_is_printed_before_the_total_is_known() -> None:
    lines: list[str] = []
    Progress(lines.append).finished(True)
    assert lines == []


def test_written_scenarios_are_counted_as_written_not_as_not_ok() -> None:
    lines: list[str] = []
    progress = Progress(lines.append)
    progress.start(10)
    for index in range(10):
        progress.finished(ok=False, written=index < 4)  # 4 wrote their goldens, 6 failed
    assert lines[-1] == "[100%] 10/10 scenarios, 6 not ok, 4 written"
