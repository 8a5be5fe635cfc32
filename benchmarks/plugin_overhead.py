"""What the installed ``mlflow_golden`` plugin costs a pytest run that never uses it.

The plugin loads through a ``pytest11`` entry point into every pytest run of a project that
installs this package. This script runs pytest on an unrelated one-test project (no MLflow, no
fixture of the plugin), in fresh interpreters:

- ``without``: ``-p no:mlflow_golden.plugin`` (the plugin is not loaded);
- ``current``: this tree's ``src`` (the plugin loaded by its entry point);
- ``baseline``: a git revision's ``src`` (``--baseline REV``, from a temporary worktree), when given.

For each it reports the median wall time of ``--repeats`` runs and what the run left behind in
the process: whether ``mlflow`` was imported, whether an ``azureml`` tracking-store builder was
replaced, and which markers were registered. Ratios are within this one run, on this machine.

    python benchmarks/plugin_overhead.py [--baseline 817574a] [--repeats 7]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

logger = logging.getLogger("plugin_overhead")

ROOT = Path(__file__).resolve().parents[1]

UNRELATED_TEST = """\
def test_addition():
    assert 1 + 1 == 2
"""

# Reports at session end what the run left in the process: whether mlflow was imported, which
# builder (if any) serves the azureml tracking scheme, and the registered markers. It imports
# mlflow only when something else already did, so it cannot hide the plugin's own import.
PROBE_CONFTEST = """\
import json, os, sys

def pytest_sessionfinish(session):
    result = {"mlflow_imported": "mlflow" in sys.modules}
    plugin = sys.modules.get("mlflow_golden")
    result["mlflow_golden_file"] = getattr(plugin, "__file__", None)
    result["markers"] = sorted(
        line.split("(")[0].split(":")[0] for line in session.config.getini("markers")
    )
    if result["mlflow_imported"]:
        from mlflow.tracking._tracking_service import utils
        builder = utils._tracking_store_registry._registry.get("azureml")
        result["azureml_builder"] = None if builder is None else builder.__module__
    else:
        result["azureml_builder"] = None
    with open(os.environ["PLUGIN_OVERHEAD_PROBE"], "w") as out:
        json.dump(result, out)
"""


@dataclass(frozen=True)
class Variant:
    name: str
    src: Path | None
    load_plugin: bool


@dataclass
class Measured:
    variant: Variant
    seconds: list[float]
    probe: dict[str, object]

    @property
    def median(self) -> float:
        return statistics.median(self.seconds)


def _project(folder: Path) -> None:
    (folder / "test_unrelated.py").write_text(UNRELATED_TEST, encoding="utf-8")
    (folder / "conftest.py").write_text(PROBE_CONFTEST, encoding="utf-8")
    (folder / "pytest.ini").write_text("[pytest]\n", encoding="utf-8")


def _run_once(variant: Variant, project: Path, probe: Path) -> float:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "MLFLOW_"))}
    env["PLUGIN_OVERHEAD_PROBE"] = str(probe)
    if variant.src is not None:
        env["PYTHONPATH"] = str(variant.src)
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "test_unrelated.py"]
    if not variant.load_plugin:
        command[4:4] = ["-p", "no:mlflow_golden.plugin"]
    start = time.perf_counter()
    completed = subprocess.run(command, cwd=project, env=env, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - start
    if completed.returncode != 0:
        raise RuntimeError(
            f"{variant.name}: pytest exited {completed.returncode}\n{completed.stdout}{completed.stderr}"
        )
    return elapsed


def measure(variants: list[Variant], repeats: int) -> list[Measured]:
    """Each variant ``repeats`` times, interleaved (one run of each per round) so that load changes
    on a shared machine hit every variant alike."""
    with tempfile.TemporaryDirectory(prefix="plugin-overhead-") as tmp:
        project = Path(tmp)
        _project(project)
        probe = project / "probe.json"
        results = []
        for variant in variants:
            _run_once(variant, project, probe)  # warm the file cache and bytecode
            results.append(Measured(variant, [], json.loads(probe.read_text(encoding="utf-8"))))
        for _ in range(repeats):
            for measured in results:
                measured.seconds.append(_run_once(measured.variant, project, probe))
        return results


@contextmanager
def _worktree(revision: str) -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="plugin-overhead-rev-") as tmp:
        tree = Path(tmp) / "tree"
        subprocess.run(
            ["git", "worktree", "add", "--detach", str(tree), revision],
            cwd=ROOT,
            check=True,
            capture_output=True,
        )
        try:
            yield tree
        finally:
            subprocess.run(
                ["git", "worktree", "remove", "--force", str(tree)],
                cwd=ROOT,
                check=False,
                capture_output=True,
            )


def _report(results: list[Measured]) -> str:
    without = next(m for m in results if m.variant.name == "without")
    lines = [
        f"{'variant':<10} {'median s':>9} {'added s':>8}  mlflow imported  azureml builder  markers",
    ]
    for m in results:
        added = m.median - without.median
        lines.append(
            f"{m.variant.name:<10} {m.median:>9.3f} {added:>8.3f}  {m.probe['mlflow_imported']!s:<15}  "
            f"{m.probe['azureml_builder']!s:<15}  {', '.join(map(str, m.probe['markers'])) or '-'}"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--baseline", metavar="REV", help="also measure the plugin of this git revision")
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    current = ROOT / "src"
    variants = [Variant("without", current, False), Variant("current", current, True)]
    with contextlib.ExitStack() as stack:
        if args.baseline:
            tree = stack.enter_context(_worktree(args.baseline))
            variants.append(Variant("baseline", tree / "src", True))
        results = measure(variants, args.repeats)
    for m in results:
        if m.variant.load_plugin and m.variant.src is not None:
            loaded = str(m.probe["mlflow_golden_file"])
            if not loaded.startswith(str(m.variant.src)):
                raise RuntimeError(f"{m.variant.name}: loaded {loaded}, expected it under {m.variant.src}")
    logger.info(
        "pytest on an unrelated one-test project, median of %d fresh runs:\n%s",
        args.repeats,
        _report(results),
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
