"""The Google workspace on the fake, through real gspread and google-api-python-client:
call budgets, rows moving during a sync, crash recovery, faults and retries."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Any

import pytest
from builders import NOON_UTC, PARTNER, TODAY, checkin, referral, tables
from google_harness import GoogleHarness, no_wait_policy

from sheetsync.backends.google.auth import SCOPES
from sheetsync.engine import run_sync
from sheetsync.testing.fake_google import FakeGoogle

SHEETS = "sheets"
PEEL_DAYS = 3  # the default "Chemical peel" check-in delay


def sync(ws: Any, **kw: Any) -> Any:
    return run_sync(ws, clock=NOON_UTC, **kw)


def is_lock_call(request: Any) -> bool:
    """The run lock's own batchUpdates (take: adds the lock tab; give back: deletes it)."""
    if not request.method_id.endswith("spreadsheets.batchUpdate"):
        return False
    body = (request.body or b"").decode("utf-8")
    parts = request.json().get("requests") or []
    return "_sheetsync_lock" in body or (bool(parts) and all(
        set(p) == {"deleteSheet"} for p in parts))


def is_status_write(request: Any) -> bool:
    """The sync's one write: a batchUpdate of cells (not the run lock's own tab)."""
    return request.method_id.endswith("spreadsheets.batchUpdate") and \
        not is_lock_call(request) and b"updateCells" in (request.body or b"")


def sheet_calls(fake: FakeGoogle) -> Counter[str]:
    """Sheets requests of the sync itself (the run lock's take and give-back aside)."""
    return Counter(r.method_id.removeprefix("sheets.") for r in fake.log
                   if r.api == SHEETS and not is_lock_call(r))


def fail_status_writes(h: GoogleHarness, times: int | None) -> Any:
    """Answer the sync's write with 503 (``times`` times; None: always)."""
    left = [times]

    def hook(request: Any) -> None:
        if is_status_write(request) and (left[0] is None or left[0] > 0):
            if left[0] is not None:
                left[0] -= 1
            h.fake.faults.add("sheets", "spreadsheets.batchUpdate", 503)

    return h.fake.before_request(hook)


def many_checkins(n: int) -> dict[str, Any]:
    rows = [checkin(Client=f"Client {i:04d}", **{
        "Client email": f"c{i}@mail.example",
        "Treatment date": TODAY + dt.timedelta(days=i % 20)}) for i in range(n)]
    return tables(checkins=rows)


def rows_by_id(h: GoogleHarness, title: str, id_column: str) -> dict[str, dict[str, str]]:
    rows = h.tab(title)
    header = rows[0]
    out = {}
    for r in rows[1:]:
        d = dict(zip(header, r + [""] * (len(header) - len(r)), strict=True))
        if d.get(id_column):
            out[d[id_column]] = d
    return out


def assert_events_match_rows(h: GoogleHarness) -> None:
    """Every check-in row's ID leads to the event made from *that* row's date."""
    events = h.live_events()
    rows = rows_by_id(h, "Check-ins", "Check-in ID")
    assert rows
    for key, row in rows.items():
        start = dt.date.fromisoformat(events[f"{key}/check-in"][:10])
        treated = dt.date.fromisoformat(row["Treatment date"])
        assert start - treated == dt.timedelta(days=PEEL_DAYS), (key, row["Client"])


# ----------------------------------------------------------------------- budgets


def test_read_costs_one_call_for_metadata_and_values() -> None:
    h = GoogleHarness()
    ws = h.workspace(many_checkins(3))
    h.fake.reset_counters()
    snap = ws.register.read()
    assert sheet_calls(h.fake) == {"spreadsheets.get": 1}
    assert snap.time_zone == "Europe/London"
    tab = snap.tab("Check-ins")
    assert tab is not None
    date_col = tab.header.index("Treatment date")
    assert isinstance(tab.rows[0].cells[date_col], (int, float))  # a serial number
    assert "effectiveValue" in h.fake.log[-1].query["fields"][0]  # unformatted values


