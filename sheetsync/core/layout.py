"""How the register looks to staff: one description for Google Sheets and .xlsx alike.

Derived from ``schema.py`` (columns, choices, dates, tool-owned columns, notes), so a new
column or choice there shows up in both backends' layout without further work. The
backends (``backends/local/workbook.py``, ``backends/google/layout.py``) turn it into
openpyxl objects or Sheets ``batchUpdate`` requests, and add only what is missing to a
register that already exists.

Every check is a *warning*, never a refusal: staff may type a value that is not in the
list (a partner's ID instead of their name, a treatment not in the catalogue yet), and
sheetsync's own reading of the row is what decides whether the row is usable.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sheetsync.core.schema import (
    ALL_TABS,
    CHECKINS,
    NEXT_TOUCH,
    PARTNERS,
    REFERRALS,
    SYNC_STATUS,
    TEMPLATES,
    THANK_YOU,
    TREATMENTS,
    Column,
    TabSpec,
)

# Colours as RRGGBB. The red/amber/green pairs are the ones spreadsheet users know from
# Excel's and Sheets' built-in "light red fill with dark red text" presets.
TOOL_SHADE = "E7E6E6"  # light grey: "sheetsync writes this column"
RED_FILL, RED_TEXT = "FFC7CE", "9C0006"
AMBER_FILL = "FFF2CC"
GREEN_FILL, GREEN_TEXT = "C6EFCE", "006100"

# Text that sheetsync's status columns start with (see playbook/partners.py and
# core/status.py); tests check that the producing code still writes these prefixes.
OVERDUE_PREFIX = "OVERDUE"
PROBLEM_PREFIX = "Needs attention"
SENT_PREFIX = "sent on"

# How far down a dropdown looks for its choices in the .xlsx (Sheets takes open ranges).
LIST_ROWS = 1000

TOOL_PROMPT_TITLE = "sheetsync writes this"


@dataclass(frozen=True)
class ListFrom:
    """A dropdown whose choices are the values of another tab's column."""

    tab: str
    column: str


@dataclass(frozen=True)
class ColumnLayout:
    name: str
    note: str
    width: int  # in characters; backends convert to their own units
    tool_owned: bool = False
    required: bool = False
    choices: tuple[str, ...] = ()
    choices_from: ListFrom | None = None
    is_date: bool = False

    @property
    def has_dropdown(self) -> bool:
        return bool(self.choices) or self.choices_from is not None


@dataclass(frozen=True)
class Highlight:
    """Conditional formatting: cells (or whole rows) whose ``column`` starts with ``prefix``."""

    label: str  # how ``init`` reports it, e.g. "overdue Next touch in red"
    column: str
    prefix: str
    fill: str
    text: str | None = None
    whole_row: bool = False

    def formula(self, column_letter: str, first_row: int = 2) -> str:
        """The rule as a formula for the top-left cell of its range, without a leading
        "=". ``LEFT(...)=`` compares without regard to case in Excel, LibreOffice and
        Sheets alike; the column is absolute so a whole-row rule tests one cell."""
        prefix = self.prefix.replace('"', '""')
        return f'LEFT(${column_letter}{first_row},{len(self.prefix)})="{prefix}"'


@dataclass(frozen=True)
class TabLayout:
    spec: TabSpec
    columns: tuple[ColumnLayout, ...]
    highlights: tuple[Highlight, ...] = ()
    frozen_rows: int = 1

    @property
    def name(self) -> str:
        return self.spec.name

    @property
    def header(self) -> list[str]:
        return [c.name for c in self.columns]

    @property
    def tool_columns(self) -> tuple[ColumnLayout, ...]:
        return tuple(c for c in self.columns if c.tool_owned)

    def column(self, name: str) -> ColumnLayout | None:
        return next((c for c in self.columns if c.name == name), None)


# Dropdowns fed from another tab: the catalogue a value should come from.
_LISTS_FROM: dict[tuple[str, str], ListFrom] = {
    (CHECKINS.name, "Treatment"): ListFrom(TREATMENTS.name, "Treatment"),
    (REFERRALS.name, "Partner"): ListFrom(PARTNERS.name, "Name"),
    (PARTNERS.name, "Introduced by"): ListFrom(PARTNERS.name, "Name"),
    (TREATMENTS.name, "Aftercare template"): ListFrom(TEMPLATES.name, "Template"),
}

