"""IcsCalendar: events by deterministic UID in one .ics file."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar, Event

from sheetsync.backends.local import IcsCalendar
from sheetsync.core.ports import Change, EventSpec, Known, Presence

LONDON = ZoneInfo("Europe/London")
T0 = dt.datetime(2026, 11, 22, 12, 0, tzinfo=dt.timezone.utc)


class Clock:
    def __init__(self, now: dt.datetime = T0) -> None:
        self.now = now

    def __call__(self) -> dt.datetime:
        return self.now


def all_day(key: str = "R-0001/follow-up", title: str = "Follow up: C.D.",
            day: dt.date = dt.date(2026, 12, 1)) -> EventSpec:
    return EventSpec(key=key, event_id="a1b2c3" + key[2:6], title=title,
                     description="Ask Dr Webster how the first visit went.\nLine 2",
                     start=day, end=day + dt.timedelta(days=1), time_zone="Europe/London",
                     reminders_minutes=(60, 1440), private=(("row", key[:6]), ("rule", "x")))


def timed(key: str = "C-0002/check-in", hour: int = 10) -> EventSpec:
    start = dt.datetime(2026, 7, 3, hour, 30, tzinfo=LONDON)
    return EventSpec(key=key, event_id="c0ffee" + key[2:6], title="Call A.B.", description="",
                     start=start, end=start + dt.timedelta(minutes=15),
                     time_zone="Europe/London", reminders_minutes=(10,))


def parse(path: Path) -> Calendar:
    return Calendar.from_ical(path.read_bytes())


def events(path: Path) -> dict[str, Event]:
    return {str(e["UID"]): e for e in parse(path).walk("VEVENT")}


def test_create_writes_calendar_with_event(tmp_path: Path) -> None:
    path = tmp_path / "calendar.ics"
    cal = IcsCalendar(path, name="Lumen follow-ups", clock=Clock())
    spec = all_day()
    [result] = cal.apply([Change("create", spec)])
    assert result.ok and result.remote_id == spec.event_id
    parsed = parse(path)
    assert str(parsed["PRODID"]) == "-//sheetsync//EN"
    assert str(parsed["VERSION"]) == "2.0"
    assert str(parsed["X-WR-CALNAME"]) == "Lumen follow-ups"
    event = events(path)[f"{spec.event_id}@sheetsync"]
    assert str(event["SUMMARY"]) == spec.title
    assert str(event["DESCRIPTION"]) == spec.description
    assert event.decoded("DTSTART") == dt.date(2026, 12, 1)
    assert event["DTSTART"].params.get("VALUE") == "DATE"
    assert event.decoded("DTEND") == dt.date(2026, 12, 2)
    assert event.decoded("DTSTAMP") == T0
    assert int(event["SEQUENCE"]) == 0
    assert str(event["X-SHEETSYNC-KEY"]) == spec.key
    assert str(event["X-SHEETSYNC-ROW"]) == "R-0001"
    assert str(event["X-SHEETSYNC-RULE"]) == "x"
    triggers = sorted(a.decoded("TRIGGER") for a in event.walk("VALARM"))
    assert triggers == [dt.timedelta(minutes=-1440), dt.timedelta(minutes=-60)]
    assert {str(a["ACTION"]) for a in event.walk("VALARM")} == {"DISPLAY"}


def test_timed_event_has_tzid_and_vtimezone(tmp_path: Path) -> None:
    path = tmp_path / "calendar.ics"
    IcsCalendar(path, clock=Clock()).apply([Change("create", timed())])
    raw = path.read_bytes().decode()
    assert "DTSTART;TZID=Europe/London:20260703T103000" in raw
    assert "DTEND;TZID=Europe/London:20260703T104500" in raw
    zones = parse(path).walk("VTIMEZONE")
    assert [str(z["TZID"]) for z in zones] == ["Europe/London"]
    assert raw.index("BEGIN:VTIMEZONE") < raw.index("BEGIN:VEVENT")
    event = next(iter(events(path).values()))
    assert event.decoded("DTSTART") == dt.datetime(2026, 7, 3, 10, 30, tzinfo=LONDON)


def test_observe_present_and_deleted_by_person(tmp_path: Path) -> None:
    path = tmp_path / "calendar.ics"
    cal = IcsCalendar(path, clock=Clock())
    a, b = all_day(), timed()
    cal.apply([Change("create", a), Change("create", b)])
    known = [Known(a.key, a.event_id), Known(b.key, b.event_id)]
    seen = cal.observe(known)
    assert seen[a.key].presence is Presence.PRESENT and seen[a.key].remote_id == a.event_id
    assert seen[b.key].presence is Presence.PRESENT

    # A person deletes one event in their calendar program.
    parsed = parse(path)
    parsed.subcomponents = [c for c in parsed.subcomponents
                            if str(c.get("UID", "")) != f"{a.event_id}@sheetsync"]
    path.write_bytes(parsed.to_ical())
    seen = cal.observe(known)
    assert seen[a.key].presence is Presence.DELETED
    assert seen[b.key].presence is Presence.PRESENT

    # An update of the deleted event is reported deleted, not silently recreated; and
    # so is a create (a run cut off before recording that it made the event).
    [result] = cal.apply([Change("update", a, Known(a.key, a.event_id))])
    assert result.ok and result.deleted
    [result] = cal.apply([Change("create", a)])
    assert result.ok and result.deleted
    assert f"{a.event_id}@sheetsync" not in events(path)


def test_observe_without_file_is_deleted(tmp_path: Path) -> None:
    cal = IcsCalendar(tmp_path / "calendar.ics")
    seen = cal.observe([Known("R-0001/follow-up", "abc")])
    assert seen["R-0001/follow-up"].presence is Presence.DELETED
    assert not (tmp_path / "calendar.ics").exists()


def test_update_changes_content_and_bumps_sequence(tmp_path: Path) -> None:
    path = tmp_path / "calendar.ics"
    clock = Clock()
    cal = IcsCalendar(path, clock=clock)
    spec = all_day()
    cal.apply([Change("create", spec)])
    clock.now = T0 + dt.timedelta(hours=2)
    moved = all_day(day=dt.date(2026, 12, 8))
    [result] = cal.apply([Change("update", moved, Known(spec.key, spec.event_id))])
    assert result.ok
    event = events(path)[f"{spec.event_id}@sheetsync"]
    assert event.decoded("DTSTART") == dt.date(2026, 12, 8)
    assert int(event["SEQUENCE"]) == 1
    assert event.decoded("DTSTAMP") == clock.now
    assert len(events(path)) == 1


def test_unchanged_apply_is_byte_identical_and_keeps_dtstamp(tmp_path: Path) -> None:
    path = tmp_path / "calendar.ics"
    clock = Clock()
    cal = IcsCalendar(path, clock=clock)
    specs = [timed(), all_day(), all_day("P-0002/nurture-2", "Nurture")]
    cal.apply([Change("create", s) for s in specs])
    before = path.read_bytes()
    mtime = path.stat().st_mtime_ns
    clock.now = T0 + dt.timedelta(days=1)
    results = cal.apply([Change("update", s, Known(s.key, s.event_id)) for s in reversed(specs)])
    assert all(r.ok for r in results)
    assert path.read_bytes() == before
    assert path.stat().st_mtime_ns == mtime
    assert cal.apply([]) == []
    assert path.read_bytes() == before


def test_events_sorted_by_uid(tmp_path: Path) -> None:
    path = tmp_path / "calendar.ics"
    cal = IcsCalendar(path, clock=Clock())
    cal.apply([Change("create", all_day("R-0009/x")), Change("create", all_day("R-0001/x"))])
    uids = [str(e["UID"]) for e in parse(path).walk("VEVENT")]
    assert uids == sorted(uids)


def test_create_of_existing_uid_updates_it(tmp_path: Path) -> None:
    """A crash after creating but before recording: the next create must not duplicate."""
    path = tmp_path / "calendar.ics"
    clock = Clock()
    cal = IcsCalendar(path, clock=clock)
    cal.apply([Change("create", all_day())])
    clock.now = T0 + dt.timedelta(minutes=5)
    renamed = all_day(title="Follow up: new title")
    [result] = cal.apply([Change("create", renamed)])
    assert result.ok and result.remote_id == renamed.event_id
    found = events(path)
    assert len(found) == 1
    event = found[f"{renamed.event_id}@sheetsync"]
    assert str(event["SUMMARY"]) == "Follow up: new title"
    assert int(event["SEQUENCE"]) == 1


def test_person_events_are_kept_untouched(tmp_path: Path) -> None:
    path = tmp_path / "calendar.ics"
    mine = (
        "BEGIN:VEVENT\r\nUID:dentist-123@example.org\r\nDTSTAMP:20200101T000000Z\r\n"
        "DTSTART;VALUE=DATE:20261201\r\nSUMMARY:Dentist\r\nX-SOMETHING:kept\r\nEND:VEVENT\r\n"
    )
    path.write_bytes(
        ("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Person//EN\r\n" + mine
         + "BEGIN:VTODO\r\nUID:todo-1\r\nSUMMARY:Buy paper\r\nEND:VTODO\r\n"
         + "END:VCALENDAR\r\n").encode()
    )
    cal = IcsCalendar(path, clock=Clock())
    cal.apply([Change("create", all_day())])
    raw = path.read_bytes().decode()
    assert mine in raw
    assert "BEGIN:VTODO" in raw and "Buy paper" in raw
    assert len(events(path)) == 2


def test_damaged_file_is_a_plain_error(tmp_path: Path) -> None:
    from sheetsync.errors import UserError

    path = tmp_path / "calendar.ics"
    path.write_text("this is not a calendar")
    with pytest.raises(UserError) as info:
        IcsCalendar(path).observe([Known("k", "r")])
    assert "calendar.ics" in info.value.message


def test_unknown_time_zone_fails_that_event_only(tmp_path: Path) -> None:
    path = tmp_path / "calendar.ics"
    bad = EventSpec("C-1/x", "bad1", "t", "", dt.datetime(2026, 1, 1, 9, tzinfo=LONDON),
                    dt.datetime(2026, 1, 1, 10, tzinfo=LONDON), "Mars/Olympus")
    results = IcsCalendar(path, clock=Clock()).apply([Change("create", bad),
                                                      Change("create", all_day())])
    assert [r.ok for r in results] == [False, True]
    assert "Mars/Olympus" in results[0].error


def test_crash_during_write_keeps_old_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import os

    path = tmp_path / "calendar.ics"
    cal = IcsCalendar(path, clock=Clock())
    cal.apply([Change("create", all_day())])
    before = path.read_bytes()

    def boom(src: object, dst: object) -> None:
        raise OSError("power cut")

    monkeypatch.setattr(os, "replace", boom)
    with pytest.raises(OSError):
        cal.apply([Change("create", timed())])
    monkeypatch.undo()
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["calendar.ics"]
