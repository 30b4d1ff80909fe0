"""The mailbox as two folders of .eml files: ``drafts/`` and ``sent/``.

sheetsync writes one draft per row and purpose into ``drafts/``, named after its key
(``R-0003/thank-you`` → ``R-0003_thank-you.eml``). Each file is a complete RFC 5322
message with an ``X-Unsent: 1`` header, so Outlook opens it as an unsent message that
can be edited and sent, and Thunderbird or Apple Mail open it as a message to forward.
sheetsync never sends anything.

**Marking a draft as sent.** After sending a message, the person *moves* its file from
``drafts/`` into ``sent/`` (same name). The next sync sees it there and reports it as
sent. The sent date is the sent file's modification date, as a day in the clinic's time
zone (Settings). A plain move keeps the time sheetsync wrote the draft, so when the
file's time still matches its Date header, the time it was moved is used instead (its
status-change time, on Linux and macOS; on Windows the draft's date is shown). A draft
that is in neither folder was deleted by a person. sheetsync never changes or removes anything in ``sent/``.

**Edits are yours.** sheetsync remembers a stamp of each draft as it wrote it (recipient,
subject and text, ``core.messages.message_stamp``). A draft whose file says something
else was edited by a person: it is never rewritten or deleted again. A draft whose reason
went (e.g. consent withdrawn) and that nobody edited is deleted from ``drafts/``.

A file that was renamed on its way to ``sent/`` is still found by its Message-ID.

**What came back (the tracker).** Replies and delivery reports that staff drop into
``inbox/`` as .eml files, and the clinic's own later mail in ``sent/``, are told apart by
their headers (``threads``): ``follow`` (``ports.FollowsThreads``) says what each sent
draft's thread holds. ``inbox/`` is optional: without it, only the clinic's own mail is
seen.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import re
from collections.abc import Callable, Sequence
from email.parser import BytesHeaderParser
from email.policy import default as default_policy
from pathlib import Path
from typing import Any

from sheetsync.core.messages import build_message, message_stamp
from sheetsync.core.ports import (
    Change,
    ChangeResult,
    DraftSpec,
    Followed,
    Known,
    Observation,
    Presence,
    ThreadNews,
)

from .checks import check_writable
from .register import atomic_write
from .threads import follow_folders

Clock = Callable[[], dt.datetime]
_MAX_STEM = 80
# A draft's file time within this many seconds of its Date header is the time of writing.
_WRITE_SLACK_SECONDS = 120
_WINDOWS_RESERVED = {
    "CON", "PRN", "AUX", "NUL",
    *(f"COM{i}" for i in range(1, 10)),
    *(f"LPT{i}" for i in range(1, 10)),
}


def _local_now() -> dt.datetime:
    return dt.datetime.now().astimezone()


def draft_file_name(key: str) -> str:
    """A file name for the draft with ``key`` that is safe on every OS.

    ``"R-0003/thank-you"`` gives ``"R-0003_thank-you.eml"``. Anything beyond letters,
    digits, ``.``, ``_`` and ``-`` is replaced, and then a short digest of the key is
    added so two different keys never share a file.
    """
    simple = key.replace("/", "_")
    safe = re.sub(r"[^A-Za-z0-9._-]+", "-", simple)
    safe = re.sub(r"-{2,}", "-", safe).strip(".- ")
    if safe != simple or len(safe) > _MAX_STEM or not safe:
        digest = hashlib.sha256(key.encode("utf-8")).hexdigest()[:8]
        safe = f"{safe[:_MAX_STEM].rstrip('.- ')}-{digest}".lstrip("-")
    if safe.split(".")[0].upper() in _WINDOWS_RESERVED:
        safe = "_" + safe
    return safe + ".eml"


class EmlMailbox:
    """A ``Mailbox`` kept as .eml files in a drafts folder and a sent folder."""

    def __init__(self, drafts_dir: Path, sent_dir: Path, *, clock: Clock = _local_now,
                 inbox_dir: Path | None = None) -> None:
        self.drafts_dir = Path(drafts_dir)
        self.sent_dir = Path(sent_dir)
        # Beside drafts/ unless the configuration says where.
        self.inbox_dir = Path(inbox_dir) if inbox_dir is not None else \
            self.drafts_dir.parent / "inbox"
        self._clock = clock
        self._notes: list[str] = []

    def describe(self) -> str:
        return f"{self.drafts_dir.name}/ (drafts) and {self.sent_dir.name}/ (sent)"

    def check(self) -> str:
        """For ``sheetsync doctor`` (``ports.SelfChecks``), changing nothing: the drafts
        folder can be written (or made), and the sent folder made if it is missing. A
        missing ``inbox/`` holds nothing up: the answer says so."""
        check_writable(self.drafts_dir if self.drafts_dir.is_dir() else self.drafts_dir.parent,
                       f"write drafts into {self.drafts_dir.name}/")
        if not self.sent_dir.is_dir():
            check_writable(self.sent_dir.parent, f"make the folder {self.sent_dir.name}/")
        inbox = self.inbox_dir.name
        if not self.inbox_dir.is_dir():
            return (f"{self.describe()}; there is no {inbox}/ folder, so replies and "
                    f"bounces are not seen: make it beside {self.drafts_dir.name}/ and save "
                    "replies there as .eml files")
        return f"{self.describe()}; replies and bounces read from {inbox}/"

    def vanished(self) -> str:
        """``ports.KeptInFiles``: the drafts folder's name when it is gone."""
        return "" if self.drafts_dir.is_dir() else f"{self.drafts_dir.name}/"

    # ------------------------------------------------------------------------ observe

    def observe(self, known: Sequence[Known]) -> dict[str, Observation]:
        by_message_id: dict[str, Path] | None = None
        result: dict[str, Observation] = {}
        for item in known:
            names = [draft_file_name(item.key)]
            if item.remote_id and item.remote_id not in names and _plain_name(item.remote_id):
                names.append(item.remote_id)
            found = self._find(names)
            if found is None and item.message_id:
                if by_message_id is None:
                    by_message_id = self._message_ids()
                found = by_message_id.get(item.message_id.strip())
            result[item.key] = self._observation(item, found)
        return result

    def _find(self, names: Sequence[str]) -> Path | None:
        for folder in (self.sent_dir, self.drafts_dir):
            for name in names:
                candidate = folder / name
                if candidate.is_file():
                    return candidate
        return None

    def _observation(self, item: Known, found: Path | None) -> Observation:
        if found is None:
            return Observation(item.key, Presence.DELETED, remote_id=item.remote_id)
        if found.parent == self.sent_dir:
            return Observation(item.key, Presence.SENT, remote_id=found.name,
                               sent_on=_arrival_date(found), sent_at=_arrival(found))
        return Observation(item.key, Presence.PRESENT, remote_id=found.name)

    def _message_ids(self) -> dict[str, Path]:
        """Message-ID → file, over every .eml in sent/ (first) and drafts/."""
        index: dict[str, Path] = {}
        parser = BytesHeaderParser(policy=default_policy)
        for folder in (self.sent_dir, self.drafts_dir):
            if not folder.is_dir():
                continue
            for path in sorted(folder.glob("*.eml")):
                try:
                    with path.open("rb") as handle:
                        headers = parser.parse(handle)
                except (OSError, ValueError):
                    continue
                message_id = str(headers.get("Message-ID", "")).strip()
                if message_id:
                    index.setdefault(message_id, path)
        return index

    # ------------------------------------------------------------------------- follow

    def follow(self, followed: Sequence[Followed]) -> dict[str, ThreadNews]:
        """``ports.FollowsThreads``: each sent draft's thread, from ``inbox/`` and
        ``sent/`` read once (``threads``). Files it could not read are in ``notes()``."""
        names = {f.key: draft_file_name(f.key) for f in followed}
        news, self._notes = follow_folders(self.inbox_dir, self.sent_dir, followed, names)
        return news

    def notes(self) -> list[str]:
        """What the last ``follow`` skipped, for the run's notes (one line per folder)."""
        return list(self._notes)

    # -------------------------------------------------------------------------- apply

    def apply(self, changes: Sequence[Change]) -> list[ChangeResult]:
        results: list[ChangeResult] = []
        for change in changes:
            spec = change.spec
            name = draft_file_name(change.key)
            draft = self.drafts_dir / name
            sent = self.sent_dir / name
            if change.op != "create" and change.written and draft.is_file() and \
                    not sent.is_file() and self._edited(draft, change):
                # The owner edited the file since sheetsync wrote it: theirs, left as is.
                results.append(ChangeResult(change.key, True, remote_id=name, edited=True))
                continue
            if change.op == "delete":
                results.append(self._delete(change.key, draft, sent))
                continue
            if not isinstance(spec, DraftSpec):
                results.append(ChangeResult(change.key, False, error="not an email draft"))
                continue
            if sent.is_file() and change.op == "create":
                # Never make a second copy of a message the owner already sent: it is
                # recorded as sent (its record was lost in a crash).
                results.append(ChangeResult(spec.key, True, remote_id=name,
                                            sent_on=_arrival_date(sent),
                                            sent_at=_arrival(sent)))
                continue
            if sent.is_file():
                results.append(ChangeResult(spec.key, False, remote_id=name,
                                            error="already sent"))
                continue
            if change.op == "update" and not draft.is_file():
                results.append(ChangeResult(spec.key, False, remote_id=name,
                                            error="deleted from the drafts folder"))
                continue
            try:
                written = self._write_draft(draft, spec)
            except OSError as exc:
                results.append(ChangeResult(
                    spec.key, False, remote_id=name,
                    error=f"could not write {name}: {exc.strerror or exc}", retry_later=True,
                ))
                continue
            results.append(ChangeResult(spec.key, True, remote_id=name, written=written))
        return results

    def _edited(self, draft: Path, change: Change) -> bool:
        """Does the draft file say something else than sheetsync last wrote (and than
        this change would write: a run killed after writing it did not record it)?"""
        now = _stamp(draft)
        if now in ("", change.written):
            return False
        spec = change.spec
        return not (isinstance(spec, DraftSpec) and
                    now == message_stamp(build_message(spec).as_bytes()))

    def _delete(self, key: str, draft: Path, sent: Path) -> ChangeResult:
        """Delete a draft sheetsync made (a retraction); one already sent stays sent."""
        name = draft.name
        if sent.is_file():
            return ChangeResult(key, True, remote_id=name, sent_on=_arrival_date(sent))
        try:
            draft.unlink(missing_ok=True)
        except OSError as exc:
            return ChangeResult(key, False, remote_id=name, retry_later=True,
                                error=f"could not delete {name}: {exc.strerror or exc}")
        return ChangeResult(key, True, remote_id=name)

    def _write_draft(self, path: Path, spec: DraftSpec) -> str:
        """Write the draft; its stamp (``core.messages.message_stamp``) as written."""
        message = build_message(spec, when=self._now())
        message["X-Unsent"] = "1"
        payload = message.as_bytes()
        try:
            current: bytes | None = path.read_bytes()
        except FileNotFoundError:
            current = None
        if current is not None and _without_date(current) == _without_date(payload):
            return message_stamp(current)  # same draft there: keep its file and its date
        self.drafts_dir.mkdir(parents=True, exist_ok=True)
        self.sent_dir.mkdir(parents=True, exist_ok=True)

        def _write(handle: Any) -> None:
            handle.write(payload)

        atomic_write(path, _write)
        return message_stamp(payload)

    def _now(self) -> dt.datetime:
        now = self._clock()
        return now if now.tzinfo is not None else now.astimezone()


