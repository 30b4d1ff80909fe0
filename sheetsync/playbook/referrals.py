"""Rules 1 and 2: thank the referrer, and close the loop.

Consent decides what a partner may hear: without it a partner draft names no client and
no clinical detail, and there is no report-back.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

from sheetsync.core.register import Row
from sheetsync.core.rows import PartnerRow, ReferralRow
from sheetsync.core.schema import FOLLOW_UP, THANK_YOU
from sheetsync.core.templates import TemplateProblem
from sheetsync.playbook import defaults
from sheetsync.playbook.context import (
    HISTORY,
    Intent,
    PlanContext,
    RowPlan,
    days,
    first_name,
    initials,
    iso,
    problem_for,
    salutation,
)

THANK_YOU_PURPOSE = "thank-you"
FOLLOW_UP_PURPOSE = "follow-up"
REPORT_BACK_PURPOSE = "report-back"
_LOOP_CLOSED = ("Reported back", "Closed", "Declined")
# Ended before its drafts were sent: an unsent thank-you or report-back is withdrawn.
_ENDED = ("Closed", "Declined")
CONSENT_WITHDRAWN = "consent withdrawn"
# A referral already this far when sheetsync first sees it needs no thank-you any more.
_ALREADY_ON = ("Seen", "Reported back", "Closed", "Declined")
_SEEN = ("Seen", "Reported back", "Closed")  # a sent referral's client was seen


def _ended(referral: ReferralRow) -> str:
    """Why a referral's drafts and future follow-up are withdrawn, or ""."""
    return f"referral {referral.status.lower()}" if referral.status in _ENDED else ""


def plan_referral(ctx: PlanContext, row: Row[ReferralRow]) -> RowPlan:
    assert row.model is not None
    referral = row.model
    plan = RowPlan(row.key)
    partner, _ = ctx.partners.find(referral.partner)
    if partner is None or partner.model is None:
        plan.problems.append(f"Partner '{referral.partner}' has a problem in the Partners tab "
                             f"({partner.where() if partner else 'not found'}): fix it there")
        return plan
    plan.intents.append(_thank_you(ctx, row, referral, partner))
    plan.intents.append(_follow_up(ctx, row, referral, partner))
    plan.intents.append(_report_back(ctx, row, referral, partner))
    for intent in plan.intents:
        if intent.why_not.startswith("!"):
            plan.problems.append(intent.why_not[1:])
    return plan


def _partner_values(ctx: PlanContext, partner: Row[PartnerRow], referral: ReferralRow
                    ) -> dict[str, str]:
    assert partner.model is not None
    values = {
        "partner_name": partner.model.name,
        "partner_salutation": salutation(partner.model),
        "practice": partner.model.practice,
        "referral_date": ctx.letter_date(referral.date),
    }
    if referral.consent:
        values.update(
            client_first_name=first_name(referral.client),
            client_initials=initials(referral.client),
            # Reason is optional; the templates say "regarding {{reason}}".
            reason=referral.reason or "the concerns you mentioned",
            first_visit=ctx.letter_date(referral.first_visit) if referral.first_visit else "",
        )
    return values


def _partner_draft(ctx: PlanContext, row: Row[ReferralRow], referral: ReferralRow,
                   partner: Row[PartnerRow], purpose: str, column: str, label: str,
                   template: str) -> Intent:
    assert partner.model is not None
    if not partner.model.email:
        return Intent(row.key, purpose, column, label,
                      why_not=f"!{label} not drafted: {partner.model.name} has no Email in the "
                              f"Partners tab ({partner.where()})")
    try:
        spec = ctx.draft(row.key, purpose, template, _partner_values(ctx, partner, referral),
                         partner.model.name, partner.model.email,
                         partner_safe=not referral.consent)
    except TemplateProblem as exc:
        return Intent(row.key, purpose, column, label, why_not="!" + problem_for(label, exc))
    spec = replace(spec, names_client=referral.consent)
    return Intent(row.key, purpose, column, label, spec, partner_key=partner.key)


def _thank_you(ctx: PlanContext, row: Row[ReferralRow], referral: ReferralRow,
               partner: Row[PartnerRow]) -> Intent:
    label = "Thank-you"
    if referral.direction != "Received":
        return Intent(row.key, THANK_YOU_PURPOSE, THANK_YOU, label,
                      why_not="not needed (we referred)")
    if _ended(referral):
        return Intent(row.key, THANK_YOU_PURPOSE, THANK_YOU, label,
                      why_not=f"not needed (status {referral.status})", retract=_ended(referral))
    if ctx.record(row.key, THANK_YOU_PURPOSE) is None:
        why = _thank_you_window(ctx, referral)
        if why:
            return Intent(row.key, THANK_YOU_PURPOSE, THANK_YOU, label, why_not=why)
    template = defaults.THANK_YOU_CONSENT if referral.consent else defaults.THANK_YOU
    return _partner_draft(ctx, row, referral, partner, THANK_YOU_PURPOSE, THANK_YOU, label,
                          template)


def _thank_you_window(ctx: PlanContext, referral: ReferralRow) -> str:
    """Why a thank-you not made yet is no longer worth making ("" when it is)."""
    s = ctx.settings
    if ctx.is_history(referral.date):
        return HISTORY
    if ctx.too_old(referral.date):
        return f"not needed (older than {s.history_days} days)"
    if (ctx.today - referral.date).days > s.thank_you_days:
        return f"not needed (referral more than {s.thank_you_days} days ago)"
    if referral.status in _ALREADY_ON:
        return f"not needed (already {referral.status})"
    return ""


