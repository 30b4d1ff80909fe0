"""The fake's front door: one ``handle()`` per HTTP round trip, shared by both transports.

A round trip is routed to an API by host/path, matched to a discovery method, checked
(auth, scopes, faults, query parameters, body schema) and dispatched to the API's handler
under one lock. Batch envelopes are split into parts that go through the same pipeline.
"""

from __future__ import annotations

import json
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import parse_qs, urlsplit

import requests

from . import batch as batch_mod
from . import discovery
from .errors import REASON_PHRASES, ApiError, FakeTimeout, bad_request
from .faults import Faults
from .quota import Quotas

if TYPE_CHECKING:
    from .calendar import CalendarService
    from .drive import DriveService
    from .gmail import GmailService
    from .sheets import SheetsService
    from .transport import FakeHttp

DEFAULT_TOKEN = "fake-access-token"
DEFAULT_OWNER = "owner@example.com"

HOSTS = {
    "sheets.googleapis.com": "sheets",
    "gmail.googleapis.com": "gmail",
}
PREFIXES = {  # www.googleapis.com/<prefix>
    "/calendar/v3/": "calendar",
    "/drive/v3/": "drive",
    "/gmail/v1/": "gmail",
    "/batch/calendar/v3": "calendar",
    "/batch/drive/v3": "drive",
    "/batch/gmail/v1": "gmail",
}


@dataclass
class FakeRequest:
    """What a ``before_request`` hook sees (and may inspect) for one logical call."""

    api: str
    method_id: str
    http_method: str
    url: str
    path_params: dict[str, str]
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes | None
    in_batch: bool
    round_trip: int
    seq: int

    def json(self) -> Any:
        return json.loads(self.body) if self.body else None


@dataclass
class RawResponse:
    status: int
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""

    @property
    def reason(self) -> str:
        return REASON_PHRASES.get(self.status, "Unknown")


class CallCounter(Counter[tuple[str, str]]):
    """``Counter`` keyed by ``(api, discovery method id)``.

    Looking up a key without the API prefix also works:
    ``calls["sheets", "spreadsheets.values.batchGet"]`` reads
    ``calls["sheets", "sheets.spreadsheets.values.batchGet"]``.
    """

    def __missing__(self, key: tuple[str, str]) -> int:
        if isinstance(key, tuple) and len(key) == 2 and not key[1].startswith(key[0] + "."):
            return dict.get(self, (key[0], f"{key[0]}.{key[1]}"), 0)
        return 0

    def for_api(self, api: str) -> int:
        return sum(n for (a, _), n in self.items() if a == api)


class Clock:
    """Server time. Real time by default; ``set()``/``advance()`` freeze it for tests."""

    def __init__(self) -> None:
        self._frozen: datetime | None = None

    def now(self) -> datetime:
        return self._frozen or datetime.now(timezone.utc)

    def set(self, when: datetime) -> None:
        self._frozen = when if when.tzinfo else when.replace(tzinfo=timezone.utc)

    def advance(self, **delta: float) -> None:
        self._frozen = self.now() + timedelta(**delta)

    def unfreeze(self) -> None:
        self._frozen = None


@dataclass
class Auth:
    """Bearer-token checks. ``scopes=None`` grants every scope to every token."""

    require: bool = True
    valid_tokens: set[str] | None = None
    scopes: set[str] | None = None


Handler = Callable[[Any, dict[str, Any], Any], Any]
F = TypeVar("F", bound=Callable[..., Any])


def route(method_id: str) -> Callable[[F], F]:
    """Mark a service method as the handler of a discovery method id."""

    def mark(fn: F) -> F:
        fn._fake_route = method_id  # type: ignore[attr-defined]
        return fn

    return mark


class Service:
    """Base class of the per-API state + handlers."""

    api = ""

    def __init__(self, fake: FakeGoogle) -> None:
        self.fake = fake
        self._routes: dict[str, Callable[[dict[str, Any], Any], Any]] = {}
        for name in dir(type(self)):
            method_id = getattr(getattr(type(self), name), "_fake_route", None)
            if method_id:
                self._routes[method_id] = getattr(self, name)

    def dispatch(self, method_id: str, params: dict[str, Any], body: Any) -> Any:
        handler = self._routes.get(method_id)
        if handler is None:
            raise ApiError(501, f"fake_google does not implement {method_id}.")
        return handler(params, body)

    def now(self) -> datetime:
        return self.fake.clock.now()