def _stamp(path: Path) -> str:
    try:
        return message_stamp(path.read_bytes())
    except OSError:
        return ""


def _plain_name(name: str) -> bool:
    return name == os.path.basename(name) and name not in ("", ".", "..")


def _without_date(data: bytes) -> bytes:
    head, sep, body = data.partition(b"\r\n\r\n")
    lines = [line for line in head.split(b"\r\n") if not line.lower().startswith(b"date:")]
    return b"\r\n".join(lines) + sep + body


def _arrival_date(path: Path) -> dt.date:
    """The day a file arrived in sent/, in local time (the core dates ``sent_at`` again
    in the clinic's time zone; this is the fallback)."""
    return _arrival(path).date()


def _arrival(path: Path) -> dt.datetime:
    """When a file arrived in sent/ (see the module docstring).

    That is the file's modification time, unless that is still the moment sheetsync
    wrote the draft (a move keeps it): then the file's status-change time, which a move
    updates on Linux and macOS, says when it was moved.
    """
    info = path.stat()
    stamp = info.st_mtime
    written = _date_header(path)
    if (
        os.name == "posix"
        and written is not None
        and abs(stamp - written.timestamp()) <= _WRITE_SLACK_SECONDS
    ):
        stamp = max(stamp, info.st_ctime)
    return dt.datetime.fromtimestamp(stamp).astimezone()


def _date_header(path: Path) -> dt.datetime | None:
    try:
        with path.open("rb") as handle:
            headers = BytesHeaderParser(policy=default_policy).parse(handle)
        value = headers.get("Date")
        when = getattr(value, "datetime", None)
    except (OSError, ValueError, TypeError):
        return None
    return when if isinstance(when, dt.datetime) and when.tzinfo is not None else None
