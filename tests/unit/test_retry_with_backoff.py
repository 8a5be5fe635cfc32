"""retry_with_backoff (legacy-support §7, §12.9 fixed): retries, transient errors by type and HTTP
status, delays."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
import requests
from mlflow.exceptions import MlflowException, RestException
from mlflow.protos.databricks_pb2 import (
    INVALID_PARAMETER_VALUE,
    REQUEST_LIMIT_EXCEEDED,
    RESOURCE_DOES_NOT_EXIST,
    TEMPORARILY_UNAVAILABLE,
)

from infrastructure.tracking.mlflow.trackers import base
from infrastructure.tracking.mlflow.utils import (
    compute_backoff_delay,
    http_status_of,
    is_retryable_error,
    retry_with_backoff,
)


class FlakyCall:
    """Raises the given errors in order, then returns ``result``; counts calls."""

    def __init__(self, errors: list[Exception], result: str = "ok") -> None:
        self.errors = list(errors)
        self.result = result
        self.calls = 0

    def __call__(self) -> str:
        self.calls += 1
        if self.errors:
            raise self.errors.pop(0)
        return self.result


class SleepRecorder:
    def __init__(self) -> None:
        self.delays: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.delays.append(seconds)


def no_jitter(low: float, high: float) -> float:
    return low


def fixed_jitter(value: float) -> Callable[[float, float], float]:
    def draw(low: float, high: float) -> float:
        assert (low, high) == (0.0, 0.1)
        return value

    return draw


def transient() -> Exception:
    return ConnectionError("connection reset")


def http_error(status: int) -> requests.HTTPError:
    response = requests.Response()
    response.status_code = status
    return requests.HTTPError(f"{status} error", response=response)


class StatusError(Exception):
    """An SDK-style error carrying ``status_code`` itself (like azure-core's HttpResponseError)."""

    def __init__(self, status_code: int) -> None:
        super().__init__(f"status {status_code}")
        self.status_code = status_code


def wrapped_like_mlflow_rest_client(cause: Exception) -> MlflowException:
    """MlflowException raised while handling ``cause``, as mlflow.utils.rest_utils does."""
    try:
        raise cause
    except Exception as exc:
        try:
            raise MlflowException(f"API request to http://host/api failed with exception {exc}")
        except MlflowException as wrapped:
            return wrapped


def test_returns_result_of_first_successful_call() -> None:
    func = FlakyCall([])
    assert retry_with_backoff(func, sleep=SleepRecorder()) == "ok"
    assert func.calls == 1


def test_retries_transient_errors_until_success() -> None:
    func = FlakyCall([http_error(503), TimeoutError("read timed out")])
    sleep = SleepRecorder()
    assert retry_with_backoff(func, max_retries=5, sleep=sleep, uniform=no_jitter) == "ok"
    assert func.calls == 3
    assert len(sleep.delays) == 2


def test_max_retries_counts_retries_after_the_first_call() -> None:
    func = FlakyCall([transient()] * 4)
    with pytest.raises(ConnectionError, match="connection reset"):
        retry_with_backoff(func, max_retries=3, sleep=SleepRecorder(), uniform=no_jitter)
    assert func.calls == 4


def test_max_retries_zero_calls_once() -> None:
    func = FlakyCall([transient()])
    sleep = SleepRecorder()
    with pytest.raises(ConnectionError):
        retry_with_backoff(func, max_retries=0, sleep=sleep)
    assert (func.calls, sleep.delays) == (1, [])


def test_negative_max_retries_raises_value_error_without_calling() -> None:
    func = FlakyCall([])
    with pytest.raises(ValueError, match=r"^max_retries must be >= 0, got -1$"):
        retry_with_backoff(func, max_retries=-1, operation_name="upload")
    assert func.calls == 0


def test_last_attempt_error_is_the_original_exception() -> None:
    original = TimeoutError("timeout talking to server")
    func = FlakyCall([transient(), original])
    with pytest.raises(TimeoutError) as info:
        retry_with_backoff(func, max_retries=1, sleep=SleepRecorder())
    assert info.value is original


def test_non_retryable_error_is_raised_immediately() -> None:
    func = FlakyCall([ValueError("bad parameter"), ValueError("never reached")])
    sleep = SleepRecorder()
    with pytest.raises(ValueError, match="bad parameter"):
        retry_with_backoff(func, max_retries=5, sleep=sleep)
    assert func.calls == 1
    assert sleep.delays == []


@pytest.mark.parametrize(
    "error",
    [
        ConnectionError("reset"),
        ConnectionRefusedError("refused"),
        TimeoutError("slow"),
        requests.ConnectionError("no route"),
        requests.Timeout("read timed out"),
    ],
    ids=["connection", "connection_refused", "timeout", "requests_connection", "requests_timeout"],
)
def test_network_errors_are_retryable_by_type(error: Exception) -> None:
    assert is_retryable_error(error)


@pytest.mark.parametrize("status", [408, 429, 502, 503, 504])
def test_transient_http_statuses_are_retryable(status: int) -> None:
    assert is_retryable_error(http_error(status))
    assert is_retryable_error(StatusError(status))


@pytest.mark.parametrize("status", [400, 401, 403, 404, 409, 500])
def test_other_http_statuses_are_not_retryable(status: int) -> None:
    assert not is_retryable_error(http_error(status))
    assert not is_retryable_error(StatusError(status))


@pytest.mark.parametrize("code", [TEMPORARILY_UNAVAILABLE, REQUEST_LIMIT_EXCEEDED], ids=["503", "429"])
def test_mlflow_errors_with_a_transient_error_code_are_retryable(code: int) -> None:
    assert is_retryable_error(MlflowException("busy", error_code=code))


@pytest.mark.parametrize("code", [RESOURCE_DOES_NOT_EXIST, INVALID_PARAMETER_VALUE], ids=["404", "400"])
def test_mlflow_errors_with_other_error_codes_are_not_retryable(code: int) -> None:
    assert not is_retryable_error(MlflowException("Connection timeout 503 rate limit", error_code=code))


def test_a_rest_error_with_an_http_status_code_is_retryable() -> None:
    assert is_retryable_error(RestException({"error_code": "503", "message": "unavailable"}))


def test_a_connection_error_wrapped_by_mlflow_is_retryable() -> None:
    assert is_retryable_error(wrapped_like_mlflow_rest_client(requests.ConnectionError("refused")))


def test_an_error_raised_from_a_timeout_is_retryable() -> None:
    try:
        raise RuntimeError("upload failed") from TimeoutError("slow")
    except RuntimeError as error:
        assert is_retryable_error(error)


@pytest.mark.parametrize(
    "message", ["HTTP 429", "503", "Request TIMEOUT", "Connection refused", "Temporary failure", "run 4290"]
)
def test_the_message_text_is_never_read(message: str) -> None:
    assert not is_retryable_error(RuntimeError(message))


def test_http_status_of_an_error_without_one_is_none() -> None:
    assert http_status_of(RuntimeError("503")) is None


def test_delays_double_per_attempt_without_jitter() -> None:
    func = FlakyCall([transient()] * 4)
    sleep = SleepRecorder()
    retry_with_backoff(func, max_retries=5, base_delay=1.0, max_delay=60.0, sleep=sleep, uniform=no_jitter)
    assert sleep.delays == [1.0, 2.0, 4.0, 8.0]


def test_delays_are_capped_by_max_delay() -> None:
    func = FlakyCall([transient()] * 4)
    sleep = SleepRecorder()
    retry_with_backoff(func, max_retries=5, base_delay=2.0, max_delay=5.0, sleep=sleep, uniform=no_jitter)
    assert sleep.delays == [2.0, 4.0, 5.0, 5.0]


def test_jitter_scales_the_delay() -> None:
    func = FlakyCall([transient()])
    sleep = SleepRecorder()
    retry_with_backoff(func, max_retries=1, base_delay=2.0, sleep=sleep, uniform=fixed_jitter(0.05))
    assert sleep.delays == [pytest.approx(2.1)]


def test_default_jitter_stays_below_ten_percent() -> None:
    func = FlakyCall([transient()] * 3)
    sleep = SleepRecorder()
    retry_with_backoff(func, max_retries=3, base_delay=1.0, sleep=sleep)
    for attempt, delay in enumerate(sleep.delays):
        assert 2**attempt <= delay < 2**attempt * 1.1


def test_default_sleep_is_time_sleep_looked_up_at_call_time(monkeypatch: pytest.MonkeyPatch) -> None:
    recorder = SleepRecorder()
    monkeypatch.setattr("time.sleep", recorder)
    retry_with_backoff(FlakyCall([transient()]), max_retries=1, base_delay=0.5, uniform=no_jitter)
    assert recorder.delays == [0.5]


def test_compute_backoff_delay_formula() -> None:
    assert compute_backoff_delay(3, base_delay=1.5, max_delay=60.0, jitter=0.1) == pytest.approx(13.2)


@pytest.mark.parametrize(
    ("budget", "calls"), [(base.ARTIFACT_RETRY, 5), (base.CONVERSION_RETRY, 3), (base.MANIFEST_RETRY, 3)]
)
def test_tracker_upload_budgets_keep_their_call_counts(
    budget: tuple[int, float], calls: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    upload = FlakyCall([transient()] * 10)
    monkeypatch.setattr(base.mlflow, "log_artifact", lambda *args: upload())
    monkeypatch.setattr("time.sleep", SleepRecorder())
    with pytest.raises(ConnectionError):
        base.log_artifact_with_retry(tmp_path / "file.txt", None, None, budget)
    assert upload.calls == calls
