"""The Google register as an interface, on the in-process fake (which checks every request
body against the Sheets discovery document): what init lays out, and that init on a sheet
with data adds only what is missing."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from builders import NOON_UTC

from sheetsync.backends.google import open_google_workspace
from sheetsync.backends.google.auth import SCOPES
from sheetsync.backends.google.layout import PROTECTION_PREFIX, lay_out
from sheetsync.backends.google.register import SheetsRegister
from sheetsync.core.config import GoogleConfig
from sheetsync.core.layout import LAYOUT, layout_for
from sheetsync.core.ports import Workspace
from sheetsync.engine import run_sync
from sheetsync.testing.fake_google import FakeGoogle
from sheetsync.workspace.local_init import register_tables


def _open(fake: FakeGoogle, sid: str) -> Workspace:
    return open_google_workspace(
        GoogleConfig(spreadsheet=sid), Path("."), session=fake.requests_session(),
        http=fake.http())


def _register(ws: Workspace) -> SheetsRegister:
    assert isinstance(ws.register, SheetsRegister)
    return ws.register


def _formula(rule: dict[str, Any]) -> str:
    return str(rule["booleanRule"]["condition"]["values"][0]["userEnteredValue"])


def _header(fake: FakeGoogle, sid: str, tab: str) -> list[str]:
    return [str(v) for v in fake.sheets.get_values(sid, tab)[0]]


def test_new_spreadsheet_gets_the_whole_layout() -> None:
    fake = FakeGoogle(scopes=SCOPES)
    # Empty tabs, as create_spreadsheet makes them (tested in backends/google); a small
    # grid keeps the fake quick: checks and formats cover every row of a column.
    sid = fake.sheets.create_spreadsheet("Register", {t.name: [] for t in LAYOUT}, row_count=20)
    ws = _open(fake, sid)
    changes = lay_out(_register(ws), register_tables(None))
    assert not changes.upgraded and not changes.missing

    for tab in LAYOUT:
        sheet = fake.sheets.tab(sid, tab.name)
        assert sheet.props["gridProperties"]["frozenRowCount"] == 1
        header = _header(fake, sid, tab.name)
        assert header == tab.header
        for col, name in enumerate(header):
            cell = fake.sheets.cell(sid, tab.name, f"{chr(65 + col)}1")
            assert cell is not None and cell.note, (tab.name, name)
            assert (cell.fmt or {}).get("textFormat", {}).get("bold")
            assert sheet.dim_props["COLUMNS"][col]["pixelSize"] >= 80

        # every tool column: grey and protected with a warning only
        tool = {header.index(c.name) for c in tab.tool_columns}
        protected = {pr["range"].get("startColumnIndex", 0) for pr in sheet.protected}
        assert protected == tool
        assert all(pr["warningOnly"] is True and pr["description"].startswith(PROTECTION_PREFIX)
                   for pr in sheet.protected)
        for col in tool:
            cell = fake.sheets.cell(sid, tab.name, f"{chr(65 + col)}5")
            assert cell is not None and (cell.fmt or {}).get("backgroundColor")

        # dropdowns and date checks, never strict
        for column in tab.columns:
            cell = fake.sheets.cell(sid, tab.name, f"{chr(65 + header.index(column.name))}2")
            rule = cell.validation if cell is not None else None
            if column.has_dropdown or column.is_date:
                assert rule is not None and rule["strict"] is False, column.name
            else:
                assert rule is None, column.name
            if column.choices:
                assert [v["userEnteredValue"] for v in rule["condition"]["values"]] == list(
                    column.choices)  # type: ignore[index]

    def rule_at(tab: str, a1: str) -> dict[str, Any]:
        cell = fake.sheets.cell(sid, tab, a1)
        assert cell is not None and cell.validation is not None
        return cell.validation

    assert rule_at("Referrals", "D2")["condition"] == {
        "type": "ONE_OF_RANGE", "values": [{"userEnteredValue": "='Partners'!$B$2:$B"}]}
    assert rule_at("Partners", "I2")["condition"]["values"][0]["userEnteredValue"] == (
        "='Partners'!$B$2:$B")
    assert rule_at("Check-ins", "E2")["condition"]["values"][0]["userEnteredValue"] == (
        "='Treatments'!$A$2:$A")
    assert rule_at("Referrals", "B2")["condition"] == {"type": "DATE_IS_VALID"}

    partners = fake.sheets.tab(sid, "Partners").cond_formats
    assert [_formula(r) for r in partners] == ['=LEFT($O2,7)="OVERDUE"',
                                               '=LEFT($P2,15)="Needs attention"']
    assert partners[1]["ranges"][0]["endColumnIndex"] == 16
    assert partners[0]["booleanRule"]["format"]["textFormat"]["foregroundColor"]["red"] > 0.5
    referrals = fake.sheets.tab(sid, "Referrals").cond_formats
    assert '=LEFT($L2,7)="sent on"' in [_formula(r) for r in referrals]

    # sheetsync's own writes are not blocked by the warning-only protection
    fake.sheets.set_cell(sid, "Partners", "B2", "Dr Carol Webster")
    report = run_sync(ws, clock=NOON_UTC)
    assert not report.write_refused and report.ids_assigned == 1
    assert fake.sheets.get_values(sid, "Partners")[1][0] == "P-0001"


def _staff_sheet(fake: FakeGoogle) -> tuple[str, Workspace]:
    sid = fake.sheets.create_spreadsheet("Staff register", {
        "Partners": [["Name", "Email", "Stage", "Favourite biscuit", "Last contact"],
                     ["Dr Carol Webster", "carol@example.com", "Active", "'00123", "2026-10-01"],
                     ["Dr Omar Hale", "", "Prospect", "'=1+1", ""],
                     ["", "", "", "", "", "", "stray note"]],
        "Referrals log": [["Referral ID", "Date", "Direction", "Partner", "Client",
                           "Sync status"],
                          ["R-0001", "2026-11-01", "Received", "Dr Carol Webster", "Amira",
                           "OK"]],
        "Checkins": [],
    }, row_count=20)
    ws = _open(fake, sid)
    sheet_id = fake.sheets.tab(sid, "Partners").id
    column_c = {"sheetId": sheet_id, "startRowIndex": 1, "startColumnIndex": 2,
                "endColumnIndex": 3}
    # staff's own dropdown on Stage and their own highlight
    _register(ws).http_client.batch_update(sid, {"requests": [
        {"setDataValidation": {"range": column_c, "rule": {"condition": {
            "type": "ONE_OF_LIST", "values": [{"userEnteredValue": "Active"},
                                              {"userEnteredValue": "Paused"}]},
            "strict": True}}},
        {"addConditionalFormatRule": {"index": 0, "rule": {"ranges": [column_c],
            "booleanRule": {"condition": {"type": "CUSTOM_FORMULA",
                                          "values": [{"userEnteredValue": '=$C2="Paused"'}]},
                            "format": {"backgroundColor": {"blue": 1}}}}}}]})
    return sid, ws


def test_sheet_with_data_gets_only_what_is_missing() -> None:
    fake = FakeGoogle(scopes=SCOPES)
    sid, ws = _staff_sheet(fake)
    before = {t: fake.sheets.get_values(sid, t) for t in ("Partners", "Referrals log")}

    changes = lay_out(_register(ws), register_tables(None))

    partners = fake.sheets.get_values(sid, "Partners")
    assert partners[0] == ["Name", "Email", "Stage", "Favourite biscuit", "Last contact", "",
                           "", "Partner ID", "Next touch", "Sync status"]
    for tab, rows in before.items():  # every staff cell as it was
        now = fake.sheets.get_values(sid, tab)
        for r, row in enumerate(rows):
            assert now[r][: len(row)] == row, (tab, r)
        assert len(now) == len(rows)
    assert fake.sheets.get_values(sid, "Referrals log")[0][6:] == ["Thank-you", "Follow-up"]
    assert _header(fake, sid, "Checkins")[0] == "Check-in ID"  # the empty tab is filled
    assert changes.created == ["Treatments", "Templates", "Settings"]
    assert changes.filled == ["Checkins"]
    said = "; ".join(changes.upgraded["Partners"])
    assert "added sheetsync's columns at the end: Partner ID, Next touch, Sync status" in said
    assert "froze the header row" in said and "date checks on Last contact" in said
    assert "dropdowns" not in said  # Stage keeps the staff's own dropdown
    assert "dropdowns on Direction, Partner" in changes.upgraded["Referrals log"]

    sheet = fake.sheets.tab(sid, "Partners")
    stage = fake.sheets.cell(sid, "Partners", "C2")
    assert stage is not None and stage.validation is not None
    assert stage.validation["strict"] is True  # theirs, untouched
    assert _formula(sheet.cond_formats[0]) == '=$C2="Paused"'  # theirs stays first
    assert '=LEFT($J2,15)="Needs attention"' in [_formula(r) for r in sheet.cond_formats]
    assert sorted(pr["range"]["startColumnIndex"] for pr in sheet.protected) == [7, 8, 9]
    assert all(pr["warningOnly"] for pr in sheet.protected)
    # Referral ID and Sync status were there already: protected where they are
    referrals = fake.sheets.tab(sid, "Referrals log")
    assert sorted(pr["range"].get("startColumnIndex", 0) for pr in referrals.protected) == [
        0, 5, 6, 7]

    # the sheet syncs, and a second init sends nothing at all
    report = run_sync(ws, clock=NOON_UTC)
    assert not report.write_refused
    assert fake.sheets.get_values(sid, "Partners")[1][7] == "P-0001"
    fake.reset_counters()
    again = lay_out(_register(ws), register_tables(None))
    assert not again.changed and not again.upgraded
    assert fake.calls["sheets", "sheets.spreadsheets.batchUpdate"] == 0
    assert fake.calls["sheets", "sheets.spreadsheets.values.batchUpdate"] == 0


def test_missing_staff_columns_are_named_not_added() -> None:
    fake = FakeGoogle(scopes=SCOPES)
    sid = fake.sheets.create_spreadsheet("R", {"Referrals": [["Date", "Client"],
                                                             ["2026-01-02", "A"]]},
                                         row_count=20)
    changes = lay_out(_register(_open(fake, sid)), register_tables(None))
    assert changes.missing == {"Referrals": ["Direction", "Partner"]}
    assert _header(fake, sid, "Referrals") == ["Date", "Client", "Referral ID", "Thank-you",
                                               "Follow-up", "Sync status"]
    assert layout_for("Referrals") is not None
