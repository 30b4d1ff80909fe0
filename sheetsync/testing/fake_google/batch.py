"""The multipart/mixed batch format of Google's per-API batch endpoints.

Request: one ``application/http`` part per call, each with a ``Content-ID`` and a raw HTTP
request (request line, headers, blank line, body). Response: the same framing with
``Content-ID: <response-ID>`` and a raw HTTP response per part. Headers of the outer request
(other than Content-*) apply to every part unless the part sets them itself.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from email.parser import BytesParser
from email.policy import HTTP
from urllib.parse import urlsplit, urlunsplit

from .errors import REASON_PHRASES, bad_request

MAX_PARTS = {"gmail": 100, "calendar": 1000, "sheets": 1000, "drive": 100}


@dataclass
class Part:
    content_id: str | None
    method: str
    url: str
    headers: dict[str, str]
    body: bytes | None


@dataclass
class PartResponse:
    content_id: str | None
    status: int
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""


def parse_batch(
    content_type: str, body: bytes, outer_headers: dict[str, str], base_url: str
) -> list[Part]:
    """Split a batch POST body into its inner requests."""
    if "multipart/mixed" not in content_type.lower() or "boundary" not in content_type.lower():
        raise bad_request("Batch requests must be multipart/mixed with a boundary.")
    message = BytesParser(policy=HTTP).parsebytes(
        f"Content-Type: {content_type}\r\n\r\n".encode() + body
    )
    if not message.is_multipart():
        raise bad_request("Batch request has no parts.")
    inherited = {
        k: v for k, v in outer_headers.items() if not k.lower().startswith("content-")
    }
    base = urlsplit(base_url)
    parts: list[Part] = []
    for sub in message.iter_parts():
        payload = sub.get_payload(decode=True)
        if not isinstance(payload, bytes):
            raise bad_request("Batch part without an HTTP request.")
        parts.append(_parse_http_request(payload, sub.get("Content-ID"), inherited, base))
    return parts


def _parse_http_request(
    raw: bytes, content_id: str | None, inherited: dict[str, str], base: tuple[str, ...]
) -> Part:
    text = raw.replace(b"\r\n", b"\n")
    head, _, body = text.partition(b"\n\n")
    lines = head.decode("utf-8").split("\n")
    try:
        method, target = lines[0].split(" ")[:2]
    except ValueError:
        raise bad_request(f"Malformed batch part request line: {lines[0]!r}") from None
    headers = {k.lower(): v for k, v in inherited.items()}
    for line in lines[1:]:
        if ":" in line:
            key, value = line.split(":", 1)
            headers[key.strip().lower()] = value.strip()
    host = headers.get("host", base[1])
    split = urlsplit(target)
    url = urlunsplit((base[0], split.netloc or host, split.path, split.query, ""))
    return Part(
        content_id=str(content_id) if content_id else None,
        method=method.upper(),
        url=url,
        headers=headers,
        body=body.rstrip(b"\n") or None,
    )


def render_batch(responses: list[PartResponse]) -> tuple[str, bytes]:
    """Return (content-type, body) of the multipart response."""
    boundary = f"batch_{uuid.uuid4().hex}"
    chunks: list[bytes] = []
    for r in responses:
        head = [f"--{boundary}", "Content-Type: application/http"]
        if r.content_id:
            inner = r.content_id.strip()
            inner = inner[1:-1] if inner.startswith("<") and inner.endswith(">") else inner
            head.append(f"Content-ID: <response-{inner}>")
        head += ["", f"HTTP/1.1 {r.status} {REASON_PHRASES.get(r.status, 'Unknown')}"]
        for key, value in r.headers.items():
            head.append(f"{key}: {value}")
        head += [f"Content-Length: {len(r.body)}", "", ""]
        chunks.append("\r\n".join(head).encode("utf-8") + r.body + b"\r\n")
    chunks.append(f"--{boundary}--\r\n".encode())
    return f"multipart/mixed; boundary={boundary}", b"".join(chunks)
