"""Drafts as real RFC 5322 messages, shared by every mailbox backend.

Cell text reaches headers (names, subjects), so every header value is flattened to one
line first: a CR/LF in a cell can never start a new header. The ``email`` package then
encodes non-ASCII text (RFC 2047 / UTF-8 bodies) correctly.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime

from sheetsync.core.ports import DraftSpec

KEY_HEADER = "X-Sheetsync-Key"
_LINE_BREAKS = re.compile(r"[\r\n\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]+")
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f]")


def one_line(text: str, limit: int = 200) -> str:
    """Flatten cell text for a header: no line breaks, no control characters."""
    flat = _CONTROL.sub("", _LINE_BREAKS.sub(" ", text)).strip()
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…"


def message_id_for(namespace: str, key: str, domain: str) -> str:
    """A deterministic Message-ID: the same row and purpose always give the same id."""
    digest = hashlib.sha256(f"{namespace}\x00{key}".encode()).hexdigest()[:32]
    safe_domain = re.sub(r"[^A-Za-z0-9.-]", "", domain) or "sheetsync.invalid"
    return f"<{digest}.sheetsync@{safe_domain}>"


def _address(name: str, email: str) -> Address:
    local, _, domain = email.strip().partition("@")
    return Address(display_name=one_line(name, 120), username=local, domain=domain)


def build_message(spec: DraftSpec, when: dt.datetime | None = None) -> EmailMessage:
    msg = EmailMessage(policy=SMTP)
    msg["From"] = _address(spec.sender_name, spec.sender_email)
    msg["To"] = _address(spec.to_name, spec.to_email)
    msg["Subject"] = one_line(spec.subject, 250)
    msg["Message-ID"] = spec.message_id
    msg[KEY_HEADER] = one_line(spec.key)
    if when is not None:
        msg["Date"] = format_datetime(when)
    body = spec.body.replace("\r\n", "\n").replace("\r", "\n")
    msg.set_content(body if body.endswith("\n") else body + "\n", charset="utf-8")
    return msg


def message_bytes(spec: DraftSpec, when: dt.datetime | None = None) -> bytes:
    return build_message(spec, when).as_bytes()
