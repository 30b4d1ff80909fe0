"""calendar.ics stays bounded: long-past events move to calendar-archive.ics, which is a
calendar of its own, and archived events still count as existing (issue 15, item 8)."""

from __future__ import annotations

import datetime as dt
import os
import random
from pathlib import Path
from typing import Any

import pytest
from builders import PARTNER, tables
from icalendar import Calendar

from sheetsync.backends.local import IcsCalendar
from sheetsync.backends.local import calendar as calendar_module
from sheetsync.backends.local.calendar import ARCHIVE_AFTER_DAYS
from sheetsync.core.ports import Change, EventSpec, Known, Presence, Workspace
from sheetsync.engine import run_sync
from sheetsync.testing.memory import MemoryMailbox, MemoryRegister

T0 = dt.datetime(2026, 1, 5, 12, 0, tzinfo=dt.timezone.utc)
DAY = dt.timedelta(days=1)


class Clock:
    def __init__(self, now: dt.datetime = T0) -> None:
        self.now = now

    def __call__(self) -> dt.datetime:
        return self.now


def spec(n: int, day: dt.date) -> EventSpec:
    key = f"C-{n:04d}/check-in"
    return EventSpec(key=key, event_id=f"e{n:05d}", title=f"Call {n}", description="",
                     start=day, end=day + DAY, time_zone="Europe/London",
                     reminders_minutes=(60,))


def uids(path: Path) -> list[str]:
    return [str(e["UID"]) for e in Calendar.from_ical(path.read_bytes()).walk("VEVENT")]


def test_long_past_events_move_to_the_archive_and_still_exist(tmp_path: Path) -> None:
    path = tmp_path / "calendar.ics"
    clock = Clock()
    cal = IcsCalendar(path, clock=clock)
    old = spec(1, T0.date())
    cal.apply([Change("create", old)])
    clock.now = T0 + (ARCHIVE_AFTER_DAYS + 2) * DAY
    cal.apply([Change("create", spec(2, clock.now.date()))])  # a write: old one is filed

    archive = tmp_path / "calendar-archive.ics"
    assert uids(path) == ["e00002@sheetsync"]
    assert uids(archive) == ["e00001@sheetsync"]
    parsed = Calendar.from_ical(archive.read_bytes())
    assert str(parsed["VERSION"]) == "2.0" and "archive" in str(parsed["X-WR-CALNAME"])
    assert b"e00001@sheetsync" not in path.read_bytes()  # not even its MADE line

    # Still there for sheetsync: not "deleted in the calendar", never made again.
    seen = cal.observe([Known(old.key, old.event_id)])
    assert seen[old.key].presence is Presence.PRESENT
    [again] = cal.apply([Change("create", old)])  # state lost: made again?
    assert again.ok and not again.deleted
    assert uids(path) == ["e00002@sheetsync"] and uids(archive) == ["e00001@sheetsync"]


def test_an_archived_event_moved_into_the_future_comes_back(tmp_path: Path) -> None:
    path = tmp_path / "calendar.ics"
    clock = Clock()
    cal = IcsCalendar(path, clock=clock)
    old = spec(1, T0.date())
    cal.apply([Change("create", old)])
    clock.now = T0 + 200 * DAY
    cal.apply([Change("create", spec(2, clock.now.date()))])
    moved = spec(1, clock.now.date() + 3 * DAY)
    [result] = cal.apply([Change("update", moved, Known(old.key, old.event_id))])
    assert result.ok and not result.deleted
    assert sorted(uids(path)) == ["e00001@sheetsync", "e00002@sheetsync"]
    assert uids(tmp_path / "calendar-archive.ics") == []


# CI's copy keeps the files small (a 21-day archive threshold, a quiet clinic) so that a
# whole year runs in seconds; SHEETSYNC_LONG_YEAR=1 runs the real threshold and a busy
# clinic (several minutes: calendar.ics is parsed twice a run).
LONG = os.environ.get("SHEETSYNC_LONG_YEAR") == "1"


def test_a_simulated_year_keeps_calendar_ics_bounded(tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """A clinic's year, day by day: new check-ins and referrals most weekdays, one sync a
    day. calendar.ics holds only the last ARCHIVE_AFTER_DAYS days (and what is ahead); the
    archive holds the rest; no event is lost, doubled or reported deleted."""
    after = calendar_module.ARCHIVE_AFTER_DAYS if LONG else 21
    monkeypatch.setattr(calendar_module, "ARCHIVE_AFTER_DAYS", after)
    rng = random.Random(15)
    path = tmp_path / "calendar.ics"
    clock = Clock()
    register = MemoryRegister(tables(partners=[PARTNER]))
    ws = Workspace(register, IcsCalendar(path, clock=clock), MemoryMailbox(),
                   namespace="year")
    n = 0
    largest = 0
    for day in range(365):
        clock.now = T0 + day * DAY
        today = clock.now.date()
        if today.weekday() < 5:
            for _ in range(rng.randint(1, 3) if LONG else int(rng.random() < 0.5)):
                n += 1
                register.tabs["Check-ins"].append(_row(register, "Check-ins", {
                    "Client": f"Client {n} Person", "Treatment": "Chemical peel",
                    "Treatment date": today, "Check-in by": "Call"}))
            if rng.random() < (0.4 if LONG else 0.2):
                register.tabs["Referrals"].append(_row(register, "Referrals", {
                    "Date": today, "Direction": rng.choice(["Received", "Sent"]),
                    "Partner": "Dr Carol Webster", "Client": f"Ref {day} Person",
                    "Consent to share": "Yes", "Status": "New"}))
        report = run_sync(ws, clock=clock)
        assert not report.failed
        if path.exists() and day % 7 == 0:
            largest = max(largest, len(uids(path)))
    main = uids(path)
    archived = uids(tmp_path / "calendar-archive.ics")
    assert not set(main) & set(archived)
    assert len(main) == len(set(main)) and len(archived) == len(set(archived))
    # calendar.ics holds at most the last ARCHIVE_AFTER_DAYS days and what is ahead
    # (it is filed when the file is next written: a day later at most here).
    cutoff = clock.now.date() - dt.timedelta(days=after + 1)
    for event in Calendar.from_ical(path.read_bytes()).walk("VEVENT"):
        end = event["DTEND"].dt
        assert (end.date() if isinstance(end, dt.datetime) else end) >= cutoff
    # Never more than the events of the window and a month ahead: a fraction of the year.
    total = len(main) + len(archived)
    assert 0 < largest <= total * (after + 30) / 365
    # Both are calendars an import takes: a VCALENDAR with its VTIMEZONE for timed events.
    for file in (path, tmp_path / "calendar-archive.ics"):
        parsed = Calendar.from_ical(file.read_bytes())
        assert str(parsed["VERSION"]) == "2.0" and str(parsed["PRODID"])
        assert [str(z["TZID"]) for z in parsed.walk("VTIMEZONE")] == ["Europe/London"]
    # Nothing sheetsync made was reported deleted in the calendar, nor made twice.
    texts = [str(c) for rows in register.tabs.values() for r in rows for c in r if c]
    assert not any("deleted in the calendar" in t for t in texts)
    assert len(main) + len(archived) == len({*main, *archived})


def _row(register: MemoryRegister, tab: str, values: dict[str, Any]) -> list[Any]:
    header = [str(h) for h in register.tabs[tab][0]]
    return [values.get(h) for h in header]
