"""A test-only ``azureml`` tracking-URI scheme that stores into the current test's store.

Legacy code switches behavior when the tracking URI contains "azureml". Registering a builder
for the scheme in MLflow's tracking-store registry lets scenarios take those branches without
Azure. The builder is registered only while a test holds a tracking store (``installed``); the
builder registered before (a real ``azureml-mlflow``, or none) is restored afterwards, so the
rest of the process sees MLflow's registry as it was. MLflow caches stores per URI (an
``lru_cache`` on the registry), and the azureml URI is the same in every test, so the cache is
cleared whenever the builder or its target changes.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, Final

from mlflow.tracking._tracking_service import utils as tracking_utils

#: The constant azureml URI handed to scenarios (normalized to ``<azureml-uri>`` in snapshots).
AZUREML_URI: Final = (
    "azureml://golden.azureml.invalid/mlflow/v1.0/subscriptions/00000000-0000-0000-0000-000000000000"
    "/resourceGroups/golden/providers/Microsoft.MachineLearningServices/workspaces/golden"
)
SCHEME: Final = "azureml"

_target_uri: str | None = None


class AzuremlTargetUnset(RuntimeError):
    """An azureml URI was used outside a test that owns a tracking store."""


def _build_store(store_uri: str, artifact_uri: str | None = None, **_: Any) -> Any:
    """Builder registered for ``azureml``: a store for the current test's real backend URI."""
    if _target_uri is None:
        raise AzuremlTargetUnset(
            f"{store_uri!r}: the test azureml scheme only works inside a test using tracking_store"
        )
    registry: Any = tracking_utils._tracking_store_registry
    builder = registry.get_store_builder(_target_uri)
    return builder(store_uri=_target_uri, artifact_uri=artifact_uri)


def clear_store_cache() -> None:
    """Forget MLflow's cached store instances (they are keyed by URI only)."""
    tracking_utils._tracking_store_registry._get_store_with_resolved_uri.cache_clear()


@contextmanager
def installed(target_uri: str) -> Iterator[None]:
    """Route ``azureml`` URIs to ``target_uri`` for the block; then restore the previous builder."""
    global _target_uri
    registry: Any = tracking_utils._tracking_store_registry
    builders: dict[str, Any] = registry._registry
    previous = builders.get(SCHEME)
    registry.register(SCHEME, _build_store)
    _target_uri = target_uri
    clear_store_cache()
    try:
        yield
    finally:
        _target_uri = None
        if previous is None:
            builders.pop(SCHEME, None)
        else:
            builders[SCHEME] = previous
        clear_store_cache()
