"""Nox sessions: the test suite, the golden verification (main job), and helpers."""

from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
import zipfile
from pathlib import Path

import nox

nox.options.reuse_existing_virtualenvs = True
nox.options.default_venv_backend = "uv|virtualenv"
nox.options.sessions = ["golden", "tests"]

PYTHON = "3.11"
CONSTRAINTS = ("-c", "constraints.txt")
LINT_PATHS = (
    "src", "pytest-mlflow-golden", "tests", "benchmarks", "pipeline_demo", "mutation_gate",
    "noxfile.py", "conftest.py",
)  # fmt: skip
TYPED_PATHS = ("src", "pytest-mlflow-golden/src", "pipeline_demo", "mutation_gate")
# The modules the consolidation rewrites: the golden suite alone must cover >= 95% of each one's branches.
CONSOLIDATED = (
    "src/infrastructure/tracking/mlflow/runs.py",
    "src/training/execution/mlflow_setup.py",
    "src/training/execution/tag_helpers.py",
    "src/training/execution/tags.py",
    "src/infrastructure/tracking/mlflow/finder.py",
)


HARNESS = "pytest-mlflow-golden"
HARNESS_PACKAGE = "mlflow_golden"
QUICKSTART = Path("examples/quickstart")
#: The MLflow distributions pinned together in constraints.txt (compat installs its own versions).
MLFLOW_DISTRIBUTIONS = ("mlflow", "mlflow-skinny", "mlflow-tracing")


def _install(session: nox.Session) -> None:
    """The tracking layer with its dev extra, and the harness distribution from this repository."""
    session.install(*CONSTRAINTS, "-e", f"./{HARNESS}[postgres,xdist]", "-e", ".[dev]")


@nox.session(python=PYTHON)
def lint(session: nox.Session) -> None:
    """ruff on everything."""
    _install(session)
    session.run("ruff", "check", *LINT_PATHS)


@nox.session(python=PYTHON)
def typecheck(session: nox.Session) -> None:
    """mypy --strict on src/."""
    _install(session)
    session.run("mypy", "--strict", *TYPED_PATHS)


@nox.session(python=PYTHON)
def tests(session: nox.Session) -> None:
    """ruff, mypy --strict, the ledger gate, the whole pytest suite with branch coverage, every backend,
    provenance.

    1. the golden catalog on the file backend, with the branch-coverage gate for the four
       modules the consolidation rewrites;
    2. unit and harness tests (file backend), coverage appended and reported, and tests/perf (the
       HPO workload's REST calls per endpoint, pinned, on an mlflow server it starts);
    3. goldens and harness tests again on sqlite, on a real mlflow server (sqlite-backed) and on
       that server over PostgreSQL (binaries from the pinned pgserver wheel);
    4. the mutation ratchet on tag_helpers.py (so the mutation session cannot rot);
    5. provenance: the catalog re-records byte-identical from its baseline revision.
    """
    _install(session)
    session.run("ruff", "check", *LINT_PATHS)
    session.run("mypy", "--strict", *TYPED_PATHS)
    session.run("python", "-m", "mlflow_golden", "gate")  # every golden change is named in the ledger
    session.run("coverage", "erase")
    xdist = ("-n", "2", "--dist", "loadgroup")
    session.run("pytest", "tests/golden", *xdist, "--cov", "--cov-branch", "--cov-report=", *session.posargs)
    for module in CONSOLIDATED:
        session.run("coverage", "report", f"--include={module}", "--fail-under=95")
    session.run(
        "pytest",
        "tests/unit",
        "tests/harness",
        "tests/perf",
        *xdist,
        "--cov",
        "--cov-append",
        "--cov-branch",
        "--cov-report=term",
        *session.posargs,
    )
    _mutation(session, "tag_helpers")
    for backend in ("sqlite", "server", "postgres"):
        session.run("pytest", "tests/golden", "tests/harness", *xdist, f"--golden-backend={backend}")
    _provenance(session)
    session.notify("quickstart")


