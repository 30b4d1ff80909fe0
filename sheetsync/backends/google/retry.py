"""sheetsync's own retry policy for Google APIs.

gspread's ``BackOffHTTPClient`` recurses without bound and ignores ``Retry-After``, and
google-api-python-client retries only when asked. This module decides, for one failure,
whether to try again now, give up until the next sync, or stop:

- retried: HTTP 429, 500, 502, 503, 504; 403 with a rate-limit reason
  (``rateLimitExceeded``, ``userRateLimitExceeded``, other ``usageLimits`` reasons except
  daily quotas); timeouts and dropped connections;
- waits: bounded exponential backoff with full jitter, never shorter than ``Retry-After``
  (seconds or an HTTP date), within ``max_attempts`` and a total time ``budget``;
- a request that is not idempotent (a create without a deterministic id) is retried only
  after an explicit rejection (429 or a rate-limit 403: Google did not process it), never
  after a 5xx or a timeout, where it may have been applied: that becomes ``RetryLater``
  and the next sync finds the object by its deterministic key before creating again.

When retries run out the caller gets ``RetryLater``: finish the other rows and report this
one for next time. Sleep, clocks and randomness are injectable for tests.
"""

from __future__ import annotations

import datetime as dt
import http.client
import json
import random
import socket
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from typing import Any, Literal, TypeVar

T = TypeVar("T")

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
RATE_LIMIT_REASONS = frozenset({
    "rateLimitExceeded",
    "userRateLimitExceeded",
    "concurrentLimitExceeded",
    "limitExceeded",
    "RATE_LIMIT_EXCEEDED",
})
# Quotas that do not come back within a sync: retrying now only burns the budget.
DAILY_REASONS = frozenset({"dailyLimitExceeded", "quotaExceeded",
                           "dailyLimitExceededUnreg"})

Verdict = Literal["retry", "later", "fatal"]


@dataclass(frozen=True)
class Failure:
    """What one exception means for retrying.

    ``verdict``: ``retry`` (worth trying again now), ``later`` (transient, but not now or
    not safely: report it for the next sync), ``fatal`` (a real error: do not retry).
    ``rejected``: Google explicitly refused before doing anything (429 / rate limit), so
    even a non-idempotent request may be sent again.
    """

    verdict: Verdict
    status: int | None = None
    reason: str = ""
    retry_after: float | None = None
    rejected: bool = False
    message: str = ""


class RetryLater(Exception):
    """A transient fault outlasted the retry policy (or could not safely be retried)."""

    def __init__(self, message: str, cause: BaseException | None = None,
                 attempts: int = 1, status: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.cause = cause
        self.attempts = attempts
        self.status = status


# ------------------------------------------------------------------ error inspection


def error_status(exc: BaseException) -> int | None:
    """The HTTP status of a gspread ``APIError`` or googleapiclient ``HttpError``."""
    response = getattr(exc, "response", None)
    code = getattr(response, "status_code", None)
    if isinstance(code, int):
        return code
    resp = getattr(exc, "resp", None)
    status = getattr(resp, "status", None)
    if status is not None:
        try:
            return int(status)
        except (TypeError, ValueError):
            return None
    return None


def error_payload(exc: BaseException) -> Mapping[str, Any]:
    """The ``error`` object of a Google JSON error response, or ``{}``."""
    error = getattr(exc, "error", None)  # gspread APIError
    if isinstance(error, Mapping):
        return error
    content = getattr(exc, "content", None)  # googleapiclient HttpError
    if isinstance(content, (bytes, str)):
        try:
            data = json.loads(content)
        except (ValueError, UnicodeDecodeError):
            return {}
        if isinstance(data, Mapping) and isinstance(data.get("error"), Mapping):
            return data["error"]  # type: ignore[no-any-return]
    return {}


def error_reasons(exc: BaseException) -> list[str]:
    payload = error_payload(exc)
    reasons: list[str] = []
    for item in payload.get("errors", []) or []:
        if isinstance(item, Mapping):
            for key in ("reason", "domain"):
                if item.get(key):
                    reasons.append(str(item[key]))
    for item in payload.get("details", []) or []:
        if isinstance(item, Mapping) and item.get("reason"):
            reasons.append(str(item["reason"]))
    if payload.get("status"):
        reasons.append(str(payload["status"]))
    return reasons


def error_message(exc: BaseException) -> str:
    payload = error_payload(exc)
    message = payload.get("message")
    if isinstance(message, str) and message:
        return message
    return type(exc).__name__


def _header(exc: BaseException, name: str) -> str | None:
    response = getattr(exc, "response", None)
    headers = getattr(response, "headers", None)
    if headers is not None:
        value = headers.get(name)
        if value is not None:
            return str(value)
    resp = getattr(exc, "resp", None)  # httplib2.Response: a dict with lower-case keys
    if isinstance(resp, Mapping):
        value = resp.get(name.lower())
        if value is not None:
            return str(value)
    return None


def parse_retry_after(value: str | None, now: float) -> float | None:
    """``Retry-After`` as seconds to wait: delta-seconds or an HTTP date."""
    if value is None:
        return None
    text = value.strip()
    if not text:
        return None
    try:
        return max(0.0, float(text))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.timezone.utc)
    return max(0.0, when.timestamp() - now)


