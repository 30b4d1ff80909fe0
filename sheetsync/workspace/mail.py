"""Mail as others write it, for the local ``inbox/`` and ``sent/`` folders: a reply as a
mail program sends it, and a delivery failure report as a mail server writes it.

The demo's sample inbox is made with these (``sample.play_the_owner``), and so are the
tests' (the local contract harness). Each returns the message's bytes, ready to be saved
as an .eml file, exactly as a mail program would save it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from email.headerregistry import Address
from email.message import EmailMessage, Message
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.policy import SMTP
from email.utils import format_datetime, formataddr
from typing import Literal

Style = Literal["postfix", "gmail"]


def _address_of(message: Message, header: str) -> tuple[str, str]:
    value = message.get(header)
    addresses = getattr(value, "addresses", ())
    if addresses:
        return str(addresses[0].display_name), str(addresses[0].addr_spec)
    return "", str(value or "")


def _new_id(domain: str, *parts: object) -> str:
    """A Message-ID as the sender's mail program makes one (the same inputs give the
    same id, so a test or the demo makes the same file twice)."""
    seed = "\x00".join(str(p) for p in parts)
    digest = hashlib.sha256(seed.encode("utf-8")).hexdigest()[:24]
    return f"<{digest}@{domain or 'mail.invalid'}>"


def _thread_headers(original: Message) -> tuple[str, str]:
    """In-Reply-To and References for an answer to ``original`` (RFC 5322 3.6.4)."""
    message_id = str(original.get("Message-ID", "")).strip()
    references = " ".join(str(original.get("References", "")).split())
    return message_id, f"{references} {message_id}".strip()


def reply(original: Message, *, sender: str, at: dt.datetime, body: str,
          sender_name: str = "", to: str = "") -> bytes:
    """``sender`` answers ``original``: "Re: subject", In-Reply-To and References naming
    it, the answer's text above the quoted original (as mail programs write it). ``to``:
    whom it goes to (the original's sender unless given: the clinic answering its own
    sent draft writes to its recipient)."""
    message = EmailMessage(policy=SMTP)
    message["From"] = Address(display_name=sender_name, addr_spec=sender)
    if to:
        message["To"] = to
    else:
        name, address = _address_of(original, "From")
        message["To"] = formataddr((name, address))
    subject = " ".join(str(original.get("Subject", "")).split())
    message["Subject"] = subject if subject.lower().startswith("re:") else f"Re: {subject}"
    message["Date"] = format_datetime(at)
    message["Message-ID"] = _new_id(sender.rpartition("@")[2], original.get("Message-ID", ""),
                                    sender, at.isoformat())
    in_reply_to, references = _thread_headers(original)
    message["In-Reply-To"] = in_reply_to
    message["References"] = references
    quoted = _quoted(original)
    name, address = _address_of(original, "From")
    when = _date_of(original)
    intro = f"On {when}, {formataddr((name, address)) if name else address} wrote:"
    text = body.rstrip("\n") + "\n\n" + (f"{intro}\n{quoted}" if quoted else "")
    message.set_content(text.rstrip("\n") + "\n", charset="utf-8")
    return message.as_bytes()


def _quoted(original: Message) -> str:
    body = original.get_body(preferencelist=("plain",)) if isinstance(
        original, EmailMessage) else None
    if body is None:
        return ""
    text = str(body.get_content()).rstrip("\n")
    return "\n".join(f"> {line}" if line else ">" for line in text.split("\n"))


def _date_of(original: Message) -> str:
    value = original.get("Date")
    when = getattr(value, "datetime", None)
    if isinstance(when, dt.datetime):
        return when.strftime("%d %b %Y, at %H:%M")
    return "an earlier day"


def delivery_failure(original: Message, *, at: dt.datetime, style: Style = "postfix",
                     host: str = "") -> bytes:
    """The report a mail server sends back when ``original`` could not be delivered to
    its recipient (RFC 3464): ``postfix`` as Postfix writes it (no In-Reply-To: joined
    by the returned headers), ``gmail`` as Gmail's mailer-daemon does (In-Reply-To,
    References and X-Failed-Recipients too)."""
    _, recipient = _address_of(original, "To")
    _, sender = _address_of(original, "From")
    owner_domain = sender.rpartition("@")[2] or "mail.invalid"
    partner_domain = recipient.rpartition("@")[2] or "mail.invalid"
    host = host or (f"mail.{owner_domain}" if style == "postfix" else "mx.google.com")
    diagnostic = (f"550 5.1.1 <{recipient}>: Recipient address rejected: User unknown in "
                  "virtual mailbox table")
    report = MIMEMultipart("report", report_type="delivery-status",
                           boundary=f"{_new_id(host, at.isoformat())[1:13]}.report",
                           policy=SMTP)
    if style == "gmail":
        report["From"] = "Mail Delivery Subsystem <mailer-daemon@googlemail.com>"
        report["Subject"] = "Delivery Status Notification (Failure)"
        report["X-Failed-Recipients"] = recipient
        in_reply_to, references = _thread_headers(original)
        report["In-Reply-To"] = in_reply_to
        report["References"] = references
        human = (f"Address not found\n\nYour message wasn't delivered to {recipient} because "
                 "the address couldn't be found, or is unable to receive mail.\n\n"
                 f"The response from the remote server was:\n{diagnostic}\n")
    else:
        report["From"] = f"MAILER-DAEMON@{host} (Mail Delivery System)"
        report["Subject"] = "Undelivered Mail Returned to Sender"
        human = (f"This is the mail system at host {host}.\n\nI'm sorry to have to inform "
                 "you that your message could not\nbe delivered to one or more recipients. "
                 "It's attached below.\n\n                   The mail system\n\n"
                 f"<{recipient}>: host mx.{partner_domain} said: {diagnostic}\n")
    report["To"] = sender
    report["Date"] = format_datetime(at)
    report["Message-ID"] = _new_id(host, original.get("Message-ID", ""), at.isoformat())
    report["Auto-Submitted"] = "auto-replied"
    report.attach(MIMEText(human, "plain", "us-ascii"))
    status = Message()
    status["Content-Type"] = "message/delivery-status"
    per_message = Message()
    per_message["Reporting-MTA"] = f"dns; {host}"
    per_message["Arrival-Date"] = format_datetime(at)
    per_recipient = Message()
    per_recipient["Final-Recipient"] = f"rfc822; {recipient}"
    per_recipient["Original-Recipient"] = f"rfc822;{recipient}"
    per_recipient["Action"] = "failed"
    per_recipient["Status"] = "5.1.1"
    per_recipient["Remote-MTA"] = f"dns; mx.{partner_domain}"
    per_recipient["Diagnostic-Code"] = f"smtp; {diagnostic}"
    status.set_payload([per_message, per_recipient])
    report.attach(status)
    returned = "".join(f"{name}: {' '.join(str(value).split())}\n"
                       for name, value in original.items())
    report.attach(MIMEText(returned, "rfc822-headers", "utf-8"))
    return report.as_bytes(policy=SMTP)
