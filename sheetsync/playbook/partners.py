"""Rules 3 and 4: nurture new partners, stay in touch with active ones.

Nurturing: one "offer one piece of value" reminder a week for three weeks after Last
contact (days 7, 14, 21), then in week 4 (from day 28) a meeting-request draft.
Active: a check-in event once Last contact (or a sent thank-you, whichever is later) is
older than Check-in every (days); Next touch shows the date and flags overdue partners.
"""

from __future__ import annotations

import datetime as dt

from sheetsync.core.plan import kind_of
from sheetsync.core.reconcile import is_future
from sheetsync.core.register import Row
from sheetsync.core.rows import PartnerRow
from sheetsync.core.schema import NEXT_TOUCH
from sheetsync.core.templates import TemplateProblem
from sheetsync.playbook import defaults
from sheetsync.playbook.context import (
    HISTORY,
    Intent,
    PlanContext,
    RowPlan,
    iso,
    problem_for,
    salutation,
)

NURTURE_WEEKS = 3
MEETING_REQUEST_DAY = 28
INTRODUCTION_PURPOSE = "introduction"
MEETING_PURPOSE = "meeting-request"
STAY_IN_TOUCH_PURPOSE = "stay-in-touch"  # the single key of earlier versions
NUDGE_PURPOSE = "nudge"


# Repeating obligations get one key per cycle (REGISTER.md, "Cycles"): an event the
# owner deleted stays deleted for its cycle only, and the next cycle has a new key.

def touch_purpose(due: dt.date) -> str:
    return f"touch@{iso(due)}"


def nurture_purpose(week: int, contact: dt.date) -> str:
    return f"nurture-{week}@{iso(contact)}"


def nudge_purpose(asked: dt.date) -> str:
    return f"{NUDGE_PURPOSE}@{iso(asked)}"


def _cycle(ctx: PlanContext, row_key: str, cycle: str, legacy: str, legacy_day: str) -> str:
    """The purpose for this cycle. An event made under the single key of earlier versions
    for this same cycle (its day is ``legacy_day``) keeps that key: no second event, and
    one the owner deleted stays deleted for this cycle."""
    if ctx.record(row_key, cycle) is None:
        old = ctx.record(row_key, legacy)
        if old is not None and legacy_day in (old.basis, old.date[:10]):
            return legacy
    return cycle


def last_contact(ctx: PlanContext, row: Row[PartnerRow], replies: bool = True
                 ) -> dt.date | None:
    """Last contact, moved on by any draft to this partner that the owner sent since,
    and (``replies``) by their reply to one (the tracker, ``core.tracker``)."""
    assert row.model is not None
    days = [d for d in (row.model.last_contact, ctx.partner_contacts.get(row.key),
                        ctx.partner_replies.get(row.key) if replies else None) if d]
    return max(days) if days else None


def _replied_since(ctx: PlanContext, row: Row[PartnerRow], since: dt.date) -> dt.date | None:
    """The day the partner replied to a sheetsync draft on or after ``since``, if so."""
    replied = ctx.partner_replies.get(row.key)
    return replied if replied is not None and replied >= since else None


def _suggest_active(replied: dt.date, what: str) -> str:
    """Next touch after a reply: sheetsync never sets Stage (a staff cell) itself."""
    return f"replied on {iso(replied)}: {what}, set Stage to Active"


def plan_partner(ctx: PlanContext, row: Row[PartnerRow]) -> RowPlan:
    assert row.model is not None
    plan = RowPlan(row.key)
    stage = row.model.stage
    if stage == "Nurturing":
        _nurture(ctx, row, plan)
    elif stage == "Active":
        _stay_in_touch(ctx, row, plan)
    elif stage == "Prospect":
        _introduction(ctx, row, plan)
    elif stage == "Paused":
        plan.next_touch = "paused: nothing planned"
    elif stage == "Meeting requested":
        _nudge(ctx, row, plan)
    if stage != "Nurturing" and row.key in ctx.nurture_records:
        _nurture_withdrawn(ctx, row, plan, stage)
    if stage != "Active" and row.key in ctx.touch_records:
        _touch_withdrawn(ctx, row, plan, stage)
    return plan


def _touch_withdrawn(ctx: PlanContext, row: Row[PartnerRow], plan: RowPlan,
                     stage: str) -> None:
    """Stage moved on from Active (only Active partners get stay-in-touch check-ins): a
    check-in event still ahead is cancelled, and the row says so while its day is ahead."""
    why = f"Stage now {stage}"
    for record in ctx.touch_records[row.key]:
        if record.kind == "event" and record.status in ("active", "retracted", "edited") \
                and is_future(record, ctx.today):
            plan.intents.append(Intent(row.key, record.purpose, NEXT_TOUCH, "Check-in",
                                       retract=why, say_withdrawn=True))


