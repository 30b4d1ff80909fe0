"""The "Dashboard" tab as backends see it: a grid of values, the rows to show bold, and
where the monthly table is, for a chart of it.

``sheetsync.playbook.dashboard`` computes its content (a pure function of the register);
a register that keeps the dashboard (``keeps_dashboard = True``, see
``ports.DashboardRegister``) writes it in the write it makes anyway, replacing the tab's
content, and keeps one chart of the monthly table on it. The content never depends on the
time of day, so an unchanged sync finds the tab as it would write it and writes nothing.

The tab is sheetsync's own, like the Sync log. A staff tab that happens to be called
"Dashboard" is never overwritten: its first cell is not ``DASHBOARD_HEADING``, so the
dashboard goes to ``DASHBOARD_TAB_ALT`` instead (``dashboard_title``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Union

from sheetsync.core.fields import text_of
from sheetsync.core.ports import RawTab, RegisterSnapshot
from sheetsync.core.schema import normalise_header

DASHBOARD_TAB = "Dashboard"
DASHBOARD_TAB_ALT = "Dashboard (sheetsync)"
# Cell A1 of the tab: marks it as sheetsync's, so a staff tab is never taken over.
DASHBOARD_HEADING = "Referrals at a glance"
CHART_TITLE = "Referrals received per month"

DashValue = Union[str, int]  # noqa: UP007 (runtime alias on 3.10)


@dataclass(frozen=True)
class MonthlyTable:
    """Where the monthly table sits (0-based), for the chart: a header row (Month, then
    one column per partner) and one row per month below it, oldest first."""

    top: int
    left: int
    months: int
    series: int
    # The chart's top-left cell (0-based), beside the table.
    anchor_row: int
    anchor_col: int

    @property
    def bottom(self) -> int:
        """One past the last month row."""
        return self.top + 1 + self.months


@dataclass(frozen=True)
class Dashboard:
    """The whole tab: ``rows`` from A1 (ints are counts, written as numbers so a chart
    can plot them, and centred; everything else is text), column widths in characters,
    and the monthly table (``chart`` is None when no partner referred anyone in the last
    12 months). Row indexes (0-based) say how rows look: ``title_rows`` large and bold,
    ``bold`` bold (section headings, totals), ``header_rows`` the tables' column headers
    (bold, wrapped, shaded)."""

    title: str
    rows: tuple[tuple[DashValue, ...], ...]
    bold: frozenset[int]
    chart: MonthlyTable | None
    widths: tuple[int, ...]
    title_rows: frozenset[int] = frozenset({0})
    header_rows: frozenset[int] = frozenset()

    def text_rows(self) -> list[tuple[str, ...]]:
        return normalised(self.rows)


def normalised(rows: Iterable[Iterable[object]]) -> list[tuple[str, ...]]:
    """Rows as text, trailing empty cells and rows dropped: how a grid is compared."""
    out: list[tuple[str, ...]] = []
    for row in rows:
        cells = [_text(c) for c in row]
        while cells and cells[-1] == "":
            cells.pop()
        out.append(tuple(cells))
    while out and not out[-1]:
        out.pop()
    return out


def _text(value: object) -> str:
    if type(value) is str:  # most cells: the quick way (a dashboard has a row per partner)
        return value.strip()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (dt.datetime, dt.date)):
        return value.isoformat()
    return text_of(value).strip()


def _find(snapshot: RegisterSnapshot, title: str) -> RawTab | None:
    wanted = normalise_header(title)
    return next((t for t in snapshot.tabs if normalise_header(t.title) == wanted), None)


def tab_rows(tab: RawTab | None) -> list[tuple[str, ...]]:
    """A tab's grid as read (header included), as compared text."""
    if tab is None:
        return []
    return normalised([tab.header, *(r.cells for r in tab.rows)])


def is_ours(tab: RawTab | None) -> bool:
    """Is this tab sheetsync's dashboard (or empty, so free to use)?"""
    if tab is None:
        return True
    # Only the first row decides (the tab may hold a row per partner): ours when it
    # starts with our heading, free when every row is empty.
    first = normalised([tab.header])
    if first:
        return first[0][0] == DASHBOARD_HEADING
    return not normalised(r.cells for r in tab.rows)


def dashboard_title(snapshot: RegisterSnapshot) -> str:
    """Where the dashboard goes: "Dashboard", unless a staff tab already has that name."""
    return DASHBOARD_TAB if is_ours(_find(snapshot, DASHBOARD_TAB)) else DASHBOARD_TAB_ALT


def existing_tab(snapshot: RegisterSnapshot, title: str) -> RawTab | None:
    return _find(snapshot, title)


def dashboard_unchanged(snapshot: RegisterSnapshot, dashboard: Dashboard | None) -> bool:
    """Does the register already show this dashboard (values only)? None: nothing to do."""
    if dashboard is None:
        return True
    return tab_rows(_find(snapshot, dashboard.title)) == dashboard.text_rows()
