"""The day sheetsync started acting on the register, where staff see it.

The first real sync records the day in its state (``#acting since``) and writes it into
the Settings tab's *Acting since* row when that row's value is empty, so staff can see it
and move it (a date there wins over the recorded one), on a register that can
(``ports.FillsActingSince``: memory and local; on Google the info line tells staff). A
value staff typed is never overwritten (the write expects an empty cell), and a register
without the row gets none: the run's info line tells how to add it. Pure.
"""

from __future__ import annotations

import datetime as dt

from sheetsync.core.fields import text_of
from sheetsync.core.headers import find_tabs, map_columns
from sheetsync.core.ports import CellWrite, RegisterSnapshot, RowRef, fingerprint_cells
from sheetsync.core.schema import SETTINGS, normalise_header

ACTING_SINCE_SETTING = "Acting since"


def is_acting_since(setting: object) -> bool:
    """Is this Settings row's name cell the *Acting since* setting?"""
    return normalise_header(text_of(setting)) == normalise_header(ACTING_SINCE_SETTING)


def acting_since_write(snapshot: RegisterSnapshot, day: dt.date
                       ) -> tuple[CellWrite, int] | None:
    """The write of ``day`` into the Settings tab's empty *Acting since* value, and the
    Value column's position; None when there is no Settings tab, no such row, or a value
    is there already."""
    found = find_tabs(snapshot)
    if SETTINGS.name not in found.tabs:
        return None
    _, tab = found.tabs[SETTINGS.name]
    cmap = map_columns(SETTINGS, tab.title, tab.header)
    if cmap.missing_required:
        return None
    key_at, value_at = cmap.index["Setting"], cmap.index["Value"]
    for raw in tab.rows:
        cells = raw.cells
        if not is_acting_since(cells[key_at] if key_at < len(cells) else None):
            continue
        value = cells[value_at] if value_at < len(cells) else None
        if text_of(value).strip():
            return None  # staff's value: theirs
        write = CellWrite(RowRef(tab.title, None, raw.number, fingerprint_cells(cells)),
                          cmap.header_text["Value"], day.isoformat(), value)
        return write, value_at
    return None
