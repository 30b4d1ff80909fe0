"""Mail as it arrives in a Gmail mailbox, for tests: a reply as mail programs write
one, the clinic's own answer, and a delivery report from Gmail's mail system.

A reply names its parent in ``In-Reply-To`` and ``References`` (RFC 5322 3.6.4) and
keeps the subject with "Re: " in front. Gmail's delivery report (a bounce) comes from
``Mail Delivery Subsystem <mailer-daemon@googlemail.com>`` with the subject "Delivery
Status Notification (Failure)", ``X-Failed-Recipients`` naming the address, and
``Content-Type: multipart/report; report-type=delivery-status`` (RFC 6522): a text part,
a ``message/delivery-status`` part (RFC 3464) and the original's headers.
"""

from __future__ import annotations

import datetime as dt
import uuid
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr

from .gmail_history import GMAIL_DAEMON


def _parent_headers(msg: EmailMessage, parent: EmailMessage) -> None:
    parent_id = str(parent.get("Message-ID", "")).strip()
    earlier = str(parent.get("References", "")).strip()
    if parent_id:
        msg["In-Reply-To"] = parent_id
        msg["References"] = f"{earlier} {parent_id}".strip()


def reply(parent: EmailMessage, sender: str, to: str, when: dt.datetime,
          body: str = "Thank you, happy to talk next week.", *, subject: str | None = None
          ) -> bytes:
    """``sender``'s reply to ``parent`` (a message of the thread)."""
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = to
    original = str(parent.get("Subject", ""))
    msg["Subject"] = subject if subject is not None else (
        original if original.strip().lower().startswith("re:") else f"Re: {original}")
    msg["Date"] = format_datetime(when)
    domain = parseaddr(sender)[1].rsplit("@", 1)[-1] or "mail.example"
    msg["Message-ID"] = f"<{uuid.uuid4().hex}@{domain}>"
    _parent_headers(msg, parent)
    msg.set_content(body)
    return msg.as_bytes()


def delivery_report(parent: EmailMessage, owner: str, when: dt.datetime,
                    failed: str | None, *, sender: str = f"Mail Delivery Subsystem "
                    f"<{GMAIL_DAEMON}>", subject: str = "Delivery Status Notification "
                    "(Failure)", references: bool = True) -> bytes:
    """The mail system's report that ``parent`` could not be delivered to ``failed``
    (None: a report that does not name the address in a header)."""
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = owner
    msg["Subject"] = subject
    msg["Date"] = format_datetime(when)
    msg["Message-ID"] = f"<{uuid.uuid4().hex}@mx.google.com>"
    msg["Auto-Submitted"] = "auto-replied"
    if failed:
        msg["X-Failed-Recipients"] = failed
    if references:
        _parent_headers(msg, parent)
    where = failed or "the recipient"
    boundary = f"report-{uuid.uuid4().hex[:12]}"
    msg["MIME-Version"] = "1.0"
    msg["Content-Type"] = (f'multipart/report; report-type=delivery-status; '
                           f'boundary="{boundary}"')
    original = "".join(f"{k}: {v}\r\n" for k, v in parent.items()
                       if k.lower() in ("from", "to", "subject", "date", "message-id"))
    parts = [
        "Content-Type: text/plain; charset=\"UTF-8\"\r\n\r\nAddress not found\r\n\r\n"
        f"Your message wasn't delivered to {where} because the address couldn't be "
        "found, or is unable to receive mail.\r\n",
        "Content-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; googlemail.com"
        f"\r\n\r\nFinal-Recipient: rfc822; {failed or 'unknown'}\r\nAction: failed\r\n"
        "Status: 5.1.1\r\nDiagnostic-Code: smtp; 550 5.1.1 The email account that you "
        "tried to reach does not exist.\r\n",
        f"Content-Type: text/rfc822-headers\r\n\r\n{original}",
    ]
    head = msg.as_bytes().split(b"\n\n", 1)[0].replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
    body = "".join(f"--{boundary}\r\n{part}\r\n" for part in parts) + f"--{boundary}--\r\n"
    return head + b"\r\n\r\n" + body.encode("utf-8")