def _nurture_withdrawn(ctx: PlanContext, row: Row[PartnerRow], plan: RowPlan,
                       stage: str) -> None:
    """Stage moved on from Nurturing: the value reminders still ahead are cancelled, and
    an unsent meeting request withdrawn (at *Meeting requested* it is kept: it is the
    request staff are about to send). The row says so while their days are ahead."""
    why = f"Stage now {stage}"
    for record in ctx.nurture_records[row.key]:
        if record.status not in ("active", "retracted", "edited"):
            continue  # sent, or deleted by a person: theirs
        if record.kind == "event":
            if is_future(record, ctx.today):
                plan.intents.append(Intent(row.key, record.purpose, NEXT_TOUCH, "Offer value",
                                           retract=why, say_withdrawn=True))
        elif stage != "Meeting requested":
            plan.intents.append(Intent(row.key, record.purpose, NEXT_TOUCH, "Meeting request",
                                       retract=why))


def _nurture(ctx: PlanContext, row: Row[PartnerRow], plan: RowPlan) -> None:
    assert row.model is not None
    # A reply starts no new sequence: it ends this one (below).
    contact = last_contact(ctx, row, replies=False)
    if contact is None:
        plan.problems.append("Last contact is empty: add the date you last spoke to "
                             f"{row.model.name} so sheetsync can plan the nurture weeks")
        return
    replied = _replied_since(ctx, row, contact)
    if replied is not None:
        _nurture_answered(ctx, row, plan, contact, replied)
        return
    upcoming: list[tuple[dt.date, str]] = []
    cycle: set[str] = set()
    for week in range(1, NURTURE_WEEKS + 1):
        due = contact + dt.timedelta(days=7 * week)
        purpose = _cycle(ctx, row.key, nurture_purpose(week, contact), f"nurture-{week}",
                         iso(due))
        cycle.add(purpose)
        day = ctx.open_day(due)
        label = f"Offer value (week {week} of {NURTURE_WEEKS})"
        if day < ctx.today and ctx.record(row.key, purpose) is None:
            # A reminder for a week already gone helps nobody: do not create it late.
            plan.intents.append(Intent(row.key, purpose, NEXT_TOUCH, label, why_not="passed"))
            continue
        if day >= ctx.today:
            upcoming.append((day, f"offer one piece of value (week {week} of 3)"))
        title = f"Offer one piece of value to {row.model.name} (nurture week {week} of 3)"
        description = (
            f"Nurturing {row.model.name}"
            f"{' (' + row.model.practice + ')' if row.model.practice else ''}: share one "
            "useful thing (an article, a case insight, an invitation). "
            f"Last contact {iso(contact)}.\nRegister: Partners tab, Partner ID {row.key}. "
            "Made by sheetsync."
        )
        spec = ctx.all_day_event(row.key, purpose, title, description, day)
        plan.intents.append(Intent(row.key, purpose, NEXT_TOUCH, label, spec))
    # An earlier cycle's reminders still ahead are cancelled: a new contact was recorded,
    # and the new cycle's weeks replace them (a past one stays in the calendar).
    for old in ctx.nurture_records.get(row.key, ()):
        if old.purpose not in cycle and kind_of(old.purpose) == "nurture" and \
                old.kind == "event" and old.status == "active":
            plan.intents.append(Intent(row.key, old.purpose, NEXT_TOUCH, "Offer value",
                                       retract=f"contact on {iso(contact)}"))

    meeting_day = contact + dt.timedelta(days=MEETING_REQUEST_DAY)
    if ctx.today >= meeting_day:
        why = _partner_window(ctx, row, MEETING_PURPOSE, contact, meeting_day)
        intent = Intent(row.key, MEETING_PURPOSE, NEXT_TOUCH, "Meeting request",
                        why_not=why) if why else \
            _partner_draft(ctx, row, MEETING_PURPOSE, "Meeting request",
                           defaults.MEETING_REQUEST, {})
        plan.intents.append(intent)
        if intent.why_not.startswith("!"):
            plan.problems.append(intent.why_not[1:])
    else:
        upcoming.append((meeting_day, "meeting request (draft prepared that day)"))
    if upcoming:
        day, what = min(upcoming)
        plan.next_touch = f"{iso(day)}: {what}"
    elif intent.spec is None and intent.why_not and not intent.why_not.startswith("!"):
        # The sequence is over and its meeting request is not worth making: say why.
        plan.next_touch = f"nurture weeks over; meeting request {intent.why_not}"


