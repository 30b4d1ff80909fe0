"""The owner's "Dashboard" tab: the referral relationships at a glance.

A pure function of the planned register, like the weekly digest:

- per partner: referrals received and sent (this quarter and all time), last contact
  (the later of the typed Last contact and a draft to them the owner sent), next touch
  (as the Partners tab shows it) and an overdue flag;
- totals by specialty;
- referrals received per month over the last 12 months for the top five partners, the
  table a chart is drawn from.

Rows with problems still count where the cells that matter can be read: a partner whose
Email is wrong still has referrals, and a referral with an unreadable date still counts
in "all time". What cannot be attributed is said in a footnote, not silently dropped.

It names partners (colleagues) but never a client, and nothing in it depends on the time
of day: "this quarter" moves on at quarter boundaries and the overdue flags when a
partner's check-in falls due, so a sync that changes nothing writes nothing.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar, cast

from pydantic import ValidationError

from sheetsync.core.dashboard import (
    DASHBOARD_HEADING,
    DASHBOARD_TAB,
    Dashboard,
    DashValue,
    MonthlyTable,
)
from sheetsync.core.fields import text_of
from sheetsync.core.plan import RowPlan
from sheetsync.core.register import Row
from sheetsync.core.rows import FIELD_OF, PartnerRow, ReferralRow, RowModel, field_adapter
from sheetsync.core.schema import SPECIALTIES, normalise_header
from sheetsync.playbook.context import PlanContext, iso

TOP_PARTNERS = 5
MONTHS = 12
_MONTH_NAMES = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov",
                "Dec")
_QUARTER_SPANS = ("January to March", "April to June", "July to September",
                  "October to December")
NO_SPECIALTY = "Not set"
PARTNER_HEADER = ("Partner", "Partner ID", "Specialty", "Stage", "Received this quarter",
                  "Received all time", "Sent this quarter", "Sent all time", "Last contact",
                  "Next touch", "Overdue")
SPECIALTY_HEADER = ("Specialty", "Partners", "Received this quarter", "Received all time",
                    "Sent this quarter", "Sent all time")
# Characters per column: the partner table's, which is the widest.
WIDTHS = (30, 11, 20, 18, 12, 12, 12, 12, 13, 52, 9)
# The chart sits right of the monthly table (at most Month + 5 partners: A to F).
CHART_COLUMN = 7

M = TypeVar("M", bound=RowModel)


# --------------------------------------------------------------------- calendar maths


def quarter_start(day: dt.date) -> dt.date:
    return dt.date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)


def quarter_label(day: dt.date) -> str:
    """``Q4 2026 (October to December)``."""
    q = (day.month - 1) // 3
    return f"Q{q + 1} {day.year} ({_QUARTER_SPANS[q]})"


def in_quarter(day: dt.date, today: dt.date) -> bool:
    return quarter_start(day) == quarter_start(today)


def last_months(today: dt.date, count: int = MONTHS) -> list[tuple[int, int]]:
    """(year, month) of the ``count`` months ending with today's, oldest first."""
    index = today.year * 12 + today.month - 1
    return [divmod(i, 12) for i in range(index - count + 1, index + 1)]


def month_label(year: int, month0: int) -> str:
    """``Dec 2025`` for (2025, 11): months are 0-based here, as ``last_months`` gives."""
    return f"{_MONTH_NAMES[month0]} {year}"


# ------------------------------------------------------------------ reading leniently


def readable(ctx: PlanContext, row: Row[M], model: type[M], name: str) -> Any:
    """A field of a row, or None when that cell cannot be read. A row with a problem
    elsewhere (a bad Email, a missing Client) still gives its other fields."""
    if row.model is not None:
        return getattr(row.model, name)
    column = next(c for c, f in FIELD_OF[cast(Any, model)].items() if f == name)
    try:
        return field_adapter(model, name).validate_python(
            row.cells.get(column), context={"date_order": ctx.settings.date_order})
    except ValidationError:
        return None


# ------------------------------------------------------------------------- counting


