"""Make chosen store methods fail on chosen calls, to record fallback and error paths.

Patches sit on the store CLASS (FileStore / SqlAlchemyStore / RestStore), so every instance,
including those built for azureml-scheme URIs, is affected. Calls are counted from the
``fail()`` call, 1-based, among the calls accepted by ``match`` (if given). The harness itself
(capture, cleanup) runs with faults suspended, so it neither trips nor counts them.

A fault cannot lie: a fault that never fired (none of its calls came) fails a passing test at
teardown, naming the method and the calls that were meant to fail. ``must_fire=False`` opts out,
for a fault that legitimately may not fire (a tripwire, or a call some code revisions never make).
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from mlflow.exceptions import MlflowException


class _Suspension(threading.local):
    depth = 0


_suspension = _Suspension()


@contextmanager
def suspended() -> Iterator[None]:
    """Run the block with every injected fault disabled and uncounted (harness internals)."""
    _suspension.depth += 1
    try:
        yield
    finally:
        _suspension.depth -= 1


def is_suspended() -> bool:
    """True inside ``suspended()``: the harness's own store calls, not the scenario's."""
    return _suspension.depth > 0


@dataclass
class _Rule:
    calls: frozenset[int]
    exc: BaseException | None
    match: Callable[..., bool] | None
    must_fire: bool = True
    seen: int = 0

    def fired(self) -> bool:
        """True once the first call this rule was meant to fail came (and so failed)."""
        return self.seen >= min(self.calls)


def _numbers(calls: frozenset[int]) -> str:
    """``[2, 4]``, or ``1..99`` for a run of consecutive calls."""
    ordered = sorted(calls)
    if len(ordered) > 3 and ordered[-1] - ordered[0] == len(ordered) - 1:
        return f"{ordered[0]}..{ordered[-1]}"
    return str(ordered)


def public_methods(store_class: type) -> list[str]:
    """The names ``fail()`` and ``watch()`` accept: the store class's public methods."""
    return sorted(
        name for name in dir(store_class) if not name.startswith("_") and callable(getattr(store_class, name))
    )


@dataclass
class _Patch:
    cls: type
    method: str
    original: Any
    owned: bool
    calls: int = 0
    rules: list[_Rule] = field(default_factory=list)


class StoreFaults:
    """The ``store_faults`` fixture object."""

    def __init__(self, store_class: type) -> None:
        self.store_class = store_class
        self._patches: dict[str, _Patch] = {}

    def _patch(self, method: str) -> _Patch:
        if method in self._patches:
            return self._patches[method]
        if method.startswith("_") or not callable(getattr(self.store_class, method, None)):
            valid = ", ".join(public_methods(self.store_class))
            raise ValueError(
                f"store_faults: {self.store_class.__name__} has no public method {method!r}; "
                f"valid methods: {valid}"
            )
        cls = self.store_class
        patch = _Patch(cls, method, cls.__dict__.get(method), method in cls.__dict__)
        original = getattr(cls, method)

        @functools.wraps(original)
        def faulty(store: Any, *args: Any, **kwargs: Any) -> Any:
            if not is_suspended():
                patch.calls += 1
                for rule in patch.rules:
                    if rule.match is not None and not rule.match(*args, **kwargs):
                        continue
                    rule.seen += 1
                    if rule.seen in rule.calls:
                        raise (
                            rule.exc
                            if rule.exc is not None
                            else MlflowException(
                                f"store_faults: injected failure in {method} call {rule.seen}"
                            )
                        )
            return original(store, *args, **kwargs)

        setattr(cls, method, faulty)
        self._patches[method] = patch
        return patch

    def fail(
        self,
        method: str,
        *,
        calls: int | Iterable[int] = 1,
        exc: BaseException | None = None,
        match: Callable[..., bool] | None = None,
        must_fire: bool = True,
    ) -> None:
        """Raise ``exc`` (default: an MlflowException) on the given 1-based matching calls.

        Unless ``must_fire=False``, a passing test fails at teardown if none of those calls came.
        """
        numbers = frozenset([calls] if isinstance(calls, int) else calls)
        if not numbers or min(numbers) < 1:
            raise ValueError(f"store_faults: call numbers are 1-based, got {sorted(numbers)}")
        self._patch(method).rules.append(_Rule(numbers, exc, match, must_fire))

    def watch(self, method: str) -> None:
        """Count calls of ``method`` without failing any."""
        self._patch(method)

    def calls(self, method: str) -> int:
        """Calls of ``method`` observed since it was first failed or watched."""
        if method not in self._patches:
            raise ValueError(f"store_faults: {method!r} is not watched; call fail() or watch() first")
        return self._patches[method].calls

    def unfired(self) -> list[str]:
        """One line per fault that must fire and never did: method, calls meant to fail, calls seen."""
        lines = []
        for method, patch in self._patches.items():
            for rule in patch.rules:
                if rule.must_fire and not rule.fired():
                    matching = " matching" if rule.match is not None else ""
                    lines.append(
                        f"store_faults.fail({method!r}, calls={_numbers(rule.calls)}) never fired: "
                        f"the test made {rule.seen}{matching} call(s) of {method}"
                    )
        return lines

    def undo(self) -> None:
        """Restore every patched method (the fixture calls this at test end)."""
        for patch in reversed(list(self._patches.values())):
            if patch.owned:
                setattr(patch.cls, patch.method, patch.original)
            else:
                delattr(patch.cls, patch.method)
        self._patches.clear()
