"""Make chosen store methods fail on chosen calls, to record fallback and error paths.

Patches sit on the store CLASS (FileStore / SqlAlchemyStore / RestStore), so every instance,
including those built for azureml-scheme URIs, is affected. Calls are counted from the
``fail()`` call, 1-based, among the calls accepted by ``match`` (if given). The harness itself
(capture, cleanup) runs with faults suspended, so it neither trips nor counts them.
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
    seen: int = 0


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
            raise ValueError(f"store_faults: {self.store_class.__name__} has no public method {method!r}")
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
    ) -> None:
        """Raise ``exc`` (default: an MlflowException) on the given 1-based matching calls."""
        numbers = frozenset([calls] if isinstance(calls, int) else calls)
        if not numbers or min(numbers) < 1:
            raise ValueError(f"store_faults: call numbers are 1-based, got {sorted(numbers)}")
        self._patch(method).rules.append(_Rule(numbers, exc, match))

    def watch(self, method: str) -> None:
        """Count calls of ``method`` without failing any."""
        self._patch(method)

    def calls(self, method: str) -> int:
        """Calls of ``method`` observed since it was first failed or watched."""
        if method not in self._patches:
            raise ValueError(f"store_faults: {method!r} is not watched; call fail() or watch() first")
        return self._patches[method].calls

    def undo(self) -> None:
        """Restore every patched method (the fixture calls this at test end)."""
        for patch in reversed(list(self._patches.values())):
            if patch.owned:
                setattr(patch.cls, patch.method, patch.original)
            else:
                delattr(patch.cls, patch.method)
        self._patches.clear()
