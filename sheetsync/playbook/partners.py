"""Rules 3 and 4: nurture new partners, stay in touch with active ones.

Nurturing: one "offer one piece of value" reminder a week for three weeks after Last
contact (days 7, 14, 21), then in week 4 (from day 28) a meeting-request draft.
Active: a check-in event once Last contact (or a sent thank-you, whichever is later) is
older than Check-in every (days); Next touch shows the date and flags overdue partners.
"""

from __future__ import annotations

import datetime as dt

from sheetsync.core.register import Row
from sheetsync.core.rows import PartnerRow
from sheetsync.core.schema import NEXT_TOUCH
from sheetsync.core.templates import TemplateProblem
from sheetsync.playbook import defaults
from sheetsync.playbook.context import Intent, PlanContext, RowPlan, iso, problem_for, salutation

NURTURE_WEEKS = 3
MEETING_REQUEST_DAY = 28
INTRODUCTION_PURPOSE = "introduction"
MEETING_PURPOSE = "meeting-request"
STAY_IN_TOUCH_PURPOSE = "stay-in-touch"


def nurture_purpose(week: int) -> str:
    return f"nurture-{week}"


def last_contact(ctx: PlanContext, row: Row[PartnerRow]) -> dt.date | None:
    """Last contact, moved on by any draft to this partner that the owner sent since."""
    assert row.model is not None
    sent = ctx.partner_contacts.get(row.key)
    typed = row.model.last_contact
    if typed and sent:
        return max(typed, sent)
    return typed or sent


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
        plan.next_touch = "meeting requested: waiting for their reply"
    return plan


def _nurture(ctx: PlanContext, row: Row[PartnerRow], plan: RowPlan) -> None:
    assert row.model is not None
    contact = last_contact(ctx, row)
    if contact is None:
        plan.problems.append("Last contact is empty: add the date you last spoke to "
                             f"{row.model.name} so sheetsync can plan the nurture weeks")
        return
    upcoming: list[tuple[dt.date, str]] = []
    for week in range(1, NURTURE_WEEKS + 1):
        purpose = nurture_purpose(week)
        day = contact + dt.timedelta(days=7 * week)
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

    meeting_day = contact + dt.timedelta(days=MEETING_REQUEST_DAY)
    if ctx.today >= meeting_day:
        intent = _partner_draft(ctx, row, MEETING_PURPOSE, "Meeting request",
                                defaults.MEETING_REQUEST, {})
        plan.intents.append(intent)
        if intent.why_not.startswith("!"):
            plan.problems.append(intent.why_not[1:])
    else:
        upcoming.append((meeting_day, "meeting request (draft prepared that day)"))
    if upcoming:
        day, what = min(upcoming)
        plan.next_touch = f"{iso(day)}: {what}"


def _stay_in_touch(ctx: PlanContext, row: Row[PartnerRow], plan: RowPlan) -> None:
    assert row.model is not None
    contact = last_contact(ctx, row)
    every = row.model.checkin_every_days or ctx.settings.checkin_every_days
    if contact is None:
        plan.problems.append("Last contact is empty: add the date you last spoke to "
                             f"{row.model.name} so sheetsync can plan check-ins")
        return
    due = contact + dt.timedelta(days=every)
    if ctx.today < due:
        plan.next_touch = f"{iso(due)}: check-in (every {every} days)"
        # A check-in event still ahead is cancelled: the contact it was for happened.
        plan.intents.append(Intent(row.key, STAY_IN_TOUCH_PURPOSE, NEXT_TOUCH, "Check-in",
                                   retract=f"contact on {iso(contact)}"))
        return
    # Due: one event, dated the day it is first planned, kept there while the due date
    # is unchanged (so the calendar does not shift every day an overdue partner waits).
    day, basis = ctx.schedule(row.key, STAY_IN_TOUCH_PURPOSE, due)
    title = f"Check in with {row.model.name}"
    description = (
        f"Last contact {iso(contact)}; {row.model.name} is due a check-in every {every} days "
        f"(due {iso(due)}). Preferred contact: {row.model.preferred_contact or 'not set'}."
        f"\nRegister: Partners tab, Partner ID {row.key}. Made by sheetsync."
    )
    spec = ctx.all_day_event(row.key, STAY_IN_TOUCH_PURPOSE, title, description, day)
    plan.intents.append(Intent(row.key, STAY_IN_TOUCH_PURPOSE, NEXT_TOUCH, "Check-in", spec,
                               basis=basis))
    if ctx.today > due:
        plan.next_touch = f"OVERDUE since {iso(due)}: check-in event on {iso(day)}"
    else:
        plan.next_touch = f"{iso(due)}: check-in due today"


def _introduction(ctx: PlanContext, row: Row[PartnerRow], plan: RowPlan) -> None:
    assert row.model is not None
    if not row.model.introduced_by:
        return
    introducer, _ = ctx.partners.find(row.model.introduced_by)
    if introducer is None or introducer.model is None:
        return  # reported by the register check
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
