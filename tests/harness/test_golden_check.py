"""End to end through pytest (pytester, in-process, outer --golden-backend): record, compare, report."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path

import pytest
from _scenario_variants import GOLDEN, ScenarioVariants

InnerRun = Callable[..., pytest.RunResult]


SCENARIO = ScenarioVariants(
    """
def test_scenario(tracking_store, golden):
    c = tracking_store.client
    exp = c.create_experiment("{EXP}")
    parent = c.create_run(exp, run_name="parent", tags={{{STAGE_TAG}"kind": "sweep"}})
    other = c.create_run(exp, run_name="other")
    child = c.create_run(
        exp, run_name="child", tags={{"mlflow.parentRunId": {PARENT}.info.run_id, "team": "{TEAM}"}}
    )
    c.set_terminated(child.info.run_id, "{STATUS}")
    {EXTRA}
    golden.check(result={{"child": child.info.run_id}})
""",
    EXP="sweep",
    STAGE_TAG='"stage": "hpo", ',
    TEAM="blue",
    PARENT="parent",
    STATUS="FINISHED",
    EXTRA="",
)

#: An mtime no write can leave behind (2001-09-09): set on the golden file before a compare run.
SENTINEL_MTIME_NS = 1_000_000_000 * 10**9


def _fingerprint(path: Path) -> tuple[bytes, int, int]:
    """The file's bytes, inode and mtime: any rewrite (in place or by replacement) changes one."""
    stat = path.stat()
    return path.read_bytes(), stat.st_ino, stat.st_mtime_ns


@pytest.fixture
def recorded(pytester: pytest.Pytester, run_inner: InnerRun) -> pytest.Pytester:
    return SCENARIO.record(pytester, run_inner)


def test_golden_update_writes_the_golden_file(recorded: pytest.Pytester) -> None:
    data = json.loads((recorded.path / GOLDEN).read_text(encoding="utf-8"))
    assert data["schema"] == 2
    assert [run["name"] for run in data["runs"]] == ["parent", "other", "child"]
    assert data["runs"][2]["parent"] == "run-1"
    assert data["result"] == {"child": "run-3"}


def test_unchanged_scenario_passes(recorded: pytest.Pytester, run_inner: InnerRun) -> None:
    run_inner().assert_outcomes(passed=1)


@pytest.mark.parametrize(
    ("change", "expected_lines"),
    [
        ({"TEAM": "red"}, ['tags.team: "blue" -> "red"']),
        ({"STAGE_TAG": ""}, ['tags.stage: "hpo" -> <absent>']),
        ({"PARENT": "other"}, ['parent: "run-1" -> "run-2"', 'tags.mlflow.parentRunId: "run-1" -> "run-2"']),
        ({"STATUS": "FAILED"}, ['status: "FINISHED" -> "FAILED"']),
        ({"EXTRA": 'c.create_run(exp, run_name="late")'}, ['+   run-4 "late" RUNNING']),
        ({"EXP": "renamed"}, ['name: "sweep" -> "renamed"']),
    ],
    ids=["tag-value", "tag-removed", "parent", "status", "extra-run", "experiment-renamed"],
)
def test_a_change_fails_with_a_report_naming_it(
    recorded: pytest.Pytester, run_inner: InnerRun, change: dict[str, str], expected_lines: list[str]
) -> None:
    SCENARIO.write(recorded, **change)
    golden = recorded.path / GOLDEN
    os.utime(golden, ns=(SENTINEL_MTIME_NS, SENTINEL_MTIME_NS))
    before = _fingerprint(golden)
    result = run_inner()
    result.assert_outcomes(failed=1)
    output = result.stdout.str()
    assert "golden snapshot differs from" in output
    tree_part, _, json_part = output.partition("JSON diff:")
    for line in expected_lines:
        assert line in tree_part
    assert "(recorded)" in json_part and "(actual)" in json_part
    assert _fingerprint(golden) == before  # a compare run never rewrites the golden file


def test_missing_golden_fails_with_how_to_record(pytester: pytest.Pytester, run_inner: InnerRun) -> None:
    SCENARIO.write(pytester)
    result = run_inner()
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        ["*missing golden file *test_scenario.json; run with --golden-update to record it*"]
    )


