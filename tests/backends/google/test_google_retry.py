"""The retry policy: what is retried, how long it waits, when it gives up."""

from __future__ import annotations

import email.utils

import pytest
from gapi_errors import api_error, http_error

from sheetsync.backends.google.retry import RetryLater, RetryPolicy, classify, parse_retry_after


class FakeTime:
    """A clock that only moves when the policy sleeps."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.slept: list[float] = []

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds

    def clock(self) -> float:
        return self.now


def policy(t: FakeTime, **kw: float) -> RetryPolicy:
    return RetryPolicy(sleep=t.sleep, clock=t.clock, wall=t.clock, rng=lambda: 0.5,
                       **kw)  # type: ignore[arg-type]


def failing(errors: list[BaseException], result: str = "ok"):
    calls = {"n": 0}

    def fn() -> str:
        calls["n"] += 1
        if errors:
            raise errors.pop(0)
        return result

    return fn, calls


def test_429_retry_after_seconds_is_honoured() -> None:
    t = FakeTime()
    fn, calls = failing([http_error(429, "rateLimitExceeded", retry_after="7")])
    assert policy(t).run(fn, idempotent=True) == "ok"
    assert calls["n"] == 2
    assert t.slept == [7.0]  # not the 0.5 s the jittered backoff would have chosen


def test_retry_after_http_date() -> None:
    t = FakeTime()
    when = email.utils.formatdate(t.now + 12, usegmt=True)
    fn, _ = failing([api_error(429, retry_after=when)])
    policy(t).run(fn, idempotent=True)
    assert 11.0 <= t.slept[0] <= 12.0
    assert parse_retry_after("garbage", 0) is None
    assert parse_retry_after("-3", 0) == 0.0


def test_500_storm_gives_up_within_budget() -> None:
    t = FakeTime()
    p = RetryPolicy(sleep=t.sleep, clock=t.clock, wall=t.clock, rng=lambda: 1.0,
                    max_attempts=50, base_delay=1, max_delay=8, budget=20)
    fn, calls = failing([http_error(500) for _ in range(100)])
    with pytest.raises(RetryLater) as info:
        p.run(fn, idempotent=True, what="Google Calendar")
    assert sum(t.slept) <= 20
    assert calls["n"] == len(t.slept) + 1
    assert info.value.status == 500
    assert "next sync" in info.value.message


def test_max_attempts_bounds_the_tries() -> None:
    t = FakeTime()
    fn, calls = failing([http_error(503) for _ in range(10)])
    with pytest.raises(RetryLater):
        policy(t, max_attempts=3).run(fn, idempotent=True)
    assert calls["n"] == 3


def test_backoff_is_exponential_with_full_jitter_and_capped() -> None:
    p = RetryPolicy(rng=lambda: 1.0, base_delay=1, max_delay=10)
    assert [p.backoff(a) for a in range(1, 7)] == [1, 2, 4, 8, 10, 10]
    p = RetryPolicy(rng=lambda: 0.0, base_delay=1, max_delay=10)
    assert p.backoff(3) == 0.0
    assert p.backoff(3, retry_after=5) == 5


def test_non_idempotent_is_not_retried_after_500_or_timeout() -> None:
    for error in (http_error(500), TimeoutError("read timed out")):
        t = FakeTime()
        fn, calls = failing([error])
        with pytest.raises(RetryLater):
            policy(t).run(fn, idempotent=False)
        assert calls["n"] == 1 and t.slept == []


def test_non_idempotent_is_retried_after_explicit_rejection() -> None:
    t = FakeTime()
    fn, calls = failing([http_error(429), http_error(403, "userRateLimitExceeded",
                                                     domain="usageLimits")])
    assert policy(t).run(fn, idempotent=False) == "ok"
    assert calls["n"] == 3


def test_classification() -> None:
    assert classify(http_error(403, "rateLimitExceeded", domain="usageLimits")).verdict == "retry"
    assert classify(http_error(403, "forbidden")).verdict == "fatal"
    assert classify(http_error(403, "dailyLimitExceeded", domain="usageLimits")).verdict == \
        "later"
    assert classify(http_error(404)).verdict == "fatal"
    assert classify(http_error(409)).verdict == "fatal"
    for status in (429, 500, 502, 503, 504):
        assert classify(api_error(status)).verdict == "retry"
    assert classify(ConnectionResetError()).verdict == "retry"
    assert classify(ValueError("bug")).verdict == "fatal"


def test_fatal_errors_propagate_unchanged() -> None:
    t = FakeTime()
    error = api_error(400, message="bad range")
    fn, calls = failing([error])
    with pytest.raises(type(error)) as info:
        policy(t).run(fn, idempotent=True)
    assert info.value is error and calls["n"] == 1 and t.slept == []


def test_retry_after_beyond_budget_gives_up_at_once() -> None:
    t = FakeTime()
    fn, calls = failing([http_error(429, retry_after="3600")])
    with pytest.raises(RetryLater):
        policy(t, budget=60).run(fn, idempotent=True)
    assert calls["n"] == 1 and t.slept == []
