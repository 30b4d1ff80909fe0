"""Finding the register's tabs and columns by name, in any order."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sheetsync.core.ports import CellValue, RawTab, RegisterSnapshot
from sheetsync.core.schema import ALL_TABS, STATE_TAB, TabSpec, normalise_header


@dataclass(frozen=True)
class ColumnMap:
    """Which position holds each known column of one tab, and the header text used."""

    spec: TabSpec
    title: str
    index: dict[str, int]  # schema column name -> 0-based position
    header_text: dict[str, str]  # schema column name -> header text as written in the sheet
    missing_required: tuple[str, ...]
    duplicates: tuple[str, ...] = ()

    def has(self, column: str) -> bool:
        return column in self.index


def map_columns(spec: TabSpec, title: str, header: Sequence[str]) -> ColumnMap:
    index: dict[str, int] = {}
    text: dict[str, str] = {}
    duplicates: list[str] = []
    # Exact names win over aliases: "Email" on Check-ins is an alias of "Client email",
    # but a tab with both "Client email" and "Email" must keep "Client email".
    for exact_pass in (True, False):
        for pos, cell in enumerate(header):
            if not str(cell).strip() or pos in index.values():
                continue
            wanted = normalise_header(cell)
            for col in spec.columns:
                hit = (wanted == normalise_header(col.name)) if exact_pass else col.matches(cell)
                if not hit:
                    continue
                if col.name in index:
                    if exact_pass:
                        duplicates.append(col.name)
                    continue
                index[col.name] = pos
                text[col.name] = str(cell)
                break
    missing = tuple(c.name for c in spec.required_columns if c.name not in index)
    return ColumnMap(spec, title, index, text, missing, tuple(duplicates))


# The header row is looked for among this many rows at the top of a tab.
HEADER_SEARCH_ROWS = 5


def header_row(title: str, rows: Sequence[Sequence[CellValue]]) -> int:
    """Which of a tab's first rows (0-based) is its header row.

    Staff often put a title ("Referrals 2026 - keep up to date!"), a note or a blank line
    above the headers. The header row is the first of the top ``HEADER_SEARCH_ROWS`` that
    names a known column and every required one of the tab called ``title``; 0 (the first
    row) when none does, so a missing column is reported as before. Every backend's reader
    and writer use this one answer, so writes land in the rows that were read.
    """
    spec = next((s for s in ALL_TABS if s.matches(title)), None)
    if spec is None:
        return 0
    for index, row in enumerate(rows[:HEADER_SEARCH_ROWS]):
        header = ["" if cell is None else str(cell) for cell in row]
        cmap = map_columns(spec, title, header)
        if cmap.index and not cmap.missing_required:
            return index
    return 0


@dataclass(frozen=True)
class FoundTabs:
    tabs: dict[str, tuple[TabSpec, RawTab]]  # spec name -> (spec, the tab as read)
    unknown: tuple[str, ...]  # staff's own tabs, left alone


def find_tabs(snapshot: RegisterSnapshot) -> FoundTabs:
    found: dict[str, tuple[TabSpec, RawTab]] = {}
    unknown: list[str] = []
    for tab in snapshot.tabs:
        if tab.title == STATE_TAB:
            continue
        spec = next((s for s in ALL_TABS if s.matches(tab.title)), None)
        if spec is None or spec.name in found:
            unknown.append(tab.title)
            continue
        found[spec.name] = (spec, tab)
    return FoundTabs(found, tuple(unknown))
