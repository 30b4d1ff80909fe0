"""Quota as a budget: one pacer per Google API, under every request sheetsync sends.

Google's limits are per minute (README, "Performance"): Sheets 60 read and 60 write
requests a minute per user, Calendar 600 requests a minute per user (a sliding window; a
batch of n counts n), Gmail 6,000 quota units a minute per user for Cloud projects made
from May 2026 (15,000 before), with per-method costs (drafts.create 10, drafts.update 15,
drafts.list 5, threads.get 10, messages.get 20, history.list 2). Going faster only earns
429s and backoff; going slower wastes a cron job's runtime.

- ``Pacer``: a sliding-window log per quota (Sheets has two: reads and writes). A request
  waits until its units fit in the last ``window`` seconds, then goes; its units count
  from when its answer came (later than Google saw it, so the pacer never runs ahead of
  Google's window), plus a 1% margin.
- ``PacedHttp`` (google-api-python-client) and ``PacedAdapter`` (gspread's requests
  session) charge every request, a batch by its parts (each counts, as at Google), so
  listings, retries and every call added later are paced without being told.
- ``shared_pacers``: one pacer per (Cloud project, user, API) in this process, holding the
  per-user quota, each under one pacer per (Cloud project, API) holding the per-project
  quota (Google counts both: Sheets 300 requests a minute per project, Calendar 10,000,
  Gmail 1,200,000 units), so every register a worker syncs, whoever it acts as, spends
  the same budgets.
- ``run_batch`` (``_batch``) sizes each batch to what fits in the budget now, and the
  engine asks ``seconds_for`` how long the quota makes the rest take (ETA, --max-minutes).
"""

from __future__ import annotations

import re
import threading
import time
from collections import defaultdict, deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import requests.adapters

# Gmail quota units by (HTTP method, path after /gmail/v1/users/{userId}/), from
# developers.google.com/workspace/gmail/api/reference/quota (May 2026 table; the older
# one charged 5 for drafts.get and messages.get: the dearer figure is kept, so the pacer
# never overspends). Anything else: 5.
_GMAIL_UNITS: tuple[tuple[str, re.Pattern[str], int], ...] = tuple(
    (method, re.compile(pattern), units) for method, pattern, units in (
        ("POST", r"^drafts/send$", 100),
        ("POST", r"^messages/send$", 100),
        ("GET", r"^drafts$", 5),
        ("POST", r"^drafts$", 10),
        ("GET", r"^drafts/[^/]+$", 20),
        ("PUT", r"^drafts/[^/]+$", 15),
        ("DELETE", r"^drafts/[^/]+$", 10),
        ("GET", r"^messages$", 5),
        ("GET", r"^messages/[^/]+$", 20),
        ("DELETE", r"^messages/[^/]+$", 10),
        ("POST", r"^messages/[^/]+/trash$", 20),
        ("GET", r"^threads$", 10),
        ("GET", r"^threads/[^/]+$", 10),
        ("POST", r"^threads/[^/]+/(modify|trash)$", 10),
        ("GET", r"^history$", 2),
        ("GET", r"^profile$", 1),
        ("GET", r"^labels(/[^/]+)?$", 1),
    ))
GMAIL_DEFAULT_UNITS = 5
GMAIL_MOST_UNITS = 20  # the dearest call sheetsync makes (messages.get)
_GMAIL_PATH = re.compile(r"/gmail/v1/users/[^/]+/([^?#]*)")
_SHEETS_READ = re.compile(r"(:batchGet|:batchGetByDataFilter|:getByDataFilter|"
                          r"/developerMetadata:search)(\?|$)")
_BATCH_PART = re.compile(rb"^(GET|POST|PUT|PATCH|DELETE) (\S+) HTTP/1\.1\r?$", re.M)

APIS = ("sheets", "calendar", "gmail")


