"""The owner's weekly digest: "This week in referrals", one draft per week.

A pure function of the planned register, like the other rules. The digest covers the
clinic's current week (Monday to Sunday): it is made on the first sync of the week and,
because its key holds the week (``digest-2026-W47/digest``), every later sync that week
updates the same draft when its content changed, and never makes a second one. Next
week gets a new key; when it is made, last week's draft is deleted if it is still
unsent and nobody edited it (``replaced_digests``), so one digest waits at a time.

The digest names partners (colleagues, not clients) but never a client: client rows
appear as their ID and initials only, because drafts are read on phones, forwarded and
kept for years. Nothing in it depends on the time of day, so syncs that change nothing
in the register leave the draft alone.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence

from sheetsync.core.ids import object_key
from sheetsync.core.plan import Intent, RowPlan, kind_of
from sheetsync.core.ports import DraftSpec, EventSpec
from sheetsync.core.reconcile import decide
from sheetsync.core.state import SyncState
from sheetsync.core.templates import TemplateProblem, blanks_note
from sheetsync.playbook import defaults
from sheetsync.playbook.checkins import CHECK_IN_PURPOSE
from sheetsync.playbook.context import PlanContext, initials, iso, problem_for
from sheetsync.playbook.partners import last_contact
from sheetsync.playbook.referrals import FOLLOW_UP_PURPOSE, THANK_YOU_PURPOSE
from sheetsync.playbook.tracker import clients_waiting

DIGEST_PURPOSE = "digest"
DIGEST_LABEL = "Weekly digest"
# A long list helps nobody at a glance; the register has the rest.
MAX_ITEMS = 15
# Draft kinds by purpose, for counts (labels can hold partner names: "Introduction via …").
_DRAFT_KINDS = {"introduction": "introduction request", "meeting-request": "meeting request",
                "report-back": "report-back", "aftercare": "aftercare"}


def week_start(today: dt.date) -> dt.date:
    return today - dt.timedelta(days=today.weekday())


def digest_row_key(today: dt.date) -> str:
    """The digest's key for the week holding ``today``: ISO year and week, e.g.
    ``digest-2026-W47`` (ISO weeks start on Monday; 29 Dec 2025 is in 2026-W01)."""
    year, week, _ = today.isocalendar()
    return f"digest-{year}-W{week:02d}"


def digest_key(today: dt.date) -> str:
    return object_key(digest_row_key(today), DIGEST_PURPOSE)


def replaced_digests(state: SyncState, today: dt.date) -> list[Intent]:
    """Earlier weeks' digests still waiting unsent in Drafts: this week's replaces them,
    so at most one digest waits at a time (an edited one is left, ``core.reconcile``)."""
    current = digest_row_key(today)
    return [Intent(r.row_key, r.purpose, "", DIGEST_LABEL,
                   retract="replaced by this week's digest")
            for r in state.objects.values()
            if r.status == "active" and r.kind == "draft" and r.row_key.startswith("digest-")
            and r.row_key != current]


def plan_digest(ctx: PlanContext, plans: Mapping[str, RowPlan],
                tab_problems: Sequence[str] = ()) -> Intent:
    """The digest intent for this week: a draft to Settings' Owner email, or the reason
    there is none (``why_not``; a leading ``!`` marks a problem to report)."""
    row_key = digest_row_key(ctx.today)

    def none(why: str) -> Intent:
        return Intent(row_key, DIGEST_PURPOSE, "", DIGEST_LABEL, why_not=why)

    settings = ctx.settings
    if not settings.weekly_digest:
        return none("turned off in Settings (Weekly digest = No)")
    if not settings.owner_email:
        return none("no weekly digest: set Owner email in the Settings tab to get one")
    if tab_problems:
        # A tab that was not synced (a missing column, a mass change held) would make the
        # week look empty: the digest waits, as it was, until every tab syncs again.
        return none("waiting until every tab can be synced (see the problems above)")
    record = ctx.state.get(object_key(row_key, DIGEST_PURPOSE))
    if record is not None and record.status == "deleted":
        # The owner deleted this week's digest: they are done with it. Next week's comes.
        return none("deleted this week; next week's digest comes on the first sync of "
                    "the week")
    values = {"week_of": ctx.letter_date(week_start(ctx.today)),
              "digest": digest_text(ctx, plans)}
    try:
        spec = ctx.draft(row_key, DIGEST_PURPOSE, defaults.WEEKLY_DIGEST, values,
                         settings.sender, settings.owner_email, partner_safe=False)
    except TemplateProblem as exc:
        return none("!" + problem_for(DIGEST_LABEL, exc))
    return Intent(row_key, DIGEST_PURPOSE, "", DIGEST_LABEL, spec)


# ---------------------------------------------------------------------------- content


def digest_text(ctx: PlanContext, plans: Mapping[str, RowPlan]) -> str:
    """The digest's sections as plain text (the template's ``{{digest}}``)."""
    monday = week_start(ctx.today)
    sunday = monday + dt.timedelta(days=6)
    sections = [
        _clients_waiting(ctx),  # first: the seeds ask clinics to answer within 48 hours
        _referrals(ctx, monday, sunday),
        _drafts_waiting(ctx, plans),
        _overdue_partners(ctx),
        _this_week(ctx, plans, monday, sunday),
        _late(plans, monday, sunday),
        _problems(ctx, plans),
    ]
    return as_letters(ctx, "\n\n".join(s for s in sections if s))


_ISO_DATE = re.compile(r"\b(\d{4})-(\d\d)-(\d\d)\b")


def as_letters(ctx: PlanContext, text: str) -> str:
    """The digest is for people: its dates (some quoted from the status cells) read as
    in the letters, in the clinic's order ('Friday 4 December'), not 2026-12-04."""
    def letter(match: re.Match[str]) -> str:
        try:
            day = dt.date(int(match[1]), int(match[2]), int(match[3]))
        except ValueError:
            return match[0]
        return ctx.letter_date(day)
    return _ISO_DATE.sub(letter, text)


