"""Orphan golden files: files whose test is known to be gone, judged only on proof.

A golden file is an orphan only when this run proves that no test uses it:
- its test module was collected whole (every collector under it expanded, nothing narrowed by a
  node id) and none of the tests collected from it owns the file. A test counts from
  ``pytest_itemcollected`` on, before ``-k``, ``-m``, ``--deselect`` or any plugin deselects it,
  so deselected tests keep their goldens;
- its module is gone from a folder this run collected whole, and pytest would not ignore that
  module (``--ignore``, ``--ignore-glob``, ``collect_ignore``: asked through ``pytest_ignore_collect``);
- it is a further snapshot ``<test>.<snap>.json`` (or its budget) of a test that ran and passed in
  this run without checking it: the test's ``("golden_file", path)`` user properties list what it
  checked (syrupy's unused snapshots).

A ``golden_as`` replay owns the files it compares with, as their own test does. Goldens of ignored,
deselected or uncollected tests are never judged. Collection happens where tests run: xdist
workers send their facts to the controller in ``workeroutput``, and only the controller (or the
single process) judges. Without complete facts (a lost worker, a collection error, ``--lf`` or
``--sw``, which skip whole files, an interrupted or failed session) nothing is judged: nothing is
deleted on doubt.
"""

from __future__ import annotations

import logging
from collections.abc import Generator, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

import pytest

from mlflow_golden import _golden_paths as golden_paths

__all__ = [
    "GOLDEN_FILE_PROPERTY",
    "ORPHANS_KEY",
    "ORPHAN_NODEID_PREFIX",
    "PLUGIN_NAME",
    "CollectionFacts",
    "OrphanJudge",
    "find_orphans",
]

_logger = logging.getLogger(__name__)

ORPHANS_KEY = pytest.StashKey[list[str]]()
"""The session's orphan golden files: sorted posix paths relative to the golden dir."""
PLUGIN_NAME = "mlflow_golden-orphans"
ORPHAN_NODEID_PREFIX = "mlflow_golden-orphan::"
"""Node id prefix of the failed collect report each orphan adds at session end (an ``error``)."""
GOLDEN_FILE_PROPERTY = "golden_file"
"""``item.user_properties`` name of each snapshot a test checked: ("golden_file", relative posix path)."""

_WORKEROUTPUT_KEY = "mlflow_golden_collection"
_REPLAY_MARKER = "golden_as"
# Options under which a collected module may hold no tests although its tests exist.
_FILE_SKIPPING_OPTIONS = ("lf", "stepwise", "stepwise_skip")
# Sessions that got through collection and ran what they selected.
_JUDGED_EXITS = (pytest.ExitCode.OK, pytest.ExitCode.TESTS_FAILED, pytest.ExitCode.NO_TESTS_COLLECTED)


@dataclass(frozen=True)
class CollectionFacts:
    """What one collecting process proved.

    ``files``: node ids of the test files collected whole; ``owners``: node ids whose golden files
    are in use (every collected test, and the tests ``golden_as`` replays); ``vanished``: golden
    folders (relative to the golden dir) of modules deleted from a folder collected whole.
    """

    files: frozenset[str]
    owners: frozenset[str]
    vanished: frozenset[str]

    def to_wire(self) -> dict[str, list[str]]:
        """Plain lists, for xdist's ``workeroutput``."""
        return {"files": sorted(self.files), "owners": sorted(self.owners), "vanished": sorted(self.vanished)}

    @classmethod
    def from_wire(cls, data: object) -> CollectionFacts | None:
        """The facts ``to_wire`` sent, or None when they are missing or malformed."""
        if not isinstance(data, dict):
            return None
        parts = [data.get(name) for name in ("files", "owners", "vanished")]
        if not all(isinstance(part, list) and all(isinstance(item, str) for item in part) for part in parts):
            return None
        files, owners, vanished = (frozenset(part) for part in parts if isinstance(part, list))
        return cls(files=files, owners=owners, vanished=vanished)

    @classmethod
    def common(cls, facts: Sequence[CollectionFacts]) -> CollectionFacts:
        """What every worker proved: a file or folder counts if all saw it, a test if any did."""
        return cls(
            files=frozenset.intersection(*(fact.files for fact in facts)),
            owners=frozenset[str]().union(*(fact.owners for fact in facts)),
            vanished=frozenset.intersection(*(fact.vanished for fact in facts)),
        )


