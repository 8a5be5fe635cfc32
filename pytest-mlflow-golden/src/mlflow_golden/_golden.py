"""The ``golden`` fixture's object: snapshot the test's store and compare it with golden files.

A test may take several snapshots. The first unnamed ``check()`` uses ``<test>.json``; further
unnamed checks use ``<test>.1.json``, ``<test>.2.json``...; ``check(name="after_refit")`` uses
``<test>.after_refit.json``. Each snapshot file has its own store-call budget beside it
(``<file>.calls.json``) holding the store calls made since the previous check.

A compare run that finds a snapshot or budget different or missing writes what it saw beside it as
a pending file (``mlflow_golden._pending``); ``--golden-update-missing`` writes missing files only.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from mlflow_golden import _budgets as budgets
from mlflow_golden import _golden_paths as golden_paths
from mlflow_golden import _pending as pending
from mlflow_golden._budgets import BudgetStatus
from mlflow_golden._normalize import HarnessError, normalize
from mlflow_golden._pending import PendingFiles
from mlflow_golden._report import mismatch_report
from mlflow_golden._snapshot import GoldenFileError, dumps, load
from mlflow_golden._status import STATUS_PROPERTY, Status
from mlflow_golden._store_reader import RawSnapshot, read_store
from mlflow_golden._tracking_store import TrackingStore

#: ``item.user_properties`` entries ``(FILE_PROPERTY, relative path)``: the snapshot files checked.
FILE_PROPERTY = "golden_file"
#: When a test takes several snapshots, its verdict is the worst of theirs, in this order.
_VERDICT_ORDER = (Status.OK, Status.WRITTEN, Status.MISSING, Status.DIFFERS)


class Golden:
    """Snapshot what the test left in its tracking store and compare it with golden files."""

    def __init__(
        self,
        store: TrackingStore,
        path: Path,
        *,
        golden_dir: Path,
        update: bool,
        item: pytest.Item,
        volatile_tags: tuple[str, ...] = (),
        volatile_paths: tuple[str, ...] = (),
        update_missing: bool = False,
        pending_files: PendingFiles | None = None,
    ) -> None:
        self._store = store
        self._path = path
        self._golden_dir = golden_dir
        self._update = update
        self._item = item
        self._volatile_tags = volatile_tags
        self._volatile_paths = volatile_paths
        self._update_missing = update_missing
        self._pending_files = pending_files
        self._error: BaseException | None = None
        self._unnamed = 0
        self._names: set[str] = set()
        self._calls_judged = 0
        self._used = False

    @property
    def path(self) -> Path:
        """The golden file of the test's first unnamed snapshot."""
        return self._path

    @property
    def used(self) -> bool:
        """True once the test compared (``check``) or took (``snapshot``) a snapshot."""
        return self._used

    def snapshot_path(self, name: str | None = None) -> Path:
        """The golden file of the next unnamed snapshot, or of the snapshot called ``name``."""
        if name is None:
            suffix = "" if self._unnamed == 0 else f".{self._unnamed}"
        else:
            problem = golden_paths.snapshot_name_error(name)
            if problem is not None:
                raise ValueError(problem)
            suffix = f".{name}"
        stem = self._path.name.removesuffix(golden_paths.GOLDEN_SUFFIX)
        return self._path.with_name(stem + suffix + golden_paths.GOLDEN_SUFFIX)

    @contextmanager
    def catch_error(self) -> Iterator[None]:
        """Catch an ``Exception`` raised in the block and record it as the next snapshot's error.

        Nothing raised: the snapshot's error stays ``null``, which the golden file shows.
        """
        try:
            yield
        except Exception as exc:
            self._error = exc

    @contextmanager
    def capture(self) -> Iterator[None]:
        """Deprecated spelling of ``catch_error()``."""
        warnings.warn(
            "golden.capture() is deprecated; use golden.catch_error()", DeprecationWarning, stacklevel=3
        )
        with self.catch_error():
            yield

    def snapshot(
        self, result: object = None, error: BaseException | None = None, *, volatile: Sequence[str] = ()
    ) -> dict[str, Any]:
        """The normalized snapshot of the store plus ``result``/``error``, without a golden file.

        For tests that inspect the snapshot itself; the test then needs no ``check()``.
        ``volatile``: as for ``check``.
        """
        self._used = True
        return self._normalized(result, error, volatile)

    def check(
        self,
        result: object = None,
        error: BaseException | None = None,
        *,
        name: str | None = None,
        volatile: Sequence[str] = (),
    ) -> None:
        """Compare the snapshot byte for byte with its golden file, then the store calls made since
        the previous check with their budget (or write both with ``--golden-update``; write the missing
        ones with ``--golden-update-missing``). Both are judged before the test fails, so one run
        reports, and writes the pending file of, each that differs.

        ``name`` names the snapshot (``<test>.<name>.json``); unnamed checks are numbered.
        ``volatile``: snapshot path patterns (``runs.*.params.seed``, see the README) whose values
        become ``<volatile>`` in this snapshot, on top of the ini ones; each must match something,
        else the check fails naming it.
        """
        path = self.snapshot_path(name)
        if name is not None:
            if name in self._names:
                raise ValueError(f"snapshot name {name!r} used twice in {self._item.nodeid}")
            self._names.add(name)
        else:
            self._unnamed += 1
        self._used = True
        self._item.user_properties.append((FILE_PROPERTY, path.relative_to(self._golden_dir).as_posix()))
        calls = list(self._store.creation_log.store_calls)[self._calls_judged :]
        self._calls_judged += len(calls)
        problems = [self._check_behavior(path, result, error, volatile)]
        self._error = None
        if not budgets.exempt(self._item, self._store.backend):
            problems.append(self._check_budget(golden_paths.budget_path(path), calls))
        failures = [problem for problem in problems if problem is not None]
        if failures:
            pytest.fail("\n\n".join(failures), pytrace=False)

    # -- internals ---------------------------------------------------------------------------
    def _raw(self, result: object, error: BaseException | None) -> RawSnapshot:
        return read_store(
            self._store.client,
            self._store.creation_log,
            result=result,
            error=error if error is not None else self._error,
            tmp_path=str(self._store.tmp_path),
            tracking_uri=self._store.uri,
            azureml_uri=self._store.azureml_uri,
        )

    def _normalized(
        self, result: object, error: BaseException | None, volatile: Sequence[str] = ()
    ) -> dict[str, Any]:
        if isinstance(volatile, str):
            raise TypeError(f"volatile= takes a sequence of patterns, not the string {volatile!r}")
        try:
            return normalize(
                self._raw(result, error),
                volatile_tags=self._volatile_tags,
                volatile_paths=self._volatile_paths,
                strict_volatile_paths=tuple(volatile),
            )
        except HarnessError as exc:
            pytest.fail(f"mlflow_golden: {exc}", pytrace=False)

    def _verdict(self, status: Status) -> None:
        """Record ``status`` as the test's verdict unless an earlier snapshot's is worse."""
        properties = self._item.user_properties
        previous = [Status(str(value)) for key, value in properties if key == STATUS_PROPERTY]
        worst = max([status, *previous], key=_VERDICT_ORDER.index)
        properties[:] = [entry for entry in properties if entry[0] != STATUS_PROPERTY]
        properties.append((STATUS_PROPERTY, worst.value))  # plain str: xdist serializes reports

    def _pending(self, golden: Path, text: str, what: str) -> str:
        """Write ``text`` as ``golden``'s pending file (unless this ``Golden`` writes none); the line
        the failure message gets about it."""
        if self._pending_files is None:
            return ""
        path = self._pending_files.write(golden, text)
        return f"\npending {what} written: {path}; review it with: {pending.REVIEW_COMMAND}"

    def _matches(self, golden: Path) -> None:
        """``golden`` now holds what this run saw: its pending file is stale."""
        if self._pending_files is not None:
            self._pending_files.clear(golden)

    def _check_behavior(
        self, path: Path, result: object, error: BaseException | None, volatile: Sequence[str]
    ) -> str | None:
        """Compare (or write) the snapshot; the failure message, or None."""
        actual = self._normalized(result, error, volatile)
        text = dumps(actual)
        exists = path.is_file()
        if exists and path.read_bytes() == text.encode("utf-8"):
            self._verdict(Status.OK)
            self._matches(path)
            return None
        if self._update or (self._update_missing and not exists):
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8", newline="\n")
            self._verdict(Status.WRITTEN)
            self._matches(path)
            return None
        if not exists:
            self._verdict(Status.MISSING)
            note = self._pending(path, text, "snapshot")
            return f"missing golden file {path}; run with --golden-update to record it{note}"
        self._verdict(Status.DIFFERS)
        note = self._pending(path, text, "snapshot")
        try:
            expected = load(path)
        except GoldenFileError as exc:
            return f"mlflow_golden: {exc}{note}"
        return mismatch_report(expected, actual, path) + note

    def _check_budget(self, path: Path, calls: list[str]) -> str | None:
        """Compare (or write) the store-call budget; the failure message, or None."""
        verdict = budgets.judge(
            path, calls, self._item.nodeid, update=self._update, write_missing=self._update_missing
        )
        if verdict.status in (BudgetStatus.OK, BudgetStatus.WRITTEN):
            if verdict.status is BudgetStatus.WRITTEN:
                self._verdict(Status.WRITTEN)
            self._matches(path)
            return None
        note = self._pending(path, budgets.dumps(calls), "budget")
        if verdict.status is BudgetStatus.LOWER:
            warnings.warn(budgets.BudgetCanBeLowered(verdict.message + note), stacklevel=3)
            return None
        self._verdict(Status.DIFFERS if verdict.status is BudgetStatus.OVER else Status.MISSING)
        return verdict.message + note


__all__ = ["FILE_PROPERTY", "Golden"]
