"""retry_with_backoff (legacy-support §7): attempts, retryable errors, delays, exhaustion."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from infrastructure.tracking.mlflow.utils import (
    compute_backoff_delay,
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


def test_returns_result_of_first_successful_call() -> None:
    func = FlakyCall([])
    assert retry_with_backoff(func, sleep=SleepRecorder()) == "ok"
    assert func.calls == 1


def test_retries_transient_errors_until_success() -> None:
    func = FlakyCall([RuntimeError("HTTP 503 Service Unavailable"), RuntimeError("Read timeout")])
    sleep = SleepRecorder()
    assert retry_with_backoff(func, max_retries=5, sleep=sleep, uniform=no_jitter) == "ok"
    assert func.calls == 3
    assert len(sleep.delays) == 2


def test_max_retries_counts_total_attempts() -> None:
    errors = [ConnectionError("connection reset")] * 3
    func = FlakyCall(errors)
    with pytest.raises(ConnectionError, match="connection reset"):
        retry_with_backoff(func, max_retries=3, sleep=SleepRecorder(), uniform=no_jitter)
    assert func.calls == 3


def test_last_attempt_error_is_the_original_exception() -> None:
    original = TimeoutError("timeout talking to server")
    func = FlakyCall([original])
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
    "message",
    [
        "HTTP 429",
        "503",
        "status 504",
        "Request TIMEOUT",
        "Connection refused",
        "Temporary failure",
        "Rate Limit exceeded",
    ],
)
def test_retryable_markers_match_case_insensitive_substrings(message: str) -> None:
    assert is_retryable_error(RuntimeError(message))


@pytest.mark.parametrize("message", ["permission denied", "404 not found", "rate-limit", ""])
def test_other_messages_are_not_retryable(message: str) -> None:
    assert not is_retryable_error(RuntimeError(message))


def test_substring_matching_also_hits_unrelated_numbers() -> None:
    # "4290" contains "429": the legacy detection is plain substring matching.
    assert is_retryable_error(RuntimeError("run 4290 failed"))


def test_delays_double_per_attempt_without_jitter() -> None:
    func = FlakyCall([RuntimeError("503")] * 4)
    sleep = SleepRecorder()
    retry_with_backoff(func, max_retries=5, base_delay=1.0, max_delay=60.0, sleep=sleep, uniform=no_jitter)
    assert sleep.delays == [1.0, 2.0, 4.0, 8.0]


def test_delays_are_capped_by_max_delay() -> None:
    func = FlakyCall([RuntimeError("503")] * 4)
    sleep = SleepRecorder()
    retry_with_backoff(func, max_retries=5, base_delay=2.0, max_delay=5.0, sleep=sleep, uniform=no_jitter)
    assert sleep.delays == [2.0, 4.0, 5.0, 5.0]


def test_jitter_scales_the_delay() -> None:
    func = FlakyCall([RuntimeError("503")])
    sleep = SleepRecorder()
    retry_with_backoff(func, max_retries=2, base_delay=2.0, sleep=sleep, uniform=fixed_jitter(0.05))
    assert sleep.delays == [pytest.approx(2.1)]


def test_default_jitter_stays_below_ten_percent() -> None:
    func = FlakyCall([RuntimeError("503")] * 3)
    sleep = SleepRecorder()
    retry_with_backoff(func, max_retries=4, base_delay=1.0, sleep=sleep)
    for attempt, delay in enumerate(sleep.delays):
        assert 2**attempt <= delay < 2**attempt * 1.1


def test_default_sleep_is_time_sleep_looked_up_at_call_time(monkeypatch: pytest.MonkeyPatch) -> None:
    recorder = SleepRecorder()
    monkeypatch.setattr("time.sleep", recorder)
    retry_with_backoff(FlakyCall([RuntimeError("503")]), max_retries=2, base_delay=0.5, uniform=no_jitter)
    assert recorder.delays == [0.5]


@pytest.mark.parametrize("max_retries", [0, -1])
def test_no_attempts_raises_exhausted_without_calling(max_retries: int) -> None:
    func = FlakyCall([])
    with pytest.raises(RuntimeError, match=r"^Retry logic exhausted for upload$"):
        retry_with_backoff(func, max_retries=max_retries, operation_name="upload")
    assert func.calls == 0


def test_compute_backoff_delay_formula() -> None:
    assert compute_backoff_delay(3, base_delay=1.5, max_delay=60.0, jitter=0.1) == pytest.approx(13.2)