class _Collection:
    """The collect reports and items one process saw, read once collection is finished."""

    def __init__(self) -> None:
        self.reports: dict[pytest.Collector, pytest.CollectReport] = {}
        self.items: set[pytest.Item] = set()
        self._whole: dict[pytest.Item | pytest.Collector, bool] = {}

    def whole(self, node: pytest.Item | pytest.Collector) -> bool:
        """True when ``node`` and everything under it was collected (an item: seen by genitems)."""
        if node not in self._whole:
            if isinstance(node, pytest.Item):
                self._whole[node] = node in self.items
            else:
                report = self.reports.get(node)
                self._whole[node] = report is not None and all(self.whole(child) for child in report.result)
        return self._whole[node]

    def facts(self, config: pytest.Config, golden_dir: Path) -> CollectionFacts:
        files = [node for node in self.reports if isinstance(node, pytest.File)]
        partial = {node.nodeid for node in files if not self.whole(node)}
        owners = set()
        for item in self.items:
            owners.add(item.nodeid)
            owners.update(_replayed(item))
        vanished: set[str] = set()
        for node in self.reports:
            if isinstance(node, pytest.Directory) and self.whole(node):
                vanished.update(_vanished_modules(node, config, golden_dir))
        return CollectionFacts(
            files=frozenset(node.nodeid for node in files if node.nodeid not in partial),
            owners=frozenset(owners),
            vanished=frozenset(vanished),
        )


def _replayed(item: pytest.Item) -> list[str]:
    marker = item.get_closest_marker(_REPLAY_MARKER)
    if marker is None or not marker.args or "::" not in item.nodeid:
        return []
    return [golden_paths.replayed_nodeid(item.nodeid, str(marker.args[0]))]


def _inside(path: Path, golden_dir: Path) -> bool:
    return path != golden_dir and path.resolve().is_relative_to(golden_dir.resolve())


def _vanished_modules(directory: pytest.Directory, config: pytest.Config, golden_dir: Path) -> Iterator[str]:
    """Golden folders under ``directory``'s whose module (or package) is gone and not ignored."""
    folder = golden_paths.golden_folder(golden_dir, directory.nodeid)
    if not folder.is_dir() or not (folder == golden_dir or _inside(folder, golden_dir)):
        return
    for entry in sorted(folder.iterdir()):
        if not entry.is_dir():
            continue
        relative = PurePosixPath(entry.relative_to(golden_dir).as_posix())
        if any((config.rootpath / source).exists() for source in golden_paths.source_candidates(relative)):
            continue
        sources = (directory.path / f"{entry.name}.py", directory.path / entry.name)
        ignore = directory.ihook.pytest_ignore_collect
        if any(ignore(collection_path=path, config=config) for path in sources):
            continue
        yield relative.as_posix()


@dataclass
class _Outcome:
    """One test's reports so far: whether its call passed, any phase failed, what it checked."""

    called: bool = False
    spoiled: bool = False
    checked: set[str] = field(default_factory=set)

    @property
    def passed(self) -> bool:
        return self.called and not self.spoiled


def _owned(owners: Iterable[str], golden_dir: Path) -> dict[Path, set[str]]:
    """Golden folder -> the test name parts of the owners whose files live there."""
    owned: dict[Path, set[str]] = {}
    for nodeid in owners:
        try:
            folder, test = golden_paths.owner_key(nodeid, golden_dir)
        except ValueError:
            continue
        owned.setdefault(folder, set()).add(test)
    return owned


