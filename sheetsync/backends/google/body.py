"""``spreadsheets.batchUpdate`` bodies, encoded as their requests are built.

A first sync of a 10,000-row register writes ~50,000 state rows and ~30,000 status
cells in one batchUpdate. As Python dicts (two per cell) that request list alone took
~150 MB before ``json`` turned it into text and ``requests`` into bytes (two more copies).
The bulk requests (``updateCells`` of plain text) are therefore encoded to JSON bytes as
they are made (``Encoded``): only the bytes exist, once per request and once joined.
Small structural requests (addSheet, deleteSheet, formats) stay dicts and are encoded at
the end, so code that looks into them still can.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

# Compact and ASCII-only (non-ASCII escaped), so a fragment's text is its bytes.
_encode = json.JSONEncoder(separators=(",", ":"), ensure_ascii=True).encode
_string = json.encoder.encode_basestring_ascii  # what _encode does for a str, called direct
_CELL = '{"userEnteredValue":{"stringValue":%s}}'


@dataclass(frozen=True)
class Encoded:
    """One batchUpdate request already as JSON bytes."""

    data: bytes

    def as_dict(self) -> dict[str, Any]:
        """The request as a dict again (for tests and diagnostics)."""
        return dict(json.loads(self.data))


Request = dict[str, Any] | Encoded


def update_cells(sheet_id: int, row: int, col: int, rows: Sequence[Sequence[str]]
                 ) -> Encoded:
    """An ``updateCells`` of text at 0-based (row, col); "" clears the cell.

    Only ``userEnteredValue`` is written, as a ``stringValue``: like ``RAW`` input, text
    stays text ("=HYPERLINK(...)" is not a formula, "00123" is not a number), and the
    cells' formatting, notes and validation are left alone.
    """
    # Row by row to bytes, joined once: the text of a 50,000-row run never exists whole.
    return update_rows(sheet_id, row, col, [
        ('{"values":[' + ",".join(_CELL % _string(v) if v else "{}" for v in cells)
         + "]}").encode("ascii") for cells in rows], "userEnteredValue")


def encode_row(row: Mapping[str, Any]) -> bytes:
    """One ``RowData`` (``{"values": [...]}``) as JSON bytes, for ``update_rows``."""
    return _encode(row).encode("ascii")


def update_rows(sheet_id: int, row: int, col: int, rows: Sequence[bytes], fields: str
                ) -> Encoded:
    """An ``updateCells`` at 0-based (row, col) of rows already encoded."""
    start = _encode({"sheetId": sheet_id, "rowIndex": row, "columnIndex": col})
    head = f'{{"updateCells":{{"start":{start},"rows":['.encode("ascii")
    tail = f'],"fields":{_string(fields)}}}}}'.encode("ascii")
    return Encoded(b"".join((head, b",".join(rows), tail)))


def batch_update_body(requests: Sequence[Request], extra: Mapping[str, Any]) -> bytes:
    """The whole body: ``{"requests": [...], **extra}`` as JSON bytes."""
    parts = [r.data if isinstance(r, Encoded) else _encode(r).encode("ascii")
             for r in requests]
    tail = _encode(dict(extra))[1:-1].encode("ascii")  # the extra keys, without braces
    return b'{"requests":[' + b",".join(parts) + b"]" + (b"," + tail if tail else b"") + b"}"