_NETWORK_ERRORS: tuple[type[BaseException], ...] = (
    TimeoutError,
    socket.timeout,
    ConnectionError,  # includes ConnectionResetError, BrokenPipeError
    http.client.HTTPException,  # RemoteDisconnected, IncompleteRead, ...
)


def _network_errors() -> tuple[type[BaseException], ...]:
    extra: list[type[BaseException]] = []
    try:
        import requests

        extra += [requests.exceptions.ConnectionError, requests.exceptions.Timeout,
                  requests.exceptions.ChunkedEncodingError]
    except ImportError:  # pragma: no cover
        pass
    try:
        import httplib2

        extra += [httplib2.ServerNotFoundError]
    except ImportError:  # pragma: no cover
        pass
    return _NETWORK_ERRORS + tuple(extra)


def classify(exc: BaseException, now: float | None = None) -> Failure:
    """Decide what ``exc`` means for retrying (see the module docstring)."""
    if isinstance(exc, RetryLater):
        return Failure("later", exc.status, "retry-later", None, False, exc.message)
    status = error_status(exc)
    if status is None:
        if isinstance(exc, _network_errors()):
            return Failure("retry", None, type(exc).__name__, None, False,
                           f"network problem ({type(exc).__name__})")
        return Failure("fatal", None, type(exc).__name__, None, False, str(exc))
    reasons = error_reasons(exc)
    retry_after = parse_retry_after(_header(exc, "Retry-After"),
                                    time.time() if now is None else now)
    message = error_message(exc)
    if status == 429:
        if any(r in DAILY_REASONS for r in reasons):
            return Failure("later", status, _first(reasons), retry_after, True, message)
        return Failure("retry", status, _first(reasons) or "429", retry_after, True, message)
    if status == 403:
        if any(r in DAILY_REASONS for r in reasons):
            return Failure("later", status, _first(reasons), retry_after, True, message)
        if any(r in RATE_LIMIT_REASONS for r in reasons) or "usageLimits" in reasons:
            return Failure("retry", status, _first(reasons), retry_after, True, message)
        return Failure("fatal", status, _first(reasons), None, False, message)
    if status in RETRY_STATUSES:
        return Failure("retry", status, _first(reasons) or str(status), retry_after, False,
                       message)
    return Failure("fatal", status, _first(reasons), None, False, message)


def _first(reasons: list[str]) -> str:
    return reasons[0] if reasons else ""


# ------------------------------------------------------------------------ the policy


@dataclass
class RetryPolicy:
    """Bounded exponential backoff with full jitter that honours ``Retry-After``."""

    max_attempts: int = 5
    base_delay: float = 1.0
    max_delay: float = 32.0
    # Total seconds one operation may spend, waits included.
    budget: float = 90.0
    sleep: Callable[[float], None] = time.sleep
    clock: Callable[[], float] = time.monotonic
    wall: Callable[[], float] = time.time
    rng: Callable[[], float] = random.random
    # Every wait, for tests and logs: (seconds, why).
    waits: list[tuple[float, str]] = field(default_factory=list)

    def backoff(self, attempt: int, retry_after: float | None = None) -> float:
        """Seconds to wait before attempt ``attempt + 1`` (``attempt`` >= 1)."""
        cap = min(self.max_delay, self.base_delay * 2.0 ** (attempt - 1))
        delay = self.rng() * cap
        if retry_after is not None:
            delay = max(delay, retry_after)
        return delay

    def classify(self, exc: BaseException) -> Failure:
        return classify(exc, now=self.wall())

    def may_retry(self, failure: Failure, idempotent: bool) -> bool:
        return failure.verdict == "retry" and (idempotent or failure.rejected)

    def start(self) -> RetryClock:
        return RetryClock(self, self.clock())

    def run(self, fn: Callable[[], T], *, idempotent: bool, what: str = "request") -> T:
        """Call ``fn`` until it succeeds, a fatal error occurs (re-raised unchanged) or the
        policy runs out (``RetryLater``)."""
        clock = self.start()
        while True:
            try:
                return fn()
            except Exception as exc:
                failure = self.classify(exc)
                if failure.verdict == "fatal":
                    raise
                if not self.may_retry(failure, idempotent):
                    raise RetryLater(_later_message(what, failure, clock.attempts),
                                     exc, clock.attempts, failure.status) from exc
                if not clock.wait(failure, what):
                    raise RetryLater(_later_message(what, failure, clock.attempts),
                                     exc, clock.attempts, failure.status) from exc


@dataclass
class RetryClock:
    """The attempts and time used by one operation under a policy."""

    policy: RetryPolicy
    started: float
    attempts: int = 1

    def wait(self, failure: Failure, what: str = "request") -> bool:
        """Sleep before the next attempt; False when attempts or budget are used up."""
        policy = self.policy
        if self.attempts >= policy.max_attempts:
            return False
        delay = policy.backoff(self.attempts, failure.retry_after)
        elapsed = policy.clock() - self.started
        if elapsed + delay > policy.budget:
            return False
        policy.waits.append((delay, f"{what}: {failure.reason or failure.status}"))
        policy.sleep(delay)
        self.attempts += 1
        return True


def _later_message(what: str, failure: Failure, attempts: int) -> str:
    cause = f"HTTP {failure.status}" if failure.status else failure.reason or "network problem"
    tries = "1 try" if attempts == 1 else f"{attempts} tries"
    return f"{what}: Google did not answer ({cause}) after {tries}; the next sync tries again"