def _module_files(folder: Path, module: Path) -> Iterator[Path]:
    """A module's golden files; only the top level when a same-named source folder could own the rest."""
    if module.with_suffix("").is_dir():
        yield from (path for path in folder.glob("*" + golden_paths.GOLDEN_SUFFIX) if path.is_file())
    else:
        yield from folder.rglob("*" + golden_paths.GOLDEN_SUFFIX)


def _unused_snapshots(golden_dir: Path, passed: Mapping[str, set[str]]) -> Iterator[Path]:
    """Further snapshots (and their budgets) of tests that passed without checking them."""
    for nodeid, checked in passed.items():
        try:
            folder, test = golden_paths.owner_key(nodeid, golden_dir)
        except ValueError:
            continue
        if not folder.is_dir():
            continue
        for path in folder.iterdir():
            name = golden_paths.split_golden_name(path.name, {test})
            if name is None or name.snapshot is None:
                continue
            if (folder / name.snapshot_file).relative_to(golden_dir).as_posix() not in checked:
                yield path


def find_orphans(
    golden_dir: Path, rootpath: Path, facts: CollectionFacts, passed: Mapping[str, set[str]]
) -> list[str]:
    """The orphan golden files (sorted posix paths relative to ``golden_dir``).

    ``passed`` maps each test that ran and passed in this run to the golden files it checked.
    """
    owned = _owned(facts.owners, golden_dir)
    judged: list[Path] = []
    for nodeid in facts.files:
        folder = golden_paths.golden_folder(golden_dir, nodeid)
        if folder.is_dir() and _inside(folder, golden_dir):
            judged.extend(_module_files(folder, rootpath / nodeid))
    for relative in facts.vanished:
        folder = golden_dir / relative
        if folder.is_dir() and _inside(folder, golden_dir):
            judged.extend(folder.rglob("*" + golden_paths.GOLDEN_SUFFIX))
    orphans = {
        path
        for path in judged
        if path.is_file() and golden_paths.split_golden_name(path.name, owned.get(path.parent, set())) is None
    }
    orphans.update(_unused_snapshots(golden_dir, passed))
    return sorted(path.relative_to(golden_dir).as_posix() for path in orphans)


def _remove(golden_dir: Path, orphans: Iterable[str]) -> None:
    """Delete the orphans, then the folders they leave empty (never the golden dir itself)."""
    folders: set[Path] = set()
    for relative in orphans:
        path = golden_dir / relative
        path.unlink(missing_ok=True)
        folders.update(
            parent for parent in path.parents if parent != golden_dir and parent.is_relative_to(golden_dir)
        )
    for folder in sorted(folders, key=lambda path: len(path.parts), reverse=True):
        if folder.is_dir() and not any(folder.iterdir()):
            folder.rmdir()


