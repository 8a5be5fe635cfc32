"""The ``tracking_store`` fixture's object: one test's fresh, isolated MLflow store.

Opening it clears every ``MLFLOW_*`` variable, runs the test in its temp folder, points the
tracking URI at a new store on the session's backend, routes the test ``azureml`` scheme there,
fixes the clock and run names, and logs the store calls the test makes. Closing it ends active
runs and undoes all of that, even when the test failed.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

import mlflow
from mlflow.tracking import MlflowClient

from mlflow_golden import _azureml_scheme as azureml_scheme
from mlflow_golden import _backends as backends
from mlflow_golden import _faults as faults
from mlflow_golden import _isolation as isolation
from mlflow_golden._determinism import deterministic
from mlflow_golden._recorder import CreationLog, Recorder
from mlflow_golden._session import GoldenSession


@dataclass
class TrackingStore:
    """The test's isolated tracking store.

    ``uri`` is the store's tracking URI (also the global one during the test), ``client`` an
    ``MlflowClient`` on it, ``backend`` the backend name, ``azureml_uri`` a constant
    ``azureml://`` URI that reaches the same store, ``tmp_path`` the test's working folder.
    """

    uri: str
    azureml_uri: str
    client: MlflowClient
    backend: str
    tmp_path: Path
    store_class: type
    creation_log: CreationLog

    def use_azureml(self) -> None:
        """Make the azureml URI the global tracking URI (and env MLFLOW_TRACKING_URI)."""
        mlflow.set_tracking_uri(self.azureml_uri)


@contextmanager
def open_tracking_store(session: GoldenSession, tmp_path: Path) -> Iterator[TrackingStore]:
    """A fresh store on the session's backend, isolated for the duration of the block."""
    manager = session.manager()
    backend = session.settings.backend
    location = manager.new_store(backend, tmp_path)
    with ExitStack() as stack:
        stack.enter_context(
            isolation.isolated_environment({**location.env, "MLFLOW_TRACKING_URI": location.uri})
        )
        stack.enter_context(isolation.working_directory(tmp_path))
        stack.callback(manager.release, location)
        stack.enter_context(azureml_scheme.installed(location.uri))
        stack.enter_context(isolation.tracking_uri(location.uri))
        stack.enter_context(deterministic())
        log = stack.enter_context(Recorder().installed(backends.store_classes(backend)))
        stack.callback(_reset_fluent)
        yield TrackingStore(
            uri=location.uri,
            azureml_uri=azureml_scheme.AZUREML_URI,
            client=MlflowClient(tracking_uri=location.uri),
            backend=backend,
            tmp_path=tmp_path,
            store_class=backends.store_class(backend),
            creation_log=log,
        )


def _reset_fluent() -> None:
    with faults.suspended():
        isolation.reset_fluent_state()


__all__ = ["TrackingStore", "open_tracking_store"]
