"""Discovery-driven validation: bad bodies and parameters are refused like Google does."""

from __future__ import annotations

import json
from typing import Any

import pytest
from fg_util import event_body
from googleapiclient.errors import HttpError

from sheetsync.testing.fake_google import ApiError, FakeGoogle, discovery


def error_of(exc: HttpError) -> dict[str, Any]:
    return dict(json.loads(exc.content)["error"])


@pytest.fixture
def ss_id(fake: FakeGoogle) -> str:
    return fake.sheets.create_spreadsheet("R", {"Sheet1": [["a"]]})


@pytest.mark.parametrize(("request_body", "expected"), [
    ({"requests": [{"addSheet": {"properties": {"titel": "x"}}}]},
     "Unknown name \"titel\" at 'requests[0].add_sheet.properties': Cannot find field."),
    ({"requests": [{"addSheet": {"properties": {"gridProperties": {"rowCount": "many"}}}}]},
     "Invalid value at 'requests[0].add_sheet.properties.grid_properties.row_count'"
     ' (TYPE_INT32), "many"'),
    ({"requests": [{"updateSheetProperties": {"properties": {"hidden": "yes"}, "fields": "*"}}]},
     "(TYPE_BOOL)"),
    ({"requests": [{"insertDimension": {"range": {"dimension": "ROWZ"}}}]},
     "(TYPE_ENUM)"),
    ({"requests": {"addSheet": {}}}, "(type.googleapis.com/google.protobuf.ListValue)"),
])
def test_sheets_bad_batch_update_bodies(sheets_api: Any, ss_id: str, request_body: Any,
                                        expected: str) -> None:
    with pytest.raises(HttpError) as err:
        sheets_api.spreadsheets().batchUpdate(spreadsheetId=ss_id, body=request_body).execute()
    error = error_of(err.value)
    assert err.value.status_code == 400
    assert expected in error["message"]
    assert error["status"] == "INVALID_ARGUMENT"
    assert "errors" not in error  # like the recorded Sheets 400: no legacy errors list
    assert error["details"][0]["@type"] == "type.googleapis.com/google.rpc.BadRequest"


def test_sheets_accepts_proto3_json_spellings(sheets_api: Any, ss_id: str) -> None:
    reply = sheets_api.spreadsheets().batchUpdate(spreadsheetId=ss_id, body={"requests": [
        {"addSheet": {"properties": {"title": "T", "gridProperties": {"rowCount": "12"},
                                     "tabColor": None}}}]}).execute()
    assert reply["replies"][0]["addSheet"]["properties"]["gridProperties"]["rowCount"] == 12


def test_sheets_values_bad_enum_and_unknown_query_param(fake: FakeGoogle, ss_id: str) -> None:
    bad = fake.handle(
        "POST", f"https://sheets.googleapis.com/v4/spreadsheets/{ss_id}/values:batchUpdate",
        {"Authorization": "Bearer t", "Content-Type": "application/json"},
        json.dumps({"valueInputOption": "RAWISH", "data": []}).encode())
    assert bad.status == 400 and b"value_input_option" in bad.body
    unknown = fake.handle(
        "GET", f"https://sheets.googleapis.com/v4/spreadsheets/{ss_id}/values:batchGet"
        "?ranges=Sheet1&valueRenderOptions=FORMULA", {"Authorization": "Bearer t"}, None)
    assert unknown.status == 400
    assert b"Cannot bind query parameter" in unknown.body


@pytest.mark.parametrize(("extra", "expected"), [
    ({"colour": "red"}, 'Unknown name "colour"'),
    ({"extendedProperties": {"private": {"row": 7}}}, "extended_properties.private[row]"),
    ({"guestsCanModify": "true"}, "(TYPE_BOOL)"),
    ({"start": {"dateTime": "tomorrow at ten"}, "end": {"date": "2026-01-06"}},
     "Invalid value for date-time"),
    ({"attendees": {"email": "a@b.c"}}, "ListValue"),
])
def test_calendar_bad_event_bodies(calendar: Any, extra: dict[str, Any], expected: str) -> None:
    with pytest.raises(HttpError) as err:
        calendar.events().insert(calendarId="primary",
                                 body=event_body("evt00001", **extra)).execute()
    assert err.value.status_code == 400
    assert expected in error_of(err.value)["message"]


