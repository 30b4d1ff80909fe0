"""Cell values as sheetsync sees them, shared by the reader and the writer.

The register's reader and writer must turn a cell into exactly the same Python value, or
an ID-less row could not be found again by its fingerprint at write time. Both go
through ``cell_value``.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from openpyxl.cell.rich_text import CellRichText
from openpyxl.styles.numbers import is_datetime

from sheetsync.core.ports import CellValue, _cell_text

# Excel's limit for the text in one cell.
MAX_CELL_CHARS = 32_767
# Characters an XML 1.0 document (and so an .xlsx) cannot hold.
_ILLEGAL_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def cell_value(value: Any, number_format: str | None) -> CellValue:
    """One cell's value as a plain Python value.

    - A formula comes back as its text (``"=1+1"``); it is never evaluated.
    - A date typed in a date-only format comes back as a ``date`` (openpyxl gives a
      ``datetime`` at midnight); a date with a time of day stays a ``datetime``.
    - A time of day or a duration comes back as text (``"09:30:00"``), since neither is
      a value the register's rules use.
    """
    if value is None or isinstance(value, (str, bool, int, float)):
        return value
    if isinstance(value, dt.datetime):
        if (
            value.hour == value.minute == value.second == value.microsecond == 0
            and number_format
            and is_datetime(number_format) == "date"
        ):
            return value.date()
        return value.replace(tzinfo=None)
    if isinstance(value, dt.date):
        return value
    if isinstance(value, dt.time):
        return value.isoformat()
    if isinstance(value, dt.timedelta):
        return str(value)
    if isinstance(value, CellRichText):  # text with formatting inside the cell
        return str(value)
    text = getattr(value, "text", None)  # openpyxl's ArrayFormula
    if isinstance(text, str):
        return text if text.startswith("=") else "=" + text
    return str(value)


def cell_text(value: CellValue) -> str:
    """Normalised text of a value, for comparing what a cell holds with what was read."""
    return _cell_text(value).strip()


def clean_text(text: str) -> str:
    """Text that an .xlsx cell can hold: no XML-illegal characters, within Excel's limit."""
    cleaned = _ILLEGAL_XML.sub("", text)
    if len(cleaned) > MAX_CELL_CHARS:
        cleaned = cleaned[: MAX_CELL_CHARS - 1] + "…"
    return cleaned