def gmail_units(method: str, path: str) -> int:
    match = _GMAIL_PATH.search(path)
    if match is None:
        return GMAIL_DEFAULT_UNITS
    rest = match.group(1).rstrip("/")
    for verb, pattern, units in _GMAIL_UNITS:
        if verb == method.upper() and pattern.match(rest):
            return units
    return GMAIL_DEFAULT_UNITS


def request_cost(api: str, method: str, url: str) -> tuple[str, float]:
    """(quota, units) of one request: Sheets' "read" or "write", else the API's own."""
    if api == "sheets":
        path = url.split("://", 1)[-1]
        read = method.upper() == "GET" or bool(_SHEETS_READ.search(path.split("#")[0]))
        return ("read" if read else "write"), 1.0
    if api == "gmail":
        return "units", float(gmail_units(method, url))
    return "requests", 1.0


def _is_batch(url: str) -> bool:
    return urlsplit(url).path.startswith("/batch")


class Pacer:
    """The quotas of one Google API (per ``window`` seconds) and the units spent in them.

    ``limits``: units a window per quota (Sheets: ``read``/``write``; Calendar:
    ``requests``; Gmail: ``units``). Thread-safe: Calendar and Gmail work run side by
    side, and a worker's registers share it.
    """

    MARGIN = 0.01

    def __init__(self, api: str, limits: Mapping[str, float], *, window: float = 60.0,
                 clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep,
                 project: Pacer | None = None) -> None:
        self.api = api
        # The Cloud project's pacer for this API (its per-project quota), shared by every
        # user's pacer of that project: a request waits for both.
        self.project = project
        self.limits = dict(limits)
        self.window = window
        self.clock = clock
        self.sleep = sleep
        self._lock = threading.Lock()
        self._spent: dict[str, deque[list[float]]] = {q: deque() for q in self.limits}
        self._totals: dict[str, float] = dict.fromkeys(self.limits, 0.0)
        self.waited = 0.0  # seconds spent waiting for the quota
        self.units: defaultdict[str, float] = defaultdict(float)  # units spent, by quota

    @property
    def span(self) -> float:
        return self.window * (1.0 + self.MARGIN)

    def _expire(self, quota: str, now: float) -> None:
        spent = self._spent[quota]
        while spent and spent[0][0] <= now - self.span:
            self._totals[quota] -= spent.popleft()[1]

    def _wait_for(self, quota: str, units: float, now: float) -> float:
        limit = self.limits[quota]
        total = self._totals[quota]
        if total + units <= limit:
            return 0.0
        for entry in self._spent[quota]:
            total -= entry[1]
            if total + units <= limit:
                return max(0.0, entry[0] + self.span - now)
        return 0.0

    def limit(self, quota: str) -> float:
        """Units a window: the per-user limit, or the project's if that is lower."""
        own = self.limits[quota]
        return min(own, self.project.limit(quota)) if self.project is not None else own

    def room(self, quota: str) -> float:
        """Units that may go now (in this user's budget and in the project's)."""
        with self._lock:
            self._expire(quota, self.clock())
            room = max(0.0, self.limits[quota] - self._totals[quota])
        return min(room, self.project.room(quota)) if self.project is not None else room

    def acquire(self, quota: str, units: float) -> list[float]:
        """Wait until ``units`` fit (in the project's budget too), spend them and return
        the entry (for ``done``)."""
        entry = self._acquire(quota, units)
        if self.project is not None:
            # Spent in the user's budget first: a wait for the project's counts there as
            # well, which errs on the safe side.
            entry.append(self.project.acquire(quota, units))  # type: ignore[arg-type]
        return entry

    def _acquire(self, quota: str, units: float) -> list[float]:
        units = min(units, self.limits[quota])  # a request dearer than the limit: alone
        while True:
            with self._lock:
                now = self.clock()
                self._expire(quota, now)
                wait = self._wait_for(quota, units, now)
                if wait <= 0.0:
                    entry = [now, units]
                    self._spent[quota].append(entry)
                    self._totals[quota] += units
                    self.units[quota] += units
                    return entry
            self.waited += wait
            self.sleep(wait)

    def done(self, entry: list[Any]) -> None:
        """The answer came: the units count from now (in the project's budget too)."""
        with self._lock:
            entry[0] = max(entry[0], self.clock())
        if self.project is not None and len(entry) > 2:
            self.project.done(entry[2])

    def seconds_for(self, quota: str, units: float) -> float:
        """The least time the quota lets ``units`` more take, from now."""
        if units <= 0:
            return 0.0
        with self._lock:
            self._expire(quota, self.clock())
            room = max(0.0, self.limits[quota] - self._totals[quota])
        own = 0.0 if units <= room else (units - room) / self.limits[quota] * self.span
        if self.project is not None:
            own = max(own, self.project.seconds_for(quota, units))
        return own


