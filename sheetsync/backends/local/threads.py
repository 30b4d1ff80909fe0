"""The tracker in the local workspace: what came back into the thread of a sent draft.

Staff drop the mail that arrives into ``inbox/`` as .eml files (drag the message out of
the mail program into the folder, or "Save as" .eml). The clinic's own mail is in
``sent/``: the drafts the owner sent (moved there), and any other message they sent in a
thread (saved there likewise). A thread is told by headers alone, as mail programs do:

- a **reply** names the sent draft's Message-ID (or the Message-ID of another message of
  the thread: a reply to a reply) in its ``In-Reply-To`` or ``References`` header;
- a **bounce** is a delivery status notification (``multipart/report;
  report-type=delivery-status``, RFC 3464) whose ``message/delivery-status`` part says
  ``Action: failed`` for a recipient (``Original-Recipient``, else ``Final-Recipient``),
  or a message with an ``X-Failed-Recipients`` header (Exim, Gmail), or one from the mail
  system (``mailer-daemon@``, ``postmaster@``). It joins the thread by its own
  ``In-Reply-To``/``References`` or by the Message-ID of the returned message it carries
  (a ``text/rfc822-headers`` or ``message/rfc822`` part). A report that a message was
  only delayed, relayed or delivered is no news and is left out;
- a message in ``sent/`` that belongs to a thread is the **clinic's** (``by_clinic``);
- an **automatic answer** (an out-of-office: ``Auto-Submitted`` other than ``no``, RFC
  3834, or the older ``X-Autoreply``/``X-Autorespond``/``Precedence: auto_reply``) is
  marked ``auto``: the core does not count it as a reply.

A thread whose sent draft is gone from ``sent/`` and that has nothing else is one the
owner deleted (``gone``). Both folders are read once per run, a file at a time, with the
standard library's ``email`` parser; a file that is not an email sheetsync can read is
skipped, and the run says so once per folder (``notes``), without its name (a mail
program names the file after the subject, which may name a client).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from email.message import EmailMessage, Message
from email.parser import BytesHeaderParser, BytesParser, HeaderParser
from email.policy import default as default_policy
from email.utils import getaddresses, parseaddr
from pathlib import Path

from sheetsync.core.ports import Followed, ThreadMessage, ThreadNews

_ID = re.compile(r"<[^<>\s]+>")
_MAIL_SYSTEM = {"mailer-daemon", "postmaster"}
# A full parse reads the parts; only a delivery report needs them (a reply with a big
# attachment is read for its headers only).
_HEADERS = BytesHeaderParser(policy=default_policy)
_WHOLE = BytesParser(policy=default_policy)


@dataclass(frozen=True)
class Mail:
    """One readable .eml file, as far as threads go."""

    path: Path
    message_id: str  # normalised (``norm_id``), "" when it has none
    refs: frozenset[str]  # ids it names: In-Reply-To, References, a returned message's
    sender: str
    at: dt.datetime
    by_clinic: bool
    bounce: bool = False
    failed: tuple[str, ...] = ()  # addresses a delivery report names as failed
    auto: bool = False  # an automatic answer (out-of-office)


@dataclass
class Folders:
    """``inbox/`` and ``sent/`` read once: every mail, and the ids each is named by."""

    mails: list[Mail] = field(default_factory=list)
    sent_ids: set[str] = field(default_factory=set)
    naming: dict[str, list[Mail]] = field(default_factory=dict)  # id -> mails naming it
    sent_missing: bool = False  # no sent/ folder at all: nothing can be told as gone
    sent_unreadable: bool = False  # a file in sent/ could not be read
    notes: list[str] = field(default_factory=list)


def norm_id(text: str) -> str:
    """A Message-ID as compared: ``<local@domain>``, lower-case ("" for none)."""
    found = _ID.findall(text)
    if found:
        return str(found[0]).lower()
    flat = text.strip()
    return f"<{flat.lower()}>" if flat and " " not in flat and "@" in flat else ""


def _ids(text: str) -> set[str]:
    return {found.lower() for found in _ID.findall(text)}


def read_folders(inbox: Path, sent: Path) -> Folders:
    """Read every .eml in ``sent/`` (headers) and ``inbox/`` (headers, and the parts of a
    delivery report), once. A message in both folders counts as the clinic's."""
    folders = Folders(sent_missing=not sent.is_dir())
    seen: set[str] = set()
    for folder, by_clinic in ((sent, True), (inbox, False)):
        bad: list[Path] = []
        outlook: list[Path] = []
        for path in _files(folder):
            if path.suffix.lower() == ".msg":
                outlook.append(path)
                continue
            mail = _read(path, by_clinic=by_clinic)
            if mail is None:
                bad.append(path)
                continue
            if mail.message_id:
                if by_clinic:
                    folders.sent_ids.add(mail.message_id)
                if mail.message_id in seen:
                    continue  # the same message twice (a copy in both folders)
                seen.add(mail.message_id)
            folders.mails.append(mail)
            for named in mail.refs:
                folders.naming.setdefault(named, []).append(mail)
        if bad and by_clinic:
            folders.sent_unreadable = True
        folders.notes += _notes(folder, bad, outlook)
    return folders


