"""Small MLflow helpers: retry with exponential backoff, run-id detection, config-dir inference."""

from __future__ import annotations

import os
import random
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, Optional, TypeVar

import mlflow

from infrastructure.tracking.mlflow.masked_logging import get_logger

logger = get_logger(__name__)

T = TypeVar("T")

#: Lowercased substrings that mark an error as transient (matched against ``str(exc).lower()``).
RETRYABLE_ERROR_MARKERS: tuple[str, ...] = (
    "429",
    "503",
    "504",
    "timeout",
    "connection",
    "temporary",
    "rate limit",
)

#: Jitter is ``delay * U[0, JITTER_FRACTION)``.
JITTER_FRACTION = 0.1


def is_retryable_error(error: BaseException) -> bool:
    """True when the error text contains one of RETRYABLE_ERROR_MARKERS (substring match)."""
    text = str(error).lower()
    return any(marker in text for marker in RETRYABLE_ERROR_MARKERS)


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
    """Call ``func`` up to ``max_retries`` times in total, sleeping with backoff between transient errors.

    Non-transient errors, and any error on the last attempt, are re-raised unchanged.
    ``sleep`` and ``uniform`` default to ``time.sleep`` and ``random.uniform`` (looked up at call
    time) and exist so callers and tests can control time and jitter.
    """
    do_sleep = sleep if sleep is not None else time.sleep
    draw = uniform if uniform is not None else random.uniform
    for attempt in range(max_retries):
        try:
            return func()
        except Exception as exc:
            if not is_retryable_error(exc) or attempt >= max_retries - 1:
                raise
            delay = compute_backoff_delay(attempt, base_delay, max_delay, draw(0.0, JITTER_FRACTION))
            logger.warning(
                "%s failed (attempt %d/%d): %s; retrying in %.2fs",
                operation_name,
                attempt + 1,
                max_retries,
                exc,
                delay,
            )
            do_sleep(delay)
    raise RuntimeError(f"Retry logic exhausted for {operation_name}")


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
