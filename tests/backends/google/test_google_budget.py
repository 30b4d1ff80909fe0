"""The call budget, on a realistic register (``testing.bulk``: 200 rows per tab).

Sheets: at most 3 requests on a run that changes something, whatever the size: the read,
the run lock (``lease``; its answer holds the tabs the write locates its rows in, so the
write needs no read of its own) and the write (which gives the lock back); one read and
nothing else on an unchanged run. Calendar and Gmail: nothing that changes anything on an
unchanged run; reads are list pages (so they grow with the events and open drafts, never
with rows); creates and updates go in batches of 50.
"""

from __future__ import annotations

import math
from typing import Any

import pytest
from builders import NOON_UTC, TODAY
from google_harness import GoogleHarness

from sheetsync.backends.google._batch import MAX_BATCH
from sheetsync.backends.google.lease import LOCK_TAB
from sheetsync.backends.google.picture import column_letter
from sheetsync.engine import SyncReport, run_sync
from sheetsync.testing.bulk import bulk_register, edit_one_percent

ROWS = 200
CHANGES = ("insert", "patch", "update", "create", "delete", "send", "import", "modify")
EVENTS_PER_PAGE, DRAFTS_PER_PAGE = 2500, 500


def is_lock_take(request: Any) -> bool:
    return request.method_id.endswith("spreadsheets.batchUpdate") and \
        LOCK_TAB.encode() in (request.body or b"")


def sheets_calls(h: GoogleHarness) -> list[str]:
    """The Sheets requests of the last run, in order; taking the run lock is "lock"."""
    return ["lock" if is_lock_take(r) else r.method_id.removeprefix("sheets.spreadsheets.")
            for r in h.fake.log if r.api == "sheets"]


def changes(h: GoogleHarness, api: str) -> int:
    return sum(n for (a, method), n in h.fake.calls.items()
               if a == api and method.rsplit(".", 1)[-1] in CHANGES)


@pytest.fixture(scope="module")
def runs() -> dict[str, Any]:
    """One register synced three times (first, unchanged, after 1% edits), with what
    each run sent to Google."""
    h = GoogleHarness()
    typed = {t: [[("'" + c) if isinstance(c, str) and c else c for c in row] for row in rows]
             for t, rows in bulk_register(ROWS, TODAY).items()}
    h.sid = h.fake.sheets.create_spreadsheet("Clinic register", typed)
    ws = h.open()
    out: dict[str, Any] = {"h": h}

    def run(name: str) -> SyncReport:
        h.fake.reset_counters()
        report = run_sync(ws, clock=NOON_UTC)
        out[name] = {"report": report, "sheets": sheets_calls(h),
                     "locks": sum(is_lock_take(r) for r in h.fake.log),
                     "calls": dict(h.fake.calls), "trips": dict(h.fake.round_trips),
                     "answers": {(r.method_id, r.query.get("fields", [""])[0])
                                 for r in h.fake.log if r.api in ("calendar", "gmail")
                                 and r.method_id.rsplit(".", 1)[-1] in CHANGES},
                     "calendar_changes": changes(h, "calendar"),
                     "gmail_changes": changes(h, "gmail")}
        return report

    run("first")
    out["events"] = len(h.live_events())
    out["drafts"] = len(h.live_drafts())
    run("unchanged")
    headers = {t: h.header(t) for t in ("Partners", "Referrals", "Check-ins")}
    for title, row, column, value in edit_one_percent(ROWS, TODAY):
        typed_value = "'" + value if isinstance(value, str) else value
        h.fake.sheets.set_cell(h.sid, title, f"{column_letter(headers[title].index(column))}"
                                             f"{row}", typed_value)
    run("edited")
    return out


def test_first_sync_reads_once_locks_once_writes_once(runs: dict[str, Any]) -> None:
    first = runs["first"]
    assert first["report"].failed == 0 and first["report"].ids_assigned == 3 * ROWS
    assert first["sheets"] == ["get", "lock", "batchUpdate"]  # 3: read, lock, write