def _clients_waiting(ctx: PlanContext) -> str:
    """Clients who replied to an email and wait for the clinic's answer (the tracker),
    the longest waiting first; nothing when none."""
    waiting = clients_waiting(ctx)
    if not waiting:
        return ""
    rows = {row.key: row for row in ctx.register.checkins}
    lines = [f"Clients waiting for your answer: {len(waiting)}"]
    items = []
    for item in waiting:
        row = rows[item.row_key]
        who = f" {initials(row.model.client)}" if row.model is not None else ""
        late = " (overdue)" if ctx.today > item.answer_by else ""
        items.append(f"  - {item.row_key}{who} replied on {iso(item.replied)}: answer by "
                     f"{iso(item.answer_by)}{late}")
    return "\n".join(lines + _capped(items))


def _referrals(ctx: PlanContext, monday: dt.date, sunday: dt.date) -> str:
    counts: dict[str, Counter[str]] = {"Received": Counter(), "Sent": Counter()}
    for row in ctx.register.referrals:
        referral = row.model
        if referral is None or not monday <= referral.date <= sunday:
            continue
        partner, _ = ctx.partners.find(referral.partner)
        name = partner.model.name if partner is not None and partner.model else \
            referral.partner
        counts.setdefault(referral.direction, Counter())[name] += 1
    lines = []
    for direction, heading in (("Received", "Referrals received"), ("Sent", "Referrals sent")):
        by_partner = counts[direction]
        total = sum(by_partner.values())
        lines.append(f"{heading} this week: {total or 'none yet'}")
        ranked = sorted(by_partner.items(), key=lambda kv: (-kv[1], kv[0].casefold()))
        lines += _capped([f"  - {name}: {n}" for name, n in ranked])
    return "\n".join(lines)


def _waiting(ctx: PlanContext, intent: Intent) -> bool:
    """Is this draft in Drafts (or about to be), not sent and not deleted?"""
    record = ctx.state.get(intent.key)
    step = decide(intent, record)
    if step.kind in ("create", "update"):
        return True
    return step.kind == "keep" and record is not None and record.status in ("active", "edited")


def _drafts_waiting(ctx: PlanContext, plans: Mapping[str, RowPlan]) -> str:
    thank_yous: list[str] = []
    others: Counter[str] = Counter()
    to_fill: list[str] = []
    for plan in plans.values():
        for intent in plan.intents:
            if not isinstance(intent.spec, DraftSpec) or not _waiting(ctx, intent):
                continue
            if blanks := blanks_note(intent.spec.body):
                kind = _DRAFT_KINDS.get(intent.purpose, intent.purpose)
                to_fill.append(f"  - {intent.row_key} {kind}{blanks}")
            if intent.purpose == THANK_YOU_PURPOSE:
                thank_yous.append(f"  - {intent.row_key} to {intent.spec.to_name}")
            else:
                others[_DRAFT_KINDS.get(intent.purpose, intent.purpose)] += 1
    lines = [f"Thank-yous waiting to be sent: {len(thank_yous) or 'none'}"]
    lines += _capped(sorted(thank_yous))
    if others:
        parts = ", ".join(f"{n} {kind}" for kind, n in sorted(others.items()))
        lines.append(f"Other drafts waiting for you: {parts}")
    if to_fill:
        lines.append(f"Drafts with a line for you to fill in before sending: {len(to_fill)}")
        lines += _capped(sorted(to_fill))
    return "\n".join(lines)