def _nurture_answered(ctx: PlanContext, row: Row[PartnerRow], plan: RowPlan,
                      contact: dt.date, replied: dt.date) -> None:
    """The partner replied during the nurture weeks: the sequence ends. Value reminders
    still ahead are cancelled, an unsent meeting request is withdrawn (none is made),
    and Next touch suggests the Stage to set."""
    why = f"partner replied on {iso(replied)}"
    for record in ctx.state.records_for(row.key):  # this cycle's and earlier ones'
        if kind_of(record.purpose) == "nurture":
            plan.intents.append(Intent(row.key, record.purpose, NEXT_TOUCH, "Offer value",
                                       retract=why))
    meeting = ctx.record(row.key, MEETING_PURPOSE)
    if meeting is not None:
        plan.intents.append(Intent(row.key, MEETING_PURPOSE, NEXT_TOUCH, "Meeting request",
                                   retract=why if meeting.status == "active" else ""))
    plan.next_touch = _suggest_active(replied, "nurture ended")


def _stay_in_touch(ctx: PlanContext, row: Row[PartnerRow], plan: RowPlan) -> None:
    assert row.model is not None
    contact = last_contact(ctx, row)
    every = row.model.checkin_every_days or ctx.settings.checkin_every_days
    if contact is None:
        plan.problems.append("Last contact is empty: add the date you last spoke to "
                             f"{row.model.name} so sheetsync can plan check-ins")
        return
    due = contact + dt.timedelta(days=every)
    purpose = _cycle(ctx, row.key, touch_purpose(due), STAY_IN_TOUCH_PURPOSE, iso(due))
    if ctx.today < due:
        plan.next_touch = f"{iso(due)}: check-in (every {every} days)"
        plan.intents.append(Intent(row.key, purpose, NEXT_TOUCH, "Check-in"))
        # An earlier cycle's event still ahead is cancelled: the contact it was for
        # happened (a past one stays in the calendar).
        for old in ctx.touch_records.get(row.key, ()):
            if old.purpose != purpose and old.kind == "event" and old.status == "active":
                plan.intents.append(Intent(row.key, old.purpose, NEXT_TOUCH, "Check-in",
                                           retract=f"contact on {iso(contact)}"))
        return
    if ctx.record(row.key, purpose) is None and ctx.is_history(due):
        # Overdue since before sheetsync started acting: flagged, but no event made (an
        # import would otherwise put every overdue partner on its first day).
        plan.next_touch = f"OVERDUE since {iso(due)} ({HISTORY}: record a contact to " \
            "start the next cycle)"
        plan.intents.append(Intent(row.key, purpose, NEXT_TOUCH, "Check-in", why_not=HISTORY))
        return
    # Due: one event, dated the day it is first planned, kept there while the due date
    # is unchanged (so the calendar does not shift every day an overdue partner waits).
    day, basis = ctx.schedule(row.key, purpose, due)
    title = f"Check in with {row.model.name}"
    description = (
        f"Last contact {iso(contact)}; {row.model.name} is due a check-in every {every} days "
        f"(due {iso(due)}). Preferred contact: {row.model.preferred_contact or 'not set'}."
        f"\nRegister: Partners tab, Partner ID {row.key}. Made by sheetsync."
    )
    spec = ctx.all_day_event(row.key, purpose, title, description, day)
    plan.intents.append(Intent(row.key, purpose, NEXT_TOUCH, "Check-in", spec, basis=basis))
    record = ctx.record(row.key, purpose)
    if record is not None and record.status == "deleted":
        # Never name an event that is not there: the cell adds that it was deleted.
        plan.next_touch = f"OVERDUE since {iso(due)}" if ctx.today > due else \
            f"{iso(due)}: check-in due today"
    elif ctx.today > due:
        plan.next_touch = f"OVERDUE since {iso(due)}: check-in event on {iso(day)}"
    else:
        plan.next_touch = f"{iso(due)}: check-in due today"


