"""Gmail's history (``users.history.list``) and how it threads mail, for the fake.

History (developers.google.com/workspace/gmail/api/guides/sync and the discovery
document's ``users.history.list``): every change to the mailbox gets a history id that
is larger than the one before (not contiguous at Google; here it counts up by one). A
record names one change: ``messagesAdded``, ``messagesDeleted`` (deleted, not trashed),
``labelsAdded`` or ``labelsRemoved``, each with the message's ``id`` and ``threadId``
(and its ``labelIds``), beside the ``messages`` field that repeats them. ``list`` returns
the records after ``startHistoryId``, at most ``maxResults`` (default 100, at most 500)
a page with ``nextPageToken``, and ``historyId``: the mailbox's current one. A
``startHistoryId`` older than the history Google keeps ("typically valid for at least a
week, but in some rare circumstances ... only a few hours") is answered
``404 notFound`` "Requested entity was not found." (the shape recorded in gauteh/lieer
#301 and LogicLabs-OU/OpenArchiver #443): the client must then do a full sync.

Threading (developers.google.com/workspace/gmail/api/guides/threads, "Add drafts and
messages to threads"): a message or draft joins a thread only when the requested
``threadId`` is given, its ``References`` or ``In-Reply-To`` names a message of that
thread, and its ``Subject`` matches; otherwise it starts a thread of its own. Mail that
arrives is threaded the same way by its headers. One exception, as Gmail shows it: a
delivery report from Gmail's own mail system (``mailer-daemon@googlemail.com``,
``multipart/report``) joins the thread of the message it names whatever its subject
("Delivery Status Notification (Failure)"); reports from other mail systems do not.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from email.utils import getaddresses, parseaddr
from typing import Any

from .errors import ApiError, not_found

HISTORY_TYPES = ("messageAdded", "messageDeleted", "labelAdded", "labelRemoved")
MAX_PAGE = 500
GMAIL_DAEMON = "mailer-daemon@googlemail.com"
_PREFIX = re.compile(r"^\s*(?:(?:re|fwd?|aw|wg|sv|antw|vs|tr)\s*(?:\[\d+\])?\s*:\s*)+",
                     re.IGNORECASE)
_MSGID = re.compile(r"<[^<>\s]+>")


def base_subject(subject: str) -> str:
    """The subject as Gmail compares it: without Re:/Fwd: prefixes, case and spacing."""
    return " ".join(_PREFIX.sub("", subject or "").split()).lower()


def referenced_ids(references: str, in_reply_to: str) -> list[str]:
    """The Message-IDs a message names as its parents (lower case, with <>)."""
    return [m.lower() for m in _MSGID.findall(f"{references} {in_reply_to}")]


def is_gmail_report(sender: str, content_type: str) -> bool:
    """A delivery report from Gmail's own mail system (it threads with the original)."""
    return parseaddr(sender)[1].lower() == GMAIL_DAEMON \
        and content_type.lower().startswith("multipart/report")


def addresses(value: str) -> list[str]:
    return [a.lower() for _, a in getaddresses([value]) if a]


@dataclass(frozen=True)
class Record:
    """One change: ``kind`` is one of ``HISTORY_TYPES``."""

    id: int
    kind: str
    message_id: str
    thread_id: str
    labels: tuple[str, ...]  # the message's labels after the change
    changed: tuple[str, ...] = ()  # the labels added or removed

    def json(self) -> dict[str, Any]:
        message: dict[str, Any] = {"id": self.message_id, "threadId": self.thread_id}
        full = {**message, "labelIds": list(self.labels)} if self.labels else message
        out: dict[str, Any] = {"id": str(self.id), "messages": [message]}
        if self.kind == "messageAdded":
            out["messagesAdded"] = [{"message": full}]
        elif self.kind == "messageDeleted":
            out["messagesDeleted"] = [{"message": message}]
        elif self.kind == "labelAdded":
            out["labelsAdded"] = [{"message": full, "labelIds": list(self.changed)}]
        else:
            out["labelsRemoved"] = [{"message": full, "labelIds": list(self.changed)}]
        return out


class History:
    """The mailbox's history records, oldest first. ``kept`` (None: all) is how many
    the mailbox keeps; ``floor``: a ``startHistoryId`` below it is too old (404)."""

    def __init__(self, start: int = 1000, kept: int | None = None) -> None:
        self.current = start
        self.records: list[Record] = []
        self.kept = kept
        self.floor = 0

    def add(self, kind: str, message_id: str, thread_id: str, labels: list[str],
            changed: tuple[str, ...] = ()) -> int:
        self.current += 1
        self.records.append(Record(self.current, kind, message_id, thread_id,
                                   tuple(labels), changed))
        if self.kept is not None and len(self.records) > self.kept:
            dropped = self.records[: len(self.records) - self.kept]
            del self.records[: len(dropped)]
            self.floor = dropped[-1].id
        return self.current

    def expire(self) -> None:
        """Every history id handed out so far is too old now (Google answers 404)."""
        self.records.clear()
        self.current += 1
        self.floor = self.current

    def list(self, params: dict[str, Any]) -> dict[str, Any]:
        raw = str(params.get("startHistoryId") or "")
        if not raw.isdigit():
            raise ApiError(400, "Missing/invalid parameter: startHistoryId",
                           reason="invalidArgument")
        start = int(raw)
        if start < self.floor:
            raise not_found()
        types = set(params.get("historyTypes") or HISTORY_TYPES)
        label = params.get("labelId")
        after = start
        token = str(params.get("pageToken") or "")
        if token:
            if not token.startswith("h") or not token[1:].isdigit():
                raise ApiError(400, "Invalid pageToken", reason="invalidArgument")
            after = max(after, int(token[1:]))
        size = min(int(params.get("maxResults") or 100), MAX_PAGE)
        found: list[Record] = []
        more = False
        for record in self.records:
            if record.id <= after or record.kind not in types:
                continue
            if label and label not in record.labels and label not in record.changed:
                continue
            if len(found) == size:
                more = True
                break
            found.append(record)
        out: dict[str, Any] = {}
        if found:
            out["history"] = [r.json() for r in found]
        if more:
            out["nextPageToken"] = f"h{found[-1].id}"
        out["historyId"] = str(self.current)
        return out
