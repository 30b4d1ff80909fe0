"""Google's per-minute quotas, enforced by the fake (off until a test turns them on).

What Google publishes (checked 2026-12 with the docs pages named here):

- Sheets (developers.google.com/sheets/api/limits, "Usage limits"): read requests 60 a
  minute per user per project and 300 per project; write requests the same, counted
  apart. "Read requests are calls to any method that retrieves data from a spreadsheet,
  such as get or search. Write requests are calls to any method that changes a
  spreadsheet". Quotas "are refilled every minute"; an excess request gets
  ``429 Too many requests``, shaped (a recorded answer, pastebin A9auJNW7) as
  ``{"code": 429, "message": "Quota exceeded for quota metric 'Read requests' and limit
  'Read requests per minute per user' of service 'sheets.googleapis.com' for consumer
  'project_number:…'.", "status": "RESOURCE_EXHAUSTED"}`` (the v4 front end adds a
  ``google.rpc.ErrorInfo`` detail ``RATE_LIMIT_EXCEEDED``; see ``errors.py``).
- Calendar (developers.google.com/workspace/calendar/api/guides/quota, "Usage limits"):
  600 requests a minute per user per project, 10,000 per project, "calculated per minute
  using a sliding window"; a batch of n requests counts n. Exceeded: "403 usageLimits or
  429 usageLimits" (reasons ``userRateLimitExceeded`` / ``rateLimitExceeded``).
- Gmail (developers.google.com/workspace/gmail/api/reference/quota, "Usage limits"):
  quota units a minute, per user per project 6,000 for Cloud projects created from
  1 May 2026 (15,000 before), per project 1,200,000; reasons ``userRateLimitExceeded``
  and ``rateLimitExceeded`` (developers.google.com/gmail/api/guides/handle-errors: 403
  "User rate limit exceeded", 429 "Too many requests"). Per-method units below: the
  table of the 1 May 2026 page, where drafts.get, messages.get and messages.trash cost
  20 (5 on the older page); threads.get and threads.list cost 10.

The windows are sliding windows of ``window`` seconds (60 for Google's minute; a test or
the benchmark scales them, e.g. ``window=1.0``: a minute's quota each second, every ratio
kept). A refused request costs nothing. ``exceeded`` counts every refusal by API.
"""

from __future__ import annotations

import threading
import time
from collections import Counter, defaultdict, deque
from collections.abc import Callable
from dataclasses import dataclass, field

from .errors import ApiError

GMAIL_UNITS: dict[str, int] = {
    "drafts.create": 10,
    "drafts.delete": 10,
    "drafts.get": 20,
    "drafts.list": 5,
    "drafts.send": 100,
    "drafts.update": 15,
    "getProfile": 1,
    "history.list": 2,
    "labels.get": 1,
    "labels.list": 1,
    "messages.attachments.get": 20,
    "messages.delete": 10,
    "messages.get": 20,
    "messages.list": 5,
    "messages.modify": 5,
    "messages.send": 100,
    "messages.trash": 20,
    "messages.untrash": 5,
    "threads.get": 10,
    "threads.list": 10,
    "threads.modify": 10,
    "threads.trash": 10,
}
GMAIL_DEFAULT_UNITS = 5

# Sheets methods that read although they are POSTs (the rest of the POSTs write).
SHEETS_READS = frozenset({
    "sheets.spreadsheets.get",
    "sheets.spreadsheets.getByDataFilter",
    "sheets.spreadsheets.values.get",
    "sheets.spreadsheets.values.batchGet",
    "sheets.spreadsheets.values.batchGetByDataFilter",
    "sheets.spreadsheets.developerMetadata.get",
    "sheets.spreadsheets.developerMetadata.search",
})


@dataclass
class Limit:
    """One quota: ``per_user`` and ``per_project`` units per window."""

    per_user: float
    per_project: float


def gmail_units(method_id: str) -> int:
    name = method_id.removeprefix("gmail.users.")
    return GMAIL_UNITS.get(name, GMAIL_DEFAULT_UNITS)


class _Window:
    """A sliding window: the units spent in the last ``window`` seconds."""

    def __init__(self) -> None:
        self.spent: deque[tuple[float, float]] = deque()
        self.total = 0.0

    def expire(self, now: float, window: float) -> None:
        while self.spent and self.spent[0][0] <= now - window:
            self.total -= self.spent.popleft()[1]

    def free_at(self, now: float, window: float, need: float, limit: float) -> float:
        """Seconds from ``now`` until ``need`` more units fit."""
        total = self.total
        for when, cost in self.spent:
            total -= cost
            if total + need <= limit:
                return max(0.0, when + window - now)
        return 0.0


