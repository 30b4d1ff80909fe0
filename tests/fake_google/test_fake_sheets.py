"""Sheets v4 through the real gspread client (and googleapiclient for a few calls)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import gspread
import pytest
from gspread.exceptions import APIError

from sheetsync.testing.fake_google import FakeGoogle

UNFORMATTED: dict[str, Any] = {"valueRenderOption": "UNFORMATTED_VALUE",
                               "dateTimeRenderOption": "SERIAL_NUMBER"}
PARTNERS: list[list[Any]] = [
    ["Partner ID", "Name", "Last contact", "Sync status"],
    ["P1", "Dr Carol Webster", dt.date(2026, 1, 5), ""],
    ["P2", "Dr Ben Okafor", dt.date(2026, 2, 1), ""],
    ["P3", "Ana Lima", dt.date(2025, 12, 24), ""],
]


@pytest.fixture
def ss_id(fake: FakeGoogle) -> str:
    return fake.sheets.create_spreadsheet(
        "Clinic register", {"Partners": PARTNERS, "Referral's log": [["Date", "Client"]]},
        time_zone="Europe/London", locale="en_GB")


def row_metadata(fake: FakeGoogle, ss_id: str, sh: gspread.Spreadsheet, row0: int,
                 key: str, value: str) -> None:
    sh.batch_update({"requests": [{"createDeveloperMetadata": {"developerMetadata": {
        "metadataKey": key, "metadataValue": value, "visibility": "DOCUMENT",
        "location": {"dimensionRange": {"sheetId": 0, "dimension": "ROWS",
                                        "startIndex": row0, "endIndex": row0 + 1}}}}}]})


def test_open_by_key_gives_metadata_like_google(gc: gspread.Client, ss_id: str) -> None:
    sh = gc.open_by_key(ss_id)
    assert sh.title == "Clinic register"
    assert sh.timezone == "Europe/London"
    assert sh.locale == "en_GB"
    assert [w.title for w in sh.worksheets()] == ["Partners", "Referral's log"]
    meta = sh.fetch_sheet_metadata()
    props = meta["sheets"][0]["properties"]
    assert props == {"sheetId": 0, "title": "Partners", "index": 0, "sheetType": "GRID",
                     "gridProperties": {"rowCount": 1000, "columnCount": 26}}
    assert meta["spreadsheetUrl"].endswith(f"/d/{ss_id}/edit")


def test_batch_get_unformatted_dates_as_serials(gc: gspread.Client, ss_id: str) -> None:
    sh = gc.open_by_key(ss_id)
    got = sh.values_batch_get(["Partners", "'Referral''s log'!A:B"], params=UNFORMATTED)
    first, second = got["valueRanges"]
    assert first["range"] == "Partners!A1:Z1000"
    assert first["values"][1] == ["P1", "Dr Carol Webster", 46027]  # trailing "" trimmed
    assert second == {"range": "'Referral''s log'!A1:B1000", "majorDimension": "ROWS",
                      "values": [["Date", "Client"]]}
    text = sh.values_batch_get(["Partners!C2"], params={
        **UNFORMATTED, "dateTimeRenderOption": "FORMATTED_STRING"})
    assert text["valueRanges"][0]["values"] == [["2026-01-05"]]
    columns = sh.values_batch_get(["Partners!A1:B3"], params={**UNFORMATTED,
                                                              "majorDimension": "COLUMNS"})
    assert columns["valueRanges"][0]["values"][0] == ["Partner ID", "P1", "P2"]


def test_values_update_raw_keeps_text_user_entered_parses(gc: gspread.Client, ss_id: str,
                                                          fake: FakeGoogle) -> None:
    sh = gc.open_by_key(ss_id)
    reply = sh.values_batch_update({"valueInputOption": "RAW", "data": [
        {"range": "Partners!D2:D3", "values": [['=HYPERLINK("x","y")'], ["2026-01-05"]]},
        {"range": "Partners!E2", "values": [[42]]},
    ]})
    assert reply["totalUpdatedCells"] == 3
    assert reply["responses"][0]["updatedRange"] == "Partners!D2:D3"
    assert reply["responses"][1]["updatedRange"] == "Partners!E2"
    sh.values_batch_update({"valueInputOption": "USER_ENTERED", "data": [
        {"range": "Partners!F2:I2", "values": [["=1+1", "2026-01-05", "00123", "'00123"]]}]})
    values = sh.values_batch_get(["Partners!D2:I3"], params=UNFORMATTED)["valueRanges"][0]
    assert values["values"] == [['=HYPERLINK("x","y")', 42, 2, 46027, 123, "00123"],
                                ["2026-01-05"]]
    formulas = sh.values_batch_get(["Partners!F2"], params={**UNFORMATTED,
                                                             "valueRenderOption": "FORMULA"})
    assert formulas["valueRanges"][0]["values"] == [["=1+1"]]
    assert fake.sheets.get_values(ss_id, "Partners")[1][5:8] == ["2", "2026-01-05", "123"]


def test_gaps_render_as_empty_rows_and_strings(gc: gspread.Client, fake: FakeGoogle) -> None:
    ss_id = fake.sheets.create_spreadsheet("t", {"Sheet1": []})
    sh = gc.open_by_key(ss_id)
    sh.values_batch_update({"valueInputOption": "RAW", "data": [
        {"range": "'Sheet1'!A1:D1", "values": [["A1", "B1", "", "D1"]]},
        {"range": "'Sheet1'!A4:D4", "values": [["A4", "B4", "", "D4"]]}]})
    got = sh.worksheet("Sheet1").get("A1:D4")
    assert got == [["A1", "B1", "", "D1"], [], [], ["A4", "B4", "", "D4"]]


def test_null_leaves_cell_alone_and_bounds_are_checked(gc: gspread.Client, ss_id: str) -> None:
    sh = gc.open_by_key(ss_id)
    sh.values_batch_update({"valueInputOption": "RAW", "data": [
        {"range": "Partners!A2:D2", "values": [[None, None, None, "done"]]}]})
    assert sh.values_batch_get(["Partners!A2:D2"])["valueRanges"][0]["values"] == [
        ["P1", "Dr Carol Webster", "2026-01-05", "done"]]
    with pytest.raises(APIError) as err:
        sh.values_batch_get(["'Partners'!A1:Z5000"])
    assert err.value.code == 400
    assert err.value.error["message"] == (
        "Range ('Partners'!A1:Z5000) exceeds grid limits. Max rows: 1000, max columns: 26")
    with pytest.raises(APIError, match="tried writing to row"):
        sh.values_batch_update({"valueInputOption": "RAW", "data": [
            {"range": "Partners!A1:A1", "values": [["x"], ["y"]]}]})
    with pytest.raises(APIError, match="Unable to parse range"):
        sh.values_batch_get(["Nope!A1"])


def test_metadata_follows_its_row_and_data_filter_writes_there(
        gc: gspread.Client, ss_id: str, fake: FakeGoogle) -> None:
    sh = gc.open_by_key(ss_id)
    row_metadata(fake, ss_id, sh, 2, "sheetsync.row", "P2")  # sheet row 3
    row_metadata(fake, ss_id, sh, 3, "sheetsync.row", "P3")  # sheet row 4
    fake.sheets.insert_rows(ss_id, "Partners", 2, [["P9", "New partner"]])
    assert fake.sheets.metadata_row(ss_id, "sheetsync.row", "P2") == 4
    fake.sheets.sort(ss_id, "Partners", "Name", descending=True)
    names = [r[1] for r in fake.sheets.get_values(ss_id, "Partners")[1:]]
    assert names == ["New partner", "Dr Carol Webster", "Dr Ben Okafor", "Ana Lima"]
    assert fake.sheets.metadata_row(ss_id, "sheetsync.row", "P2") == 4
    assert fake.sheets.metadata_row(ss_id, "sheetsync.row", "P3") == 5
    fake.sheets.delete_rows(ss_id, "Partners", 2)
    assert fake.sheets.metadata_row(ss_id, "sheetsync.row", "P2") == 3

    body: dict[str, Any] = {"valueInputOption": "RAW", "data": [{
        "dataFilter": {"developerMetadataLookup": {"metadataKey": "sheetsync.row",
                                                   "metadataValue": "P2"}},
        "values": [[None, None, None, "Synced"]]}]}
    out = gc.http_client.request(
        "post", f"https://sheets.googleapis.com/v4/spreadsheets/{ss_id}"
        "/values:batchUpdateByDataFilter", json=body).json()
    assert out["responses"][0]["updatedRange"] == "Partners!A3:D3"
    assert out["responses"][0]["dataFilter"] == body["data"][0]["dataFilter"]
    rows = fake.sheets.get_values(ss_id, "Partners")
    assert rows[2][:2] == ["P2", "Dr Ben Okafor"] and rows[2][3] == "Synced"

    fake.sheets.delete_rows(ss_id, "Partners", 3)
    assert fake.sheets.metadata_row(ss_id, "sheetsync.row", "P2") is None
    gone = gc.http_client.request(
        "post", f"https://sheets.googleapis.com/v4/spreadsheets/{ss_id}"
        "/values:batchUpdateByDataFilter", json=body).json()
    assert gone["responses"] == [] and "totalUpdatedCells" not in gone


def test_sort_range_request_moves_metadata_with_whole_rows(sheets_api: Any, ss_id: str,
                                                            fake: FakeGoogle) -> None:
    ssapi = sheets_api.spreadsheets()
    ssapi.batchUpdate(spreadsheetId=ss_id, body={"requests": [{"createDeveloperMetadata": {
        "developerMetadata": {"metadataKey": "k", "metadataValue": "P3",
                              "visibility": "DOCUMENT", "location": {"dimensionRange": {
                                  "sheetId": 0, "dimension": "ROWS", "startIndex": 3,
                                  "endIndex": 4}}}}}]}).execute()
    ssapi.batchUpdate(spreadsheetId=ss_id, body={"requests": [{"sortRange": {
        "range": {"sheetId": 0, "startRowIndex": 1},
        "sortSpecs": [{"dimensionIndex": 1, "sortOrder": "ASCENDING"}]}}]}).execute()
    assert fake.sheets.get_values(ss_id, "Partners")[1][1] == "Ana Lima"
    assert fake.sheets.metadata_row(ss_id, "k", "P3") == 2
    found = ssapi.developerMetadata().search(spreadsheetId=ss_id, body={"dataFilters": [
        {"a1Range": "Partners!A2:B2"}]}).execute()
    assert found["matchedDeveloperMetadata"][0]["developerMetadata"]["location"] == {
        "locationType": "ROW",
        "dimensionRange": {"dimension": "ROWS", "startIndex": 1, "endIndex": 2}}
    by_filter = ssapi.values().batchGetByDataFilter(spreadsheetId=ss_id, body={
        "dataFilters": [{"developerMetadataLookup": {"metadataValue": "P3"}}],
        "valueRenderOption": "UNFORMATTED_VALUE"}).execute()
    assert by_filter["valueRanges"][0]["valueRange"]["values"] == [["P3", "Ana Lima", 46015]]


def test_batch_update_requests_and_their_traces_in_get(sheets_api: Any, ss_id: str) -> None:
    ssapi = sheets_api.spreadsheets()
    reply = ssapi.batchUpdate(spreadsheetId=ss_id, body={"requests": [
        {"addSheet": {"properties": {"title": "_sheetsync", "hidden": True,
                                     "gridProperties": {"rowCount": 10, "columnCount": 3}}}},
        {"updateSheetProperties": {"properties": {"sheetId": 0, "gridProperties": {
            "frozenRowCount": 1}}, "fields": "gridProperties.frozenRowCount"}},
        {"setDataValidation": {"range": {"sheetId": 0, "startRowIndex": 1, "endRowIndex": 4,
                                         "startColumnIndex": 2, "endColumnIndex": 3},
                               "rule": {"condition": {"type": "DATE_IS_VALID"}}}},
        {"addProtectedRange": {"protectedRange": {
            "range": {"sheetId": 0, "startColumnIndex": 3, "endColumnIndex": 4},
            "description": "sheetsync columns", "warningOnly": True}}},
        {"addConditionalFormatRule": {"rule": {
            "ranges": [{"sheetId": 0, "startColumnIndex": 3, "endColumnIndex": 4}],
            "booleanRule": {"condition": {"type": "TEXT_CONTAINS",
                                          "values": [{"userEnteredValue": "error"}]},
                            "format": {"backgroundColor": {"red": 1}}}}, "index": 0}},
        {"repeatCell": {"range": {"sheetId": 0, "endRowIndex": 1},
                        "cell": {"userEnteredFormat": {"textFormat": {"bold": True}}},
                        "fields": "userEnteredFormat.textFormat.bold"}},
        {"updateDimensionProperties": {"range": {"sheetId": 0, "dimension": "COLUMNS",
                                                 "startIndex": 1, "endIndex": 2},
                                       "properties": {"pixelSize": 220},
                                       "fields": "pixelSize"}},
        {"addChart": {"chart": {"spec": {"title": "Referrals"}, "position": {
            "overlayPosition": {"anchorCell": {"sheetId": 0, "rowIndex": 1}}}}}},
        {"insertDimension": {"range": {"sheetId": 0, "dimension": "ROWS", "startIndex": 1,
                                       "endIndex": 2}}},
    ]}).execute()
    assert reply["replies"][0]["addSheet"]["properties"]["hidden"] is True
    assert reply["replies"][3]["addProtectedRange"]["protectedRange"]["protectedRangeId"] > 0
    assert reply["replies"][7]["addChart"]["chart"]["chartId"] > 0
    meta = ssapi.get(spreadsheetId=ss_id).execute()
    partners = meta["sheets"][0]
    assert partners["properties"]["gridProperties"] == {
        "rowCount": 1001, "columnCount": 26, "frozenRowCount": 1}
    assert partners["protectedRanges"][0]["range"] == {"startColumnIndex": 3,
                                                       "endColumnIndex": 4}
    assert partners["conditionalFormats"][0]["ranges"][0]["startColumnIndex"] == 3
    assert partners["charts"][0]["spec"] == {"title": "Referrals"}
    assert meta["sheets"][2]["properties"]["title"] == "_sheetsync"
    grid = ssapi.get(spreadsheetId=ss_id, ranges=["Partners!A1:D3"],
                     includeGridData=True).execute()["sheets"][0]["data"][0]
    assert grid["rowData"][0]["values"][0]["userEnteredFormat"]["textFormat"]["bold"] is True
    assert grid["rowData"][2]["values"][2]["dataValidation"]["condition"]["type"] == (
        "DATE_IS_VALID")  # the validated row moved down with the inserted row
    assert grid["columnMetadata"][1]["pixelSize"] == 220


def test_batch_update_is_atomic_and_rejects_unknown_kinds(sheets_api: Any, ss_id: str,
                                                          fake: FakeGoogle) -> None:
    from googleapiclient.errors import HttpError

    ssapi = sheets_api.spreadsheets()
    with pytest.raises(HttpError) as err:
        ssapi.batchUpdate(spreadsheetId=ss_id, body={"requests": [
            {"addSheet": {"properties": {"title": "Extra"}}},
            {"deleteSheet": {"sheetId": 999}}]}).execute()
    assert err.value.status_code == 400
    assert "Invalid requests[1].deleteSheet: No grid with id: 999" in str(err.value)
    assert [w["properties"]["title"] for w in ssapi.get(spreadsheetId=ss_id).execute()[
        "sheets"]] == ["Partners", "Referral's log"]
    with pytest.raises(HttpError, match="does not support this request kind"):
        ssapi.batchUpdate(spreadsheetId=ss_id, body={"requests": [
            {"findReplace": {"find": "a", "replacement": "b", "allSheets": True}}]}).execute()
    with pytest.raises(HttpError, match='Unknown name "frobnicate"'):
        ssapi.batchUpdate(spreadsheetId=ss_id, body={"requests": [
            {"frobnicate": {}}]}).execute()


def test_append_and_clear(gc: gspread.Client, ss_id: str, fake: FakeGoogle) -> None:
    ws = gc.open_by_key(ss_id).worksheet("Partners")
    ws.append_row(["P4", "Dr New"], value_input_option=gspread.utils.ValueInputOption.raw)
    assert fake.sheets.get_values(ss_id, "Partners")[4][:2] == ["P4", "Dr New"]
    ws.batch_clear(["D1:D5"])
    ws.update_acell("B2", "Dr C. Webster")
    assert fake.sheets.get_values(ss_id, "Partners")[1][1] == "Dr C. Webster"


def test_spreadsheets_create_and_drive_lookup(sheets_api: Any, gc: gspread.Client,
                                              fake: FakeGoogle) -> None:
    made = sheets_api.spreadsheets().create(body={
        "properties": {"title": "Made by API", "timeZone": "Europe/Paris", "locale": "fr_FR"},
        "sheets": [{"properties": {"title": "Une"}}, {"properties": {"title": "Deux"}}],
    }).execute()
    assert [s["properties"]["title"] for s in made["sheets"]] == ["Une", "Deux"]
    sh = gc.open("Made by API")
    assert sh.id == made["spreadsheetId"]
    assert sh.get_lastUpdateTime().endswith("Z")


@pytest.mark.parametrize(("locale", "expected"), [("en_US", dt.date(2026, 3, 4)),
                                                  ("en_GB", dt.date(2026, 4, 3))])
def test_user_entered_dates_are_read_by_the_spreadsheets_locale(
        gc: gspread.Client, fake: FakeGoogle, locale: str, expected: dt.date) -> None:
    """As Google does (ValueInputOption USER_ENTERED: "as if the user typed them into the
    UI"): a typed 03/04/2026 becomes a date serial by the sheet's locale, read back
    unformatted as that serial; a column formatted yyyy-mm-dd shows what was understood."""
    sid = fake.sheets.create_spreadsheet("R", {"Referrals": [["Date"]]},
                                         time_zone="America/New_York", locale=locale)
    sh = gc.open_by_key(sid)
    assert sh.fetch_sheet_metadata()["properties"]["locale"] == locale
    assert sh.fetch_sheet_metadata()["properties"]["timeZone"] == "America/New_York"
    sh.batch_update({"requests": [{"repeatCell": {
        "range": {"sheetId": 0, "startRowIndex": 1, "startColumnIndex": 0,
                  "endColumnIndex": 1},
        "cell": {"userEnteredFormat": {"numberFormat": {"type": "DATE",
                                                        "pattern": "yyyy-mm-dd"}}},
        "fields": "userEnteredFormat.numberFormat"}}]})
    ws = sh.worksheet("Referrals")
    ws.update([["03/04/2026"]], "A2", value_input_option="USER_ENTERED")
    serial = ws.get("A2", **{"value_render_option": "UNFORMATTED_VALUE",
                             "date_time_render_option": "SERIAL_NUMBER"})[0][0]
    assert dt.date(1899, 12, 30) + dt.timedelta(days=serial) == expected
    assert ws.get("A2")[0][0] == expected.isoformat()
    ws.update([["03/04/2026"]], "A3", value_input_option="RAW")  # RAW: text, not a date
    assert ws.get("A3", value_render_option="UNFORMATTED_VALUE")[0][0] == "03/04/2026"
