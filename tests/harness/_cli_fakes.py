"""Stand-ins for the pytest subprocess of the CLI, so its commands run in-process in milliseconds.

``ScriptedRunner`` replays prepared ``PytestRun``s (for output and exit-code logic);
``FakeRecorder`` acts like the golden tests under ``--golden-update --golden-target-src``: it writes a
golden file and a budget per scenario whose bytes depend only on the code it was pointed at, so
record, provenance and accept can run on real git worktrees without MLflow (and it answers
``--collect-only`` runs with the collected node ids).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from mlflow_golden import SCHEMA_VERSION
from mlflow_golden import _budgets as budgets
from mlflow_golden._golden_paths import budget_path, golden_path_for_nodeid
from mlflow_golden._pytest_args import GOLDEN_DIR_OPTION, TARGET_SRC_OPTION, UPDATE_OPTION
from mlflow_golden._runner import OnCollected, OnResult, PytestRun, ScenarioResult
from mlflow_golden._snapshot import dumps as snapshot_text
from mlflow_golden._status import FAILING, Status

TEST_MODULE = "tests/golden/test_demo.py"


@dataclass
class Call:
    """One run the CLI asked for."""

    args: list[str]
    cwd: Path


def _report(run: PytestRun, on_result: OnResult, on_collected: OnCollected) -> PytestRun:
    """Call back as ``run_pytest`` does: the collected count first, then every result."""
    if run.collected is not None:
        on_collected(len(run.collected))
    for result in [*run.collect_errors, *run.scenarios]:
        on_result(result)
    return run


@dataclass
class _StandIn:
    """A ``PytestRunner`` that notes what each call asked for and answers with ``_run``."""

    calls: list[Call] = field(default_factory=list, kw_only=True)

    def __call__(
        self, args: Sequence[str], cwd: Path, on_result: OnResult, on_collected: OnCollected
    ) -> PytestRun:
        self.calls.append(Call(list(args), cwd))
        return _report(self._run(args, cwd), on_result, on_collected)

    def _run(self, args: Sequence[str], cwd: Path) -> PytestRun:
        raise NotImplementedError


def scenarios(*results: tuple[str, Status], orphans: Sequence[str] = (), updating: bool = False) -> PytestRun:
    """A finished run of ``(nodeid, status)`` scenarios, failing ones with the details
    ``report of <nodeid>``, and the exit code pytest gives it (orphans fail unless ``updating``)."""
    failed = any(status in FAILING for _, status in results) or bool(orphans and not updating)
    return PytestRun(
        exit_code=1 if failed else 0,
        output="pytest's own output\n",
        collected=[nodeid for nodeid, _ in results],
        scenarios=[
            ScenarioResult(nodeid, status, f"report of {nodeid}" if status in FAILING else None)
            for nodeid, status in results
        ],
        orphans=list(orphans),
    )


@dataclass
class ScriptedRunner(_StandIn):
    """Replays one prepared run per call."""

    runs: list[PytestRun]

    def _run(self, args: Sequence[str], cwd: Path) -> PytestRun:
        return self.runs.pop(0)


def _option(args: Sequence[str], name: str) -> Path:
    return Path(next(arg.removeprefix(f"{name}=") for arg in args if arg.startswith(f"{name}=")))


@dataclass
class FakeRecorder(_StandIn):
    """The project's golden tests under ``--golden-update``, without pytest or MLflow.

    Collects the ``test_*`` functions of the project's ``tests/golden/test_demo.py`` (or the node ids
    given). Each writes its snapshot files (``snapshots``: by test name, None for ``<test>.json``,
    a name for ``<test>.<name>.json``; default: only ``<test>.json``) = the snapshot's name plus
    the ``src/demo_code.py`` of ``--golden-target-src``, and a budget beside each; ``test_new_feature``
    errors when that code has no ``new_feature``. With ``real_files`` the files are a valid snapshot
    and budget instead (for commands that read them: ``review``), see ``contents``.
    """

    snapshots: dict[str, tuple[str | None, ...]] = field(default_factory=dict)
    real_files: bool = False

    def contents(self, golden_name: str, code: str) -> tuple[str, str]:
        """The bytes of the golden file ``golden_name`` (a file name) and its budget, for ``code``."""
        if not self.real_files:
            return f"{golden_name}\n{code}", f"store calls of {golden_name}\n{code}"
        version = re.search(r'^VERSION = "(\d+)"', code, re.M)
        assert version is not None, "demo code names its VERSION"
        data = {"schema": SCHEMA_VERSION, "experiments": [], "runs": [], "active_run": None, "error": None}
        calls = ["create_run", *(["set_tag"] * int(version[1]))]  # one more call in each version
        return snapshot_text({**data, "result": f"{golden_name} version {version[1]}"}), budgets.dumps(calls)

    def _run(self, args: Sequence[str], cwd: Path) -> PytestRun:
        module = (cwd / TEST_MODULE).read_text(encoding="utf-8")
        collected = [f"{TEST_MODULE}::{name}" for name in re.findall(r"^def (test_\w+)", module, re.M)]
        collected = [arg for arg in args if "::" in arg] or collected
        if "--collect-only" in args:
            return PytestRun(exit_code=0, output="pytest's own output\n", collected=collected)
        assert UPDATE_OPTION in args, "record, provenance and accept always update"
        code = (_option(args, TARGET_SRC_OPTION) / "src" / "demo_code.py").read_text(encoding="utf-8")
        golden_dir = _option(args, GOLDEN_DIR_OPTION)
        results = [self._record(nodeid, code, golden_dir) for nodeid in collected]
        return PytestRun(
            exit_code=1 if any(result.status == Status.ERROR for result in results) else 0,
            output="pytest's own output\n",
            collected=collected,
            scenarios=results,
        )

    def _record(self, nodeid: str, code: str, golden_dir: Path) -> ScenarioResult:
        test = nodeid.rpartition("::")[2]
        if test == "test_new_feature" and "def new_feature" not in code:
            return ScenarioResult(nodeid, Status.ERROR, "AttributeError: no attribute 'new_feature'")
        first = golden_path_for_nodeid(nodeid, golden_dir)
        status = Status.OK
        for snapshot in self.snapshots.get(test, (None,)):
            golden = first if snapshot is None else first.with_name(f"{test}.{snapshot}.json")
            text, calls = self.contents(golden.name, code)
            if golden.is_file() and golden.read_text(encoding="utf-8") == text:
                continue
            golden.parent.mkdir(parents=True, exist_ok=True)
            golden.write_text(text, encoding="utf-8")
            budget_path(golden).write_text(calls, encoding="utf-8")
            status = Status.WRITTEN
        return ScenarioResult(nodeid, status)