def _overdue_partners(ctx: PlanContext) -> str:
    overdue: list[tuple[dt.date, str]] = []
    for row in ctx.register.partners:
        partner = row.model
        if partner is None or row.problems or partner.stage != "Active":
            continue
        contact = last_contact(ctx, row)
        if contact is None:
            continue
        every = partner.checkin_every_days or ctx.settings.checkin_every_days
        due = contact + dt.timedelta(days=every)
        if ctx.today > due:
            overdue.append((due, f"  - {partner.name} ({row.key}): check-in due since "
                                 f"{iso(due)}, last contact {iso(contact)}"))
    overdue.sort()
    lines = [f"Partners overdue for a check-in: {len(overdue) or 'none'}"]
    lines += _capped([text for _, text in overdue])
    return "\n".join(lines)


def _late(plans: Mapping[str, RowPlan], monday: dt.date, sunday: dt.date) -> str:
    """Check-ins and follow-ups past their day and not done (every week until they are
    done or missed), and those that became missed this week (said once)."""
    late: list[tuple[int, str]] = []
    missed: list[str] = []
    for plan in plans.values():
        for intent in plan.intents:
            if intent.late > 0 and intent.shown:
                late.append((-intent.late, f"  - {intent.shown} ({intent.row_key})"))
            elif intent.missed_since is not None and monday <= intent.missed_since <= sunday:
                what = intent.shown or f"{intent.label} {intent.why_not}"
                missed.append(f"  - {what} ({intent.row_key})")
    if not late and not missed:
        return ""
    lines = [f"Late, not done yet: {len(late) or 'none'}"]
    lines += _capped([text for _, text in sorted(late)])
    if missed:
        lines.append(f"Missed this week (too late now): {len(missed)}")
        lines += _capped(sorted(missed))
    return "\n".join(lines)


def _this_week(ctx: PlanContext, plans: Mapping[str, RowPlan], monday: dt.date,
               sunday: dt.date) -> str:
    """Client check-ins and partner reminders on the calendar this week."""
    checkins: list[tuple[dt.date, str]] = []
    partner_items: list[tuple[dt.date, str]] = []
    rows = {row.key: row for row in ctx.register.all_rows()}
    for plan in plans.values():
        row = rows.get(plan.row_key)
        if row is None or row.model is None:
            continue
        for intent in plan.intents:
            spec = intent.spec
            if not isinstance(spec, EventSpec):
                continue
            record = ctx.state.get(intent.key)
            if record is not None and record.status == "deleted":
                continue  # deleted in the calendar: the owner decided against it
            start = spec.start
            day = start.date() if isinstance(start, dt.datetime) else start
            if not monday <= day <= sunday:
                continue
            when = ctx.letter_date(day)
            if intent.purpose == CHECK_IN_PURPOSE:
                model = row.model
                checkins.append((day, f"  - {when}: {intent.label.lower()} "
                                      f"{initials(model.client)} after {model.treatment} "
                                      f"({row.key})"))
            elif intent.purpose == FOLLOW_UP_PURPOSE:
                partner, _ = ctx.partners.find(row.model.partner)
                who = partner.model.name if partner is not None and partner.model else ""
                partner_items.append((day, f"  - {when}: {intent.label.lower()}, "
                                           f"{who} ({row.key})"))
            elif kind_of(intent.purpose) in ("stay-in-touch", "nurture", "nudge"):
                what = {"stay-in-touch": "check in", "nurture": "offer one piece of value",
                        "nudge": "nudge about the meeting request"}[kind_of(intent.purpose)]
                partner_items.append((day, f"  - {when}: {what}, {row.model.name} "
                                           f"({row.key})"))
    lines = [f"Client check-ins due this week: {len(checkins) or 'none'}"]
    lines += _capped([text for _, text in sorted(checkins)])
    lines.append(f"Partner follow-ups due this week: {len(partner_items) or 'none'}")
    lines += _capped([text for _, text in sorted(partner_items)])
    return "\n".join(lines)


def _problems(ctx: PlanContext, plans: Mapping[str, RowPlan]) -> str:
    by_tab: dict[str, list[str]] = defaultdict(list)
    for row in ctx.register.all_rows():
        plan = plans.get(row.key)
        if row.problems or (plan is not None and plan.problems):
            by_tab[row.tab].append(row.key)
    total = sum(len(keys) for keys in by_tab.values())
    if not total:
        return "Rows with problems: none"
    lines = [f"Rows with problems: {total} (each row's Sync status cell says what to fix)"]
    for tab, keys in by_tab.items():
        shown = ", ".join(keys[:MAX_ITEMS * 2])
        more = f" and {len(keys) - MAX_ITEMS * 2} more" if len(keys) > MAX_ITEMS * 2 else ""
        lines.append(f"  - {tab}: {shown}{more}")
    return "\n".join(lines)


def _capped(lines: list[str]) -> list[str]:
    if len(lines) <= MAX_ITEMS:
        return lines
    return [*lines[:MAX_ITEMS], f"  - … and {len(lines) - MAX_ITEMS} more (see the register)"]
