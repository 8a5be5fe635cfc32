"""Observes, client side, the order in which experiments and runs are created.

The wrappers sit on the store classes (FileStore, SqlAlchemyStore, RestStore), so they see every
creation whatever the entry point (fluent API, MlflowClient, azureml-scheme stores), and work for
the server backend too. They also note which runs were created without a name (no ``run_name``
and no ``mlflow.runName`` tag): normalization names those ``generated-N`` on every backend.
"""

from __future__ import annotations

import functools
import inspect
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

RUN_NAME_TAG = "mlflow.runName"


@dataclass
class CreationLog:
    """Ids in creation order, plus the generated names of runs created without a name."""

    experiment_ids: list[str] = field(default_factory=list)
    run_ids: list[str] = field(default_factory=list)
    generated_names: dict[str, str] = field(default_factory=dict)  # run id -> name the store chose


def _tag_key(tag: Any) -> Any:
    return tag.key if hasattr(tag, "key") else tag


def _has_name(bound: inspect.BoundArguments) -> bool:
    run_name = bound.arguments.get("run_name")
    tags: Iterable[Any] = bound.arguments.get("tags") or ()
    return bool(run_name) or any(_tag_key(tag) == RUN_NAME_TAG for tag in tags)


class _Depth(threading.local):
    value = 0


class Recorder:
    """Installs the creation wrappers on store classes for the duration of a block."""

    def __init__(self) -> None:
        self.log = CreationLog()
        self._depth = _Depth()

    def _wrap_create_experiment(self, original: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(original)
        def create_experiment(store: Any, *args: Any, **kwargs: Any) -> Any:
            self._depth.value += 1
            try:
                experiment_id = original(store, *args, **kwargs)
            finally:
                self._depth.value -= 1
            if self._depth.value == 0 and experiment_id is not None:
                self.log.experiment_ids.append(str(experiment_id))
            return experiment_id

        return create_experiment

    def _wrap_create_run(self, original: Callable[..., Any]) -> Callable[..., Any]:
        signature = inspect.signature(original)

        @functools.wraps(original)
        def create_run(store: Any, *args: Any, **kwargs: Any) -> Any:
            try:
                named = _has_name(signature.bind(store, *args, **kwargs))
            except TypeError:
                named = True
            self._depth.value += 1
            try:
                run = original(store, *args, **kwargs)
            finally:
                self._depth.value -= 1
            if self._depth.value == 0:
                run_id = run.info.run_id
                self.log.run_ids.append(run_id)
                if not named:
                    self.log.generated_names[run_id] = run.info.run_name or ""
            return run

        return create_run

    @contextmanager
    def installed(self, store_classes: Iterable[type]) -> Iterator[CreationLog]:
        """Wrap ``create_experiment``/``create_run`` on each class; restore afterwards."""
        saved: list[tuple[type, str, Any, bool]] = []
        wrappers = {"create_experiment": self._wrap_create_experiment, "create_run": self._wrap_create_run}
        try:
            for cls in store_classes:
                for name, wrap in wrappers.items():
                    own = name in cls.__dict__
                    original = getattr(cls, name)
                    saved.append((cls, name, cls.__dict__.get(name), own))
                    setattr(cls, name, wrap(original))
            yield self.log
        finally:
            for cls, name, original, own in reversed(saved):
                if own:
                    setattr(cls, name, original)
                else:
                    delattr(cls, name)