def test_500_rows_one_values_write_and_unchanged_run_writes_nothing() -> None:
    h = GoogleHarness()
    ws = h.workspace(many_checkins(500))
    h.fake.reset_counters()
    first = sync(ws)
    assert first.ids_assigned == 500 and first.failed == 0
    calls = sheet_calls(h.fake)
    assert calls["spreadsheets.get"] == 1  # the read
    # No read of its own at write time: the lock's answer showed the tabs.
    assert "spreadsheets.values.batchGet" not in calls
    assert calls["spreadsheets.batchUpdate"] == 1  # the write, with the state tab (lock aside)
    assert h.fake.calls["calendar", "events.insert"] == 500
    # Batches of 50, and the listing a sync starts ahead of its read (ports.LooksAhead):
    # on this first run it finds nothing, a cost of one read-only request.
    assert h.fake.round_trips["calendar"] == 10 + 1
    assert h.fake.calls["calendar", "events.list"] == 1
    assert h.fake.calls["gmail", "users.drafts.create"] == first.created["draft"] > 0
    assert h.fake.gmail.api_sends == 0

    h.fake.reset_counters()
    second = sync(ws)
    assert second.cells_written == 0 and second.failed == 0
    assert sheet_calls(h.fake) == {"spreadsheets.get": 1}
    assert h.fake.calls["calendar", "events.list"] == 1  # one page, not 500 gets
    assert h.fake.calls["gmail", "users.history.list"] == 1  # what changed, no listing
    assert h.fake.calls.for_api("calendar") + h.fake.calls.for_api("gmail") == 2

    h.set_cell("Check-ins", 7, "Treatment date", TODAY + dt.timedelta(days=1))
    h.fake.reset_counters()
    third = sync(ws)
    assert third.updated["event"] == 1
    calls = sheet_calls(h.fake)
    assert calls["spreadsheets.batchUpdate"] == 1  # the write (the lock aside)
    assert_events_match_rows(h)


# --------------------------------------------------------- rows moving mid-sync


def shuffle_during_sync(h: GoogleHarness, action: Any,
                        before: str = "calendar.events.insert") -> None:
    """Run ``action`` once, just before the sync's first ``before`` request (after the
    read, before the write). The Calendar listing is no landmark: it starts ahead of the
    read (ports.LooksAhead)."""
    done = []

    def hook(request: Any) -> None:
        if request.method_id == before and not done:
            done.append(True)
            action()

    h.fake.before_request(hook)


def test_rows_sorted_inserted_and_deleted_mid_sync_keep_their_own_ids() -> None:
    h = GoogleHarness()
    ws = h.workspace(tables(checkins=[
        checkin(Client=f"Client {c}", **{"Treatment date": TODAY + dt.timedelta(days=i)})
        for i, c in enumerate("ABCDEFGH")]))

    def staff() -> None:
        h.sort_desc("Check-ins", "Client")  # H G F ... A
        h.insert_row("Check-ins", 3, ["", "Walk-in", "", "", "Chemical peel",
                                      TODAY.isoformat()])
        h.delete_row("Check-ins", 6)  # "Client E" (a row that was read) is gone

    shuffle_during_sync(h, staff)
    report = sync(ws)
    assert report.ids_assigned == 8
    rows = rows_by_id(h, "Check-ins", "Check-in ID")
    assert "Client E" not in {r["Client"] for r in rows.values()}
    walk_in = next(r for r in h.tab("Check-ins")[1:] if r[1] == "Walk-in")
    assert walk_in[0] == ""  # inserted meanwhile: no status landed on it
    assert len(rows) == 7
    assert_events_match_rows(h)
    for row in rows.values():
        assert row["Sync status"] == "OK"
    # The next sync gives the walk-in its own ID and moves nothing else.
    report = sync(ws)
    assert report.ids_assigned == 1
    assert_events_match_rows(h)


def test_a_persons_edit_to_a_status_cell_mid_sync_is_kept() -> None:
    h = GoogleHarness()
    ws = h.workspace(tables(checkins=[checkin()]))
    sync(ws)
    h.set_cell("Check-ins", 2, "Treatment date", TODAY + dt.timedelta(days=2))
    # Typed after the read, before the run lock (whose answer the write locates rows
    # in): kept. (Typed into sheetsync's own cells after the lock is not promised.)
    shuffle_during_sync(h, lambda: h.set_cell("Check-ins", 2, "Check-in", "called already"),
                        before="sheets.spreadsheets.batchUpdate")
    report = sync(ws)
    assert report.writes_skipped == 1
    assert h.tab("Check-ins")[1][h.header("Check-ins").index("Check-in")] == "called already"


def test_values_are_raw_text() -> None:
    h = GoogleHarness()
    ws = h.workspace(tables(checkins=[checkin()]))
    sync(ws)
    writes = [r for r in h.fake.log if is_status_write(r)]
    assert writes
    # The Dashboard's counts are numbers on purpose (its chart plots them).
    dashboard = h.fake.sheets.spreadsheet(h.sid).by_title("Dashboard")
    for request in writes:
        for part in request.json()["requests"]:
            if "updateCells" in part and dashboard is not None and \
                    part["updateCells"]["start"]["sheetId"] == dashboard.id:
                continue
            if "updateCells" in part:  # text as typed: never a formula, number or date
                assert part["updateCells"]["fields"] == "userEnteredValue"
                values = [v for row in part["updateCells"]["rows"] for v in row["values"]]
                assert all(set(v.get("userEnteredValue", {})) <= {"stringValue"}
                           for v in values)
    cell = h.fake.sheets.cell(h.sid, "Check-ins", "A2")
    assert cell is not None and cell.value == "C-0001"


