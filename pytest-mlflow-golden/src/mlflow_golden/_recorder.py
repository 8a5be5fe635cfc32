"""Observes, client side, the store calls a scenario makes and the order of its creations.

The wrappers sit on the store classes (FileStore, SqlAlchemyStore, RestStore), so they see every
call whatever the entry point (fluent API, MlflowClient, azureml-scheme stores), and work for
the server backend too. Every public ``AbstractStore`` method is wrapped; only the outermost call
is logged (a FileStore ``create_run`` that writes its tags through ``set_tag`` is one call), so the
call sequence is the same on every backend. Calls made while ``faults.suspended()`` (the harness's
own capture and cleanup) are not logged. The wrappers also note which runs were created without a
name (no ``run_name`` and no ``mlflow.runName`` tag): normalization names those ``generated-N``.
"""

from __future__ import annotations

import functools
import inspect
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Final

from mlflow.store.tracking.abstract_store import AbstractStore

from mlflow_golden import _faults as faults

#: The tag that names a run (MLflow sets it from ``run_name``).
RUN_NAME_TAG: Final = "mlflow.runName"
#: Client-side housekeeping of MLflow's async-logging queue: no store round trip, not logged.
LOCAL_METHODS = frozenset({"end_async_logging", "flush_async_logging", "shut_down_async_logging"})
#: The store methods whose calls are logged: every public method of MLflow's tracking-store API.
STORE_METHODS = tuple(
    name
    for name in sorted(dir(AbstractStore))
    if not name.startswith("_")
    and name not in LOCAL_METHODS
    and inspect.isfunction(getattr(AbstractStore, name))
)


@dataclass
class CreationLog:
    """Ids in creation order, the generated names of unnamed runs, and the store calls made."""

    experiment_ids: list[str] = field(default_factory=list)
    run_ids: list[str] = field(default_factory=list)
    generated_names: dict[str, str] = field(default_factory=dict)  # run id -> name the store chose
    store_calls: list[str] = field(default_factory=list)  # outermost store method names, in order


def _tag_key(tag: Any) -> Any:
    return tag.key if hasattr(tag, "key") else tag


def _has_name(bound: inspect.BoundArguments) -> bool:
    run_name = bound.arguments.get("run_name")
    tags: Iterable[Any] = bound.arguments.get("tags") or ()
    return bool(run_name) or any(_tag_key(tag) == RUN_NAME_TAG for tag in tags)


class _Depth(threading.local):
    value = 0


class Recorder:
    """Installs the call-logging wrappers on store classes for the duration of a block."""

    def __init__(self) -> None:
        self.log = CreationLog()
        self._depth = _Depth()

    def _named(self, signature: inspect.Signature, *args: Any, **kwargs: Any) -> bool:
        try:
            return _has_name(signature.bind(*args, **kwargs))
        except TypeError:
            return True

    def _created(self, name: str, value: Any, named: bool) -> None:
        if name == "create_experiment" and value is not None:
            self.log.experiment_ids.append(str(value))
        elif name == "create_run":
            run_id = value.info.run_id
            self.log.run_ids.append(run_id)
            if not named:
                self.log.generated_names[run_id] = value.info.run_name or ""

    def _wrap(self, name: str, original: Callable[..., Any]) -> Callable[..., Any]:
        signature = inspect.signature(original)

        @functools.wraps(original)
        def logged(store: Any, *args: Any, **kwargs: Any) -> Any:
            outermost = self._depth.value == 0
            if outermost and not faults.is_suspended():
                self.log.store_calls.append(name)
            named = name != "create_run" or self._named(signature, store, *args, **kwargs)
            self._depth.value += 1
            try:
                value = original(store, *args, **kwargs)
            finally:
                self._depth.value -= 1
            if outermost:
                self._created(name, value, named)
            return value

        return logged

    def _wrap_constructor(self, original: Callable[..., Any]) -> Callable[..., Any]:
        """Store set-up (SqlAlchemyStore checks its default experiment) is not a scenario call."""

        @functools.wraps(original)
        def constructor(store: Any, *args: Any, **kwargs: Any) -> None:
            self._depth.value += 1
            try:
                original(store, *args, **kwargs)
            finally:
                self._depth.value -= 1

        return constructor

    @contextmanager
    def installed(self, store_classes: Iterable[type]) -> Iterator[CreationLog]:
        """Wrap every public store method (and the constructor) on each class; restore afterwards."""
        saved: list[tuple[type, str, Any, bool]] = []
        try:
            for cls in dict.fromkeys(store_classes):
                for name in ("__init__", *STORE_METHODS):
                    original = getattr(cls, name, None)
                    if not inspect.isfunction(original):
                        continue
                    own = name in cls.__dict__
                    saved.append((cls, name, cls.__dict__.get(name), own))
                    constructor = name == "__init__"
                    wrapped = self._wrap_constructor(original) if constructor else self._wrap(name, original)
                    setattr(cls, name, wrapped)
            yield self.log
        finally:
            for cls, name, original, own in reversed(saved):
                if own:
                    setattr(cls, name, original)
                else:
                    delattr(cls, name)
