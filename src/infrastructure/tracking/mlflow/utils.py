"""Small MLflow helpers: retry with exponential backoff, run-id detection, config-dir inference."""

from __future__ import annotations

import os
import random
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, Optional, TypeVar

import mlflow
from mlflow.exceptions import MlflowException
from requests.exceptions import ConnectionError as RequestsConnectionError
from requests.exceptions import Timeout as RequestsTimeout

from infrastructure.tracking.mlflow.masked_logging import get_logger

logger = get_logger(__name__)

T = TypeVar("T")

#: HTTP statuses worth another try: request timeout, too many requests, bad gateway, service
#: unavailable, gateway timeout. 500 and every 4xx else are not transient.
TRANSIENT_HTTP_STATUSES = frozenset({408, 429, 502, 503, 504})
#: Network-level errors: the built-in ones (socket errors, timeouts) and those of ``requests``.
TRANSIENT_ERROR_TYPES: tuple[type[BaseException], ...] = (
    ConnectionError,
    TimeoutError,
    RequestsConnectionError,
    RequestsTimeout,
)

#: Jitter is ``delay * U[0, JITTER_FRACTION)``.
JITTER_FRACTION = 0.1


def _error_chain(error: BaseException) -> Iterator[BaseException]:
    """``error`` and the errors it was raised from or while handling (``__cause__``/``__context__``)."""
    seen: set[int] = set()
    current: Optional[BaseException] = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        current = current.__cause__ or current.__context__


def http_status_of(error: BaseException) -> Optional[int]:
    """The HTTP status an error carries: an MlflowException's error code mapped to its status, or a
    ``status_code`` on the error or on its ``response`` (requests, Azure SDK); else None."""
    if isinstance(error, MlflowException):
        mlflow_error: Any = error  # get_http_status_code is untyped
        return int(mlflow_error.get_http_status_code())
    for holder in (error, getattr(error, "response", None)):
        status = getattr(holder, "status_code", None)
        if isinstance(status, int) and not isinstance(status, bool):
            return status
    return None


def is_retryable_error(error: BaseException) -> bool:
    """True when the error, or one it was raised from, is a network error (TRANSIENT_ERROR_TYPES)
    or carries a transient HTTP status (TRANSIENT_HTTP_STATUSES). The message text is never read.

    MLflow's REST client wraps a failed connection in an MlflowException raised while handling
    the ``requests`` error, so the chain is followed.
    """
    for link in _error_chain(error):
        if isinstance(link, TRANSIENT_ERROR_TYPES) or http_status_of(link) in TRANSIENT_HTTP_STATUSES:
            return True
    return False


def compute_backoff_delay(attempt: int, base_delay: float, max_delay: float, jitter: float) -> float:
    """Delay after failed attempt ``attempt`` (0-based): ``min(base*2^k, max) * (1 + jitter)``."""
    return float(min(base_delay * (2**attempt), max_delay) * (1.0 + jitter))


def retry_with_backoff(
    func: Callable[[], T],
    max_retries: int = 5,
    base_delay: float = 1.0,
    max_delay: float = 60.0,
    operation_name: str = "operation",
    *,
    sleep: Optional[Callable[[float], None]] = None,
    uniform: Optional[Callable[[float, float], float]] = None,
) -> T:
    """Call ``func``; after a transient error (``is_retryable_error``) retry it up to ``max_retries``
    times, so at most ``max_retries + 1`` calls, sleeping with backoff in between.

    Non-transient errors, and the error of the last call, are re-raised unchanged.
    ``max_retries=0`` means a single call; a negative value raises ValueError without calling.
    ``sleep`` and ``uniform`` default to ``time.sleep`` and ``random.uniform`` (looked up at call
    time) and exist so callers and tests can control time and jitter.
    """
    if max_retries < 0:
        raise ValueError(f"max_retries must be >= 0, got {max_retries}")
    do_sleep = sleep if sleep is not None else time.sleep
    draw = uniform if uniform is not None else random.uniform
    attempt = 0
    while True:
        try:
            return func()
        except Exception as exc:
            if attempt >= max_retries or not is_retryable_error(exc):
                raise
            delay = compute_backoff_delay(attempt, base_delay, max_delay, draw(0.0, JITTER_FRACTION))
            logger.warning(
                "%s failed (attempt %d of %d): %s; retrying in %.2fs",
                operation_name,
                attempt + 1,
                max_retries + 1,
                exc,
                delay,
            )
            do_sleep(delay)
            attempt += 1


def get_mlflow_run_id() -> Optional[str]:
    """Id of the active fluent run, else env ``MLFLOW_RUN_ID``, else None."""
    try:
        active: Any = mlflow.active_run()
        if active is not None:
            return str(active.info.run_id)
    except Exception as exc:  # the spec swallows every error here
        logger.debug("Could not read the active MLflow run: %s", exc)
    return os.environ.get("MLFLOW_RUN_ID") or None


def infer_config_dir_from_path(path: Optional[Path]) -> Path:
    """Nearest existing ``<ancestor>/config`` of ``path`` (``path`` itself excluded), else ``cwd/config``."""
    if path is None:
        return Path.cwd() / "config"
    for parent in Path(path).parents:
        candidate = parent / "config"
        if candidate.exists():
            return candidate
    return Path.cwd() / "config"
