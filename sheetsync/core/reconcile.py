"""Compare what the playbook wants with what was made before, and decide each step.

Pure functions. The rules of the house:
- nothing wanted twice: one object per row and purpose, found again by its key;
- a changed row updates what was made (same event id, same draft), never a second copy;
- a sent draft is never touched again;
- an event a person deleted from the calendar is not recreated; a deleted draft is made
  again only when its row changed since;
- nothing is ever deleted by sheetsync.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Literal

from sheetsync.core.plan import Intent
from sheetsync.core.ports import Change, ChangeResult, DraftSpec, EventSpec, Observation, Presence
from sheetsync.core.state import ObjectRecord, SyncState

StepKind = Literal["create", "update", "keep", "none"]


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
        if record is None or record.status != "active":
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


def decide(intent: Intent, record: ObjectRecord | None) -> Step:
    spec = intent.spec
    if spec is None:
        return Step(intent, "none", intent.why_not.lstrip("!") or "nothing due")
    kind = "event" if isinstance(spec, EventSpec) else "draft"
    if record is None:
        return Step(intent, "create", f"new {kind}", Change("create", spec))
    if record.status == "sent":
        return Step(intent, "keep", f"sent on {record.date or 'an earlier day'}: left as is")
    digest = spec.content_hash()  # only now: a sent draft needs none
    if record.status == "deleted":
        if kind == "draft" and record.hash != digest:
            return Step(intent, "create", "draft was deleted, and the row changed since",
                        Change("create", spec))
        where = "calendar" if kind == "event" else "mailbox"
        return Step(intent, "keep", f"deleted in the {where}: not recreated")
    if record.hash != digest:
        known = record.known(spec.message_id if isinstance(spec, DraftSpec) else "")
        return Step(intent, "update", "row changed", Change("update", spec, known))
    return Step(intent, "keep", "up to date")


def plan_steps(intents: Iterable[Intent], state: SyncState) -> list[Step]:
    return [decide(intent, state.get(intent.key)) for intent in intents]


def record_results(state: SyncState, steps: Iterable[Step],
                   results: Mapping[str, ChangeResult]) -> SyncState:
    """The state after applying: successful creates and updates are remembered."""
    result = state.copy()
    for step in steps:
        if step.change is None:
            continue
        outcome = results.get(step.intent.key)
        if outcome is None or not outcome.ok:
            continue
        spec = step.change.spec
        previous = result.get(step.intent.key)
        if isinstance(spec, EventSpec):
            kind: Literal["event", "draft"] = "event"
            date = spec.start.isoformat()
            basis = step.intent.basis
        else:
            kind = "draft"
            date = ""
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
        ))
    return result