# Column widths in characters where the header's own length is not a good guide.
_WIDTHS: dict[str, int] = {
    "Name": 24, "Practice": 24, "Specialty": 18, "Email": 28, "Client email": 28,
    "Phone": 16, "Client phone": 16, "Preferred contact": 18, "Stage": 18,
    "Introduced by": 22, "Owner": 24, "Assigned to": 20, "Notes": 36, "Partner": 24,
    "Client": 22, "Reason": 28, "Treatment": 22, "Subject": 44, "Body": 70,
    "Setting": 30, "Value": 36, "Template": 24, "Aftercare template": 24,
    NEXT_TOUCH: 42, SYNC_STATUS: 46, THANK_YOU: 24, "Follow-up": 30, "Check-in": 30,
    "Aftercare": 24,
}
DATE_WIDTH = 12


def _width(column: Column) -> int:
    if column.name in _WIDTHS:
        return _WIDTHS[column.name]
    base = DATE_WIDTH if column.is_date else 10
    return max(base, len(column.name) + 3)  # room for a filter arrow


def _highlights(spec: TabSpec) -> tuple[Highlight, ...]:
    names = {c.name for c in spec.columns}
    found: list[Highlight] = []
    # Cell rules first: where a cell matches both, its own rule wins over the row's.
    if NEXT_TOUCH in names:
        found.append(Highlight(f"overdue {NEXT_TOUCH} in red", NEXT_TOUCH, OVERDUE_PREFIX,
                               RED_FILL, RED_TEXT))
    if THANK_YOU in names:
        found.append(Highlight(f"sent {THANK_YOU} in green", THANK_YOU, SENT_PREFIX,
                               GREEN_FILL, GREEN_TEXT))
    if SYNC_STATUS in names:
        found.append(Highlight("rows that need attention in amber", SYNC_STATUS,
                               PROBLEM_PREFIX, AMBER_FILL, whole_row=True))
    return tuple(found)


def tab_layout(spec: TabSpec) -> TabLayout:
    columns = tuple(
        ColumnLayout(
            name=c.name, note=c.note, width=_width(c), tool_owned=c.tool_owned,
            required=c.required, choices=c.choices,
            choices_from=_LISTS_FROM.get((spec.name, c.name)), is_date=c.is_date)
        for c in spec.columns)
    return TabLayout(spec, columns, _highlights(spec))


LAYOUT: tuple[TabLayout, ...] = tuple(tab_layout(spec) for spec in ALL_TABS)


def layout_for(title: str, layout: tuple[TabLayout, ...] = LAYOUT) -> TabLayout | None:
    """The layout of the tab called ``title`` (its name or one of its aliases)."""
    exact = next((t for t in layout if t.name == title), None)
    return exact or next((t for t in layout if t.spec.matches(title)), None)


@dataclass
class LayoutChanges:
    """What ``sheetsync init`` did to a register, for the person who ran it."""

    created: list[str] = field(default_factory=list)  # tabs added
    filled: list[str] = field(default_factory=list)  # empty tabs given a header and rows
    upgraded: dict[str, list[str]] = field(default_factory=dict)  # tab -> what was added
    missing: dict[str, list[str]] = field(default_factory=dict)  # required staff columns

    def add(self, tab: str, what: str) -> None:
        self.upgraded.setdefault(tab, []).append(what)

    @property
    def changed(self) -> bool:
        return bool(self.created or self.filled or self.upgraded)

    def lines(self) -> list[str]:
        out = [f"added tab {t}" for t in self.created]
        out += [f"filled empty tab {t}" for t in self.filled]
        out += [f"{tab}: " + "; ".join(what) for tab, what in self.upgraded.items()]
        out += [f"{tab} has no {', '.join(cols)} column: add it yourself (sheetsync adds only "
                f"its own columns)" for tab, cols in self.missing.items()]
        return out


def listing(names: list[str]) -> str:
    return ", ".join(names)


def describe_additions(*, froze: bool, dropdowns: list[str], dates: list[str],
                       highlights: list[str], marked: list[str], notes: int) -> list[str]:
    """How ``init`` reports what it added to one existing tab (both backends say the same)."""
    said: list[str] = []
    if froze:
        said.append("froze the header row")
    if dropdowns:
        said.append("dropdowns on " + listing(dropdowns))
    if dates:
        said.append("date checks on " + listing(dates))
    if highlights:
        said.append("highlights: " + listing(highlights))
    if marked:
        said.append("marked sheetsync's columns (grey, with a warning): " + listing(marked))
    if notes:
        said.append(f"notes on {notes} headers")
    return said
