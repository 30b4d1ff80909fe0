"""Compare what the playbook wants with what was made before, and decide each step.

Pure functions. The rules of the house:
- nothing wanted twice: one object per row and purpose, found again by its key;
- a changed row updates what was made (same event id, same draft), never a second copy;
- a sent draft is never touched again;
- an event a person deleted from the calendar is not recreated; a deleted draft is made
  again only when its row changed since;
- retract: when the reason for what was made goes (``Intent.retract``: consent
  withdrawn, row deleted, referral declined...), an unsent draft is deleted and a future
  event cancelled; a past event stays. Made again if the reason comes back;
- what a person edited is theirs: an update or retract that finds the object changed
  since sheetsync wrote it leaves it as it is (the backend tells, ``ChangeResult.edited``)
  and it is never changed or retracted again.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Literal

from sheetsync.core.plan import Intent
from sheetsync.core.ports import Change, ChangeResult, DraftSpec, EventSpec, Observation, Presence
from sheetsync.core.state import LIVE_STATUSES, ObjectRecord, ObjectStatus, SyncState

StepKind = Literal["create", "update", "keep", "retract", "none"]
ROW_DELETED = "row deleted"


@dataclass(frozen=True)
class Step:
    intent: Intent
    kind: StepKind
    reason: str
    change: Change | None = None


def absorb(state: SyncState, news: Mapping[str, ObjectRecord]) -> SyncState:
    """The state with what the calendar and mailbox told us (``news_in``) folded in."""
    result = state.copy()
    for record in news.values():
        result.put(record)
    return result


def news_in(state: SyncState, observations: Mapping[str, Observation]
            ) -> dict[str, ObjectRecord]:
    """The records that what the calendar and mailbox told us changes (sent, deleted,
    found under another id): none means they told nothing new."""
    news: dict[str, ObjectRecord] = {}
    for key, seen in observations.items():
        record = state.get(key)
        if record is None or record.status not in LIVE_STATUSES:
            continue
        if seen.presence is Presence.SENT:
            sent = seen.sent_on.isoformat() if seen.sent_on else ""
            news[key] = replace(record, status="sent", date=sent,
                                thread_id=seen.thread_id or record.thread_id)
        elif seen.presence is Presence.DELETED:
            news[key] = replace(record, status="deleted")
        elif seen.presence is Presence.PRESENT and seen.remote_id and \
                seen.remote_id != record.remote_id:
            news[key] = replace(record, remote_id=seen.remote_id,
                                thread_id=seen.thread_id or record.thread_id)
    return news


def decide(intent: Intent, record: ObjectRecord | None, today: dt.date | None = None
           ) -> Step:
    """One step for one intent. ``today`` tells a future event (which a retraction
    cancels) from a past one (which stays); without it no event is retracted."""
    spec = intent.spec
    if spec is None:
        if intent.retract and record is not None:
            return _retract(intent, record, today)
        return Step(intent, "none", intent.why_not.lstrip("!") or "nothing due")
    kind = "event" if isinstance(spec, EventSpec) else "draft"
    if record is None:
        return Step(intent, "create", f"new {kind}", Change("create", spec))
    if record.status == "sent":
        return Step(intent, "keep", f"sent on {record.date or 'an earlier day'}: left as is")
    if record.status == "edited":
        return Step(intent, "keep", f"{kind} edited by you: left as is")
    message_id = spec.message_id if isinstance(spec, DraftSpec) else ""
    if record.status == "retracted":
        # Withdrawn before, and its reason is gone again (consent given back, a row
        # restored): made again, the same event id or Message-ID as before.
        return Step(intent, "create", f"{kind} wanted again",
                    Change("create", spec, record.known(message_id)))
    digest = spec.content_hash()  # only now: a sent draft needs none
    if record.status == "deleted":
        if kind == "draft" and record.hash != digest:
            return Step(intent, "create", "draft was deleted, and the row changed since",
                        Change("create", spec))
        where = "calendar" if kind == "event" else "mailbox"
        return Step(intent, "keep", f"deleted in the {where}: not recreated")
    if record.hash != digest:
        return Step(intent, "update", "row changed",
                    Change("update", spec, record.known(message_id), record.written))
    return Step(intent, "keep", "up to date")


def _retract(intent: Intent, record: ObjectRecord, today: dt.date | None) -> Step:
    reason = intent.retract
    if record.status != "active":  # sent, deleted, retracted, or a person's edit: theirs
        return Step(intent, "none", reason)
    if record.kind == "event" and not is_future(record, today):
        return Step(intent, "none", f"{reason}: past event left in the calendar")
    return Step(intent, "retract", reason,
                Change("delete", None, record.known(), record.written, record.kind))


def is_future(record: ObjectRecord, today: dt.date | None) -> bool:
    """An event dated today or later (an event of today has not surely happened)."""
    return today is not None and bool(record.date) and record.date[:10] >= today.isoformat()


def deleted_rows(state: SyncState, gone: Collection[str]) -> list[Intent]:
    """Retractions for what is still live of the rows ``gone`` from the register (the
    engine says which: rows of tabs read whole this run, whose data is nowhere else)."""
    if not gone:
        return []
    return [Intent(record.row_key, record.purpose, "", record.purpose, retract=ROW_DELETED)
            for record in state.objects.values()
            if record.status == "active" and record.row_key in gone]


def plan_steps(intents: Iterable[Intent], state: SyncState, today: dt.date | None = None
               ) -> list[Step]:
    return [decide(intent, state.get(intent.key), today) for intent in intents]


def record_results(state: SyncState, steps: Iterable[Step],
                   results: Mapping[str, ChangeResult], today: str = "") -> SyncState:
    """The state after applying: successful creates and updates are remembered, a
    retraction done is recorded as retracted, a person's edit found as edited. A draft
    keeps the day it was first made (``today`` for a new one): waiting drafts show it."""
    result = state.copy()
    for step in steps:
        if step.change is None:
            continue
        outcome = results.get(step.intent.key)
        if outcome is None or not outcome.ok:
            continue
        spec = step.change.spec
        previous = result.get(step.intent.key)
        if spec is None or outcome.edited:
            if previous is not None:
                result.put(_after(previous, outcome))
            continue
        if isinstance(spec, EventSpec):
            kind: Literal["event", "draft"] = "event"
            date = spec.start.isoformat()
            basis = step.intent.basis
        else:
            kind = "draft"
            date = previous.date if previous is not None and previous.status == "active" \
                else today
            basis = step.intent.partner_key
        status: Literal["active", "sent", "deleted"] = "active"
        if outcome.sent_on is not None:  # found already sent by the owner (ports)
            status, date = "sent", outcome.sent_on.isoformat()
        elif outcome.deleted:  # found deleted by a person (ports): not made again
            status = "deleted"
        result.put(ObjectRecord(
            key=step.intent.key,
            kind=kind,
            remote_id=outcome.remote_id or (previous.remote_id if previous else ""),
            hash=spec.content_hash(),
            status=status,
            thread_id=outcome.thread_id or (previous.thread_id if previous else ""),
            date=date,
            basis=basis,
            written=outcome.written,
            names_client=isinstance(spec, DraftSpec) and spec.names_client,
        ))
    return result


def _after(record: ObjectRecord, outcome: ChangeResult) -> ObjectRecord:
    """A record after a delete, or after an update or delete that found a person's edit."""
    if outcome.sent_on is not None:  # sent before it could be deleted
        return replace(record, status="sent", date=outcome.sent_on.isoformat(),
                       thread_id=outcome.thread_id or record.thread_id)
    status: ObjectStatus = "edited" if outcome.edited else "retracted"
    return replace(record, status=status)
