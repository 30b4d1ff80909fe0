"""Drafts as real RFC 5322 messages, shared by every mailbox backend.

Cell text reaches headers (names, subjects), so every header value is flattened to one
line first: a CR/LF in a cell can never start a new header. The ``email`` package then
encodes non-ASCII text (RFC 2047 / UTF-8 bodies) correctly.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from email.charset import QP, Charset
from email.header import Header
from email.headerregistry import Address
from email.message import EmailMessage
from email.mime.text import MIMEText
from email.policy import SMTP, compat32
from email.utils import format_datetime, formataddr
from typing import Any, cast

from sheetsync.core.ports import DraftSpec, draft_stamp

# What sheetsync finds its drafts by, besides the Message-ID: the same opaque digest
# (Gmail may give a sent message a Message-ID of its own). It names no row and no purpose:
# the partner who receives the sent message learns nothing the Message-ID did not say.
REF_HEADER = "X-Sheetsync-Ref"
# Drafts made before carried their row's key in clear ("R-0001/thank-you"), which went to
# the partner on sending. It is never written any more, and still read, so those drafts
# are found (updated, never made again) after an upgrade.
LEGACY_KEY_HEADER = "X-Sheetsync-Key"
_LINE_BREAKS = re.compile(r"[\r\n\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]+")
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f]")


def one_line(text: str, limit: int = 200) -> str:
    """Flatten cell text for a header: no line breaks, no control characters."""
    flat = _CONTROL.sub("", _LINE_BREAKS.sub(" ", text)).strip()
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…"


def message_id_for(namespace: str, key: str, domain: str) -> str:
    """A deterministic Message-ID: the same row and purpose always give the same id.
    Its digest is keyed by the workspace's namespace (the spreadsheet's ID), so an
    outsider cannot tell from it which row or purpose it was made for."""
    digest = hashlib.sha256(f"{namespace}\x00{key}".encode()).hexdigest()[:32]
    safe_domain = re.sub(r"[^A-Za-z0-9.-]", "", domain) or "sheetsync.invalid"
    return f"<{digest}.sheetsync@{safe_domain}>"


def ref_of(message_id: str) -> str:
    """The opaque reference in one of sheetsync's Message-IDs (its digest), or ""."""
    local, _, _ = message_id.strip().strip("<>").partition("@")
    digest, dot, tag = local.rpartition(".")
    return digest.lower() if dot and tag == "sheetsync" and digest else ""


def _address(name: str, email: str) -> Address:
    local, _, domain = email.strip().partition("@")
    return Address(display_name=one_line(name, 120), username=local, domain=domain)


def build_message(spec: DraftSpec, when: dt.datetime | None = None) -> EmailMessage:
    msg = EmailMessage(policy=SMTP)
    msg["From"] = _address(spec.sender_name, spec.sender_email)
    msg["To"] = _address(spec.to_name, spec.to_email)
    msg["Subject"] = one_line(spec.subject, 250)
    msg["Message-ID"] = spec.message_id
    if ref := ref_of(spec.message_id):
        msg[REF_HEADER] = ref
    if when is not None:
        msg["Date"] = format_datetime(when)
    body = spec.body.replace("\r\n", "\n").replace("\r", "\n")
    msg.set_content(body if body.endswith("\n") else body + "\n", charset="utf-8")
    return msg


_UTF8_QP = Charset("utf-8")
_UTF8_QP.body_encoding = QP  # mostly-ASCII text stays readable in the raw message
_CRLF = compat32.clone(linesep="\r\n")


def message_bytes(spec: DraftSpec, when: dt.datetime | None = None) -> bytes:
    """The draft as RFC 5322 bytes (CRLF line ends), as Gmail's ``raw`` field takes it.

    The same message as ``build_message`` (a test parses both and compares), built with
    the ``email`` package's older classes, which take a quarter of the time: the first
    sync of a large register makes over ten thousand drafts, and the newer header
    registry made building them cost more than everything else in the run.
    """
    try:
        return _fast_message(spec, when)
    except (UnicodeError, ValueError):  # e.g. a non-ASCII address: the careful way
        return build_message(spec, when).as_bytes()


def _fast_message(spec: DraftSpec, when: dt.datetime | None) -> bytes:
    body = spec.body.replace("\r\n", "\n").replace("\r", "\n")
    # Any: the compat32 API takes Charset and Header objects, which typeshed does not say.
    msg: Any = MIMEText(body if body.endswith("\n") else body + "\n", "plain",
                        cast(Any, _UTF8_QP))
    msg["From"] = _fast_address(spec.sender_name, spec.sender_email, "From")
    msg["To"] = _fast_address(spec.to_name, spec.to_email, "To")
    subject = one_line(spec.subject, 250)
    msg["Subject"] = subject if subject.isascii() else Header(subject, "utf-8",
                                                              header_name="Subject")
    msg["Message-ID"] = spec.message_id
    if ref := ref_of(spec.message_id):
        msg[REF_HEADER] = ref
    if when is not None:
        msg["Date"] = format_datetime(when)
    return bytes(msg.as_bytes(policy=_CRLF))


def _fast_address(name: str, email: str, header: str) -> str | Header:
    address, display = email.strip(), one_line(name, 120)
    if not address.isascii():
        raise ValueError("non-ASCII address")
    if display.isascii():
        return formataddr((display, address))  # quotes the name where it must
    # Encoded words of at most 75 characters each (RFC 2047), then the plain address.
    value = Header(display, "utf-8", header_name=header)
    value.append(f" <{address}>", "us-ascii")
    return value


# A stamp for what no parser can read: differs from every stamp sheetsync wrote.
UNREADABLE = "unreadable"


def message_stamp(data: bytes) -> str:
    """``ports.draft_stamp`` of a message as a mailbox holds it (RFC 5322 bytes): what a
    person may have changed since sheetsync wrote it (recipient, subject, text)."""
    from email import message_from_bytes
    from email.policy import default

    try:
        message = message_from_bytes(data, policy=default)
        to = message.get("To")
        addresses = getattr(to, "addresses", ())
        address = addresses[0].addr_spec if addresses else str(to or "")
        part = message.get_body(preferencelist=("plain",))
        body = part.get_content() if part is not None else ""
        return draft_stamp(address, str(message.get("Subject", "")), str(body))
    except Exception:  # a file a person or program left unreadable: theirs now
        return UNREADABLE
