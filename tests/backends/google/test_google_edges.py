"""Error messages, event bodies, time zones, the state tab, lazy imports."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from builders import NOON_UTC, PARTNER, TODAY, checkin, referral, tables
from google_harness import GoogleHarness, as_text

from sheetsync.backends.google import open_google_workspace
from sheetsync.backends.google.auth import SCOPES
from sheetsync.backends.google.calendar import GoogleCalendar, event_body
from sheetsync.backends.google.register import SheetsRegister
from sheetsync.core.config import GoogleConfig
from sheetsync.core.ports import Change, EventSpec, Known, Presence
from sheetsync.core.schema import STATE_TAB
from sheetsync.engine import run_sync
from sheetsync.errors import CredentialsError, RegisterShapeError
from sheetsync.testing.fake_google import FakeGoogle

MISSING = "1MissingSpreadsheetIdMissingSpreadsheet00"


def open_ws(fake: FakeGoogle, sid: str, **kw: Any) -> Any:
    return open_google_workspace(GoogleConfig(spreadsheet=sid), Path("."),
                                 session=fake.requests_session(**kw), http=fake.http(**kw))


def test_spreadsheet_not_found_names_who_needs_access() -> None:
    ws = open_ws(FakeGoogle(scopes=SCOPES), MISSING)
    with pytest.raises(RegisterShapeError) as info:
        ws.register.read()
    assert MISSING in info.value.message
    assert "share the spreadsheet" in info.value.advice


def test_not_shared_is_a_credentials_problem() -> None:
    fake = FakeGoogle(scopes=SCOPES)
    sid = fake.sheets.create_spreadsheet("R", {"Partners": [["Name"]]})
    fake.faults.add("sheets", "spreadsheets.get", 403,
                    message="The caller does not have permission")
    register = SheetsRegister(sid, session=fake.requests_session(),
                              identity="owner@clinic.example (through service account sa@x)")
    with pytest.raises(CredentialsError) as info:
        register.read()
    assert "owner@clinic.example" in info.value.advice and "Editor" in info.value.advice


def test_missing_scope_says_sign_in_again() -> None:
    fake = FakeGoogle(scopes=["https://www.googleapis.com/auth/calendar.events"])
    sid = fake.sheets.create_spreadsheet("R", {"Partners": [["Name"]]})
    with pytest.raises(CredentialsError) as info:
        open_ws(fake, sid).register.read()
    assert "scopes" in info.value.message and "auth login" in info.value.advice


def test_rejected_token_says_sign_in_again() -> None:
    fake = FakeGoogle(valid_tokens={"good"})
    sid = fake.sheets.create_spreadsheet("R", {"Partners": [["Name"]]})
    with pytest.raises(CredentialsError, match="did not accept"):
        open_ws(fake, sid, token="stale").register.read()


def test_google_libraries_are_imported_lazily() -> None:
    code = ("import sys, sheetsync.backends.google as g; "
            "print([m for m in ('gspread','googleapiclient','google.auth','google_auth_oauthlib')"
            " if m in sys.modules])")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.strip()
    assert out == "[]"


# ------------------------------------------------------------------- event bodies


def spec(**over: Any) -> EventSpec:
    base: dict[str, Any] = dict(key="C-0001/check-in", event_id="abcdef0123456789",
                                title="Call A.K.", description="Check in", start=TODAY,
                                end=TODAY + dt.timedelta(days=1), time_zone="Europe/London",
                                reminders_minutes=(60, 1440), private=(("row", "C-0001"),))
    base.update(over)
    return EventSpec(**base)


def test_all_day_and_timed_event_bodies() -> None:
    body = event_body(spec(), "SHEET")
    assert body["id"] == "abcdef0123456789"
    assert body["start"] == {"date": "2026-11-22"} and body["end"] == {"date": "2026-11-23"}
    assert body["reminders"] == {"useDefault": False, "overrides": [
        {"method": "popup", "minutes": 60}, {"method": "popup", "minutes": 1440}]}
    assert body["extendedProperties"]["private"] == {
        "row": "C-0001", "sheetsync_key": "C-0001/check-in", "sheetsync": "SHEET"}
    start = dt.datetime(2026, 11, 22, 10, 0, tzinfo=ZoneInfo("Europe/London"))
    timed = event_body(spec(start=start, end=start + dt.timedelta(minutes=15)), "SHEET")
    assert timed["start"] == {"dateTime": "2026-11-22T10:00:00+00:00",
                              "timeZone": "Europe/London"}


def test_event_moves_between_all_day_and_timed_without_resurrecting() -> None:
    fake = FakeGoogle(scopes=SCOPES)
    cal = GoogleCalendar(fake_service(fake), namespace="SHEET")
    [made] = cal.apply([Change("create", spec())])
    assert made.ok
    start = dt.datetime(2026, 11, 24, 9, 30, tzinfo=ZoneInfo("Europe/London"))
    known = Known("C-0001/check-in", made.remote_id)
    [moved] = cal.apply([Change("update", spec(start=start, end=start + dt.timedelta(hours=1)),
                                known)])
    assert moved.ok
    event = fake.calendar.event("primary", made.remote_id)
    assert "date" not in event["start"] and event["start"]["timeZone"] == "Europe/London"
    assert cal.observe([known])["C-0001/check-in"].presence is Presence.PRESENT
    fake.calendar.user_deletes_event("primary", made.remote_id)
    [again] = cal.apply([Change("update", spec(title="Call again"), known)])
    assert again.ok and again.deleted and not again.error  # recorded as deleted, not redone
    assert fake.calendar.event("primary", made.remote_id)["status"] == "cancelled"
    assert cal.observe([known])["C-0001/check-in"].presence is Presence.DELETED


def test_invalid_event_id_is_refused_before_google() -> None:
    fake = FakeGoogle(scopes=SCOPES)
    cal = GoogleCalendar(fake_service(fake), namespace="SHEET")
    [result] = cal.apply([Change("create", spec(event_id="NOT-base32hex!"))])
    assert not result.ok and "invalid event id" in result.error
    assert fake.calls.for_api("calendar") == 0


def test_observe_reports_unknown_when_calendar_is_down() -> None:
    fake = FakeGoogle(scopes=SCOPES)
    from google_harness import no_wait_policy

    cal = GoogleCalendar(fake_service(fake), namespace="SHEET", policy=no_wait_policy())
    fake.faults.add("calendar", "events.list", 503, times=None)
    seen = cal.observe([Known("C-0001/check-in", "abcdef0123456789")])
    assert seen["C-0001/check-in"].presence is Presence.UNKNOWN


def test_purged_event_missing_from_the_list_is_deleted() -> None:
    fake = FakeGoogle(scopes=SCOPES)
    cal = GoogleCalendar(fake_service(fake), namespace="SHEET")
    seen = cal.observe([Known("C-0001/check-in", "abcdef0123456789")])
    assert seen["C-0001/check-in"].presence is Presence.DELETED
    assert fake.calls["calendar", "events.get"] == 1


def fake_service(fake: FakeGoogle) -> Any:
    from sheetsync.backends.google import build_service

    return build_service("calendar", "v3", http=fake.http())


# ---------------------------------------------------------------- time zones, state


def test_sent_on_uses_the_spreadsheet_time_zone_when_settings_name_none() -> None:
    """Settings name no time zone: the spreadsheet's is the clinic's (with one in
    Settings, that one: ``test_google_sent_day.py``)."""
    h = GoogleHarness()
    typed = {t: [[as_text(c) for c in row] for row in rows]
             for t, rows in tables(partners=[PARTNER], referrals=[referral()],
                                   settings={"Time zone": ""}).items()}
    h.sid = h.fake.sheets.create_spreadsheet("R", typed, time_zone="Pacific/Auckland")
    ws = h.open()
    run_sync(ws, clock=NOON_UTC)
    draft = h._drafts()["R-0001/thank-you"]
    when = dt.datetime(2026, 11, 22, 23, 30, tzinfo=dt.timezone.utc)  # 23rd in Auckland
    h.fake.gmail.owner_sends_draft(draft["draft_id"], when)
    run_sync(ws, clock=lambda: dt.datetime(2026, 11, 23, 1, tzinfo=dt.timezone.utc))
    rows = h.tab("Referrals")
    assert rows[1][rows[0].index("Thank-you")] == "sent on 2026-11-23"


def test_state_tab_is_hidden_grows_and_shrinks() -> None:
    h = GoogleHarness()
    ws = h.workspace(tables(checkins=[checkin(Client=f"C{i}") for i in range(3)]))
    h.fake.sheets.add_sheet(h.sid, STATE_TAB, [["key"]], row_count=4, column_count=3)
    run_sync(ws, clock=NOON_UTC)
    sheet = h.fake.sheets.tab(h.sid, STATE_TAB)
    assert sheet.row_count >= len(ws.register.read().state_rows) > 4
    state = [list(r) for r in ws.register.read().state_rows]
    snapshot = ws.register.read()
    report = ws.register.write(snapshot, [], state[:4])
    assert report.refused is None
    assert [list(r) for r in ws.register.read().state_rows] == state[:4]

    fresh = GoogleHarness()
    ws = fresh.workspace(tables(checkins=[checkin()]))
    run_sync(ws, clock=NOON_UTC)
    meta = fresh.fake.sheets.tab(fresh.sid, STATE_TAB).props
    assert meta.get("hidden") is True


def test_unchanged_write_makes_no_call() -> None:
    h = GoogleHarness()
    ws = h.workspace(tables(checkins=[checkin()]))
    run_sync(ws, clock=NOON_UTC)
    snapshot = ws.register.read()
    h.fake.reset_counters()
    report = ws.register.write(snapshot, [], [list(r) for r in snapshot.state_rows])
    assert report.written == 0 and not report.skipped
    assert h.fake.calls.for_api("sheets") == 0


# ------------------------------------------------------------------------ doctor


def test_doctor_checks() -> None:
    h = GoogleHarness()
    ws = h.workspace(tables(checkins=[checkin()]))
    assert ws.register.check() == "Clinic register"  # type: ignore[attr-defined]
    ws.calendar.check()  # type: ignore[attr-defined]
    ws.mailbox.check()  # type: ignore[attr-defined]
    bad = GoogleCalendar(fake_service(h.fake), "nobody@example.com")
    with pytest.raises(CredentialsError, match="not found"):
        bad.check()
    h.fake.faults.add("gmail", "drafts.list", 403, message="Delegation denied")
    with pytest.raises(CredentialsError, match="Delegation denied"):
        ws.mailbox.check()  # type: ignore[attr-defined]
