"""An unchanged run asks Calendar only what changed since the last write's syncToken
(``ports.ListsNews``): one request at any size. A token Google no longer accepts (410)
means one full listing and a new token; an event a person deleted is still noticed."""

from __future__ import annotations

from typing import Any

import pytest
from builders import NOON_UTC, TODAY
from google_harness import GoogleHarness

from sheetsync.core.state import SyncState
from sheetsync.engine import SyncReport, run_sync
from sheetsync.testing.bulk import bulk_register


def _register(rows: int) -> tuple[GoogleHarness, Any]:
    h = GoogleHarness()
    typed = {t: [[("'" + c) if isinstance(c, str) and c else c for c in row] for row in data]
             for t, data in bulk_register(rows, TODAY).items()}
    h.sid = h.fake.sheets.create_spreadsheet("Clinic register", typed)
    return h, h.open()


def _run(h: GoogleHarness, ws: Any) -> tuple[SyncReport, dict[str, int]]:
    h.fake.reset_counters()
    report = run_sync(ws, clock=NOON_UTC)
    by_api: dict[str, int] = {}
    for (api, _method), n in h.fake.calls.items():
        by_api[api] = by_api.get(api, 0) + n
    return report, by_api


def _token(h: GoogleHarness) -> str:
    return SyncState.from_rows(h.tab("_sheetsync_state")).news.get("calendar", "")


@pytest.mark.parametrize("rows", [100, 300])
def test_an_unchanged_run_asks_calendar_once_at_any_size(rows: int) -> None:
    h, ws = _register(rows)
    first, _ = _run(h, ws)
    assert first.failed == 0 and first.created["event"] > rows // 2
    assert _token(h), "the first sync keeps a token past its own events"
    for _ in range(2):
        report, by_api = _run(h, ws)
        assert report.cells_written == 0
        assert by_api["sheets"] == 1
        assert by_api["calendar"] == 1
        (listing,) = [r for r in h.fake.log if r.api == "calendar"]
        assert "syncToken" in listing.query  # what changed, not every event
        assert report.steady


def test_a_deleted_event_is_noticed_through_the_news() -> None:
    h, ws = _register(20)
    run_sync(ws, clock=NOON_UTC)
    run_sync(ws, clock=NOON_UTC)
    key = next(iter(h.live_events()))
    h.delete_event(key)
    report, by_api = _run(h, ws)
    assert by_api["calendar"] == 1  # the news named it: no full listing
    assert not report.steady
    state = SyncState.from_rows(h.tab("_sheetsync_state"))
    assert state.objects[key].status == "deleted"
    assert key not in h.live_events()
    # Recorded: the next run is quiet again, and makes nothing twice.
    again, _ = _run(h, ws)
    assert again.created["event"] == 0 and again.cells_written == 0


def test_an_expired_token_means_one_full_listing_and_a_new_token() -> None:
    h, ws = _register(20)
    run_sync(ws, clock=NOON_UTC)
    old = _token(h)
    h.fake.calendar.expire_sync_tokens()
    key = next(iter(h.live_events()))
    h.delete_event(key)  # a change, so this run writes (and keeps the new token)
    report, _ = _run(h, ws)
    lists = [r for r in h.fake.log if r.method_id == "calendar.events.list"]
    assert [("syncToken" in r.query) for r in lists][:2] == [True, False]  # 410, then full
    assert SyncState.from_rows(h.tab("_sheetsync_state")).objects[key].status == "deleted"
    assert _token(h) and _token(h) != old
    report, by_api = _run(h, ws)
    assert by_api["calendar"] == 1 and report.cells_written == 0


def test_an_expired_token_on_an_unchanged_run_still_concludes_nothing_wrong() -> None:
    h, ws = _register(20)
    run_sync(ws, clock=NOON_UTC)
    events = dict(h.live_events())
    h.fake.calendar.expire_sync_tokens()
    report, _ = _run(h, ws)
    assert report.created["event"] == 0 and report.failed == 0
    assert h.live_events() == events


def test_sheetsync_never_sends_a_filter_beside_a_sync_token() -> None:
    """Google answers 400 to ``privateExtendedProperty`` (or any filter it names) beside a
    ``syncToken``, and so does the fake: sheetsync's news listing asks for every changed
    event of the calendar, its full listing filters by its tag without a token."""
    h, ws = _register(20)
    h.fake.reset_counters()
    run_sync(ws, clock=NOON_UTC)  # no token yet: a tagged full listing
    key = next(iter(h.live_events()))
    h.delete_event(key)
    run_sync(ws, clock=NOON_UTC)  # the news since the token
    h.fake.calendar.expire_sync_tokens()
    report = run_sync(ws, clock=NOON_UTC)  # 410, then a full listing
    assert report.failed == 0 and not report.tab_problems
    lists = [r for r in h.fake.log if r.method_id == "calendar.events.list"]
    with_token = [r for r in lists if "syncToken" in r.query]
    assert with_token and any("privateExtendedProperty" in r.query for r in lists)
    for listing in with_token:
        assert not set(listing.query) & {"privateExtendedProperty", "sharedExtendedProperty",
                                         "q", "iCalUID", "orderBy", "timeMin", "timeMax",
                                         "updatedMin"}, listing.query
        assert listing.query.get("showDeleted") == ["true"]
