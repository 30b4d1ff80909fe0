"""Gmail v1: drafts, messages and threads of one mailbox (the fake's owner).

A draft is a container with a stable id around a message whose id changes on every
update; sending it deletes the draft and creates a new message (new id, same thread,
label SENT) — see developers.google.com/gmail/api/guides/drafts. ``drafts.send`` and
``messages.send`` work but are counted loudly in ``api_sends``: sheetsync must never send.

Every change is a history record (``users.history.list``), and mail joins a thread only
as Gmail threads it (References/In-Reply-To and the subject): see ``gmail_history``.
Mail from outside comes in through ``receive`` (``inbound`` writes replies and
delivery reports as they arrive).
"""

from __future__ import annotations

import base64
import binascii
import copy
import email
import email.policy
import re
import warnings
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from email.message import EmailMessage
from email.parser import BytesHeaderParser
from email.utils import format_datetime, parseaddr
from typing import Any

from .discovery import decode_base64
from .errors import ApiError, bad_request, not_found
from .gmail_history import History, base_subject, is_gmail_report, referenced_ids
from .server import Service, route

HIDDEN = ("TRASH", "SPAM")
LABEL_WORDS = {
    "sent": "SENT", "draft": "DRAFT", "drafts": "DRAFT", "inbox": "INBOX", "trash": "TRASH",
    "spam": "SPAM", "starred": "STARRED", "unread": "UNREAD", "important": "IMPORTANT",
    "chats": "CHAT", "chat": "CHAT",
}
_TOKEN = re.compile(r'-?[A-Za-z_]+:"[^"]*"|-?[A-Za-z_]+:\S+|-?"[^"]*"|\S+')


@dataclass
class Message:
    id: str
    thread_id: str
    labels: list[str]
    raw: bytes
    internal_date: int  # epoch milliseconds
    history_id: int
    _parsed: EmailMessage | None = field(default=None, init=False, repr=False, compare=False)
    _heads: Any = field(default=None, init=False, repr=False, compare=False)

    @property
    def parsed(self) -> EmailMessage:
        # Parsed when first asked for: a parsed message weighs tens of kilobytes, and a
        # mailbox of ten thousand drafts that nobody reads would hold hundreds of MB.
        if self._parsed is None:
            parsed = email.message_from_bytes(self.raw, policy=email.policy.default)
            assert isinstance(parsed, EmailMessage)
            self._parsed = parsed
        return self._parsed

    def header(self, name: str) -> str:
        value = self.parsed.get(name)
        return "" if value is None else str(value)

    def head(self, name: str) -> str:
        """A header without parsing the body (threading looks at many messages)."""
        if self._parsed is not None:
            return self.header(name)
        if self._heads is None:
            self._heads = BytesHeaderParser().parsebytes(self.raw)
        value = self._heads.get(name)
        return "" if value is None else str(value)

    @property
    def message_id(self) -> str:
        return self.header("Message-ID").strip()

    def text(self) -> str:
        body = self.parsed.get_body(preferencelist=("plain", "html"))
        if body is None:
            return ""
        content = body.get_content()
        return content if isinstance(content, str) else ""


@dataclass
class Draft:
    id: str
    message: Message