# ------------------------------------------------------------ crash recovery


class Crash(Exception):
    pass


def crash_before_state_is_written(h: GoogleHarness) -> Any:
    def hook(request: Any) -> None:
        if is_status_write(request):
            raise Crash()

    return h.fake.before_request(hook)


def test_crash_between_creating_and_recording_duplicates_nothing() -> None:
    h = GoogleHarness()
    ws = h.workspace(tables(partners=[PARTNER], referrals=[referral()],
                            checkins=[checkin(), checkin(Client="Bo Berg")]))
    hook = crash_before_state_is_written(h)
    with pytest.raises(Crash):
        sync(ws)
    h.fake.remove_hook(hook)
    made_events, made_drafts = dict(h.live_events()), dict(h.live_drafts())
    assert len(made_events) == 2 and len(made_drafts) == 3
    assert h.tab("Check-ins")[1][0] == ""  # nothing was recorded

    h.fake.reset_counters()
    report = sync(ws)
    assert report.failed == 0
    assert h.live_events().keys() == made_events.keys()
    assert h.live_drafts().keys() == made_drafts.keys()
    assert len(h.fake.gmail.draft_list()) == 3
    assert h.fake.calls["calendar", "events.insert"] == 2  # answered 409 ...
    assert h.fake.calls["calendar", "events.patch"] == 2  # ... and updated instead
    assert h.fake.calls["gmail", "users.drafts.create"] == 0
    assert h.fake.calls["gmail", "users.drafts.update"] == 3
    assert h.fake.calls["gmail", "users.messages.get"] == 3  # headers of unknown drafts
    # Recorded now: a third sync is quiet.
    h.fake.reset_counters()
    third = sync(ws)
    assert sum(third.created.values()) == sum(third.updated.values()) == 0
    assert h.fake.calls["gmail", "users.messages.get"] == 0


def test_event_deleted_by_the_owner_before_it_was_recorded_is_not_resurrected() -> None:
    h = GoogleHarness()
    ws = h.workspace(tables(checkins=[checkin(**{"Client email": ""})]))
    hook = crash_before_state_is_written(h)
    with pytest.raises(Crash):
        sync(ws)
    h.fake.remove_hook(hook)
    h.delete_event("C-0001/check-in")
    report = sync(ws)
    assert h.live_events() == {}
    assert h.fake.calls["calendar", "events.patch"] == 0
    assert report.failed == 0 and sum(report.created.values()) == 0
    row = rows_by_id(h, "Check-ins", "Check-in ID")["C-0001"]
    assert row["Sync status"] == "OK"
    assert "event deleted in the calendar (not recreated)" in row["Check-in"]
    # Remembered as deleted: the next sync does not try to make it again.
    h.fake.reset_counters()
    again = sync(ws)
    assert again.failed == 0 and again.cells_written == 0
    assert h.fake.calls["calendar", "events.insert"] == 0
    assert h.live_events() == {}


def test_no_q_search_ever_reaches_gmail() -> None:
    # FakeGoogle(scopes=SCOPES) refuses q like Google does for gmail.metadata tokens.
    h = GoogleHarness(FakeGoogle(scopes=SCOPES))
    ws = h.workspace(tables(partners=[PARTNER], referrals=[referral()]))
    sync(ws)
    h.send_draft("R-0001/thank-you", TODAY)
    sync(ws)
    assert not [r for r in h.fake.log if r.api == "gmail" and "q" in r.query]
    assert rows_by_id(h, "Referrals", "Referral ID")["R-0001"]["Thank-you"] == \
        f"sent on {TODAY.isoformat()}"


def test_sent_detected_even_when_gmail_rewrites_the_message_id() -> None:
    h = GoogleHarness()
    ws = h.workspace(tables(partners=[PARTNER], referrals=[referral()]))
    sync(ws)
    draft = h._drafts()["R-0001/thank-you"]
    when = dt.datetime(2026, 11, 21, 23, 30, tzinfo=dt.timezone.utc)  # 21st in London
    h.fake.gmail.owner_sends_draft(draft["draft_id"], when,
                                   new_message_id_header="<rewritten@mail.gmail.com>")
    sync(ws)
    assert rows_by_id(h, "Referrals", "Referral ID")["R-0001"]["Thank-you"] == \
        "sent on 2026-11-21"