def _nudge(ctx: PlanContext, row: Row[PartnerRow], plan: RowPlan) -> None:
    """Meeting requested: one nudge (a reminder) when no reply came within the set days,
    a cycle of its own from the day the meeting was asked for (Last contact, or the day
    the meeting-request draft was sent)."""
    assert row.model is not None
    waiting = "meeting requested: waiting for their reply"
    asked = last_contact(ctx, row, replies=False)  # a reply answers it, asks nothing
    if asked is None:
        plan.next_touch = waiting
        return
    days = ctx.settings.nudge_days
    due = asked + dt.timedelta(days=days)
    purpose = nudge_purpose(asked)
    label = "Nudge"
    replied = _replied_since(ctx, row, asked)
    if replied is not None:
        # Answered: no nudge (one still ahead is cancelled).
        why = f"partner replied on {iso(replied)}"
        plan.intents.append(Intent(row.key, purpose, NEXT_TOUCH, label,
                                   why_not=f"not needed ({why})", retract=why))
        plan.next_touch = _suggest_active(replied, "meeting request answered")
        return
    if ctx.today < due:
        plan.next_touch = f"{waiting} (nudge on {iso(due)} if none)"
        plan.intents.append(Intent(row.key, purpose, NEXT_TOUCH, label))
        return
    no_reply = f"meeting requested on {iso(asked)}: no reply yet"
    why = _partner_window(ctx, row, purpose, asked, due)
    if why:
        plan.next_touch = no_reply
        plan.intents.append(Intent(row.key, purpose, NEXT_TOUCH, label, why_not=why))
        return
    day, basis = ctx.schedule(row.key, purpose, due)
    title = f"Nudge {row.model.name}: no reply to the meeting request"
    description = (
        f"The meeting request to {row.model.name}"
        f"{' (' + row.model.practice + ')' if row.model.practice else ''} went on "
        f"{iso(asked)} and no reply is recorded after {days} days: a short friendly "
        f"follow-up. Preferred contact: {row.model.preferred_contact or 'not set'}.\n"
        f"Register: Partners tab, Partner ID {row.key}. Made by sheetsync."
    )
    spec = ctx.all_day_event(row.key, purpose, title, description, day)
    plan.intents.append(Intent(row.key, purpose, NEXT_TOUCH, label, spec, basis=basis))
    record = ctx.record(row.key, purpose)
    deleted = record is not None and record.status == "deleted"
    plan.next_touch = no_reply if deleted else f"{no_reply}: nudge on {iso(day)}"


def _introduction(ctx: PlanContext, row: Row[PartnerRow], plan: RowPlan) -> None:
    assert row.model is not None
    if not row.model.introduced_by:
        return
    introducer, _ = ctx.partners.find(row.model.introduced_by)
    if introducer is None or introducer.model is None:
        return  # reported by the register check
    contact = last_contact(ctx, row)
    why = _partner_window(ctx, row, INTRODUCTION_PURPOSE, contact, contact)
    if why:
        plan.intents.append(Intent(row.key, INTRODUCTION_PURPOSE, NEXT_TOUCH,
                                   f"Introduction via {introducer.model.name}", why_not=why))
        plan.next_touch = f"introduction {why}"
        return
    values = {
        "introducer_salutation": salutation(introducer.model),
        "prospect_name": row.model.name,
        "prospect_practice": row.model.practice,
        "prospect_specialty": row.model.specialty,
    }
    intent = _partner_draft(ctx, row, INTRODUCTION_PURPOSE, f"Introduction via "
                            f"{introducer.model.name}", defaults.INTRODUCTION_REQUEST, values,
                            to=introducer)
    plan.intents.append(intent)
    if intent.why_not.startswith("!"):
        plan.problems.append(intent.why_not[1:])


def _partner_window(ctx: PlanContext, row: Row[PartnerRow], purpose: str,
                    contact: dt.date | None, due: dt.date | None) -> str:
    """Why a partner draft not made yet is no longer worth making ("" when it is): it is
    history, past the horizon, or the partner was last contacted over a year ago."""
    if ctx.record(row.key, purpose) is not None or contact is None or due is None:
        return ""
    s = ctx.settings
    if ctx.is_history(due):
        return HISTORY
    if ctx.too_old(due):
        return f"not needed (older than {s.history_days} days)"
    if (ctx.today - contact).days > s.partner_window_days:
        return f"not needed (last contact more than {s.partner_window_days} days ago)"
    return ""


def _partner_draft(ctx: PlanContext, row: Row[PartnerRow], purpose: str, label: str,
                   template: str, extra: dict[str, str], to: Row[PartnerRow] | None = None
                   ) -> Intent:
    recipient = to or row
    assert recipient.model is not None and row.model is not None
    if not recipient.model.email:
        return Intent(row.key, purpose, NEXT_TOUCH, label,
                      why_not=f"!{label} not drafted: {recipient.model.name} has no Email "
                              f"({recipient.where()})")
    values = {
        "partner_name": recipient.model.name,
        "partner_salutation": salutation(recipient.model),
        "practice": recipient.model.practice,
        **extra,
    }
    try:
        spec = ctx.draft(row.key, purpose, template, values, recipient.model.name,
                         recipient.model.email, partner_safe=True)
    except TemplateProblem as exc:
        return Intent(row.key, purpose, NEXT_TOUCH, label, why_not="!" + problem_for(label, exc))
    return Intent(row.key, purpose, NEXT_TOUCH, label, spec, partner_key=recipient.key)