def test_orphan_fails_a_full_run_and_update_removes_it(
    recorded: pytest.Pytester, run_inner: InnerRun
) -> None:
    orphan = recorded.path / "golden/test_scenario/test_gone.json"
    orphan.write_text("{}\n", encoding="utf-8")
    result = run_inner()
    result.assert_outcomes(passed=1, errors=1)  # the orphan is an error in pytest's own summary
    assert result.ret == 1
    result.stdout.fnmatch_lines(["*orphan golden file: test_scenario/test_gone.json*"])
    assert orphan.exists()
    assert run_inner("--golden-update").ret == 0
    assert not orphan.exists()
    assert (recorded.path / GOLDEN).exists()


def test_running_one_module_judges_only_that_modules_goldens(
    recorded: pytest.Pytester, run_inner: InnerRun
) -> None:
    own = recorded.path / "golden/test_scenario/test_gone.json"
    sibling = recorded.path / "golden/test_other/test_kept.json"
    for path in (own, sibling):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("{}\n", encoding="utf-8")
    result = run_inner("test_scenario.py")
    assert result.ret == 1
    result.stdout.fnmatch_lines(["*orphan golden file: test_scenario/test_gone.json*"])
    assert "test_other" not in result.stdout.str()
    assert run_inner("test_scenario.py", "--golden-update").ret == 0
    assert not own.exists()
    assert sibling.exists()


@pytest.mark.parametrize(
    ("content", "message"),
    [('{"schema": 1,', "corrupt golden JSON"), ('{"schema": 7}\n', "unknown golden schema 7")],
    ids=["corrupt-json", "unknown-schema"],
)
def test_unusable_golden_file_gives_a_clear_error(
    recorded: pytest.Pytester, run_inner: InnerRun, content: str, message: str
) -> None:
    (recorded.path / GOLDEN).write_text(content, encoding="utf-8")
    result = run_inner()
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines([f"*{GOLDEN.name}: {message}*"])


def test_a_schema_1_golden_file_says_how_to_re_record_it_instead_of_a_diff(
    recorded: pytest.Pytester, run_inner: InnerRun
) -> None:
    path = recorded.path / GOLDEN
    old = json.loads(path.read_text(encoding="utf-8"))
    path.write_text(json.dumps({**old, "schema": 1}), encoding="utf-8")
    result = run_inner()
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [f"*{GOLDEN.name}: a schema-1 golden file*python -m mlflow_golden record --from <revision>*"]
    )
    assert "JSON diff" not in result.stdout.str()


def test_non_json_able_result_gives_a_clear_error(pytester: pytest.Pytester, run_inner: InnerRun) -> None:
    pytester.makepyfile(
        test_scenario="""
        class RunLookupReport:
            pass

        def test_scenario(tracking_store, golden):
            golden.check(result=[1, {"foo": RunLookupReport()}])
        """
    )
    result = run_inner("--golden-update")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        ["*result[[]1[]].foo: cannot snapshot object of type RunLookupReport; convert it to JSON-able data*"]
    )


def test_golden_used_without_check_errors_at_teardown(pytester: pytest.Pytester, run_inner: InnerRun) -> None:
    pytester.makepyfile(test_scenario="def test_scenario(tracking_store, golden):\n    pass\n")
    result = run_inner("--golden-update")
    result.assert_outcomes(passed=1, errors=1)
    result.stdout.fnmatch_lines(["*uses the golden fixture but never called golden.check()*"])


def test_capture_records_the_error_into_check(pytester: pytest.Pytester, run_inner: InnerRun) -> None:
    pytester.makepyfile(
        test_scenario="""
        def test_scenario(tracking_store, golden):
            with golden.catch_error():
                raise KeyError("boom")
            golden.check()
        """
    )
    run_inner("--golden-update").assert_outcomes(passed=1)
    data = json.loads((pytester.path / GOLDEN).read_text(encoding="utf-8"))
    assert data["error"] == {"type": "KeyError", "message": "'boom'"}


def test_status_travels_in_user_properties(pytester: pytest.Pytester, run_inner: InnerRun) -> None:
    SCENARIO.write(pytester)
    pytester.makeconftest(
        """
        def pytest_runtest_logreport(report):
            if report.when == "call":
                print("STATUS", dict(report.user_properties).get("golden"))
        """
    )
    run_inner("-s").stdout.fnmatch_lines(["*STATUS missing*"])
    run_inner("-s", "--golden-update").stdout.fnmatch_lines(["*STATUS written*"])
    run_inner("-s").stdout.fnmatch_lines(["*STATUS ok*"])
    SCENARIO.write(pytester, TEAM="red")
    run_inner("-s").stdout.fnmatch_lines(["*STATUS differs*"])