def _files(folder: Path) -> list[Path]:
    if not folder.is_dir():
        return []
    try:
        return sorted(p for p in folder.iterdir()
                      if p.suffix.lower() in (".eml", ".msg") and p.is_file())
    except OSError:
        return []


def _read(path: Path, *, by_clinic: bool) -> Mail | None:
    """The file as a ``Mail``, or None when it is no email sheetsync can read."""
    try:
        with path.open("rb") as handle:
            headers = _HEADERS.parse(handle)
        if not headers.keys() or not (headers.get("From") or headers.get("Message-ID")):
            return None
        message_id = norm_id(str(headers.get("Message-ID", "")))
        refs = _ids(str(headers.get("In-Reply-To", ""))) | _ids(
            str(headers.get("References", "")))
        sender = _sender(headers)
        at = _date(headers) or _modified(path)
        if by_clinic:
            return Mail(path, message_id, frozenset(refs - {message_id}), sender, at, True)
        failed, returned, report = _delivery_report(path, headers)
        bounce = bool(failed) or _from_mail_system(sender)
        if report and not failed:
            return Mail(path, message_id, frozenset(), sender, at, False)  # only delayed
        refs |= returned
        return Mail(path, message_id, frozenset(refs - {message_id}), sender, at, False,
                    bounce=bounce, failed=failed, auto=not bounce and _automatic(headers))
    except (OSError, ValueError, TypeError, LookupError, AttributeError):
        return None


def _sender(headers: Message) -> str:
    value = headers.get("From")
    addresses = getattr(value, "addresses", ())
    if addresses:
        return str(addresses[0].addr_spec).strip().lower()
    return parseaddr(str(value or ""))[1].strip().lower()


def _date(headers: Message) -> dt.datetime | None:
    value = headers.get("Date")
    when = getattr(value, "datetime", None)
    if not isinstance(when, dt.datetime):
        return None
    # "-0000" (the zone not known) parses as naive: it is UTC (RFC 5322 3.3).
    return when if when.tzinfo is not None else when.replace(tzinfo=dt.timezone.utc)


def _modified(path: Path) -> dt.datetime:
    return dt.datetime.fromtimestamp(path.stat().st_mtime).astimezone()


def _automatic(headers: Message) -> bool:
    """An automatic answer (RFC 3834 ``Auto-Submitted``, or what older programs write)."""
    submitted = str(headers.get("Auto-Submitted", "")).strip().lower()
    precedence = str(headers.get("Precedence", "")).strip().lower()
    return (submitted not in ("", "no") or precedence == "auto_reply"
            or any(headers.get(name) for name in ("X-Autoreply", "X-Autorespond")))


def _from_mail_system(sender: str) -> bool:
    return sender.partition("@")[0] in _MAIL_SYSTEM


def _delivery_report(path: Path, headers: Message
                     ) -> tuple[tuple[str, ...], set[str], bool]:
    """For a delivery report: the addresses it names as failed (``X-Failed-Recipients``
    and each ``Action: failed`` recipient), the ids of the returned message, and whether
    it is a delivery status notification at all."""
    failed = [address.lower() for _, address in
              getaddresses([str(v) for v in headers.get_all("X-Failed-Recipients") or []])
              if address]
    report = (headers.get_content_type() == "multipart/report" and
              str(headers.get_param("report-type", "")).lower() == "delivery-status")
    if not (report or failed or _from_mail_system(_sender(headers))):
        return (), set(), False
    with path.open("rb") as handle:
        message = _WHOLE.parse(handle)
    returned: set[str] = set()
    statuses = 0
    for part in message.walk():
        kind = part.get_content_type()
        if kind == "message/delivery-status":
            for block in _blocks(part):
                if not (block.get("Final-Recipient") or block.get("Original-Recipient")
                        or block.get("Action")):
                    continue  # the per-message fields (Reporting-MTA ...)
                statuses += 1
                if _failed(block):
                    failed.append(_recipient(block))
        elif kind == "text/rfc822-headers":
            returned |= _returned_ids(HeaderParser(policy=default_policy).parsestr(
                str(part.get_content()), headersonly=True))
        elif kind == "message/rfc822":
            inner = part.get_payload(0) if part.is_multipart() else None
            if isinstance(inner, Message):
                returned |= _returned_ids(inner)
    return tuple(dict.fromkeys(failed)), returned, report and statuses > 0