class GmailService(Service):
    api = "gmail"

    def __init__(self, fake: Any) -> None:
        super().__init__(fake)
        self.messages: dict[str, Message] = {}
        self.drafts: dict[str, Draft] = {}
        self.api_sends = 0
        self._n = 0
        self.history = History()
        self._threads: dict[str, set[str]] = {}  # thread id -> its message ids

    # ================================================================ helpers
    def draft_list(self) -> list[dict[str, Any]]:
        """Current drafts as plain dicts: id, message_id, thread_id, headers, body."""
        with self.fake.lock:
            return [self._describe(d.message, draft_id=d.id) for d in self.drafts.values()]

    def message_list(self, label: str | None = None) -> list[dict[str, Any]]:
        with self.fake.lock:
            return [self._describe(m) for m in self.messages.values()
                    if label is None or label in m.labels]

    def owner_sends_draft(self, draft_id: str, when: datetime | None = None, *,
                          new_message_id_header: str | None = None) -> str:
        """The owner presses Send in Gmail: returns the id of the SENT message.

        The draft disappears; a new message (new id, same thread, same Message-ID header
        unless ``new_message_id_header`` simulates Gmail rewriting it) carries label SENT
        and ``internalDate`` = ``when``.
        """
        with self.fake.lock:
            return self._send(self._draft(draft_id), when, new_message_id_header).id

    def owner_deletes_draft(self, draft_id: str) -> None:
        with self.fake.lock:
            draft = self._draft(draft_id)
            del self.drafts[draft_id]
            self._remove(draft.message)

    def owner_edits_draft(self, draft_id: str, *, subject: str | None = None,
                          body: str | None = None) -> None:
        """The owner edits the draft text in Gmail (the draft's message id changes)."""
        with self.fake.lock:
            draft = self._draft(draft_id)
            msg = copy.deepcopy(draft.message.parsed)
            if subject is not None:
                del msg["Subject"]
                msg["Subject"] = subject
            if body is not None:
                msg.set_content(body)
            self._replace_draft_message(draft, msg.as_bytes(), draft.message.thread_id)

    def receive(self, raw: bytes, *, when: datetime | None = None,
                labels: tuple[str, ...] = ("INBOX", "UNREAD")) -> str:
        """Deliver a message to the mailbox (a partner's reply, a delivery report):
        Gmail threads it by its References/In-Reply-To and subject. Labels ``("SENT",)``
        make it mail the owner wrote from Gmail itself. Returns the message id."""
        with self.fake.lock:
            return self._new_message(raw, list(labels), None, when).id

    def thread_of(self, message_id: str) -> str:
        with self.fake.lock:
            return self.messages[message_id].thread_id

    def thread_messages(self, thread_id: str) -> list[dict[str, Any]]:
        """The thread's messages as ``message_list`` describes them, oldest first."""
        with self.fake.lock:
            found = sorted((self.messages[i] for i in self._threads.get(thread_id, ())),
                           key=lambda m: (m.internal_date, m.id))
            return [self._describe(m) for m in found]

    def owner_deletes_thread(self, thread_id: str, *, forever: bool = False) -> None:
        """The owner deletes a conversation in Gmail: to the Trash (labels TRASH), or
        ``forever`` (emptied from the Trash: the thread is gone, threads.get 404s)."""
        with self.fake.lock:
            found = [self.messages[i] for i in sorted(self._threads.get(thread_id, ()))]
            if not found:
                raise KeyError(thread_id)
            for message in found:
                if forever:
                    for draft in [d for d in self.drafts.values() if d.message is message]:
                        del self.drafts[draft.id]
                    self._remove(message)
                else:
                    self.relabel(message.id, add=("TRASH",), remove=("INBOX", "UNREAD"))

    def relabel(self, message_id: str, *, add: tuple[str, ...] = (),
                remove: tuple[str, ...] = ()) -> None:
        """Labels change (the owner reads, archives, trashes): history records them."""
        with self.fake.lock:
            message = self.messages[message_id]
            added = tuple(lb for lb in add if lb not in message.labels)
            removed = tuple(lb for lb in remove if lb in message.labels)
            message.labels = [lb for lb in message.labels if lb not in removed] + list(added)
            if added:
                message.history_id = self.history.add("labelAdded", message.id,
                                                      message.thread_id, message.labels, added)
            if removed:
                message.history_id = self.history.add("labelRemoved", message.id,
                                                      message.thread_id, message.labels,
                                                      removed)

    def expire_history(self) -> None:
        """Every history id handed out so far is too old now (Google: 404)."""
        with self.fake.lock:
            self.history.expire()

    # ============================================================ internals
    def _user(self, params: dict[str, Any]) -> None:
        user = str(params.get("userId", "me"))
        if user != "me" and user.lower() != self.fake.owner.lower():
            raise ApiError(403, f"Delegation denied for {self.fake.owner}", reason="forbidden")

    def _new_id(self) -> str:
        self._n += 1
        return f"{0x19A0B1C2D3E40000 + self._n * 0x1F3:x}"

    def _new_message(self, raw: bytes, labels: list[str], thread_id: str | None,
                     when: datetime | None = None, *, keep_thread: bool = False) -> Message:
        """A message joins ``thread_id`` (or, arriving, the thread its headers name) only
        as Gmail threads it (``gmail_history``); ``keep_thread``: a draft's new version
        stays in its own thread when nothing else is in it."""
        msg_id = self._new_id()
        moment = when or self.now()
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=timezone.utc)
        message = Message(msg_id, msg_id, labels, raw, int(moment.timestamp() * 1000), 0)
        if thread_id and keep_thread and not self._threads.get(thread_id):
            message.thread_id = thread_id
        else:
            message.thread_id = self._thread_for(message, thread_id) or msg_id
        self.messages[msg_id] = message
        self._threads.setdefault(message.thread_id, set()).add(msg_id)
        message.history_id = self.history.add("messageAdded", msg_id, message.thread_id,
                                              labels)
        return message

    def _thread_for(self, message: Message, wanted: str | None) -> str | None:
        parents = set(referenced_ids(message.head("References"), message.head("In-Reply-To")))
        if not parents:
            return None
        subject = base_subject(message.head("Subject"))
        report = is_gmail_report(message.head("From"), message.head("Content-Type"))
        candidates = [wanted] if wanted else list(self._threads)
        for thread in candidates:
            members = [self.messages[i] for i in self._threads.get(thread, ())]
            named = [m for m in members if m.head("Message-ID").strip().lower() in parents]
            if named and (report or any(base_subject(m.head("Subject")) == subject
                                        for m in named)):
                return thread
        return None

    def _remove(self, message: Message) -> None:
        if self.messages.pop(message.id, None) is None:
            return
        members = self._threads.get(message.thread_id)
        if members is not None:
            members.discard(message.id)
            if not members:
                del self._threads[message.thread_id]
        self.history.add("messageDeleted", message.id, message.thread_id, [])

    def _draft(self, draft_id: str) -> Draft:
        draft = self.drafts.get(draft_id)
        if draft is None:
            raise not_found()
        return draft

    def _thread_exists(self, thread_id: str) -> bool:
        return bool(self._threads.get(thread_id))

    def _raw(self, body: dict[str, Any]) -> tuple[bytes, str | None]:
        message = body.get("message") or {}
        raw = message.get("raw")
        if not raw:
            raise bad_request("Missing draft message")
        try:
            data = decode_base64(str(raw))
        except (binascii.Error, ValueError):
            raise bad_request("Invalid value for ByteString: " + str(raw)[:40]) from None
        thread_id = message.get("threadId")
        if thread_id and not self._thread_exists(str(thread_id)):
            raise not_found()
        return data, thread_id

    def _replace_draft_message(self, draft: Draft, raw: bytes, thread_id: str | None) -> None:
        old = draft.message
        self._remove(old)
        draft.message = self._new_message(raw, ["DRAFT"], thread_id or old.thread_id,
                                          keep_thread=(thread_id or old.thread_id)
                                          == old.thread_id)

    def _send(self, draft: Draft, when: datetime | None, new_message_id: str | None) -> Message:
        moment = when or self.now()
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=timezone.utc)
        msg = copy.deepcopy(draft.message.parsed)
        del msg["Date"]
        msg["Date"] = format_datetime(moment)
        if new_message_id is not None:
            del msg["Message-ID"]
            msg["Message-ID"] = new_message_id
        del self.drafts[draft.id]
        self._remove(draft.message)
        return self._new_message(msg.as_bytes(), ["SENT"], draft.message.thread_id, moment,
                                 keep_thread=True)

    def _describe(self, m: Message, draft_id: str | None = None) -> dict[str, Any]:
        out: dict[str, Any] = {"id": m.id, "thread_id": m.thread_id, "labels": list(m.labels),
                               "message_id": m.message_id, "subject": m.header("Subject"),
                               "to": m.header("To"), "body": m.text(),
                               "headers": {k: str(v) for k, v in m.parsed.items()},
                               "internal_date": m.internal_date}
        if draft_id is not None:
            out = {"draft_id": draft_id, **out}
        return out

    def _resource(self, m: Message, fmt: str = "full",
                  headers: list[str] | None = None) -> dict[str, Any]:
        fmt = fmt.lower()
        out: dict[str, Any] = {"id": m.id, "threadId": m.thread_id, "labelIds": list(m.labels)}
        if fmt != "minimal":
            out["snippet"] = re.sub(r"\s+", " ", m.text()).strip()[:200]
        if fmt == "raw":
            out["raw"] = base64.urlsafe_b64encode(m.raw).decode()
        elif fmt == "metadata":
            wanted = {h.lower() for h in headers or []}
            out["payload"] = {
                "partId": "", "mimeType": m.parsed.get_content_type(), "filename": "",
                "headers": [{"name": k, "value": str(v)} for k, v in m.parsed.items()
                            if not wanted or k.lower() in wanted],
            }
        elif fmt == "full":
            out["payload"] = _part(m.parsed, "")
        out.update(sizeEstimate=len(m.raw), historyId=str(m.history_id),
                   internalDate=str(m.internal_date))
        return out

    def _draft_resource(self, d: Draft, fmt: str = "full") -> dict[str, Any]:
        return {"id": d.id, "message": self._resource(d.message, fmt)}

    def _query(self, messages: list[Message], q: str | None, label_ids: list[str] | None,
               include_spam_trash: bool) -> list[Message]:
        tokens = _TOKEN.findall(q or "")
        now = self.now().timestamp()
        anywhere = any(t.lower() in ("in:anywhere", "in:trash", "in:spam") for t in tokens)
        found = []
        for m in messages:
            if not (include_spam_trash or anywhere) and any(lb in m.labels for lb in HIDDEN):
                continue
            if label_ids and not all(lb in m.labels for lb in label_ids):
                continue
            if all(_term(m, t, now) for t in tokens if t.upper() not in ("AND",)):
                found.append(m)
        found.sort(key=lambda m: (m.internal_date, m.id), reverse=True)
        return found

    @staticmethod
    def _page(items: list[Any], params: dict[str, Any]) -> tuple[list[Any], str | None]:
        size = int(params.get("maxResults") or 100)
        offset = int(str(params.get("pageToken") or "0") or 0)
        nxt = str(offset + size) if offset + size < len(items) else None
        return items[offset : offset + size], nxt

    # ============================================================= handlers
    @route("gmail.users.getProfile")
    def get_profile(self, params: dict[str, Any], body: Any) -> dict[str, Any]:
        self._user(params)
        return {"emailAddress": self.fake.owner, "messagesTotal": len(self.messages),
                "threadsTotal": len({m.thread_id for m in self.messages.values()}),
                "historyId": str(self.history.current)}

    @route("gmail.users.drafts.create")
    def drafts_create(self, params: dict[str, Any], body: dict[str, Any]) -> dict[str, Any]:
        self._user(params)
        raw, thread_id = self._raw(body)
        message = self._new_message(raw, ["DRAFT"], thread_id)
        self._n += 1
        draft = Draft(f"r{5_000_000_000_000_000_000 + self._n * 7919}", message)
        self.drafts[draft.id] = draft
        return {"id": draft.id, "message": {"id": message.id, "threadId": message.thread_id,
                                            "labelIds": ["DRAFT"]}}

    @route("gmail.users.drafts.update")
    def drafts_update(self, params: dict[str, Any], body: dict[str, Any]) -> dict[str, Any]:
        self._user(params)
        draft = self._draft(params["id"])
        if body.get("id") not in (None, draft.id):
            raise bad_request("Draft id in the body does not match the URL.")
        raw, thread_id = self._raw(body)
        self._replace_draft_message(draft, raw, thread_id)
        return {"id": draft.id, "message": {"id": draft.message.id,
                                            "threadId": draft.message.thread_id,
                                            "labelIds": ["DRAFT"]}}

    @route("gmail.users.drafts.get")
    def drafts_get(self, params: dict[str, Any], body: Any) -> dict[str, Any]:
        self._user(params)
        return self._draft_resource(self._draft(params["id"]), params.get("format", "full"))

    @route("gmail.users.drafts.list")
    def drafts_list(self, params: dict[str, Any], body: Any) -> dict[str, Any]:
        self._user(params)
        by_message = {d.message.id: d for d in self.drafts.values()}
        matched = self._query([d.message for d in self.drafts.values()], params.get("q"), None,
                              bool(params.get("includeSpamTrash")))
        page, nxt = self._page(matched, params)
        out: dict[str, Any] = {}
        if page:
            out["drafts"] = [{"id": by_message[m.id].id,
                              "message": {"id": m.id, "threadId": m.thread_id}} for m in page]
        if nxt:
            out["nextPageToken"] = nxt
        out["resultSizeEstimate"] = len(matched)
        return out

    @route("gmail.users.drafts.delete")
    def drafts_delete(self, params: dict[str, Any], body: Any) -> None:
        self._user(params)
        self.owner_deletes_draft(params["id"])

    @route("gmail.users.drafts.send")
    def drafts_send(self, params: dict[str, Any], body: dict[str, Any]) -> dict[str, Any]:
        self._user(params)
        self.api_sends += 1
        warnings.warn("fake_google: users.drafts.send was called — sheetsync must never send"
                      " mail itself", RuntimeWarning, stacklevel=2)
        draft = self._draft(str(body.get("id") or ""))
        if (body.get("message") or {}).get("raw"):
            raw, thread_id = self._raw(body)
            self._replace_draft_message(draft, raw, thread_id)
        sent = self._send(draft, None, None)
        return {"id": sent.id, "threadId": sent.thread_id, "labelIds": list(sent.labels)}

    @route("gmail.users.messages.send")
    def messages_send(self, params: dict[str, Any], body: dict[str, Any]) -> dict[str, Any]:
        self._user(params)
        self.api_sends += 1
        warnings.warn("fake_google: users.messages.send was called — sheetsync must never send"
                      " mail itself", RuntimeWarning, stacklevel=2)
        raw = body.get("raw")
        if not raw:
            raise bad_request("Recipient address required")
        data, thread_id = self._raw({"message": body})
        sent = self._new_message(data, ["SENT"], thread_id)
        return {"id": sent.id, "threadId": sent.thread_id, "labelIds": list(sent.labels)}

    @route("gmail.users.messages.list")
    def messages_list(self, params: dict[str, Any], body: Any) -> dict[str, Any]:
        self._user(params)
        matched = self._query(list(self.messages.values()), params.get("q"),
                              params.get("labelIds"), bool(params.get("includeSpamTrash")))
        page, nxt = self._page(matched, params)
        out: dict[str, Any] = {}
        if page:
            out["messages"] = [{"id": m.id, "threadId": m.thread_id} for m in page]
        if nxt:
            out["nextPageToken"] = nxt
        out["resultSizeEstimate"] = len(matched)
        return out

    @route("gmail.users.messages.get")
    def messages_get(self, params: dict[str, Any], body: Any) -> dict[str, Any]:
        self._user(params)
        message = self.messages.get(params["id"])
        if message is None:
            raise not_found()
        return self._resource(message, params.get("format", "full"),
                              params.get("metadataHeaders"))

    @route("gmail.users.history.list")
    def history_list(self, params: dict[str, Any], body: Any) -> dict[str, Any]:
        self._user(params)
        return self.history.list(params)

    @route("gmail.users.threads.get")
    def threads_get(self, params: dict[str, Any], body: Any) -> dict[str, Any]:
        self._user(params)
        found = sorted((self.messages[i] for i in self._threads.get(params["id"], ())),
                       key=lambda m: (m.internal_date, m.id))
        if not found:
            raise not_found()
        fmt = params.get("format", "full")
        return {"id": params["id"], "historyId": str(max(m.history_id for m in found)),
                "messages": [self._resource(m, fmt, params.get("metadataHeaders"))
                             for m in found]}


