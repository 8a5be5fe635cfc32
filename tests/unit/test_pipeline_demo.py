"""``python -m pipeline_demo``: a fresh persistent store, its run tree on stdout, then the ``mlflow ui`` line.

The demo runs once per store kind (module fixture; each run is a few seconds) into a temporary
folder; the tests read what it printed and what it left on disk.
"""

from __future__ import annotations

import contextlib
import io
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import mlflow
import pytest
from mlflow.tracking import MlflowClient
from pipeline_demo.__main__ import main

from unit._helpers import end_active_runs

RUN_LINE = re.compile(r'^(?P<indent> *)(?P<ref>run-\d+) "(?P<name>[^"]*)" (?P<status>\w+)')
TRIAL_SUFFIXES = ("_t00", "_t01", "_t02")


@dataclass(frozen=True)
class DemoRun:
    store: str
    base: Path
    exit_code: int
    stdout: str

    @property
    def lines(self) -> list[str]:
        return self.stdout.splitlines()

    def runs(self) -> list[tuple[int, str, str]]:
        """(depth, name, status) of every run line of the tree, in order."""
        found = []
        for line in self.lines:
            match = RUN_LINE.match(line)
            if match:
                found.append((len(match["indent"]) // 2, match["name"], match["status"]))
        return found


@contextlib.contextmanager
def _restored_mlflow_state() -> Iterator[None]:
    """The demo sets the global tracking URI, the active experiment and env vars: undo all of it."""
    environ = dict(os.environ)
    uri = mlflow.get_tracking_uri()
    for name in [name for name in os.environ if name.startswith("MLFLOW_")]:
        del os.environ[name]
    try:
        yield
    finally:
        end_active_runs()
        mlflow.tracking.fluent._active_experiment_id = None
        mlflow.set_tracking_uri(uri)
        os.environ.clear()
        os.environ.update(environ)


def _run_demo(base: Path, store: str) -> DemoRun:
    out = io.StringIO()
    with _restored_mlflow_state(), contextlib.redirect_stdout(out):
        exit_code = main(["--store", store, "--dir", str(base)])
    return DemoRun(store=store, base=base, exit_code=exit_code, stdout=out.getvalue())


@pytest.fixture(scope="module", params=["sqlite", "file"])
def demo(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> DemoRun:
    store = str(request.param)
    return _run_demo(tmp_path_factory.mktemp(f"demo-{store}"), store)


def test_demo_exits_zero(demo: DemoRun) -> None:
    assert demo.exit_code == 0


def test_tree_nests_three_trials_under_the_sweep_and_two_folds_under_each_trial(demo: DemoRun) -> None:
    hpo = demo.runs()[:11]
    # sweep; 3 x (trial, fold0, fold1); refit -- depth 1 is a top-level run of its experiment
    assert [depth for depth, _, _ in hpo] == [1, 2, 3, 3, 2, 3, 3, 2, 3, 3, 2]
    assert hpo[0][1].endswith("_hpo_ner-study")
    for position, suffix in zip((1, 4, 7), TRIAL_SUFFIXES, strict=True):
        trial = hpo[position][1]
        assert trial.endswith(suffix)
        assert [hpo[position + 1][1], hpo[position + 2][1]] == [f"{trial}_fold0", f"{trial}_fold1"]
    assert hpo[10][1].endswith("_t01_refit")


def test_every_run_of_the_pipeline_is_shown_finished(demo: DemoRun) -> None:
    runs = demo.runs()
    assert len(runs) == 14
    assert {status for _, _, status in runs} == {"FINISHED"}


def test_tree_lists_the_four_stage_experiments(demo: DemoRun) -> None:
    experiments = [line for line in demo.lines if line.startswith("experiment ")]
    for name in ("ner-hpo", "ner-final-training", "ner-benchmark", "ner-conversion"):
        assert any(f'"{name}"' in line for line in experiments), name


def test_last_line_is_the_mlflow_ui_command_naming_the_store(demo: DemoRun) -> None:
    store_dir = demo.base.resolve() / "demo-store"
    if demo.store == "sqlite":
        expected = f"mlflow ui --backend-store-uri sqlite:///{store_dir / 'mlflow.db'}"
    else:
        uri = (store_dir / "mlruns").as_uri()
        expected = f"MLFLOW_ALLOW_FILE_STORE=true mlflow ui --backend-store-uri {uri}"
    assert demo.lines[-1] == expected
    assert demo.lines[-2] == ""


def test_stdout_holds_only_the_tree_and_the_command(demo: DemoRun) -> None:
    tree = demo.lines[:-2]
    assert tree[0].startswith("experiment ")
    assert all(line.startswith(("experiment ", "  ")) for line in tree)


def test_store_persists_on_disk_and_opens_with_the_printed_uri(demo: DemoRun) -> None:
    uri = demo.lines[-1].split("--backend-store-uri ", 1)[1]
    with _restored_mlflow_state():
        if uri.startswith("file:"):
            os.environ["MLFLOW_ALLOW_FILE_STORE"] = "true"
        client = MlflowClient(tracking_uri=uri)
        experiments = client.search_experiments()
        runs = client.search_runs([experiment.experiment_id for experiment in experiments])
    assert len(runs) == 14


def test_a_previous_demo_store_is_wiped_first(tmp_path: Path) -> None:
    previous = tmp_path / "demo-store"
    previous.mkdir()
    (previous / "leftover.txt").write_text("from an earlier run", encoding="utf-8")
    (previous / "mlflow.db").write_text("not a database", encoding="utf-8")
    demo = _run_demo(tmp_path, "sqlite")
    assert not (previous / "leftover.txt").exists()
    assert len(demo.runs()) == 14
