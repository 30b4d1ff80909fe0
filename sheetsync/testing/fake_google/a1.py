"""A1 notation: parsing ranges such as ``'Tab ''x'''!A1:Z`` and formatting them back."""

from __future__ import annotations

import re
from dataclasses import dataclass

_CELL = re.compile(r"\$?([A-Za-z]{1,3})?\$?(\d+)?")
_PLAIN_TITLE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_CELL_LIKE = re.compile(r"[A-Za-z]{1,3}\d+|[Rr]\d*[Cc]\d*")


@dataclass(frozen=True)
class CellBox:
    """A rectangle on a sheet: 0-based, start inclusive, end exclusive; None = unbounded."""

    r0: int
    c0: int
    r1: int | None
    c1: int | None
    single: bool = False


def col_index(letters: str) -> int:
    n = 0
    for ch in letters.upper():
        n = n * 26 + (ord(ch) - 64)
    return n - 1


def col_letters(index: int) -> str:
    index += 1
    out = ""
    while index:
        index, rem = divmod(index - 1, 26)
        out = chr(65 + rem) + out
    return out


def split_sheet(text: str) -> tuple[str | None, str | None]:
    """Split ``'Tab'!A1:B2`` into (sheet title, cell part). Either may be None."""
    text = text.strip()
    if text.startswith("'"):
        i, chars = 1, list[str]()
        while i < len(text):
            if text[i] == "'":
                if i + 1 < len(text) and text[i + 1] == "'":
                    chars.append("'")
                    i += 2
                    continue
                break
            chars.append(text[i])
            i += 1
        else:
            raise ValueError(text)
        rest = text[i + 1 :]
        if not rest:
            return "".join(chars), None
        if not rest.startswith("!"):
            raise ValueError(text)
        return "".join(chars), rest[1:] or None
    if "!" in text:
        name, _, cells = text.rpartition("!")
        return name, cells or None
    return None, text


def parse_cells(text: str) -> CellBox:
    """Parse the cell part: ``A1``, ``A1:B2``, ``A:C``, ``A2:C``, ``2:5``."""
    start_text, sep, end_text = text.partition(":")
    start = _CELL.fullmatch(start_text)
    end = _CELL.fullmatch(end_text) if sep else start
    if not start or not end or not any(start.groups()) or not any(end.groups()):
        raise ValueError(text)
    sc, sr = start.groups()
    ec, er = end.groups()
    if (sr is not None and int(sr) < 1) or (er is not None and int(er) < 1):
        raise ValueError(text)
    r0 = int(sr) - 1 if sr else 0
    c0 = col_index(sc) if sc else 0
    r1 = int(er) if er else None
    c1 = col_index(ec) + 1 if ec else None
    if not sep and (sc is None or sr is None):
        raise ValueError(text)  # "A" or "5" alone is not a range
    if r1 is not None and r1 <= r0:
        r0, r1 = r1 - 1, r0 + 1
    if c1 is not None and c1 <= c0:
        c0, c1 = c1 - 1, c0 + 1
    return CellBox(r0, c0, r1, c1, single=not sep)


def looks_like_cells(text: str) -> bool:
    try:
        parse_cells(text)
    except ValueError:
        return False
    return True


def quote_title(title: str) -> str:
    if _PLAIN_TITLE.fullmatch(title) and not _CELL_LIKE.fullmatch(title):
        return title
    return "'" + title.replace("'", "''") + "'"


def format_range(title: str, r0: int, c0: int, r1: int, c1: int) -> str:
    """``Sheet1!A1:D2`` (``Sheet1!A1`` for one cell), quoting the title when needed."""
    start = f"{col_letters(c0)}{r0 + 1}"
    if r1 - r0 <= 1 and c1 - c0 <= 1:
        return f"{quote_title(title)}!{start}"
    return f"{quote_title(title)}!{start}:{col_letters(c1 - 1)}{r1}"