def test_owner_edit_in_gmail_keeps_draft_present() -> None:
    h = GoogleHarness()
    ws = h.workspace(tables(partners=[PARTNER], referrals=[referral()]))
    sync(ws)
    draft = h._drafts()["R-0001/thank-you"]
    h.fake.gmail.owner_edits_draft(draft["draft_id"], subject="Thanks!")
    report = sync(ws)
    assert report.failed == 0 and len(h.fake.gmail.draft_list()) == 1


# -------------------------------------------------------------- faults, retries


def test_sheets_429_retry_after_is_honoured() -> None:
    waits: list[float] = []
    h = GoogleHarness(policy=no_wait_policy(waits))
    ws = h.workspace(tables(checkins=[checkin()]))
    h.fake.faults.add("sheets", "spreadsheets.get", 429, retry_after=7)
    snap = ws.register.read()
    assert snap.tab("Check-ins") is not None
    assert waits == [7.0]


def test_sheets_write_retry_relocates_rows_first() -> None:
    h = GoogleHarness()
    ws = h.workspace(tables(checkins=[checkin(Client=c) for c in "ABC"]))
    fail_status_writes(h, 1)
    h.fake.reset_counters()
    report = sync(ws)
    assert report.write_refused == "" or report.write_refused is None
    calls = sheet_calls(h.fake)
    assert calls["spreadsheets.batchUpdate"] == 2
    # The first attempt locates rows in the lock's picture; the retry, after a wait,
    # reads them again (it never trusts positions from before the wait).
    assert calls["spreadsheets.values.batchGet"] == 1
    assert [r["Client"] for r in rows_by_id(h, "Check-ins", "Check-in ID").values()] == \
        ["A", "B", "C"]


def test_sheets_down_for_the_whole_write_reports_refused_and_loses_nothing() -> None:
    h = GoogleHarness()
    ws = h.workspace(tables(checkins=[checkin()]))
    hook = fail_status_writes(h, None)
    report = sync(ws)
    assert report.write_refused and "next sync" in report.write_refused
    h.fake.remove_hook(hook)
    again = sync(ws)
    assert again.created["event"] == 1  # the event made earlier was found (409), not copied
    assert len(h.live_events()) == 1
    assert rows_by_id(h, "Check-ins", "Check-in ID")["C-0001"]["Sync status"] == "OK"


def test_calendar_500_storm_gives_up_within_budget_and_the_rest_is_done() -> None:
    waits: list[float] = []
    h = GoogleHarness(policy=no_wait_policy(waits))
    ws = h.workspace(tables(checkins=[checkin(), checkin(Client="Bo Berg")]))
    h.fake.faults.add("calendar", "events.insert", 500, times=None)
    report = sync(ws)
    assert report.failed == 2 and report.retry_later == 2
    assert report.created["draft"] == 2  # Gmail was not held up
    assert sum(waits) <= h.policy.budget and len(waits) == h.policy.max_attempts - 1
    statuses = [r["Sync status"] for r in rows_by_id(h, "Check-ins", "Check-in ID").values()]
    assert all("next sync will try again" in s for s in statuses)
    h.fake.faults.clear()
    report = sync(ws)
    assert report.created["event"] == 2 and report.failed == 0


def test_calendar_batch_retries_only_the_failed_parts() -> None:
    waits: list[float] = []
    h = GoogleHarness(policy=no_wait_policy(waits))
    ws = h.workspace(tables(checkins=[checkin(Client=c, **{"Client email": ""})
                                      for c in "ABCD"]))
    h.fake.faults.add("calendar", "events.insert", 429, retry_after=3, skip=1)
    report = sync(ws)
    assert report.created["event"] == 4 and report.failed == 0
    assert h.fake.calls["calendar", "events.insert"] == 5  # 4 + the one refused
    assert waits == [3.0]


def test_gmail_create_that_timed_out_after_applying_is_not_duplicated() -> None:
    h = GoogleHarness()
    ws = h.workspace(tables(checkins=[checkin()]))
    h.fake.faults.add("gmail", "drafts.create", timeout=True, applied=True)
    report = sync(ws)
    assert report.retry_later == 1  # never retried blindly
    assert len(h.fake.gmail.draft_list()) == 1  # but Gmail made it
    report = sync(ws)
    assert report.failed == 0
    assert len(h.fake.gmail.draft_list()) == 1
