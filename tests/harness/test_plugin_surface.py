"""What the installed plugin does to a pytest run, and the public API scenario authors use."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

import mlflow_golden

InnerRun = Callable[..., pytest.RunResult]

PROBE = """
import json, sys

def pytest_sessionfinish(session):
    markers = [line.split("(")[0].split(":")[0] for line in session.config.getini("markers")]
    with open("probe.json", "w") as out:
        json.dump({"mlflow": "mlflow" in sys.modules, "markers": markers}, out)
"""


@pytest.fixture
def unrelated_run(pytester: pytest.Pytester, run_subprocess: InnerRun) -> dict[str, object]:
    """A fresh interpreter runs one test that uses no fixture of the plugin; what did it leave?"""
    pytester.makeconftest(PROBE)
    pytester.makepyfile(test_unrelated="def test_addition():\n    assert 1 + 1 == 2\n")
    run_subprocess().assert_outcomes(passed=1)
    probe: dict[str, object] = json.loads((pytester.path / "probe.json").read_text(encoding="utf-8"))
    return probe


def test_a_run_that_uses_no_fixture_of_the_plugin_imports_no_mlflow(unrelated_run: dict[str, object]) -> None:
    assert unrelated_run["mlflow"] is False


def test_the_plugin_registers_only_its_public_markers(unrelated_run: dict[str, object]) -> None:
    markers = unrelated_run["markers"]
    assert isinstance(markers, list)
    assert {"golden_as", "golden_budget_differs_on"} <= set(markers)
    assert "harness_server" not in markers


def test_importing_the_package_imports_no_mlflow() -> None:
    code = "import sys, mlflow_golden, mlflow_golden.plugin; print('mlflow' in sys.modules)"
    src = str(Path(mlflow_golden.__file__).resolve().parents[1])
    completed = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, env={"PYTHONPATH": src}
    )
    assert completed.stdout.strip() == "False"


@pytest.mark.parametrize("name", mlflow_golden.__all__)
def test_every_public_name_is_importable_from_the_package(name: str) -> None:
    assert getattr(mlflow_golden, name) is not None


def test_an_unknown_name_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="has no attribute 'Nope'"):
        _ = mlflow_golden.Nope  # type: ignore[attr-defined]


def test_the_fixtures_give_the_public_types(pytester: pytest.Pytester, run_inner: InnerRun) -> None:
    pytester.makepyfile(
        test_types="""
from mlflow_golden import Golden, StoreFaults, TrackingStore

def test_types(tracking_store, golden, store_faults):
    assert isinstance(tracking_store, TrackingStore)
    assert isinstance(golden, Golden)
    assert isinstance(store_faults, StoreFaults)
    golden.snapshot()
"""
    )
    run_inner().assert_outcomes(passed=1)


# -- option spellings ---------------------------------------------------------------------------
CHECKED = """
def test_backend(tracking_store, golden):
    print("BACKEND", tracking_store.backend)
    golden.snapshot()
"""


def test_the_old_backend_option_still_works_and_warns(pytester: pytest.Pytester, run_inner: InnerRun) -> None:
    pytester.makepyfile(test_backend=CHECKED)
    result = run_inner("--mlflow-backend", "sqlite", "-s", pass_backend=False)
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(
        ["*BACKEND sqlite*", "*GoldenOptionDeprecated: --mlflow-backend is deprecated; use --golden-backend*"]
    )


def test_the_new_backend_option_gives_no_warning(pytester: pytest.Pytester, run_inner: InnerRun) -> None:
    pytester.makepyfile(test_backend=CHECKED)
    result = run_inner("--golden-backend", "sqlite", "-s", pass_backend=False)
    result.stdout.fnmatch_lines(["*BACKEND sqlite*"])
    assert "GoldenOptionDeprecated" not in result.stdout.str()


def test_old_and_new_backend_options_that_disagree_are_a_usage_error(
    pytester: pytest.Pytester, run_inner: InnerRun
) -> None:
    pytester.makepyfile(test_backend=CHECKED)
    result = run_inner("--golden-backend=file", "--mlflow-backend=sqlite", pass_backend=False)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*--golden-backend=file and --mlflow-backend=sqlite disagree*"])


def test_the_old_target_src_option_still_works_and_warns(
    pytester: pytest.Pytester, run_inner: InnerRun
) -> None:
    result = run_inner(f"--target-src={pytester.path / 'missing'}")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*--golden-target-src: no such directory*"])


# -- snapshots ----------------------------------------------------------------------------------
CATCH_ERROR = """
def test_err(tracking_store, golden):
    with golden.catch_error():
        raise KeyError("boom")
    assert golden.snapshot()["error"] == {"type": "KeyError", "message": "'boom'"}
"""

OLD_CAPTURE = """
import pytest

def test_err(tracking_store, golden):
    with pytest.deprecated_call(match="use golden.catch_error"):
        with golden.capture():
            raise KeyError("boom")
    assert golden.snapshot()["error"]["type"] == "KeyError"
"""


def test_catch_error_records_the_raised_error_in_the_snapshot(
    pytester: pytest.Pytester, run_inner: InnerRun
) -> None:
    pytester.makepyfile(test_err=CATCH_ERROR)
    run_inner().assert_outcomes(passed=1)


def test_the_old_capture_spelling_warns_and_still_records_the_error(
    pytester: pytest.Pytester, run_inner: InnerRun
) -> None:
    pytester.makepyfile(test_err=OLD_CAPTURE)
    run_inner().assert_outcomes(passed=1)


def test_a_test_that_neither_checks_nor_snapshots_fails(
    pytester: pytest.Pytester, run_inner: InnerRun
) -> None:
    pytester.makepyfile(test_forgot="def test_forgot(tracking_store, golden):\n    pass\n")
    result = run_inner()
    result.assert_outcomes(passed=1, errors=1)
    result.stdout.fnmatch_lines(["*uses the golden fixture but never called golden.check()*"])


VOLATILE = """
def test_tags(tracking_store, golden):
    exp = tracking_store.client.create_experiment("e", tags={"myproj.build_id": "b-77"})
    tracking_store.client.create_run(exp, run_name="r", tags={"myproj.build_id": "b-78", "stage": "hpo"})
    snapshot = golden.snapshot()
    print("EXP", snapshot["experiments"][1]["tags"])
    print("RUN", sorted(snapshot["runs"][0]["tags"].items()))
"""


def test_configured_volatile_tags_keep_their_key_with_a_volatile_value(
    pytester: pytest.Pytester, run_inner: InnerRun
) -> None:
    pytester.makeini("[pytest]\ngolden_volatile_tags =\n    myproj.build_*\n")
    pytester.makepyfile(test_tags=VOLATILE)
    result = run_inner("-s")
    result.assert_outcomes(passed=1)
    out = result.stdout.str()
    assert "EXP {'myproj.build_id': '<volatile>'}" in out
    assert "('myproj.build_id', '<volatile>')" in out and "('stage', 'hpo')" in out


def test_without_configuration_project_tags_are_compared_as_they_are(
    pytester: pytest.Pytester, run_inner: InnerRun
) -> None:
    pytester.makepyfile(test_tags=VOLATILE)
    out = run_inner("-s").stdout.str()
    assert "EXP {'myproj.build_id': 'b-77'}" in out
    assert "('myproj.build_id', 'b-78')" in out
