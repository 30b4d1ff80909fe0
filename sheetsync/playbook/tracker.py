"""The tracker's part of the playbook (REGISTER.md, "The tracker"): what the rows say once
a sent draft's thread got a reply or bounced (``core.tracker`` tells what the threads
mean; the rules in ``partners`` end nurture and the nudge on a reply).

Applied to every row's plan after the rules:
- a sent draft whose thread got a reply shows ``replied on DATE`` (the obligation is
  *answered*); a client's reply the clinic has not answered yet shows ``client replied on
  DATE: answer by DATE`` (*Answer clients within (days)* later); one that bounced shows
  ``Email bounced on DATE: check the address``;
- the row whose Email cell bounced (a Partners row, or a Check-ins row for a client)
  gets the same words as a problem (its Sync status) while the cell still holds that
  address, and no new draft goes to that address meanwhile: its cell says so too (a
  draft already made is left as it is). Changing the Email cell ends both, for good
  (``core.tracker.corrected``: an address typed back later is taken at its word).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, replace

from sheetsync.core.plan import Intent, RowPlan
from sheetsync.core.ports import DraftSpec
from sheetsync.core.reconcile import decide
from sheetsync.core.state import ObjectRecord, ThreadSeen
from sheetsync.core.tracker import addresses, answer_by, is_client_thread
from sheetsync.playbook.context import PlanContext, iso

CLIENT_REPLIED = "client replied on "


@dataclass(frozen=True)
class Waiting:
    """A client's reply the clinic has not answered yet."""

    row_key: str
    replied: dt.date
    answer_by: dt.date


def thread_text(ctx: PlanContext, record: ObjectRecord, seen: ThreadSeen) -> str:
    """The obligation's state once its sent draft's thread told something ("" nothing)."""
    if seen.bounced:
        return bounced_text(seen.bounced)
    if seen.waiting and is_client_thread(record):
        waiting = dt.date.fromisoformat(seen.waiting)
        return (f"{CLIENT_REPLIED}{seen.waiting}: answer by "
                f"{iso(answer_by(waiting, ctx.settings.answer_days))}")
    if seen.replied:
        return f"replied on {seen.replied}"
    return ""


def bounced_text(day: str) -> str:
    return f"Email bounced on {day}: check the address"


def clients_waiting(ctx: PlanContext) -> list[Waiting]:
    """Clients whose reply waits for the clinic's answer, the longest waiting first."""
    found: list[Waiting] = []
    present = {row.key for row in ctx.register.checkins}
    for key, seen in ctx.state.threads.items():
        record = ctx.state.get(key)
        if record is None or not seen.waiting or seen.bounced or seen.gone or \
                not is_client_thread(record) or record.row_key not in present:
            continue
        try:
            day = dt.date.fromisoformat(seen.waiting)
        except ValueError:
            continue
        found.append(Waiting(record.row_key, day, answer_by(day, ctx.settings.answer_days)))
    return sorted(found, key=lambda w: (w.replied, w.row_key))


def track(ctx: PlanContext, plans: Mapping[str, RowPlan]) -> None:
    """Fold what the tracker learnt into the rows' plans (see the module docstring)."""
    threads = ctx.state.threads
    blocked = _blocked(ctx)
    for plan in plans.values():
        for i, intent in enumerate(plan.intents):
            seen = threads.get(intent.key)
            record = ctx.state.get(intent.key)
            if seen is not None and record is not None and record.status == "sent":
                text = thread_text(ctx, record, seen)
                if text:
                    plan.intents[i] = replace(intent, shown=_labelled(intent, text))
                continue
            spec = intent.spec
            if isinstance(spec, DraftSpec) and blocked:
                day = blocked.get(ctx.address_print(spec.to_email))
                if day is not None and decide(intent, record).kind == "create":
                    text = bounced_text(iso(day))
                    plan.intents[i] = replace(intent, spec=None, why_not=text,
                                              shown=_labelled(intent, text))
    for row_key, (_, day) in _still_bounced(ctx).items():
        if row_key in plans:
            plans[row_key].problems.append(bounced_text(iso(day)))


def _labelled(intent: Intent, text: str) -> str:
    """As ``core.status.describe`` words a draft's state: with its label unless the
    column is named after it ("Report-back replied on ...", "Meeting request: Email
    bounced on ...")."""
    if intent.label.casefold() == intent.column.casefold():
        return text
    return f"{intent.label}{': ' if text.startswith('Email') else ' '}{text}"


def _still_bounced(ctx: PlanContext) -> dict[str, tuple[str, dt.date]]:
    """The rows whose Email cell still holds the address that bounced."""
    if not ctx.bounces:
        return {}
    cells = addresses(ctx.register)
    return {row_key: (printed, day) for row_key, (printed, day) in ctx.bounces.items()
            if row_key in cells and ctx.address_print(cells[row_key]) == printed}


def _blocked(ctx: PlanContext) -> dict[str, dt.date]:
    """Print of an address that bounced and is still in its row's Email cell -> the day
    it bounced: no new draft goes to it."""
    blocked: dict[str, dt.date] = {}
    for printed, day in _still_bounced(ctx).values():
        blocked[printed] = max(day, blocked.get(printed, day))
    return blocked