class OrphanJudge:
    """pytest plugin: notes what was collected and which tests passed; judges orphans at the end."""

    def __init__(self, golden_dir: Path, update: bool) -> None:
        self._golden_dir = golden_dir
        self._update = update
        self._collection = _Collection()
        self._local: CollectionFacts | None = None
        self._workers_ready = 0
        self._received: list[CollectionFacts] = []
        self._doubt: str | None = None
        self._unjudged: str | None = None
        self._outcomes: dict[str, _Outcome] = {}

    def _doubts(self, reason: str) -> None:
        if self._doubt is None:
            self._doubt = reason

    # -- collection (the process that collects: single process or xdist worker) -----------------
    @pytest.hookimpl(wrapper=True)
    def pytest_make_collect_report(
        self, collector: pytest.Collector
    ) -> Generator[None, pytest.CollectReport, pytest.CollectReport]:
        report = yield
        if report.passed:
            self._collection.reports[collector] = report
        return report

    def pytest_itemcollected(self, item: pytest.Item) -> None:
        self._collection.items.add(item)

    def pytest_collectreport(self, report: pytest.CollectReport) -> None:
        if report.failed:
            self._doubts(f"collection error in {report.nodeid or 'the session'}")

    def pytest_collection_finish(self, session: pytest.Session) -> None:
        if self._doubt is None:
            self._local = self._collection.facts(session.config, self._golden_dir)
            workeroutput = getattr(session.config, "workeroutput", None)
            if isinstance(workeroutput, dict):
                workeroutput[_WORKEROUTPUT_KEY] = self._local.to_wire()
        self._collection = _Collection()

    # -- xdist controller -----------------------------------------------------------------------
    @pytest.hookimpl(optionalhook=True)
    def pytest_testnodeready(self, node: Any) -> None:
        self._workers_ready += 1

    @pytest.hookimpl(optionalhook=True)
    def pytest_testnodedown(self, node: Any, error: object | None) -> None:
        output = getattr(node, "workeroutput", None)
        facts = CollectionFacts.from_wire(output.get(_WORKEROUTPUT_KEY) if isinstance(output, dict) else None)
        if error is not None or facts is None:
            reason = error if error is not None else "sent none"
            self._doubts(f"no collection facts from worker {getattr(node, 'gateway', node)}: {reason}")
        else:
            self._received.append(facts)

    # -- outcomes and judgement (the controller, or the single process) --------------------------
    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        outcome = self._outcomes.setdefault(report.nodeid, _Outcome())
        properties = report.user_properties
        outcome.checked.update(str(value) for name, value in properties if name == GOLDEN_FILE_PROPERTY)
        if report.failed or report.skipped:
            outcome.spoiled = True
        elif report.when == "call":
            outcome.called = True

    def _facts(self, session: pytest.Session, exitstatus: int) -> CollectionFacts | None:
        config = session.config
        skipping = [name for name in _FILE_SKIPPING_OPTIONS if config.getoption(name, False)]
        if skipping:
            self._doubts(f"--{skipping[0].replace('_', '-')} may skip whole files")
        if exitstatus not in _JUDGED_EXITS:
            self._doubts(f"the session ended with exit status {int(exitstatus)}")
        if self._doubt is not None:
            return None
        if not config.pluginmanager.has_plugin("dsession"):
            if self._local is None:
                self._doubts("collection did not finish")
            return self._local
        if not self._received or len(self._received) != self._workers_ready:
            self._doubts(f"collection facts from {len(self._received)} of {self._workers_ready} workers")
            return None
        return CollectionFacts.common(self._received)

    @pytest.hookimpl(tryfirst=True)
    def pytest_sessionfinish(self, session: pytest.Session, exitstatus: int) -> None:
        config = session.config
        if hasattr(config, "workerinput"):
            return
        facts = self._facts(session, exitstatus)
        if facts is None:
            self._unjudged = self._doubt
            _logger.info("orphan golden files not judged: %s", self._doubt)
            return
        passed = {nodeid: outcome.checked for nodeid, outcome in self._outcomes.items() if outcome.passed}
        orphans = find_orphans(self._golden_dir, config.rootpath, facts, passed)
        config.stash[ORPHANS_KEY] = orphans
        if not orphans:
            return
        if self._update:
            _remove(self._golden_dir, orphans)
            return
        if session.exitstatus == 0:
            session.exitstatus = pytest.ExitCode.TESTS_FAILED
        for relative in orphans:  # counted by pytest's own summary line ("1 error") and -ra's list
            report = pytest.CollectReport(
                f"{ORPHAN_NODEID_PREFIX}{relative}", "failed",
                f"orphan golden file {relative}: owned by no test; --golden-update removes it", [],
            )  # fmt: skip
            config.hook.pytest_collectreport(report=report)

    def pytest_terminal_summary(self, terminalreporter: Any, config: pytest.Config) -> None:
        if self._unjudged is not None:
            terminalreporter.write_line(f"mlflow_golden: orphan golden files not judged: {self._unjudged}")
        orphans = config.stash.get(ORPHANS_KEY, [])
        if not orphans:
            return
        verb = "removed" if self._update else "owned by no test; --golden-update removes them"
        terminalreporter.section("mlflow_golden orphans")
        for relative in orphans:
            terminalreporter.write_line(f"orphan golden file: {relative}")
        terminalreporter.write_line(f"{len(orphans)} orphan golden file(s): {verb}")
