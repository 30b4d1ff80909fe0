"""Locating rows at write time (pure: no HTTP)."""

from __future__ import annotations

from typing import Any

import pytest

from sheetsync.backends.google import parse_spreadsheet_id
from sheetsync.backends.google.body import Encoded, Request
from sheetsync.backends.google.picture import (
    _TabNow,
    cell_requests,
    column_letter,
    plan_cell_writes,
    quote_title,
)
from sheetsync.backends.google.register import state_requests
from sheetsync.core.ports import CellWrite, RowRef, fingerprint_cells
from sheetsync.errors import ConfigError

HEADER = ["Referral ID", "Date", "Direction", "Partner", "Client", "Notes", "Thank-you",
          "Follow-up", "Sync status"]


def tab(rows: list[list[object]]) -> dict[str, _TabNow]:
    return {"Referrals": _TabNow.build("Referrals", [HEADER, *rows])}


def ref(key: str | None, number: int, cells: list[object] | None = None,
        assign: str | None = None) -> RowRef:
    fp = fingerprint_cells(cells or [])
    return RowRef("Referrals", key, number, fp, "Referral ID", assign_key=assign)


def row(key: str, client: str, status: str = "") -> list[object]:
    return [key, 46000, "Received", "Dr A", client, "", "", "", status]


def test_sorted_rows_are_found_by_id() -> None:
    tabs = tab([row("R2", "Bo"), row("R1", "Al")])  # R1 was row 2 at read time
    plan = plan_cell_writes(tabs, [CellWrite(ref("R1", 2), "Sync status", "OK"),
                                   CellWrite(ref("R2", 3), "Sync status", "Done")])
    assert plan.cells == {("Referrals", 3, 8): "OK", ("Referrals", 2, 8): "Done"}
    assert plan.written == 2 and not plan.skipped


def test_deleted_row_and_copied_id_are_skipped() -> None:
    tabs = tab([row("R2", "Bo"), row("R2", "Bo copy")])
    plan = plan_cell_writes(tabs, [CellWrite(ref("R1", 2), "Sync status", "OK"),
                                   CellWrite(ref("R2", 3), "Sync status", "OK")])
    assert not plan.cells
    assert "no row holds R1" in plan.skipped[0].reason
    assert "2 rows hold R2" in plan.skipped[1].reason


def test_expected_mismatch_is_skipped_and_same_value_is_not_rewritten() -> None:
    tabs = tab([row("R1", "Al", status="typed by staff"), row("R2", "Bo", status="OK")])
    plan = plan_cell_writes(tabs, [
        CellWrite(ref("R1", 2), "Sync status", "OK", expected="old"),
        CellWrite(ref("R2", 3), "Sync status", "OK", expected="whatever"),
    ])
    assert not plan.cells
    assert plan.skipped[0].reason == "changed by a person meanwhile"
    assert plan.written == 1  # R2 already shows it


def test_only_tool_owned_columns_are_written() -> None:
    tabs = tab([row("R1", "Al")])
    plan = plan_cell_writes(tabs, [CellWrite(ref("R1", 2), "Client", "X", expected="Al"),
                                   CellWrite(ref("R1", 2), "Nope", "X")])
    assert not plan.cells
    assert "not a column sheetsync may write" in plan.skipped[0].reason
    assert 'no column "Nope"' in plan.skipped[1].reason


def test_column_found_by_header_now_and_by_alias() -> None:
    header = ["Sync", "Referral ID", "Date", "Direction", "Partner", "Client"]
    tabs = {"Referrals": _TabNow.build("Referrals", [header, ["", "R1", 1, "Sent", "A", "B"]])}
    plan = plan_cell_writes(tabs, [CellWrite(ref("R1", 2), "Sync status", "OK")])
    assert plan.cells == {("Referrals", 2, 0): "OK"}


def test_id_less_row_found_by_fingerprint_after_insert_above() -> None:
    new = ["", 46000, "Sent", "Dr A", "Cy"]
    tabs = tab([row("R9", "inserted"), row("R1", "Al"), new])  # was row 3, now 4
    writes = [CellWrite(ref(None, 3, new, assign="R2"), "Referral ID", "R2"),
              CellWrite(ref(None, 3, new, assign="R2"), "Sync status", "OK")]
    plan = plan_cell_writes(tabs, writes)
    assert plan.cells == {("Referrals", 4, 0): "R2", ("Referrals", 4, 8): "OK"}