def _build_harness_wheel(session: nox.Session, into: Path) -> Path:
    """``pip wheel --no-deps`` of the harness distribution; refuse a wheel that ships anything else."""
    session.run("python", "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(into), f"./{HARNESS}")
    [wheel] = into.glob("pytest_mlflow_golden-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        tops = {name.split("/", 1)[0] for name in archive.namelist()}
    dist_info = {top for top in tops if top.endswith(".dist-info")}
    if tops - dist_info != {HARNESS_PACKAGE} or len(dist_info) != 1:
        session.error(f"{wheel.name} must hold only {HARNESS_PACKAGE}/ and its dist-info, not {sorted(tops)}")
    session.log(f"quickstart: wheel {wheel.name} holds {HARNESS_PACKAGE}/ and {dist_info.pop()} only")
    return wheel


@nox.session(python=PYTHON, reuse_venv=False)
def quickstart(session: nox.Session) -> None:
    """The harness as a user gets it: its wheel alone (plus pinned dependencies) in a fresh venv runs
    examples/quickstart, copied outside this repository, under -W error on the file and sqlite backends."""
    outside = Path(tempfile.mkdtemp(prefix="mlflow-golden-quickstart-"))
    try:
        wheel = _build_harness_wheel(session, outside / "wheel")
        session.install(*CONSTRAINTS, str(wheel))
        project = outside / "quickstart"
        shutil.copytree(QUICKSTART, project, ignore=shutil.ignore_patterns("__pycache__", ".pytest_cache"))
        session.chdir(project)
        where = "import mlflow_golden as m; print(m.__file__); assert 'site-packages' in m.__file__"
        session.run("python", "-c", where, env={"PYTHONPATH": ""})
        for backend in ("file", "sqlite"):
            session.log(f"quickstart: {project} on the {backend} backend, -W error")
            session.run(
                "python", "-m", "pytest", "-W", "error", f"--golden-backend={backend}", "-q",
                env={"PYTHONPATH": ""},
            )  # fmt: skip
            session.log(f"quickstart: {backend} backend passed")
    finally:
        shutil.rmtree(outside, ignore_errors=True)


def _allowed_mlflow_versions(session: nox.Session) -> list[str]:
    """Every MLflow the harness's declared range allows and the index offers, oldest first."""
    from packaging.requirements import Requirement
    from packaging.version import Version

    declared = next(
        Requirement(line.strip().strip('",'))
        for line in Path(HARNESS, "pyproject.toml").read_text(encoding="utf-8").splitlines()
        if line.strip().startswith('"mlflow')
    )
    listing = session.run("python", "-m", "pip", "index", "versions", "mlflow", silent=True)
    offered = str(listing).split("Available versions:", 1)[1].splitlines()[0].split(",")
    allowed = sorted(Version(v.strip()) for v in offered if v.strip() in declared.specifier)
    if not allowed:
        session.error(f"the index offers no MLflow in {declared}")
    session.log(f"compat: {declared} allows {len(allowed)} offered versions, {allowed[0]} .. {allowed[-1]}")
    return [str(version) for version in allowed]


def _install_mlflow(session: nox.Session, version: str, constraints: Path) -> bool:
    """Install ``mlflow==version`` (its own mlflow-skinny/-tracing); False if the index cannot satisfy it."""
    session.run(
        "python", "-m", "pip", "install", "-q", "-c", str(constraints), f"mlflow=={version}",
        silent=True, success_codes=[0, 1],
    )  # fmt: skip
    probe = "import importlib.metadata as m; print(m.version('mlflow'))"
    installed = str(session.run("python", "-c", probe, silent=True)).strip()
    if installed != version:
        session.log(f"compat: MLflow {version} is offered but not installable from this index (dependencies)")
    return installed == version


@nox.session(python=PYTHON)
def compat(session: nox.Session) -> None:
    """The harness self-tests (file backend, -n 2) on the oldest and the newest MLflow the harness allows
    and the index can install (a version offered whose dependencies are missing is skipped, logged)."""
    _install(session)
    unpinned = Path(session.create_tmp(), "constraints-without-mlflow.txt")
    unpinned.write_text(
        "".join(
            line + "\n"
            for line in Path("constraints.txt").read_text(encoding="utf-8").splitlines()
            if line.split("==")[0].strip().lower() not in MLFLOW_DISTRIBUTIONS
        ),
        encoding="utf-8",
    )
    # pytester's folders must lie outside this repository (nox's own TMPDIR is .nox/<session>/tmp):
    # inside it, inner runs would take the repository's pyproject.toml as their configuration.
    outside = tempfile.mkdtemp(prefix="mlflow-golden-compat-")
    Path(outside).chmod(0o755)  # the postgres tests' unprivileged server must reach folders below it
    results = []
    try:
        allowed = _allowed_mlflow_versions(session)
        oldest = next(v for v in allowed if _install_mlflow(session, v, unpinned))
        newest = next(v for v in reversed(allowed) if _install_mlflow(session, v, unpinned))
        for version in dict.fromkeys([oldest, newest]):
            _install_mlflow(session, version, unpinned)
            session.log(f"compat: MLflow {version}: tests/harness, file backend, -n 2")
            args = ("tests/harness", "-n", "2", "-q", "--golden-backend=file", *session.posargs)
            session.run("pytest", *args, env={"TMPDIR": outside})
            results.append(version)
    finally:
        shutil.rmtree(outside, ignore_errors=True)
    session.log(f"compat: passed on MLflow {', '.join(results)}")


def _mutation(session: nox.Session, *modules: str) -> None:
    """Mutate the target modules (all, or those named), run the goldens, enforce the ratchet."""
    session.run("python", "-m", "mutation_gate", *modules)


def _provenance(session: nox.Session) -> None:
    """Re-record the catalog from its manifest's revisions, or say plainly why it cannot."""
    manifest = json.loads(Path("golden/MANIFEST.json").read_text(encoding="utf-8"))
    revisions = sorted({entry["revision"] for entry in manifest["files"].values()})
    missing = [rev for rev in revisions if not _commit_exists(rev)]
    if missing:
        session.warn(f"provenance NOT checked: revision(s) {', '.join(missing)} are not in this clone")
        return
    session.run("python", "-m", "mlflow_golden", "provenance", "-n", "2")


def _commit_exists(revision: str) -> bool:
    probe = ["git", "cat-file", "-e", f"{revision}^{{commit}}"]
    return subprocess.run(probe, capture_output=True, check=False).returncode == 0


@nox.session(python=PYTHON)
def mutation(session: nox.Session) -> None:
    """Mutation testing of the golden suite with the accepted-survivor ratchet.

    ``nox -s mutation`` mutates every module in ``[tool.mutmut] only_mutate``;
    ``nox -s mutation -- tag_helpers`` one of them.
    """
    _install(session)
    _mutation(session, *session.posargs)


@nox.session(python=PYTHON)
def golden(session: nox.Session) -> None:
    """The main job: verify every golden scenario against its recorded snapshot."""
    _install(session)
    session.run("python", "-m", "mlflow_golden", "verify", *(session.posargs or ["-n", "2"]))


@nox.session(python=PYTHON)
def golden_update(session: nox.Session) -> None:
    """Re-record golden files from the current tree (only for new or deliberately changed scenarios)."""
    _install(session)
    session.run("python", "-m", "mlflow_golden", "verify", "--golden-update", *session.posargs)


@nox.session(python=PYTHON)
def provenance(session: nox.Session) -> None:
    """Re-record from the manifest's baseline revision and compare byte for byte."""
    _install(session)
    _provenance(session)


@nox.session(python=PYTHON)
def bench(session: nox.Session) -> None:
    """HPO workload on a real mlflow server: baseline vs current vs raw MlflowClient (not in tests)."""
    _install(session)
    session.run("python", "benchmarks/tracking_workload.py", *session.posargs)


@nox.session(python=PYTHON)
def demo(session: nox.Session) -> None:
    """Run the end-to-end pipeline into a persistent local store and print its run tree."""
    _install(session)
    session.run("python", "-m", "pipeline_demo", *session.posargs)