@dataclass
class _Counts:
    received_quarter: int = 0
    received_all: int = 0
    sent_quarter: int = 0
    sent_all: int = 0

    def add(self, direction: str, this_quarter: bool) -> None:
        if direction == "Received":
            self.received_all += 1
            self.received_quarter += this_quarter
        else:
            self.sent_all += 1
            self.sent_quarter += this_quarter

    def merge(self, other: _Counts) -> None:
        self.received_quarter += other.received_quarter
        self.received_all += other.received_all
        self.sent_quarter += other.sent_quarter
        self.sent_all += other.sent_all

    def cells(self) -> tuple[int, int, int, int]:
        return (self.received_quarter, self.received_all, self.sent_quarter, self.sent_all)


@dataclass
class _Partner:
    row: Row[PartnerRow]
    name: str
    specialty: str
    stage: str
    counts: _Counts = field(default_factory=_Counts)
    months: Counter[tuple[int, int]] = field(default_factory=Counter)


@dataclass
class _Unread:
    no_partner: int = 0
    no_direction: int = 0
    no_date: int = 0


def specialty_of(text: str) -> str:
    """The list's spelling for a typed specialty; other texts as typed; blank: Not set."""
    text = " ".join(text.split())
    if not text:
        return NO_SPECIALTY
    wanted = normalise_header(text)
    return next((s for s in SPECIALTIES if normalise_header(s) == wanted), text)


def effective_last_contact(ctx: PlanContext, row: Row[PartnerRow]) -> dt.date | None:
    """Last contact moved on by any draft to this partner the owner has sent."""
    typed = readable(ctx, row, PartnerRow, "last_contact")
    sent = ctx.partner_contacts.get(row.key)
    days = [d for d in (typed, sent) if d is not None]
    return max(days) if days else None


def overdue(ctx: PlanContext, row: Row[PartnerRow], stage: str) -> bool:
    """An Active partner whose check-in is past due (rule 4), as the digest says."""
    if stage != "Active":
        return False
    contact = effective_last_contact(ctx, row)
    if contact is None:
        return False
    every = readable(ctx, row, PartnerRow, "checkin_every_days") or \
        ctx.settings.checkin_every_days
    return ctx.today > contact + dt.timedelta(days=every)