def _part(msg: EmailMessage, part_id: str) -> dict[str, Any]:
    out: dict[str, Any] = {
        "partId": part_id,
        "mimeType": msg.get_content_type(),
        "filename": msg.get_filename() or "",
        "headers": [{"name": k, "value": str(v)} for k, v in msg.items()],
    }
    if msg.is_multipart():
        out["body"] = {"size": 0}
        out["parts"] = [_part(p, f"{part_id}.{i}" if part_id else str(i))
                        for i, p in enumerate(msg.iter_parts())
                        if isinstance(p, EmailMessage)]
    else:
        data = msg.get_payload(decode=True)
        data = data if isinstance(data, bytes) else b""
        out["body"] = {"size": len(data)}
        if data:
            out["body"]["data"] = base64.urlsafe_b64encode(data).decode()
    return out


def _term(m: Message, token: str, now: float) -> bool:
    negate = token.startswith("-") and len(token) > 1
    if negate:
        token = token[1:]
    return _positive(m, token, now) != negate


def _positive(m: Message, token: str, now: float) -> bool:
    op, sep, value = token.partition(":")
    op = op.lower()
    value = value.strip('"')
    if not sep or not value:
        return _text_match(m, token.strip('"'))
    if op == "rfc822msgid":
        return m.message_id.strip("<>").lower() == value.strip("<>").lower()
    if op in ("in", "is", "label"):
        if value.lower() == "anywhere":
            return True
        label = LABEL_WORDS.get(value.lower(), value)
        return label in m.labels or label.upper() in m.labels
    if op in ("from", "to", "cc", "bcc", "subject", "deliveredto"):
        header = "Delivered-To" if op == "deliveredto" else op.capitalize()
        text = m.header(header).lower()
        return value.lower() in text or value.lower() == parseaddr(text)[1]
    if op in ("after", "before", "newer_than", "older_than"):
        limit = _time_limit(op, value, now)
        if limit is None:
            return _text_match(m, token)
        moment = m.internal_date / 1000
        return moment >= limit if op in ("after", "newer_than") else moment < limit
    if op == "has" and value.lower() == "attachment":
        return any(p.get_filename() for p in m.parsed.walk())
    return _text_match(m, token)


def _time_limit(op: str, value: str, now: float) -> float | None:
    if op in ("after", "before"):
        if value.isdigit():
            return float(value)
        try:
            day = datetime.strptime(value.replace("-", "/"), "%Y/%m/%d")
        except ValueError:
            return None
        return day.replace(tzinfo=timezone.utc).timestamp()
    m = re.fullmatch(r"(\d+)([dmy])", value.lower())
    if not m:
        return None
    days = int(m.group(1)) * {"d": 1, "m": 31, "y": 366}[m.group(2)]
    return now - timedelta(days=days).total_seconds()


def _text_match(m: Message, text: str) -> bool:
    hay = " ".join([m.header("Subject"), m.header("From"), m.header("To"), m.text()]).lower()
    return text.lower() in hay