def _follow_up(ctx: PlanContext, row: Row[ReferralRow], referral: ReferralRow,
               partner: Row[PartnerRow]) -> Intent:
    assert partner.model is not None
    s = ctx.settings
    client = ctx.client_label(referral.client)
    if referral.direction == "Received":
        if not referral.consent:
            return Intent(row.key, FOLLOW_UP_PURPOSE, FOLLOW_UP, "Report back",
                          why_not="none (no consent to share)", retract=CONSENT_WITHDRAWN)
        label = "Report back"
        title = f"Report back to {partner.model.name} about {client}"
        if referral.first_visit:
            day = referral.first_visit + dt.timedelta(days=s.report_back_days)
            why = f"first visit {iso(referral.first_visit)} + {s.report_back_days} days"
        else:
            day = referral.date + dt.timedelta(days=s.referral_follow_up_days)
            why = (f"referral {iso(referral.date)} + {s.referral_follow_up_days} days; "
                   "no first visit recorded yet")
    else:
        label = "Check seen"
        title = f"Check that {client} was seen by {partner.model.name}"
        day = referral.date + dt.timedelta(days=s.referral_follow_up_days)
        why = f"referral {iso(referral.date)} + {s.referral_follow_up_days} days"
    existing = ctx.record(row.key, FOLLOW_UP_PURPOSE)
    # Done: a report-back at Reported back (or its draft sent), "check seen" at Seen.
    # Nothing is moved or made any more; the row says where it ended.
    received = referral.direction == "Received"
    report_back = ctx.record(row.key, REPORT_BACK_PURPOSE)
    if received and report_back is not None and report_back.status == "sent":
        text = f"{label}: done (report-back sent on {report_back.date or 'an earlier day'})"
        return Intent(row.key, FOLLOW_UP_PURPOSE, FOLLOW_UP, label, why_not=text, shown=text)
    if referral.status in (("Reported back",) if received else _SEEN):
        text = f"{label}: done ({referral.status})"
        return Intent(row.key, FOLLOW_UP_PURPOSE, FOLLOW_UP, label, why_not=text, shown=text,
                      retract=_ended(referral))
    if referral.status in _LOOP_CLOSED:
        text = f"{label}: not needed ({referral.status})"
        return Intent(row.key, FOLLOW_UP_PURPOSE, FOLLOW_UP, label, why_not=text, shown=text,
                      retract=_ended(referral))
    if ctx.is_history(day) and existing is None:
        return Intent(row.key, FOLLOW_UP_PURPOSE, FOLLOW_UP, label, why_not=HISTORY)
    if ctx.too_old(day) and existing is None:
        return Intent(row.key, FOLLOW_UP_PURPOSE, FOLLOW_UP, label,
                      why_not=f"not needed (older than {s.history_days} days)")
    description = (
        f"{'Received from' if referral.direction == 'Received' else 'Sent to'} "
        f"{partner.model.name}"
        f"{' (' + partner.model.practice + ')' if partner.model.practice else ''} on "
        f"{iso(referral.date)}; client {client}; planned from {why}.\n"
        f"Register: Referrals tab, Referral ID {row.key}. Made by sheetsync."
    )
    planned, basis = ctx.schedule(row.key, FOLLOW_UP_PURPOSE, day)
    spec = ctx.all_day_event(row.key, FOLLOW_UP_PURPOSE, title, description, planned)
    if existing is not None and existing.status == "active" and planned < ctx.today:
        # Past its day and not done: late (flagged in the digest) until the horizon.
        late = (ctx.today - planned).days
        if late > s.history_days:
            return Intent(row.key, FOLLOW_UP_PURPOSE, FOLLOW_UP, label, spec, basis=basis,
                          shown=f"{label} missed (was due {iso(planned)})",
                          missed_since=planned + dt.timedelta(days=s.history_days + 1))
        return Intent(row.key, FOLLOW_UP_PURPOSE, FOLLOW_UP, label, spec, basis=basis,
                      shown=f"{label} was due {iso(planned)}: late by {days(late)}",
                      late=late)
    return Intent(row.key, FOLLOW_UP_PURPOSE, FOLLOW_UP, label, spec, basis=basis)


def _report_back(ctx: PlanContext, row: Row[ReferralRow], referral: ReferralRow,
                 partner: Row[PartnerRow]) -> Intent:
    label = "Report-back"
    if referral.direction != "Received" or not referral.consent:
        return Intent(row.key, REPORT_BACK_PURPOSE, FOLLOW_UP, label, why_not="",
                      retract=CONSENT_WITHDRAWN)
    if referral.status != "Seen":
        return Intent(row.key, REPORT_BACK_PURPOSE, FOLLOW_UP, label, why_not="",
                      retract=_ended(referral))
    if ctx.record(row.key, REPORT_BACK_PURPOSE) is None:
        # Seen long ago (before sheetsync, or past the horizon): too late to report back.
        seen = referral.first_visit or referral.date
        if ctx.is_history(seen):
            return Intent(row.key, REPORT_BACK_PURPOSE, FOLLOW_UP, label, why_not=HISTORY)
        if ctx.too_old(seen):
            return Intent(row.key, REPORT_BACK_PURPOSE, FOLLOW_UP, label,
                          why_not=f"not needed (older than {ctx.settings.history_days} days)")
    return _partner_draft(ctx, row, referral, partner, REPORT_BACK_PURPOSE, FOLLOW_UP, label,
                          defaults.REPORT_BACK)