class FakeGoogle:
    """In-process, stateful fake of Sheets v4, Calendar v3, Gmail v1 (and a sliver of Drive v3).

    Reach it with ``requests_session()`` (gspread) or ``http()`` (google-api-python-client).
    """

    def __init__(
        self,
        *,
        latency: float = 0.0,
        owner: str = DEFAULT_OWNER,
        require_auth: bool = True,
        valid_tokens: Iterable[str] | None = None,
        scopes: Iterable[str] | None = None,
    ) -> None:
        from .calendar import CalendarService
        from .drive import DriveService
        from .gmail import GmailService
        from .sheets import SheetsService

        self.latency = latency
        self.owner = owner
        self.lock = threading.RLock()
        # Google's services do not wait for each other: a long Sheets read does not hold
        # up a Gmail listing made at the same time. Each service's state has a lock of
        # its own (Drive shares the Sheets one: spreadsheets are Drive files).
        sheets_lock = threading.RLock()
        self._service_locks = {"sheets": sheets_lock, "drive": sheets_lock,
                               "calendar": threading.RLock(), "gmail": threading.RLock()}
        self.clock = Clock()
        self.auth = Auth(
            require=require_auth,
            valid_tokens=set(valid_tokens) if valid_tokens is not None else None,
            scopes=set(scopes) if scopes is not None else None,
        )
        self.faults = Faults()
        # Google's per-minute quotas; off until a test calls ``quotas.enforce()``.
        self.quotas = Quotas()
        self.calls = CallCounter()
        self.round_trips: Counter[str] = Counter()
        # CPU seconds the fake spent serving requests (what Google's servers would spend):
        # benchmarks subtract it to report the client's own CPU.
        self.server_cpu = 0.0
        self.log: list[FakeRequest] = []
        # Benchmarks turn the log off: it keeps every request body, which would count as
        # the client's memory when measuring it in the same process.
        self.keep_log = True
        self._hooks: list[Callable[[FakeRequest], None]] = []
        self._seq = 0
        self._round_trip = 0
        self.sheets: SheetsService = SheetsService(self)
        self.calendar: CalendarService = CalendarService(self)
        self.gmail: GmailService = GmailService(self)
        self.drive: DriveService = DriveService(self)
        self._services: dict[str, Service] = {
            "sheets": self.sheets,
            "calendar": self.calendar,
            "gmail": self.gmail,
            "drive": self.drive,
        }

    # ------------------------------------------------------------ client access
    def requests_session(self, token: str | None = DEFAULT_TOKEN) -> requests.Session:
        """A ``requests.Session`` wired to the fake (for ``gspread.Client(session=...)``).

        The session carries ``Authorization: Bearer <token>`` like gspread's own login does;
        every other http(s) URL raises ``ConnectionError`` so nothing reaches the network.
        """
        session = requests.Session()
        self.mount(session)
        if token is not None:
            session.headers["Authorization"] = f"Bearer {token}"
        return session

    def mount(self, session: requests.Session) -> requests.Session:
        """Mount the fake on an existing session (e.g. a google-auth ``AuthorizedSession``)."""
        from .transport import BlockingAdapter, FakeAdapter

        session.mount("https://", BlockingAdapter())
        session.mount("http://", BlockingAdapter())
        adapter = FakeAdapter(self)
        for prefix in (
            "https://sheets.googleapis.com/",
            "https://www.googleapis.com/",
            "https://gmail.googleapis.com/",
        ):
            session.mount(prefix, adapter)
        return session

    def http(self, token: str | None = DEFAULT_TOKEN) -> FakeHttp:
        """An ``httplib2.Http`` look-alike for ``googleapiclient.discovery.build(http=...)``.

        Requests without an Authorization header get ``Bearer <token>``; pass ``token=None``
        to send headers untouched (under ``google_auth_httplib2.AuthorizedHttp``, or to see
        the 401 for a missing token).
        """
        from .transport import FakeHttp

        return FakeHttp(self, token)

    # ---------------------------------------------------------------- test API
    def before_request(self, hook: Callable[[FakeRequest], None]) -> Callable[[FakeRequest], None]:
        """Call ``hook(request)`` before each logical call (each part of a batch too).

        An exception raised by the hook propagates out of the client's call, which is how a
        test simulates a crash at the Nth call. Usable as a decorator.
        """
        self._hooks.append(hook)
        return hook

    def remove_hook(self, hook: Callable[[FakeRequest], None]) -> None:
        self._hooks.remove(hook)

    def reset_counters(self) -> None:
        with self.lock:
            self.calls.clear()
            self.round_trips.clear()
            self.log.clear()
            self.server_cpu = 0.0

    # -------------------------------------------------------------- processing
    def handle(
        self, method: str, url: str, headers: dict[str, str], body: bytes | None
    ) -> RawResponse:
        """Serve one HTTP round trip (a batch envelope counts as one)."""
        if self.latency:
            time.sleep(self.latency)
        started = time.thread_time()
        try:
            return self._handle(method, url, headers, body)
        finally:
            spent = time.thread_time() - started
            with self.lock:
                self.server_cpu += spent

    def _handle(
        self, method: str, url: str, headers: dict[str, str], body: bytes | None
    ) -> RawResponse:
        headers = {k.lower(): v for k, v in headers.items()}
        split = urlsplit(url)
        api = self._api_for(split.netloc, split.path)
        with self.lock:
            self._round_trip += 1
            round_trip = self._round_trip
            self.round_trips[api or "unknown"] += 1
        if api is None:
            return _error_response(ApiError(404, f"The requested URL {split.path} was not found."))
        disc = discovery.load(api)
        batch_paths = ("/" + disc.batch_path, f"/batch/{api}/{disc.doc['version']}")
        if method.upper() == "POST" and split.path.rstrip("/") in batch_paths:
            return self._batch(api, disc, url, headers, body or b"", round_trip)
        return self._one(api, method, url, headers, body, False, round_trip)

    def _api_for(self, host: str, path: str) -> str | None:
        if host in HOSTS:
            return HOSTS[host]
        if host == "www.googleapis.com":
            for prefix, api in PREFIXES.items():
                if path.startswith(prefix) or path == prefix.rstrip("/"):
                    return api
        return None

    def _one(
        self,
        api: str,
        method: str,
        url: str,
        headers: dict[str, str],
        body: bytes | None,
        in_batch: bool,
        round_trip: int,
    ) -> RawResponse:
        split = urlsplit(url)
        disc = discovery.load(api)
        if split.path.startswith("/upload/"):
            return _error_response(
                ApiError(501, "fake_google does not support media uploads; send message.raw."),
                api,
            )
        matched = disc.match(method, split.path)
        if matched is None:
            return _error_response(
                ApiError(404, f"The requested URL {split.path} was not found on this server."),
                api,
            )
        spec, path_params = matched
        query = parse_qs(split.query, keep_blank_values=True)
        with self.lock:
            self._seq += 1
            request = FakeRequest(
                api=api,
                method_id=spec.id,
                http_method=method.upper(),
                url=url,
                path_params=path_params,
                query=query,
                headers=headers,
                body=body,
                in_batch=in_batch,
                round_trip=round_trip,
                seq=self._seq,
            )
            self.calls[(api, spec.id)] += 1
            if self.keep_log:
                self.log.append(request)
        for hook in list(self._hooks):
            hook(request)
        fault = None
        try:
            self._check_auth(headers, spec, query)
            fault = self.faults.take(api, spec.id, in_batch)
            if fault is not None:
                if fault.timeout and not fault.applied:
                    raise FakeTimeout(f"fault: timeout on {spec.id}")
                if not fault.timeout:
                    raise fault.error(api)
            self.quotas.charge(api, spec.id, method.upper(),
                               headers.get("authorization", ""))
            params = disc.parse_query(spec, query)
            params.update(path_params)
            payload = None
            if spec.request_ref:
                payload = _parse_json(body)
                payload = {} if payload is None else payload
                disc.validate_body(spec, payload)
            with self._service_locks.get(api, self.lock):
                result = self._services[api].dispatch(spec.id, params, payload)
            if result is None:
                response = RawResponse(204)
            else:
                if params.get("fields"):
                    result = disc.apply_fields(spec, result, params["fields"])
                response = RawResponse(
                    200,
                    {"Content-Type": "application/json; charset=UTF-8"},
                    # Google pretty-prints; the fake does not, because Python's
                    # indenting encoder is pure Python and would dominate a benchmark.
                    json.dumps(result, ensure_ascii=False).encode("utf-8"),
                )
        except ApiError as err:
            response = _error_response(err, api)
        if fault is not None and fault.timeout:
            raise FakeTimeout(f"fault: timeout on {spec.id} (request was applied)")
        return response

    def _check_auth(
        self, headers: dict[str, str], spec: discovery.MethodSpec, query: dict[str, list[str]]
    ) -> None:
        auth = headers.get("authorization", "")
        token = auth[7:].strip() if auth.lower().startswith("bearer ") else None
        if self.auth.require and not token:
            raise ApiError(
                401,
                "Request is missing required authentication credential. Expected OAuth 2 access"
                " token, login cookie or other valid authentication credential. See"
                " https://developers.google.com/identity/sign-in/web/devconsole-project.",
                reason="required",
                headers={"WWW-Authenticate": 'Bearer realm="https://accounts.google.com/"'},
            )
        if self.auth.valid_tokens is not None and token not in self.auth.valid_tokens:
            raise ApiError(
                401, headers={"WWW-Authenticate": 'Bearer realm="https://accounts.google.com/"'}
            )
        granted = self.auth.scopes
        if granted is None:
            return
        if spec.scopes and not granted.intersection(spec.scopes):
            raise ApiError(
                403,
                "Request had insufficient authentication scopes.",
                reason="insufficientPermissions",
                details=[
                    {
                        "@type": "type.googleapis.com/google.rpc.ErrorInfo",
                        "reason": "ACCESS_TOKEN_SCOPE_INSUFFICIENT",
                        "domain": "googleapis.com",
                        "metadata": {"method": spec.id},
                    }
                ],
            )
        metadata_scope = "https://www.googleapis.com/auth/gmail.metadata"
        if spec.api == "gmail" and metadata_scope in granted:
            if "q" in query:
                raise ApiError(403, "Metadata scope does not support 'q' parameter")
            broader = {s for s in spec.scopes if s != metadata_scope} & granted
            fmt = (query.get("format") or ["full"])[-1].upper()
            if not broader and "format" in spec.params and fmt in ("FULL", "RAW"):
                raise ApiError(403, f"Metadata scope doesn't allow format {fmt}")

    def _batch(
        self,
        api: str,
        disc: discovery.Discovery,
        url: str,
        headers: dict[str, str],
        body: bytes,
        round_trip: int,
    ) -> RawResponse:
        envelope = self.faults.take(api, "batch", False)
        if envelope is not None:
            if envelope.timeout:
                raise FakeTimeout("fault: timeout on batch")
            return _error_response(envelope.error(api), api)
        try:
            parts = batch_mod.parse_batch(headers.get("content-type", ""), body, headers, url)
        except ApiError as err:
            return _error_response(err, api)
        limit = batch_mod.MAX_PARTS.get(api, 100)
        if len(parts) > limit:
            return _error_response(
                bad_request(f"Too many requests in batch: {len(parts)}; the maximum is {limit}."),
                api,
            )
        responses: list[batch_mod.PartResponse] = []
        timed_out = False
        for part in parts:
            part_api = self._api_for(urlsplit(part.url).netloc, urlsplit(part.url).path)
            if part_api != api:
                raw = _error_response(
                    bad_request(f"Batch part {part.url} is not a {disc.doc['name']} request."),
                    api,
                )
            else:
                try:
                    raw = self._one(api, part.method, part.url, part.headers, part.body, True,
                                    round_trip)
                except FakeTimeout:
                    timed_out = True
                    continue
            responses.append(
                batch_mod.PartResponse(part.content_id, raw.status, raw.headers, raw.body)
            )
        if timed_out:
            raise FakeTimeout("fault: timeout inside batch")
        content_type, payload = batch_mod.render_batch(responses)
        return RawResponse(200, {"Content-Type": content_type}, payload)


def _parse_json(body: bytes | None) -> Any:
    if not body:
        return None
    try:
        return json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise bad_request(f"Invalid JSON payload received. {exc}") from None


def _error_response(err: ApiError, api: str | None = None) -> RawResponse:
    headers = {"Content-Type": "application/json; charset=UTF-8", **err.headers}
    return RawResponse(err.code, headers, err.to_bytes(api))