def _blocks(part: Message) -> Iterable[Message]:
    payload = part.get_payload()
    if isinstance(payload, list):
        return [b for b in payload if isinstance(b, Message)]
    return []


def _failed(block: Message) -> bool:
    action = str(block.get("Action", "")).strip().lower()
    if action:
        return action == "failed"
    return str(block.get("Status", "")).strip().startswith("5")


def _recipient(block: Message) -> str:
    """``Original-Recipient`` (the address as it was written), else
    ``Final-Recipient``: ``rfc822; carol@example.org`` -> the address, lower-case."""
    for name in ("Original-Recipient", "Final-Recipient"):
        value = str(block.get(name, ""))
        kind, semi, address = value.partition(";")
        address = address if semi else kind
        found = parseaddr(address.strip())[1].strip().lower()
        if "@" in found:
            return found
    return "?"


def _returned_ids(returned: Message | EmailMessage) -> set[str]:
    """The ids a returned message is known by (its own Message-ID)."""
    found = norm_id(str(returned.get("Message-ID", "")))
    return {found} if found else set()


def thread_news(folders: Folders, followed: Followed) -> ThreadNews:
    """Every message in the thread of ``followed`` after the sent draft, oldest first."""
    root = norm_id(followed.message_id)
    members: dict[Path, Mail] = {}
    ids = {root} if root else set()
    queue = list(ids)
    while queue:
        for mail in folders.naming.get(queue.pop(), ()):
            if mail.path in members or (mail.message_id and mail.message_id == root):
                continue
            members[mail.path] = mail
            if mail.message_id and mail.message_id not in ids:
                ids.add(mail.message_id)
                queue.append(mail.message_id)
    if not members and root not in folders.sent_ids:
        if folders.sent_missing or folders.sent_unreadable or not root:
            return ThreadNews(followed.key, unknown=True)
        return ThreadNews(followed.key, gone=True)
    ordered = sorted(members.values(), key=lambda m: (m.at, m.path.name))
    return ThreadNews(followed.key, tuple(_message(m, followed) for m in ordered))


def _message(mail: Mail, followed: Followed) -> ThreadMessage:
    bounced = ""
    if mail.bounce:
        to = followed.to_email.strip().lower()
        bounced = to if to in mail.failed else (mail.failed[0] if mail.failed else "?")
    return ThreadMessage(sender=mail.sender, at=mail.at, by_clinic=mail.by_clinic,
                         bounced=bounced, auto=mail.auto)


def follow_folders(inbox: Path, sent: Path,
                   followed: Sequence[Followed]) -> tuple[dict[str, ThreadNews], list[str]]:
    """``FollowsThreads.follow`` for the local folders, and the run's notes."""
    if not followed:
        return {}, []
    folders = read_folders(inbox, sent)
    return {f.key: thread_news(folders, f) for f in followed}, folders.notes


def _notes(folder: Path, bad: list[Path], outlook: list[Path]) -> list[str]:
    notes = []
    if bad:
        notes.append(
            f"{folder.name}/: {_files_were(bad)} not an email sheetsync can read "
            f"({_when(bad)}), skipped: save the message from the mail program as .eml "
            "again, or remove the file")
    if outlook:
        notes.append(
            f"{folder.name}/: {_files_were(outlook)} in Outlook's own .msg format, which "
            f"sheetsync cannot read ({_when(outlook)}), skipped: save the message as .eml "
            "instead (README, 'The local workspace')")
    return notes


def _files_were(paths: list[Path]) -> str:
    return "1 file is" if len(paths) == 1 else f"{len(paths)} files are"


def _when(paths: list[Path]) -> str:
    """When the files were modified (their names may hold a client's name)."""
    stamps = []
    for path in paths[:3]:
        try:
            stamps.append(_modified(path).strftime("%Y-%m-%d %H:%M"))
        except OSError:
            continue
    more = f" and {len(paths) - 3} more" if len(paths) > 3 else ""
    return ("modified " + ", ".join(stamps) + more) if stamps else "see the folder"