def test_unchanged_run_reads_once_and_changes_nothing(runs: dict[str, Any]) -> None:
    unchanged = runs["unchanged"]
    assert unchanged["report"].cells_written == 0
    assert unchanged["sheets"] == ["get"]  # <= 2, and no write
    assert unchanged["locks"] == 0
    assert unchanged["calendar_changes"] == unchanged["gmail_changes"] == 0
    # Sent/deleted detection asks only what changed since the last write: Calendar's
    # syncToken, Gmail's history (test_calendar_news, test_gmail_news).
    calls = unchanged["calls"]
    assert set(calls) == {("sheets", "sheets.spreadsheets.get"),
                          ("calendar", "calendar.events.list"),
                          ("gmail", "gmail.users.history.list")}
    assert calls["calendar", "calendar.events.list"] == 1
    assert calls["gmail", "gmail.users.history.list"] == 1
    assert runs["events"] > EVENTS_PER_PAGE // 100 and runs["drafts"] > DRAFTS_PER_PAGE // 100


def test_creates_and_updates_go_in_batches(runs: dict[str, Any]) -> None:
    for name in ("first", "edited"):
        run = runs[name]
        for api, made in (("calendar", run["calendar_changes"]),
                          ("gmail", run["gmail_changes"])):
            lists = sum(n for (a, m), n in run["calls"].items()
                        if a == api and m.endswith(".list"))
            # A batch of up to 50 is one round trip; plus the list pages.
            assert run["trips"].get(api, 0) <= math.ceil(made / MAX_BATCH) + lists + 1, \
                (name, api, made, run["trips"])


def test_one_percent_edited_costs_what_changed(runs: dict[str, Any]) -> None:
    edited = runs["edited"]
    assert edited["sheets"] == ["get", "lock", "batchUpdate"]
    # 2 of each tab's rows were edited: a handful of objects change, not hundreds.
    assert 0 < edited["calendar_changes"] + edited["gmail_changes"] <= 3 * (ROWS // 100) * 3
    assert edited["report"].failed == 0


def test_budget_does_not_grow_with_rows() -> None:
    """Twice the rows: the same Sheets requests; Calendar/Gmail round trips only by
    the extra batches."""
    counts = []
    for n in (60, 120):
        h = GoogleHarness()
        typed = {t: [[("'" + c) if isinstance(c, str) and c else c for c in row]
                     for row in rows] for t, rows in bulk_register(n, TODAY).items()}
        h.sid = h.fake.sheets.create_spreadsheet("R", typed)
        ws = h.open()
        run_sync(ws, clock=NOON_UTC)
        h.fake.reset_counters()
        run_sync(ws, clock=NOON_UTC)
        counts.append((sheets_calls(h), sum(h.fake.round_trips.values())))
    assert counts[0] == counts[1] == (["get"], 3)


def test_a_status_that_changed_alone_costs_read_lock_write() -> None:
    """A cleared Sync status is written back: three Sheets requests, and nothing made or
    changed in Calendar or Gmail."""
    h = GoogleHarness()
    typed = {t: [[("'" + c) if isinstance(c, str) and c else c for c in row]
                 for row in rows] for t, rows in bulk_register(60, TODAY).items()}
    h.sid = h.fake.sheets.create_spreadsheet("R", typed)
    ws = h.open()
    run_sync(ws, clock=NOON_UTC)
    column = h.header("Partners").index("Sync status")
    written = h.tab("Partners")[1][column]
    assert written  # the first sync wrote a status there
    h.set_cell("Partners", 2, "Sync status", "")
    h.fake.reset_counters()
    report = run_sync(ws, clock=NOON_UTC)
    assert sheets_calls(h) == ["get", "lock", "batchUpdate"]
    assert changes(h, "calendar") == changes(h, "gmail") == 0
    assert report.cells_written == 1
    assert h.tab("Partners")[1][column] == written


def test_changes_ask_google_to_answer_with_only_what_is_read(runs: dict[str, Any]) -> None:
    # 15,000 whole event resources held until the last batch were ~100 MB at 10,000 rows.
    for name in ("first", "edited"):
        assert runs[name]["answers"] <= {
            ("calendar.events.insert", "id,status"), ("calendar.events.patch", "id,status"),
            ("gmail.users.drafts.create", "id,message(id,threadId)"),
            ("gmail.users.drafts.update", "id,message(id,threadId)")}, runs[name]["answers"]
    assert {m for m, _ in runs["first"]["answers"]} == {"calendar.events.insert",
                                                        "gmail.users.drafts.create"}