@dataclass
class Quotas:
    """The fake's quota model. ``enforce()`` turns it on; limits are per ``window``."""

    enabled: bool = False
    window: float = 60.0
    sheets_read: Limit = field(default_factory=lambda: Limit(60, 300))
    sheets_write: Limit = field(default_factory=lambda: Limit(60, 300))
    calendar: Limit = field(default_factory=lambda: Limit(600, 10_000))
    gmail: Limit = field(default_factory=lambda: Limit(6_000, 1_200_000))
    # Calendar answers a per-user excess with 403 usageLimits (or 429 when set so).
    calendar_status: int = 403
    # Gmail answers 429 (or 403 userRateLimitExceeded when set so).
    gmail_status: int = 429
    clock: Callable[[], float] = time.monotonic
    exceeded: Counter[str] = field(default_factory=Counter)
    spent: defaultdict[str, float] = field(  # units accepted, by API
        default_factory=lambda: defaultdict(float))
    # ... and by quota: "sheets-read", "sheets-write", "calendar", "gmail".
    spent_by_quota: defaultdict[str, float] = field(
        default_factory=lambda: defaultdict(float))

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self._windows: dict[tuple[str, str], _Window] = {}

    def enforce(
        self,
        *,
        window: float = 60.0,
        sheets_per_minute: float | None = None,
        calendar_per_minute: float | None = None,
        gmail_units_per_minute: float | None = None,
    ) -> None:
        """Turn quotas on, with per-user figures (per ``window`` seconds) if given."""
        self.enabled = True
        self.window = window
        if sheets_per_minute is not None:
            self.sheets_read.per_user = self.sheets_write.per_user = sheets_per_minute
        if calendar_per_minute is not None:
            self.calendar.per_user = calendar_per_minute
        if gmail_units_per_minute is not None:
            self.gmail.per_user = gmail_units_per_minute

    def reset(self) -> None:
        with self._lock:
            self._windows.clear()
            self.exceeded.clear()
            self.spent.clear()
            self.spent_by_quota.clear()

    # ------------------------------------------------------------------- charging
    def charge(self, api: str, method_id: str, http_method: str, user: str) -> None:
        """Spend this request's units, or raise the ``ApiError`` Google would answer."""
        if not self.enabled:
            return
        bucket, limit, cost = self._cost(api, method_id, http_method)
        if limit is None:
            return
        now = self.clock()
        with self._lock:
            scopes = (("user", user, limit.per_user), ("project", "", limit.per_project))
            for scope, who, most in scopes:
                win = self._windows.setdefault((bucket, f"{scope}:{who}"), _Window())
                win.expire(now, self.window)
                if win.total + cost > most:
                    self.exceeded[api] += 1
                    wait = win.free_at(now, self.window, cost, most)
                    raise self._error(api, bucket, scope, wait)
            for scope, who, _most in scopes:
                win = self._windows[(bucket, f"{scope}:{who}")]
                win.spent.append((now, cost))
                win.total += cost
            self.spent[api] += cost
            self.spent_by_quota[bucket] += cost

    def _cost(self, api: str, method_id: str, http_method: str
              ) -> tuple[str, Limit | None, float]:
        if api == "sheets":
            if method_id in SHEETS_READS or http_method == "GET":
                return "sheets-read", self.sheets_read, 1.0
            return "sheets-write", self.sheets_write, 1.0
        if api == "calendar":
            return "calendar", self.calendar, 1.0
        if api == "gmail":
            return "gmail", self.gmail, float(gmail_units(method_id))
        return api, None, 0.0

    def _error(self, api: str, bucket: str, scope: str, wait: float) -> ApiError:
        if api == "sheets":
            metric = "Read requests" if bucket == "sheets-read" else "Write requests"
            per = "per minute per user" if scope == "user" else "per minute"
            name = metric.replace(" requests", "Requests")
            limit_name = f"{name}PerMinute{'PerUser' if scope == 'user' else ''}"
            message = (f"Quota exceeded for quota metric '{metric}' and limit '{metric} "
                       f"{per}' of service 'sheets.googleapis.com' for consumer "
                       "'project_number:0'.")
            return ApiError(429, message, reason="rateLimitExceeded", details=[{
                "@type": "type.googleapis.com/google.rpc.ErrorInfo",
                "reason": "RATE_LIMIT_EXCEEDED",
                "domain": "googleapis.com",
                "metadata": {
                    "service": "sheets.googleapis.com",
                    "consumer": "projects/0",
                    "quota_metric": f"sheets.googleapis.com/{bucket.split('-')[1]}_requests",
                    "quota_limit": limit_name,
                },
            }])
        headers = {}
        if wait > 0:
            headers["Retry-After"] = f"{max(wait, 0.001):.3f}"
        if api == "calendar":
            reason = "userRateLimitExceeded" if scope == "user" else "rateLimitExceeded"
            message = "User Rate Limit Exceeded" if scope == "user" else "Rate Limit Exceeded"
            return ApiError(self.calendar_status, message, reason=reason, domain="usageLimits",
                            status="RESOURCE_EXHAUSTED" if self.calendar_status == 429
                            else "PERMISSION_DENIED", headers=headers)
        reason = "userRateLimitExceeded" if scope == "user" else "rateLimitExceeded"
        message = ("User-rate limit exceeded." if scope == "user"
                   else "Rate Limit Exceeded")
        status = self.gmail_status if scope == "user" else 429
        return ApiError(status, message, reason=reason, domain="usageLimits",
                        status="RESOURCE_EXHAUSTED" if status == 429 else "PERMISSION_DENIED",
                        headers=headers)
