"""Fault injection: make the next N matching requests fail like Google does."""

from __future__ import annotations

import threading
from dataclasses import dataclass

from .errors import DEFAULT_MESSAGES, ApiError

QUOTA_MESSAGES = {
    "sheets": (
        "Quota exceeded for quota metric 'Write requests' and limit 'Write requests per minute"
        " per user' of service 'sheets.googleapis.com' for consumer 'project_number:0'."
    ),
    "calendar": "Rate Limit Exceeded",
    "gmail": "Too many concurrent requests for user",
}


@dataclass
class Fault:
    """One injected failure rule.

    ``api``/``method`` select requests (``None`` = any); ``method`` may be a full discovery
    id ("calendar.events.insert"), a suffix of one ("events.insert"), or "batch" for the
    multipart batch envelope itself. ``in_batch`` limits the rule to parts inside a batch
    (True), to direct calls (False) or neither (None). Method-less rules never hit the batch
    envelope, so a 503 rule on "calendar" fails each part of a batch with its own status.

    ``timeout=True`` makes the transport raise its timeout error instead of answering;
    with ``applied=True`` the request is processed first (the dangerous "the write happened
    but the client never heard" case).
    """

    api: str | None = None
    method: str | None = None
    status: int = 503
    times: int | None = 1
    retry_after: float | None = None
    reason: str | None = None
    message: str | None = None
    timeout: bool = False
    applied: bool = False
    in_batch: bool | None = None
    skip: int = 0
    hits: int = 0

    def matches(self, api: str, method_id: str, in_batch: bool) -> bool:
        if self.api is not None and self.api != api:
            return False
        if method_id == "batch":
            return self.method == "batch"
        if self.method is not None and not (
            method_id == self.method or method_id.endswith("." + self.method)
        ):
            return False
        return self.in_batch is None or self.in_batch == in_batch

    @property
    def exhausted(self) -> bool:
        return self.times is not None and self.hits >= self.times

    def error(self, api: str) -> ApiError:
        headers = {}
        if self.retry_after is not None:
            value = self.retry_after
            headers["Retry-After"] = str(int(value)) if float(value).is_integer() else str(value)
        message = self.message
        if message is None:
            quota = self.status == 403 and self.reason and "Limit" in self.reason
            if self.status == 429 or quota:
                message = QUOTA_MESSAGES.get(api, "Rate Limit Exceeded")
            else:
                message = DEFAULT_MESSAGES.get(self.status, "Error")
        quota_reasons = ("rateLimitExceeded", "userRateLimitExceeded", "dailyLimitExceeded",
                         "quotaExceeded")
        domain = "usageLimits" if self.reason in quota_reasons else "global"
        return ApiError(self.status, message, reason=self.reason, headers=headers, domain=domain)


class Faults:
    """The fault rules of one fake; thread-safe."""

    def __init__(self) -> None:
        self._rules: list[Fault] = []
        self._lock = threading.Lock()

    def add(
        self,
        api: str | None = None,
        method: str | None = None,
        status: int = 503,
        times: int | None = 1,
        retry_after: float | None = None,
        reason: str | None = None,
        timeout: bool = False,
        *,
        message: str | None = None,
        applied: bool = False,
        in_batch: bool | None = None,
        skip: int = 0,
    ) -> Fault:
        """Add a rule; ``times=None`` fails forever, ``skip=N`` lets N matches through first."""
        rule = Fault(
            api=api,
            method=method,
            status=status,
            times=times,
            retry_after=retry_after,
            reason=reason,
            message=message,
            timeout=timeout,
            applied=applied,
            in_batch=in_batch,
            skip=skip,
        )
        with self._lock:
            self._rules.append(rule)
        return rule

    def clear(self) -> None:
        with self._lock:
            self._rules.clear()

    @property
    def pending(self) -> list[Fault]:
        with self._lock:
            return [r for r in self._rules if not r.exhausted]

    def take(self, api: str, method_id: str, in_batch: bool) -> Fault | None:
        """Return the first live rule matching this request and consume one use of it."""
        with self._lock:
            for rule in self._rules:
                if rule.exhausted or not rule.matches(api, method_id, in_batch):
                    continue
                if rule.skip > 0:
                    rule.skip -= 1
                    continue
                rule.hits += 1
                return rule
        return None