def test_calendar_required_fields_from_annotations(calendar: Any) -> None:
    with pytest.raises(HttpError) as err:
        calendar.events().insert(calendarId="primary", body={"summary": "no times"}).execute()
    assert err.value.status_code == 400
    assert error_of(err.value)["errors"][0]["reason"] == "required"


@pytest.mark.parametrize(("body", "expected"), [
    ({"messsage": {"raw": "eA"}}, 'Unknown name "messsage"'),
    ({"message": {"raw": 12345}}, "(TYPE_STRING)"),
    ({"message": {"raw": "not base64 at all!"}}, "Invalid value for ByteString"),
    ({"message": {"labelIds": "DRAFT", "raw": "eA"}}, "ListValue"),
])
def test_gmail_bad_draft_bodies(gmail: Any, body: dict[str, Any], expected: str) -> None:
    with pytest.raises(HttpError) as err:
        gmail.users().drafts().create(userId="me", body=body).execute()
    assert err.value.status_code == 400
    assert expected in error_of(err.value)["message"]


def test_fields_selector_filters_and_is_checked(sheets_api: Any, ss_id: str) -> None:
    got = sheets_api.spreadsheets().get(
        spreadsheetId=ss_id, fields="spreadsheetId,sheets(properties(title,sheetId))").execute()
    assert got == {"spreadsheetId": ss_id,
                   "sheets": [{"properties": {"sheetId": 0, "title": "Sheet1"}}]}
    dotted = sheets_api.spreadsheets().get(spreadsheetId=ss_id,
                                           fields="properties.timeZone").execute()
    assert dotted == {"properties": {"timeZone": "Europe/London"}}
    with pytest.raises(HttpError) as err:
        sheets_api.spreadsheets().get(spreadsheetId=ss_id, fields="sheets.propertys").execute()
    assert err.value.status_code == 400
    with pytest.raises(HttpError) as spaced:  # Sheets does not trim ", " in selectors
        sheets_api.spreadsheets().get(spreadsheetId=ss_id,
                                      fields="properties, sheets.properties").execute()
    assert spaced.value.status_code == 400


def test_routes_match_discovery_templates() -> None:
    sheets = discovery.load("sheets")
    spec, params = sheets.match(
        "POST", "/v4/spreadsheets/abc/values/%27My%20Tab%27%21A1:append") or (None, {})
    assert spec is not None and spec.id == "sheets.spreadsheets.values.append"
    assert params == {"spreadsheetId": "abc", "range": "'My Tab'!A1"}
    gmail = discovery.load("gmail")
    spec, params = gmail.match("POST", "/gmail/v1/users/me/drafts/send") or (None, {})
    assert spec is not None and spec.id == "gmail.users.drafts.send"
    calendar = discovery.load("calendar")
    assert calendar.match("GET", "/calendar/v3/calendars/a%40b.c/events/abcde") is not None
    assert calendar.match("PATCH", "/calendar/v3/nowhere") is None


def test_schema_validator_directly() -> None:
    gmail = discovery.load("gmail")
    validator = discovery.SchemaValidator(gmail, "gmail.users.drafts.create")
    validator.check({"$ref": "Draft"}, {"message": {"historyId": "123", "sizeEstimate": 5}}, "")
    with pytest.raises(ApiError, match="TYPE_UINT64"):
        validator.check({"$ref": "Draft"}, {"message": {"historyId": "-1"}}, "")
    with pytest.raises(ApiError, match="TYPE_INT32"):
        validator.check({"$ref": "Draft"}, {"message": {"sizeEstimate": 2**40}}, "")
    with pytest.raises(ApiError, match="TYPE_INT32"):
        validator.check({"$ref": "Draft"}, {"message": {"sizeEstimate": True}}, "")