def build_dashboard(ctx: PlanContext, plans: Mapping[str, RowPlan],
                    title: str = DASHBOARD_TAB) -> Dashboard:
    """The Dashboard tab for this register today."""
    today = ctx.today
    months = last_months(today)
    window = set(months)
    partners: dict[str, _Partner] = {}
    for row in ctx.register.partners:
        name = text_of(readable(ctx, row, PartnerRow, "name") or "").strip()
        if not name:
            continue  # nothing to show or to match referrals with
        partners[row.key] = _Partner(
            row, name, specialty_of(readable(ctx, row, PartnerRow, "specialty") or ""),
            readable(ctx, row, PartnerRow, "stage") or "")

    unread = _Unread()
    for referral in ctx.register.referrals:
        direction = readable(ctx, referral, ReferralRow, "direction")
        partner_text = readable(ctx, referral, ReferralRow, "partner")
        found, _ = ctx.partners.find(partner_text) if partner_text else (None, "")
        partner = partners.get(found.key) if found is not None else None
        if partner is None:
            unread.no_partner += 1
            continue
        if direction not in ("Received", "Sent"):
            unread.no_direction += 1
            continue
        day = readable(ctx, referral, ReferralRow, "date")
        if day is None:
            unread.no_date += 1
        partner.counts.add(direction, day is not None and in_quarter(day, today))
        if direction == "Received" and day is not None and (day.year, day.month - 1) in window:
            partner.months[(day.year, day.month - 1)] += 1

    grid: list[tuple[DashValue, ...]] = []
    bold: set[int] = set()
    headers: set[int] = set()

    def heading(text: str) -> None:
        bold.add(len(grid))
        grid.append((text,))

    grid.append((DASHBOARD_HEADING,))
    grid.append((f"This quarter: {quarter_label(today)}. Rewritten by sheetsync on each "
                 "sync: keep your own notes in another tab.",))
    grid.append(())

    # -- monthly table (first, at a fixed place: the chart is drawn from it)
    top = sorted((p for p in partners.values() if sum(p.months.values())),
                 key=lambda p: (-sum(p.months.values()), -p.counts.received_all,
                                p.name.casefold(), p.row.key))[:TOP_PARTNERS]
    heading(f"Referrals received per month, top {TOP_PARTNERS} partners (last {MONTHS} "
            "months)")
    table_top = len(grid)
    headers.add(table_top)
    names = [p.name for p in partners.values()]
    grid.append(("Month", *(_label(p, names) for p in top)))
    for year, month0 in months:
        grid.append((month_label(year, month0), *(p.months[(year, month0)] for p in top)))
    chart = MonthlyTable(table_top, 0, len(months), len(top), table_top - 1, CHART_COLUMN) \
        if top else None
    if not top:
        grid.append((f"No referrals received in the last {MONTHS} months.",))
    grid.append(())

    # -- totals by specialty
    heading("By specialty")
    headers.add(len(grid))
    grid.append(SPECIALTY_HEADER)
    by_specialty: dict[str, _Counts] = defaultdict(_Counts)
    members: Counter[str] = Counter()
    for p in partners.values():
        members[p.specialty] += 1
        by_specialty[p.specialty].merge(p.counts)
    ranked = sorted(by_specialty.items(), key=lambda kv: (
        kv[0] == NO_SPECIALTY, -kv[1].received_all, -kv[1].sent_all, kv[0].casefold()))
    for specialty, counts in ranked:
        grid.append((specialty, members[specialty], *counts.cells()))
    total = _Counts()
    for counts in by_specialty.values():
        total.merge(counts)
    bold.add(len(grid))
    grid.append(("Total", len(partners), *total.cells()))
    grid.append(())

    # -- per partner
    heading("Partners")
    headers.add(len(grid))
    grid.append(PARTNER_HEADER)
    ordered = sorted(partners.values(), key=lambda p: (
        -p.counts.received_all, -p.counts.sent_all, p.name.casefold(), p.row.key))
    for p in ordered:
        contact = effective_last_contact(ctx, p.row)
        plan = plans.get(p.row.key)
        next_touch = plan.next_touch if plan is not None else ""
        if not next_touch and (p.row.problems or (plan is not None and plan.problems)):
            next_touch = "see the row's Sync status"
        grid.append((p.name, p.row.key, p.specialty, p.stage, *p.counts.cells(),
                     iso(contact) if contact else "", next_touch,
                     "Yes" if overdue(ctx, p.row, p.stage) else ""))
    if not partners:
        grid.append(("No partners yet: add them in the Partners tab.",))

    notes = _footnotes(unread)
    if notes:
        grid.append(())
        grid.extend((n,) for n in notes)
    return Dashboard(title, tuple(grid), frozenset(bold), chart, WIDTHS,
                     header_rows=frozenset(headers))


def _label(partner: _Partner, names: list[str]) -> str:
    """A partner's column header: the name, with the ID when two partners share it."""
    if sum(1 for n in names if n.casefold() == partner.name.casefold()) > 1:
        return f"{partner.name} ({partner.row.key})"
    return partner.name


def _footnotes(unread: _Unread) -> list[str]:
    notes = []
    if unread.no_partner:
        notes.append(f"Not counted: {_referrals(unread.no_partner)} whose Partner is not found "
                     "in the Partners tab (see the Sync status in Referrals).")
    if unread.no_direction:
        notes.append(f"Not counted: {_referrals(unread.no_direction)} whose Direction cannot "
                     "be read.")
    if unread.no_date:
        notes.append(f"Counted in 'all time' only: {_referrals(unread.no_date)} whose Date "
                     "cannot be read.")
    return notes


def _referrals(n: int) -> str:
    return f"{n} referral" + ("" if n == 1 else "s")
