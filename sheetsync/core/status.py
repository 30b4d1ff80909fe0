"""The words sheetsync writes into its own columns.

They describe the current state ("ready in Drafts", "sent on 2026-11-23", "Call on
2026-11-25 09:00"), not the action just taken, so an unchanged second sync writes exactly
the same text and therefore writes nothing at all.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence

from sheetsync.core.plan import HISTORY, Intent, RowPlan
from sheetsync.core.ports import ChangeResult, DraftSpec
from sheetsync.core.schema import NEXT_TOUCH
from sheetsync.core.state import ObjectRecord
from sheetsync.core.templates import blanks_note

OK = "OK"
MAX_CELL = 1_000


def _when(record: ObjectRecord) -> str:
    if not record.date:
        return ""
    if "T" in record.date:
        try:
            moment = dt.datetime.fromisoformat(record.date)
        except ValueError:
            return record.date
        return moment.strftime("%Y-%m-%d %H:%M")
    return record.date


def describe(intent: Intent, record: ObjectRecord | None, failure: ChangeResult | None) -> str:
    """One phrase for one intent."""
    same_as_column = intent.label.casefold() == intent.column.casefold()
    prefix = "" if same_as_column else f"{intent.label} "
    if failure is not None and not failure.ok and record is None:
        return f"{prefix}not made yet (see Sync status)".strip()
    if intent.shown:
        return intent.shown
    if record is None:
        reason = intent.why_not
        if reason.startswith("!"):
            return f"{prefix}not drafted (see Sync status)".strip()
        if not reason or same_as_column or reason in ("passed", HISTORY):
            return "" if reason == "passed" else reason
        return f"{intent.label}: {reason}"
    if record.status in ("retracted", "edited"):
        return _withdrawn_or_edited(intent, record, prefix)
    if record.kind == "event":
        if record.status == "deleted":
            return f"{prefix}event deleted in the calendar (not recreated)".strip()
        return f"{intent.label} on {_when(record)}"
    if record.status == "sent":
        return f"{prefix}sent on {record.date}".strip() if record.date else f"{prefix}sent"
    if record.status == "deleted":
        return f"{prefix}draft deleted (made again only if the row changes)".strip()
    # A draft with a blank for the owner ("[Outcome: ...]") says so while it waits.
    to_fill = blanks_note(intent.spec.body) if isinstance(intent.spec, DraftSpec) else ""
    since = f" since {record.date}" if record.date else ""  # waiting drafts show their age
    return f"{prefix}ready in Drafts{since}{to_fill}".strip()


def _withdrawn_or_edited(intent: Intent, record: ObjectRecord, prefix: str) -> str:
    """A retracted object, or one a person edited (``core.reconcile``)."""
    kind = record.kind
    if record.status == "retracted":
        why = intent.retract or "no longer needed"
        done = "event cancelled" if kind == "event" else "draft deleted"
        return f"{prefix}withdrawn: {why}, {done}".strip()
    # A partner draft made with consent that may no longer name the client.
    still_named = kind == "draft" and record.names_client and (
        (isinstance(intent.spec, DraftSpec) and not intent.spec.names_client)
        or (intent.spec is None and "consent" in intent.retract))
    if still_named:
        return (f"{prefix}consent withdrawn: the draft you edited still names the client, "
                "delete it yourself").strip()
    if intent.retract:
        return (f"{prefix}{intent.retract}: the {kind} you edited was left as is, "
                f"delete it yourself if it is no longer wanted").strip()
    return f"{prefix}{kind} edited by you: left as is".strip()


def column_texts(plan: RowPlan, records: Mapping[str, ObjectRecord],
                 failures: Mapping[str, ChangeResult]) -> dict[str, str]:
    """Text for every tool-owned column the row's intents touch."""
    parts: dict[str, list[str]] = {}
    for intent in plan.intents:
        parts.setdefault(intent.column, [])
        if intent.column == NEXT_TOUCH:
            # Next touch leads with the date that matters; drafts and deleted events
            # follow. Planned reminders are summed up by the next-touch line itself.
            record = records.get(intent.key)
            if record is None or (record.kind == "event" and record.status in (
                    "active", "retracted") and not (record.status == "retracted" and
                                                    intent.say_withdrawn)):
                if intent.why_not.startswith("!") or intent.key in failures:
                    parts[intent.column].append(describe(intent, record, failures.get(intent.key)))
                continue
        parts[intent.column].append(describe(intent, record=records.get(intent.key),
                                             failure=failures.get(intent.key)))
    texts = {column: "; ".join(dict.fromkeys(p for p in phrases if p))
             for column, phrases in parts.items()}
    if plan.next_touch or NEXT_TOUCH in texts:
        texts[NEXT_TOUCH] = "; ".join(p for p in (plan.next_touch, texts.get(NEXT_TOUCH, ""))
                                      if p)
    return {column: clip(text) for column, text in texts.items()}


def sync_status(problems: Sequence[str]) -> str:
    if not problems:
        return OK
    return clip("Needs attention: " + "; ".join(dict.fromkeys(problems)))


def clip(text: str) -> str:
    return text if len(text) <= MAX_CELL else text[: MAX_CELL - 1] + "…"
