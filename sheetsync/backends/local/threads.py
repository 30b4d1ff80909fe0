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
standard library's ``email`` parser, and only the files saved since the oldest followed
draft was written (``_since``); the ids that join threads come from the raw headers, and
the typed parse (sender, date) is made only for the files in a followed thread. A file
that is not an email sheetsync can read is skipped, and the run says so once per folder
(``notes``), without its name (a mail program names the file after the subject, which
may name a client).
"""

from __future__ import annotations

import datetime as dt
import os
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from email.message import EmailMessage, Message
from email.parser import BytesHeaderParser, BytesParser, HeaderParser
from email.policy import default as default_policy
from email.utils import getaddresses, parseaddr
from functools import cached_property
from pathlib import Path

from sheetsync.core.ports import Followed, ThreadMessage, ThreadNews

_ID = re.compile(r"<[^<>\s]+>")
_SLACK_SECONDS = 24 * 3600  # file times of another computer's clock (a shared folder)
_MAIL_SYSTEM = {"mailer-daemon", "postmaster"}
# A full parse reads the parts; only a delivery report needs them (a reply with a big
# attachment is read for its headers only).
_HEADERS = BytesHeaderParser(policy=default_policy)
_WHOLE = BytesParser(policy=default_policy)


class Mail:
    """One readable .eml file, as far as threads go. What joins threads (its ids) is
    read for every file from the raw headers; who sent it and when is parsed only for
    the files that are in a followed thread (the typed header parse is what costs)."""

    def __init__(self, path: Path, headers: Message, message_id: str, refs: set[str], *,
                 by_clinic: bool, failed: tuple[str, ...] = (), bounce: bool = False
                 ) -> None:
        self.path = path
        self.headers = headers
        self.message_id = message_id  # normalised (``norm_id``), "" when it has none
        # The ids it names: In-Reply-To, References, a returned message's Message-ID.
        self.refs = frozenset(refs - {message_id})
        self.by_clinic = by_clinic
        self.failed = failed  # addresses a delivery report names as failed
        self.bounce = bounce

    @cached_property
    def sender(self) -> str:
        return _sender(self.headers)

    @cached_property
    def at(self) -> dt.datetime:
        return _date(self.headers) or _modified(self.path)

    @cached_property
    def auto(self) -> bool:
        """An automatic answer (an out-of-office)."""
        return not (self.by_clinic or self.bounce) and _automatic(self.headers)


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


def read_folders(inbox: Path, sent: Path, since: float | None = None) -> Folders:
    """Read every .eml in ``sent/`` (headers) and ``inbox/`` (headers, and the parts of a
    delivery report), once; with ``since`` (a file time), only the files saved since. A
    message in both folders counts as the clinic's."""
    folders = Folders(sent_missing=not sent.is_dir())
    seen: set[str] = set()
    for folder, by_clinic in ((sent, True), (inbox, False)):
        bad: list[Path] = []
        outlook: list[Path] = []
        for path in _files(folder, since):
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


def _files(folder: Path, since: float | None = None) -> list[Path]:
    """The mail files in ``folder`` (saved since ``since``, when given)."""
    found: list[Path] = []
    try:
        with os.scandir(folder) as entries:
            for entry in entries:
                if not entry.name.lower().endswith((".eml", ".msg")) or not entry.is_file():
                    continue
                if since is not None and entry.stat().st_mtime < since:
                    continue
                found.append(Path(entry.path))
    except OSError:  # no such folder (inbox/ is optional), or it cannot be listed
        return []
    return sorted(found)


def _read(path: Path, *, by_clinic: bool) -> Mail | None:
    """The file as a ``Mail``, or None when it is no email sheetsync can read."""
    try:
        with path.open("rb") as handle:
            headers = _HEADERS.parse(handle)
        raw = {name.lower(): str(value) for name, value in headers.raw_items()}
        if not (raw.get("from") or raw.get("message-id")):
            return None
        message_id = norm_id(raw.get("message-id", ""))
        refs = _ids(raw.get("in-reply-to", "")) | _ids(raw.get("references", ""))
        if by_clinic or not _may_be_report(raw):
            return Mail(path, headers, message_id, refs, by_clinic=by_clinic)
        failed, returned, report = _delivery_report(path, headers)
        if report and not failed:  # only delayed (or relayed, delivered): no news
            return Mail(path, headers, message_id, set(), by_clinic=False)
        bounce = bool(failed) or _from_mail_system(_sender(headers))
        return Mail(path, headers, message_id, refs | returned, by_clinic=False,
                    failed=failed, bounce=bounce)
    except (OSError, ValueError, TypeError, LookupError, AttributeError):
        return None


def _may_be_report(raw: dict[str, str]) -> bool:
    """Worth a closer look as a delivery report (from the raw headers: cheap)."""
    sender = raw.get("from", "").lower()
    return ("report" in raw.get("content-type", "").lower()
            or "x-failed-recipients" in raw
            or any(name in sender for name in _MAIL_SYSTEM))


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


def follow_folders(inbox: Path, sent: Path, followed: Sequence[Followed],
                   names: Mapping[str, str]) -> tuple[dict[str, ThreadNews], list[str]]:
    """``FollowsThreads.follow`` for the local folders, and the run's notes. ``names``:
    each followed draft's file name in ``sent/``."""
    if not followed:
        return {}, []
    folders = read_folders(inbox, sent, _since(sent, [names[f.key] for f in followed]))
    return {f.key: thread_news(folders, f) for f in followed}, folders.notes


def _since(sent: Path, roots: Sequence[str]) -> float | None:
    """From when the folders can hold anything of the followed threads: a day before the
    oldest followed draft was written (its file's time in ``sent/``: a move keeps it;
    every answer in its thread was saved after it). Years of sent drafts are then not
    read at every run. None (read everything) when a draft is not there by its name
    (renamed: found by its Message-ID, or gone)."""
    oldest: float | None = None
    for name in roots:
        try:
            written = (sent / name).stat().st_mtime
        except OSError:
            return None
        oldest = written if oldest is None else min(oldest, written)
    return None if oldest is None else oldest - _SLACK_SECONDS


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