def describe_limits(api: str, limits: Mapping[str, float], window: float) -> str:
    per = "a minute" if window == 60.0 else f"per {window:g} s"
    return ", ".join(f"{api} {q} {v:,.0f} {per}" for q, v in limits.items())


@dataclass(frozen=True)
class Pacers:
    """The three pacers of one Cloud project."""

    sheets: Pacer
    calendar: Pacer
    gmail: Pacer

    def for_api(self, api: str) -> Pacer:
        return {"sheets": self.sheets, "calendar": self.calendar, "gmail": self.gmail}[api]


# Per (project, user, api) the per-user pacers; per (project, "", api) the project's.
_REGISTRY: dict[tuple[str, str, str], Pacer] = {}
_REGISTRY_LOCK = threading.Lock()
_PROJECT = ""  # the user part of a project pacer's key (no user is called "")

# Google's per-project quotas a minute (Sheets per kind of request, Gmail in units).
PROJECT_DEFAULTS = {"project_sheets_per_minute": 300, "project_calendar_per_minute": 10_000,
                    "project_gmail_units_per_minute": 1_200_000}


def _limits(sheets: float, calendar: float, gmail: float) -> dict[str, dict[str, float]]:
    return {"sheets": {"read": float(sheets), "write": float(sheets)},
            "calendar": {"requests": float(calendar)}, "gmail": {"units": float(gmail)}}


def _shared(key: tuple[str, str, str], limits: dict[str, float], window: float,
            project: Pacer | None) -> Pacer:
    pacer = _REGISTRY.get(key)
    if pacer is None or pacer.window != window or pacer.project is not project:
        pacer = _REGISTRY[key] = Pacer(key[2], limits, window=window, project=project)
    else:
        pacer.limits.update(limits)
    return pacer


def shared_pacers(project: str, *, sheets_per_minute: float, calendar_per_minute: float,
                  gmail_units_per_minute: float, user: str = "",
                  project_sheets_per_minute: float = PROJECT_DEFAULTS[
                      "project_sheets_per_minute"],
                  project_calendar_per_minute: float = PROJECT_DEFAULTS[
                      "project_calendar_per_minute"],
                  project_gmail_units_per_minute: float = PROJECT_DEFAULTS[
                      "project_gmail_units_per_minute"],
                  window: float = 60.0) -> Pacers:
    """The pacers of ``user`` in Cloud ``project`` in this process, made on first use and
    shared after: each register a worker syncs as the same user spends the same per-user
    budget, and every user of the project the same per-project budget (Google counts
    both). Limits follow the latest config."""
    own = _limits(sheets_per_minute, calendar_per_minute, gmail_units_per_minute)
    whole = _limits(project_sheets_per_minute, project_calendar_per_minute,
                    project_gmail_units_per_minute)
    made: dict[str, Pacer] = {}
    with _REGISTRY_LOCK:
        for api, limits in own.items():
            above = _shared((project, _PROJECT, api), whole[api], window, None)
            made[api] = _shared((project, f"user:{user}", api), limits, window, above)
    return Pacers(made["sheets"], made["calendar"], made["gmail"])


