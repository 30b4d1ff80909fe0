"""What Gmail's history says changed, and what a followed thread holds (headers only).

``users.history.list`` (2 quota units a page, allowed with ``gmail.metadata``) names every
change to the mailbox since a history id: messages added and deleted, labels added and
removed, each with the message's id and thread id. ``News`` keeps them by thread, so the
mailbox reads (``threads.get``, 10 units) only the threads that changed:

- a known draft's thread is *touched* when a message other than sheetsync's own last
  write (``Known.written``) was added to it, when that write was deleted, when a message
  was deleted and none added (a draft the owner edited, then deleted: its message id is
  not sheetsync's), or when a draft, sent, trash or spam label changed there. An older
  version of a draft deleted next to its new one (an update replaces the message) and
  read/unread or inbox labels are not news;
- a followed thread (a sent draft's) is touched by any message added or deleted and by
  those labels.

``thread_news`` turns a ``threads.get(format=metadata)`` answer into the tracker's
``ThreadNews``: every message after the sent draft, oldest first, as its headers tell
(``From``, the SENT label, a delivery report's ``X-Failed-Recipients``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from email.utils import getaddresses, parseaddr
from typing import Any

from sheetsync.core import messages
from sheetsync.core.ports import Followed, ThreadMessage, ThreadNews

# The labels whose change can mean a draft was sent, deleted or thrown away.
WATCHED_LABELS = frozenset({"DRAFT", "SENT", "TRASH", "SPAM"})
# What a thread read asks for (metadata: headers only, never a body).
THREAD_HEADERS = ["From", "Message-ID", "In-Reply-To", "References", "Content-Type",
                  "Auto-Submitted", "X-Autoreply", "X-Autorespond", "Precedence",
                  "X-Failed-Recipients", messages.REF_HEADER, messages.LEGACY_KEY_HEADER]
# All that is read from a history page.
HISTORY_FIELDS = ("history(messagesAdded(message(id,threadId)),messagesDeleted(message(id,"
                  "threadId)),labelsAdded(labelIds,message(id,threadId)),labelsRemoved("
                  "labelIds,message(id,threadId))),historyId,nextPageToken")
MAIL_SYSTEMS = ("mailer-daemon", "postmaster")


@dataclass(frozen=True)
class Event:
    kind: str  # "added", "deleted" or "labels"
    message_id: str
    labels: frozenset[str] = frozenset()  # the labels added or removed


@dataclass
class News:
    """The changes a history listing named, by thread; ``current`` is the mailbox's
    history id at the end of the listing."""

    current: str
    threads: dict[str, list[Event]] = field(default_factory=dict)

    def add_page(self, page: dict[str, Any]) -> None:
        for record in page.get("history", []) or []:
            for name, kind in (("messagesAdded", "added"), ("messagesDeleted", "deleted"),
                               ("labelsAdded", "labels"), ("labelsRemoved", "labels")):
                for item in record.get(name, []) or []:
                    message = item.get("message", {}) or {}
                    thread = str(message.get("threadId", ""))
                    labels = frozenset(str(x) for x in item.get("labelIds", []) or [])
                    if kind == "labels" and not labels & WATCHED_LABELS:
                        continue  # read, unread, archived, starred: not news here
                    self.threads.setdefault(thread, []).append(
                        Event(kind, str(message.get("id", "")), labels))

    def touches_drafts(self, thread_id: str, written: set[str]) -> bool:
        """Did anyone but sheetsync change the drafts of this thread, whose last writes
        were ``written`` (Gmail message ids; "" where unknown)?

        A message deleted with none added to the thread is news whatever its id: the
        owner deleting a draft they edited (its id is their save's, never sheetsync's,
        and the history that named the edit may be behind an earlier token). A deletion
        next to an addition is a draft replaced (an update, or an edit, news already
        when it is not ``written``)."""
        events = self.threads.get(thread_id, ())
        replaced = any(event.kind == "added" for event in events)
        for event in events:
            if event.kind == "added" and event.message_id not in written:
                return True
            if event.kind == "deleted" and (event.message_id in written or "" in written
                                            or not replaced):
                return True
            if event.kind == "labels":
                return True
        return False

    def touches_thread(self, thread_id: str) -> bool:
        return bool(self.threads.get(thread_id))

    def only(self, added: set[str], removed: set[str]) -> bool:
        """Is every change named one of these (sheetsync's own writes of this run)?"""
        for events in self.threads.values():
            for event in events:
                if event.kind == "added" and event.message_id in added:
                    continue
                if event.kind == "deleted" and event.message_id in removed | added:
                    continue
                if event.kind == "labels" and event.message_id in added:
                    continue
                return False
        return True


def header(message: dict[str, Any], name: str) -> str:
    wanted = name.lower()
    for item in (message.get("payload", {}) or {}).get("headers", []) or []:
        if str(item.get("name", "")).lower() == wanted:
            return str(item.get("value", ""))
    return ""


def moment(message: dict[str, Any]) -> dt.datetime | None:
    try:
        millis = int(message.get("internalDate", ""))
    except (TypeError, ValueError):
        return None
    return dt.datetime.fromtimestamp(millis / 1000, tz=dt.timezone.utc)


def bounced(message: dict[str, Any]) -> str:
    """The failed address a delivery report names ("?" when it names none); "" when
    the message is not a delivery report."""
    sender = parseaddr(header(message, "From"))[1].lower()
    kind = header(message, "Content-Type").lower()
    mime = str((message.get("payload", {}) or {}).get("mimeType", "")).lower()
    report = ("multipart/report" in (kind, mime) or kind.startswith("multipart/report")) \
        and "delivery-status" in kind
    if not report and sender.split("@", 1)[0] not in MAIL_SYSTEMS:
        return ""
    failed = [a.lower() for _, a in getaddresses([header(message, "X-Failed-Recipients")])
              if a]
    return failed[0] if failed else "?"


def automatic(message: dict[str, Any]) -> bool:
    """An automatic answer (an out-of-office): RFC 3834 ``Auto-Submitted`` other than
    "no", or what older programs write (as the local inbox tells them)."""
    submitted = header(message, "Auto-Submitted").strip().lower()
    return submitted not in ("", "no") \
        or header(message, "Precedence").strip().lower() == "auto_reply" \
        or any(header(message, name) for name in ("X-Autoreply", "X-Autorespond"))


def _is_the_draft(message: dict[str, Any], followed: Followed) -> bool:
    wanted = followed.message_id.strip().strip("<>").lower()
    own = header(message, "Message-ID").strip().strip("<>").lower()
    ref = messages.ref_of(followed.message_id)
    return bool(wanted and own == wanted) or bool(
        ref and header(message, messages.REF_HEADER).strip().lower() == ref)


def thread_news(followed: Followed, thread: dict[str, Any]) -> ThreadNews:
    """The thread of a sent draft as the tracker sees it (``ports.ThreadNews``)."""
    found = [m for m in thread.get("messages", []) or [] if moment(m) is not None]
    found.sort(key=lambda m: (moment(m), str(m.get("id", ""))))
    if not found or all("TRASH" in (m.get("labelIds") or []) for m in found):
        return ThreadNews(followed.key, gone=True)  # deleted by the owner
    anchor = next((i for i, m in enumerate(found) if "SENT" in (m.get("labelIds") or [])
                   and _is_the_draft(m, followed)), None)
    if anchor is None:
        anchor = next((i for i, m in enumerate(found)
                       if "SENT" in (m.get("labelIds") or [])), -1)
    after: list[ThreadMessage] = []
    for message in found[anchor + 1:]:
        labels = set(message.get("labelIds") or [])
        if "DRAFT" in labels:
            continue  # an answer not sent yet
        at = moment(message)
        assert at is not None
        failed = bounced(message)
        after.append(ThreadMessage(parseaddr(header(message, "From"))[1].lower(), at,
                                   "SENT" in labels, failed,
                                   auto=not failed and automatic(message)))
    return ThreadNews(followed.key, tuple(after))


def threads_of(followed: Iterable[Followed]) -> list[str]:
    return list(dict.fromkeys(f.thread_id for f in followed if f.thread_id))