def test_id_less_row_edited_or_ambiguous_is_skipped() -> None:
    new = ["", 46000, "Sent", "Dr A", "Cy"]
    edited = ["", 46000, "Sent", "Dr A", "Cyd"]
    plan = plan_cell_writes(tab([edited]), [CellWrite(ref(None, 2, new, "R2"), "Referral ID",
                                                      "R2")])
    assert "edited, moved or deleted" in plan.skipped[0].reason
    plan = plan_cell_writes(tab([row("R1", "x"), new, new]),
                            [CellWrite(ref(None, 9, new, "R2"), "Referral ID", "R2")])
    assert "several rows" in plan.skipped[0].reason
    # With the read-time row number still matching, the hint settles it.
    plan = plan_cell_writes(tab([row("R1", "x"), new, new]),
                            [CellWrite(ref(None, 3, new, "R2"), "Referral ID", "R2")])
    assert plan.cells == {("Referrals", 3, 0): "R2"}


def test_missing_tab() -> None:
    plan = plan_cell_writes({}, [CellWrite(ref("R1", 2), "Sync status", "OK")])
    assert "not in the spreadsheet" in plan.skipped[0].reason


def as_dict(request: Request) -> dict[str, Any]:
    """Bulk requests come encoded (``body``): as the body will carry them."""
    return request.as_dict() if isinstance(request, Encoded) else request


def test_writes_are_per_cell_runs_of_text() -> None:
    data = [as_dict(r)["updateCells"] for r in cell_requests(
        {("Referrals", 5, 6): "a", ("Referrals", 5, 7): "b", ("Referrals", 5, 8): "",
         ("Referrals", 2, 0): "R1", ("O'Brien tab", 3, 27): "=HYPERLINK(x)"},
        {"Referrals": 7, "O'Brien tab": 9})]
    assert [d["start"] for d in data] == [
        {"sheetId": 9, "rowIndex": 2, "columnIndex": 27},
        {"sheetId": 7, "rowIndex": 1, "columnIndex": 0},
        {"sheetId": 7, "rowIndex": 4, "columnIndex": 6}]
    assert all(d["fields"] == "userEnteredValue" for d in data)  # formats stay
    # Text stays text (like RAW), and "" clears the cell.
    assert data[0]["rows"] == [{"values": [{"userEnteredValue": {"stringValue": "=HYPERLINK(x)"}}]}]
    assert data[2]["rows"] == [{"values": [{"userEnteredValue": {"stringValue": "a"}},
                                           {"userEnteredValue": {"stringValue": "b"}}, {}]}]


def test_state_writes_only_rows_that_changed() -> None:
    old = [["key", "kind"], ["#version", "1"], ["a", "event"], ["b", "draft"], ["c", "x"]]
    new = [["key", "kind"], ["#version", "1"], ["a", "event", "id2"], ["b", "draft"]]
    data = [as_dict(r)["updateCells"] for r in state_requests(4, new, old)]
    assert [(d["start"]["sheetId"], d["start"]["rowIndex"]) for d in data] == [(4, 2), (4, 4)]
    texts = [[[v.get("userEnteredValue", {}).get("stringValue", "") for v in r["values"]]
              for r in d["rows"]] for d in data]
    assert texts[0][0][:3] == ["a", "event", "id2"]
    assert set(texts[1][0]) == {""}  # a row the new state no longer has is blanked
    assert state_requests(4, new, new) == []


def test_a1_helpers() -> None:
    assert [column_letter(i) for i in (0, 25, 26, 51, 52, 701, 702)] == [
        "A", "Z", "AA", "AZ", "BA", "ZZ", "AAA"]
    assert quote_title("It's") == "'It''s'"


def test_parse_spreadsheet_id() -> None:
    sid = "1AbCdEfGhIjKlMnOpQrStUvWxYz0123456789_-abc"
    assert parse_spreadsheet_id(sid) == sid
    assert parse_spreadsheet_id(f"https://docs.google.com/spreadsheets/d/{sid}/edit#gid=0") == sid
    assert parse_spreadsheet_id(f" https://docs.google.com/spreadsheets/u/1/d/{sid}/ ") == sid
    for bad in ("", "https://example.com/x", "short"):
        with pytest.raises(ConfigError):
            parse_spreadsheet_id(bad)
