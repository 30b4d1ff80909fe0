"""The Dashboard's content, planned without any backend: counts this quarter and all
time, the overdue flag, specialty totals, month buckets across a year's end, the top
partners' table the chart is drawn from, and rows with problems."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any, cast

from builders import TODAY, referral, tables

from sheetsync.core.dashboard import DASHBOARD_HEADING, Dashboard
from sheetsync.core.register import parse_register
from sheetsync.core.state import SyncState
from sheetsync.engine import DEFAULT_TREATMENT_ROWS
from sheetsync.playbook import PlanContext, plan_register
from sheetsync.playbook.dashboard import (
    PARTNER_HEADER,
    SPECIALTY_HEADER,
    build_dashboard,
    in_quarter,
    last_months,
    month_label,
    quarter_label,
)
from sheetsync.testing.memory import MemoryRegister


def partner(name: str, **over: Any) -> dict[str, Any]:
    row = {"Name": name, "Specialty": "Dermatologist", "Email": "x@clinic.example",
           "Stage": "Active", "Last contact": TODAY - dt.timedelta(days=10)}
    row.update(over)
    return row


def build(partners: Sequence[Mapping[str, Any]], referrals: Sequence[Mapping[str, Any]] = (),
          today: dt.date = TODAY, contacts: Mapping[str, dt.date] | None = None
          ) -> Dashboard:
    snapshot = MemoryRegister(tables(partners=partners, referrals=referrals)).read()
    parsed = parse_register(snapshot, SyncState.from_rows(()), DEFAULT_TREATMENT_ROWS)
    ctx = PlanContext(parsed, parsed.state, today, "test", contacts or {})
    return build_dashboard(ctx, plan_register(ctx))


def section(dash: Dashboard, header: Sequence[str]) -> dict[str, tuple[Any, ...]]:
    """The table under ``header``, by first cell, as plain values."""
    rows = list(dash.rows)
    start = rows.index(tuple(header)) + 1
    out: dict[str, tuple[Any, ...]] = {}
    for row in rows[start:]:
        if not row:
            break
        out[str(row[0])] = row
    return out


def partners_table(dash: Dashboard) -> dict[str, dict[str, Any]]:
    return {name: dict(zip(PARTNER_HEADER, row, strict=False))
            for name, row in section(dash, PARTNER_HEADER).items()}


def monthly(dash: Dashboard) -> list[tuple[Any, ...]]:
    assert dash.chart is not None
    return list(dash.rows[dash.chart.top:dash.chart.bottom])


# ------------------------------------------------------------------ calendar maths


def test_quarters_and_months_around_a_year_end() -> None:
    assert quarter_label(TODAY) == "Q4 2026 (October to December)"
    assert in_quarter(dt.date(2026, 10, 1), TODAY) and in_quarter(dt.date(2026, 12, 31), TODAY)
    assert not in_quarter(dt.date(2026, 9, 30), TODAY)
    assert not in_quarter(dt.date(2025, 11, 22), TODAY)  # same quarter, last year
    months = last_months(dt.date(2026, 1, 15))
    assert len(months) == 12
    assert [month_label(*m) for m in (months[0], months[-2], months[-1])] == \
        ["Feb 2025", "Dec 2025", "Jan 2026"]
    assert [month_label(*m) for m in last_months(dt.date(2026, 12, 31))][::11] == \
        ["Jan 2026", "Dec 2026"]


# ------------------------------------------------------------------------ counts


def test_counts_this_quarter_and_all_time_per_partner_and_specialty() -> None:
    dash = build(
        [partner("Dr Carol Webster"), partner("Dr Amara Okafor", Specialty="ob-gyn"),
         partner("Maya Lindqvist", Specialty="")],
        [referral(Date=dt.date(2026, 10, 1)),
         referral(Date=dt.date(2026, 9, 30)),
         referral(Date=dt.date(2025, 11, 22)),  # this quarter's months, a year ago
         referral(Direction="Sent", Date=dt.date(2026, 11, 20)),
         referral(Partner="Dr Amara Okafor", Date=dt.date(2026, 12, 1)),  # ahead, same Q
         referral(Partner="Dr Amara Okafor", Direction="Sent", Date=dt.date(2024, 3, 1))])
    table = partners_table(dash)
    carol = table["Dr Carol Webster"]
    assert (carol["Received this quarter"], carol["Received all time"],
            carol["Sent this quarter"], carol["Sent all time"]) == (1, 3, 1, 1)
    amara = table["Dr Amara Okafor"]
    assert (amara["Received this quarter"], amara["Received all time"],
            amara["Sent this quarter"], amara["Sent all time"]) == (1, 1, 0, 1)
    assert amara["Specialty"] == "OB-GYN"  # the list's spelling
    assert list(table) == ["Dr Carol Webster", "Dr Amara Okafor", "Maya Lindqvist"]

    by_specialty = section(dash, SPECIALTY_HEADER)
    assert by_specialty["Dermatologist"] == ("Dermatologist", 1, 1, 3, 1, 1)
    assert by_specialty["OB-GYN"] == ("OB-GYN", 1, 1, 1, 0, 1)
    assert by_specialty["Not set"] == ("Not set", 1, 0, 0, 0, 0)
    assert by_specialty["Total"] == ("Total", 3, 2, 4, 1, 2)
    assert list(by_specialty)[-2:] == ["Not set", "Total"]


def test_overdue_flag_and_effective_last_contact() -> None:
    long_ago = TODAY - dt.timedelta(days=100)
    dash = build(
        [partner("Overdue Active", **{"Last contact": long_ago}),
         partner("Thanked Since", **{"Last contact": long_ago}),
         partner("Due Today", **{"Last contact": TODAY - dt.timedelta(days=90)}),
         partner("Custom Every", **{"Last contact": long_ago, "Check-in every (days)": 120}),
         partner("Nurtured", Stage="Nurturing", **{"Last contact": long_ago}),
         partner("Bad Email", Email="bad@", **{"Last contact": long_ago})],
        # A thank-you the owner sent is a contact (partner IDs follow the row order).
        contacts={"P-0002": TODAY - dt.timedelta(days=5)})
    table = partners_table(dash)
    flags = {name: row["Overdue"] for name, row in table.items()}
    assert flags == {"Overdue Active": "Yes", "Thanked Since": "", "Due Today": "",
                     "Custom Every": "", "Nurtured": "", "Bad Email": "Yes"}
    assert table["Thanked Since"]["Last contact"] == (TODAY - dt.timedelta(days=5)).isoformat()
    assert table["Overdue Active"]["Next touch"].startswith("OVERDUE since")
    # A row with a problem has no plan: it points at its Sync status.
    assert table["Bad Email"]["Next touch"] == "see the row's Sync status"


def test_month_buckets_across_the_year_end_and_the_top_five() -> None:
    today = dt.date(2026, 1, 15)
    names = [f"Partner {c}" for c in "ABCDEF"]
    refs = [referral(Partner=names[0], Date=dt.date(2025, 12, 31)),
            referral(Partner=names[0], Date=dt.date(2026, 1, 1)),
            referral(Partner=names[0], Date=dt.date(2025, 1, 31)),  # 13th month back: out
            referral(Partner=names[0], Direction="Sent", Date=dt.date(2026, 1, 2))]
    refs += [referral(Partner=names[i], Date=dt.date(2025, 6, 1 + i))
             for i in range(1, 6) for _ in range(i)]
    dash = build([partner(n) for n in names], refs, today=today)
    rows = monthly(dash)
    # By referrals in the window; A and C tie on 2, and A has more of all time.
    assert rows[0] == ("Month", names[5], names[4], names[3], names[0], names[2])
    assert dash.chart is not None and dash.chart.series == 5 and dash.chart.months == 12
    by_month = {r[0]: r[1:] for r in rows[1:]}
    assert list(by_month)[::11] == ["Feb 2025", "Jan 2026"]
    assert by_month["Dec 2025"] == (0, 0, 0, 1, 0)
    assert by_month["Jan 2026"] == (0, 0, 0, 1, 0)  # the Sent one is not counted
    assert by_month["Jun 2025"] == (5, 4, 3, 0, 2)
    assert sum(sum(cast(tuple[int, ...], r[1:])) for r in rows[1:]) == 2 + 5 + 4 + 3 + 2


def test_no_received_referrals_means_no_chart() -> None:
    dash = build([partner("Dr Carol Webster")],
                 [referral(Direction="Sent")])
    assert dash.chart is None
    assert ("No referrals received in the last 12 months.",) in dash.rows


def test_rows_with_problems_count_where_readable_and_no_client_is_named() -> None:
    dash = build(
        [partner("Dr Carol Webster", Email="carol@")],  # a problem row
        [referral(Client="Jane Doe"),
         referral(Client=None),  # no client: a problem, still a referral from Carol
         referral(Client="Ann Lee", Date="03/04/2026"),  # ambiguous date: all time only
         referral(Client="Bo Chen", Partner="Dr Nobody"),
         referral(Client="Cy Dunn", Direction="Sideways")])
    carol = partners_table(dash)["Dr Carol Webster"]
    assert (carol["Received this quarter"], carol["Received all time"]) == (2, 3)
    notes = [str(r[0]) for r in dash.rows if r and str(r[0]).startswith(("Not counted",
                                                                            "Counted"))]
    assert notes == [
        "Not counted: 1 referral whose Partner is not found in the Partners tab "
        "(see the Sync status in Referrals).",
        "Not counted: 1 referral whose Direction cannot be read.",
        "Counted in 'all time' only: 1 referral whose Date cannot be read."]
    text = str(dash.rows)
    for client in ("Jane", "Ann Lee", "Bo Chen", "Cy Dunn", "acne"):
        assert client not in text


def test_the_layout_is_stable_and_deterministic() -> None:
    args = ([partner("Dr Carol Webster")], [referral()])
    first, second = build(*args), build(*args)
    assert first == second
    assert first.rows[0] == (DASHBOARD_HEADING,) and 0 in first.title_rows
    assert first.chart is not None
    # The chart sits beside the monthly table, which starts at a fixed place.
    assert (first.chart.top, first.chart.left, first.chart.anchor_col) == (4, 0, 7)
    header = first.rows[first.chart.top]
    assert header == ("Month", "Dr Carol Webster") and first.chart.top in first.header_rows