def forget_pacers() -> None:
    """Drop every shared pacer (tests)."""
    with _REGISTRY_LOCK:
        _REGISTRY.clear()


# ------------------------------------------------------------------ the transports


class PacedHttp:
    """An ``httplib2.Http``-like wrapper for google-api-python-client: each request (a
    batch by its parts) waits for its units in ``pacer`` first."""

    def __init__(self, http: Any, pacer: Pacer) -> None:
        self.http = http
        self.pacer = pacer

    @property
    def credentials(self) -> Any:  # googleapiclient refreshes a batch's token through it
        return getattr(self.http, "credentials", None)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.http, name)

    def request(self, uri: str, method: str = "GET", body: Any = None,
                headers: Any = None, *args: Any, **kwargs: Any) -> Any:
        costs: defaultdict[str, float] = defaultdict(float)
        if method.upper() == "POST" and _is_batch(uri) and body:
            data = body.encode("utf-8") if isinstance(body, str) else bytes(body)
            for verb, path in _BATCH_PART.findall(data):
                quota, units = request_cost(self.pacer.api, verb.decode(), path.decode())
                costs[quota] += units
        else:
            quota, units = request_cost(self.pacer.api, method, uri)
            costs[quota] += units
        entries = [self.pacer.acquire(q, u) for q, u in costs.items()]
        try:
            return self.http.request(uri, method, body, headers, *args, **kwargs)
        finally:
            for entry in entries:
                self.pacer.done(entry)

    def close(self) -> None:
        close = getattr(self.http, "close", None)
        if callable(close):
            close()


class PacedAdapter(requests.adapters.BaseAdapter):
    """A requests adapter (gspread's session) that waits for the Sheets pacer first."""

    def __init__(self, inner: requests.adapters.BaseAdapter, pacer: Pacer) -> None:
        super().__init__()
        self.inner = inner
        self.pacer = pacer

    def send(self, request: requests.PreparedRequest, *args: Any,
             **kwargs: Any) -> requests.Response:
        quota, units = request_cost(self.pacer.api, str(request.method or "GET"),
                                    str(request.url or ""))
        entry = self.pacer.acquire(quota, units)
        try:
            return self.inner.send(request, *args, **kwargs)
        finally:
            self.pacer.done(entry)

    def close(self) -> None:
        self.inner.close()


SHEETS_PREFIX = "https://sheets.googleapis.com/"


def pace_session(session: Any, pacer: Pacer) -> None:
    """Send ``session``'s Sheets requests through ``pacer``."""
    inner = session.get_adapter(SHEETS_PREFIX)
    if not isinstance(inner, PacedAdapter):
        session.mount(SHEETS_PREFIX, PacedAdapter(inner, pacer))


def pacer_of(service: Any) -> Pacer | None:
    """The pacer of a google-api-python-client service built on a ``PacedHttp``."""
    http = getattr(service, "_http", None)
    return http.pacer if isinstance(http, PacedHttp) else None


def batch_size(service: Any, first: Any, size: int) -> int:
    """How many parts like ``first`` (an ``HttpRequest``) to send in the next batch: what
    fits in the quota now, at least a tenth of the quota (a wait then buys a batch worth
    its round trip), never more than ``size`` or than the whole quota."""
    pacer = pacer_of(service)
    if pacer is None:
        return size
    quota, units = request_cost(pacer.api, str(first.method), str(first.uri))
    whole = max(1, int(pacer.limit(quota) // units))
    now = int(pacer.room(quota) // units)
    return max(1, min(size, whole, max(now, whole // 10)))


def quota_seconds(service: Any, units: float) -> float:
    """The least seconds the service's quota lets ``units`` more take (0 if unpaced)."""
    pacer = pacer_of(service)
    if pacer is None:
        return 0.0
    return pacer.seconds_for(next(iter(pacer.limits)), units)
