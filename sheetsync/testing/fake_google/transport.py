"""Transports: a requests adapter (gspread) and an httplib2 look-alike (googleapiclient)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import httplib2
import requests
from requests.adapters import BaseAdapter
from requests.structures import CaseInsensitiveDict

from .errors import FakeTimeout

if TYPE_CHECKING:
    from .server import FakeGoogle


class FakeAdapter(BaseAdapter):
    """``requests`` transport adapter that answers from a :class:`FakeGoogle`."""

    def __init__(self, fake: FakeGoogle) -> None:
        super().__init__()
        self.fake = fake

    def send(  # type: ignore[override]
        self,
        request: requests.PreparedRequest,
        stream: bool = False,
        timeout: Any = None,
        verify: Any = True,
        cert: Any = None,
        proxies: Any = None,
    ) -> requests.Response:
        body = request.body
        if isinstance(body, str):
            body = body.encode("utf-8")
        elif body is not None and not isinstance(body, bytes):
            raise TypeError("fake_google: streamed request bodies are not supported")
        headers = {k: v if isinstance(v, str) else v.decode() for k, v in request.headers.items()}
        try:
            raw = self.fake.handle(request.method or "GET", request.url or "", headers, body)
        except FakeTimeout as exc:
            raise requests.exceptions.ReadTimeout(str(exc), request=request) from None
        response = requests.Response()
        response.status_code = raw.status
        response.headers = CaseInsensitiveDict(raw.headers)
        response._content = raw.body
        response.url = request.url or ""
        response.request = request
        response.reason = raw.reason
        response.encoding = "utf-8"
        response.connection = self  # type: ignore[assignment]
        return response

    def close(self) -> None:
        pass


class BlockingAdapter(BaseAdapter):
    """Refuses every request: mounted for all other URLs so tests never hit the network."""

    def send(  # type: ignore[override]
        self, request: requests.PreparedRequest, *args: Any, **kwargs: Any
    ) -> requests.Response:
        raise requests.exceptions.ConnectionError(
            f"fake_google: network access blocked for {request.url}", request=request
        )

    def close(self) -> None:
        pass


class FakeHttp:
    """Quacks like ``httplib2.Http`` for google-api-python-client (and AuthorizedHttp)."""

    def __init__(self, fake: FakeGoogle, token: str | None) -> None:
        self.fake = fake
        self.token = token
        self.timeout: float | None = None
        self.redirect_codes = frozenset({300, 301, 302, 303, 307, 308})

    def request(
        self,
        uri: str,
        method: str = "GET",
        body: bytes | str | None = None,
        headers: dict[str, str] | None = None,
        redirections: int = 5,
        connection_type: Any = None,
    ) -> tuple[httplib2.Response, bytes]:
        sent = dict(headers or {})
        if self.token is not None and not any(k.lower() == "authorization" for k in sent):
            sent["Authorization"] = f"Bearer {self.token}"
        data = body.encode("utf-8") if isinstance(body, str) else body
        try:
            raw = self.fake.handle(method, uri, sent, data)
        except FakeTimeout as exc:
            raise TimeoutError(str(exc)) from None
        info: dict[str, str] = {k.lower(): v for k, v in raw.headers.items()}
        info["status"] = str(raw.status)
        response = httplib2.Response(info)
        response.reason = raw.reason
        return response, raw.body

    def close(self) -> None:
        pass
