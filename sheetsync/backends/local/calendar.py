"""The calendar as one iCalendar file (``calendar.ics``) that Outlook, Apple Calendar,
Thunderbird and Google Calendar can import or subscribe to.

Each event sheetsync makes is a VEVENT whose UID is ``<event id>@sheetsync``; it carries
the row key in ``X-SHEETSYNC-KEY``. A person may delete or add events in the file (or in
a program that edits it): an event of ours that is gone is reported as deleted (and
``X-SHEETSYNC-MADE`` lines on the VCALENDAR remember every event sheetsync made, so a
deleted one is never made again), and events a person added are kept exactly as they are.
An event whose reason went (e.g. a referral declined) is removed by sheetsync if it is
still ahead and nobody edited its title, description or times since sheetsync wrote it
(an edited one is theirs: never changed or removed again).

Long-past events move to an archive file beside it (``calendar-archive.ics`` for
``calendar.ics``): when the file is rewritten, every event of ours that ended more than
:data:`ARCHIVE_AFTER_DAYS` days ago goes there, with its ``X-SHEETSYNC-MADE`` line, so
``calendar.ics`` stays small after years of use. The archive is a valid calendar of its
own (import it like the other), and archived events still count as existing: never
made again, never reported as deleted; one that must change comes back.

The file is rewritten only when an event really changed, always in the same order
(time zones, then events sorted by UID), so an unchanged sync leaves it byte-for-byte
identical; DTSTAMP and SEQUENCE change only when an event's content does.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from icalendar import Alarm, Event, Timezone
from icalendar import Calendar as ICalendar

from sheetsync.core.ports import (
    Change,
    ChangeResult,
    EventSpec,
    Known,
    Observation,
    Presence,
    event_stamp,
)
from sheetsync.errors import UserError

from .checks import check_writable
from .register import atomic_write

PRODID = "-//sheetsync//EN"
UID_SUFFIX = "@sheetsync"
KEY_PROPERTY = "X-SHEETSYNC-KEY"
# On the VCALENDAR: one line per event sheetsync ever made here, so an event a person
# deleted is known as deleted even when a run cut off never recorded making it.
MADE_PROPERTY = "X-SHEETSYNC-MADE"
# Events of ours that ended more than this many days ago move to the archive file.
ARCHIVE_AFTER_DAYS = 90
ARCHIVE_SUFFIX = "-archive"
_UID_LINE = re.compile(rb"^UID:(.*?)\r?$", re.MULTILINE)
_TZID_LINE = re.compile(rb"^TZID:(.*?)\r?$", re.MULTILINE)  # a VTIMEZONE's own TZID
# VTIMEZONE definitions list each change of offset between these dates.
TZ_FIRST_DATE = dt.date(2000, 1, 1)
TZ_LAST_DATE = dt.date(2045, 1, 1)

Clock = Callable[[], dt.datetime]


def _utc_now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def uid_for(event_id: str) -> str:
    return f"{event_id}{UID_SUFFIX}"


def _property_name(name: str) -> str:
    cleaned = re.sub(r"[^A-Z0-9-]+", "-", name.upper()).strip("-")
    return f"X-SHEETSYNC-{cleaned or 'VALUE'}"


class IcsCalendar:
    """A ``Calendar`` kept in one .ics file."""

    def __init__(self, path: Path, name: str = "sheetsync", *, clock: Clock = _utc_now) -> None:
        self.path = Path(path)
        self.name = name
        self._clock = clock
        self._archived: tuple[float, frozenset[str]] | None = None  # (mtime, UIDs)
        self._touched: frozenset[str] = frozenset()  # events this apply writes: kept here

    @property
    def archive_path(self) -> Path:
        """``calendar-archive.ics`` beside ``calendar.ics``."""
        return self.path.with_name(f"{self.path.stem}{ARCHIVE_SUFFIX}{self.path.suffix}")

    def describe(self) -> str:
        return self.path.name

    def check(self) -> None:
        """For ``sheetsync doctor`` (``ports.SelfChecks``), changing nothing: the file
        can be read (``UserError`` when damaged) and its folder written."""
        self._load()
        check_writable(self.path.parent, f"save {self.path.name}")

    def vanished(self) -> str:
        """``ports.KeptInFiles``: the file's name when it is gone or empty."""
        try:
            return "" if self.path.stat().st_size else self.path.name
        except FileNotFoundError:
            return self.path.name
        except OSError:
            return ""  # there but unreadable: reading it says so

    # ------------------------------------------------------------------------ observe

    def observe(self, known: Sequence[Known]) -> dict[str, Observation]:
        calendar = self._load()
        events = _events_by_uid(calendar) if calendar is not None else {}
        by_key: dict[str, str] = {}
        for uid, event in events.items():
            key = event.get(KEY_PROPERTY)
            if key is not None and uid.endswith(UID_SUFFIX):
                by_key.setdefault(str(key), uid)
        result: dict[str, Observation] = {}
        for item in known:
            uid = uid_for(item.remote_id) if item.remote_id else by_key.get(item.key, "")
            if uid not in events and item.key in by_key:
                uid = by_key[item.key]
            if uid in events or self._is_archived(uid):
                result[item.key] = Observation(
                    item.key, Presence.PRESENT, remote_id=uid.removesuffix(UID_SUFFIX)
                )
            else:
                result[item.key] = Observation(item.key, Presence.DELETED,
                                               remote_id=item.remote_id)
        return result

    # -------------------------------------------------------------------------- apply

    def apply(self, changes: Sequence[Change]) -> list[ChangeResult]:
        original = self._read_bytes()
        calendar = self._parse(original) if original else None
        if calendar is None:
            calendar = self._new_calendar()
        events = _events_by_uid(calendar)
        made = _made(calendar)
        self._bring_back(changes, events)
        results: list[ChangeResult] = []
        dirty = False
        forget: set[str] = set()
        for change in changes:
            spec = change.spec
            if change.op == "delete":
                uid = uid_for(change.known.remote_id) if change.known else ""
                existing = events.get(uid)
                if existing is not None and change.written and \
                        _stamp(existing) != change.written:
                    # A person edited it since sheetsync wrote it: theirs, left as it is.
                    results.append(ChangeResult(change.key, True, remote_id=uid.removesuffix(
                        UID_SUFFIX), edited=True))
                    continue
                if existing is not None:
                    del events[uid]
                    dirty = True
                forget.add(uid)  # deleted by sheetsync: made again if wanted again
                results.append(ChangeResult(change.key, True,
                                            remote_id=uid.removesuffix(UID_SUFFIX)))
                continue
            if not isinstance(spec, EventSpec):
                results.append(ChangeResult(change.key, False, error="not a calendar event"))
                continue
            uid = uid_for(spec.event_id)
            existing = events.get(uid)
            if existing is None and change.known is not None and change.known.remote_id:
                other = uid_for(change.known.remote_id)
                if other in events:
                    uid, existing = other, events[other]
            if existing is not None and change.op == "update" and change.written and \
                    _stamp(existing) != change.written and \
                    _stamp(existing) != event_stamp(spec.title, spec.description,
                                                    *_when(spec)):
                # A person edited it (not a run killed after writing this very change).
                results.append(ChangeResult(spec.key, True, remote_id=uid.removesuffix(
                    UID_SUFFIX), edited=True))
                continue
            if existing is None and (change.op == "update" or (
                    uid in made and uid not in forget and change.known is None)):
                # Made once and deleted by a person since (perhaps after a run that was
                # cut off before recording it): it stays deleted and is remembered so.
                results.append(ChangeResult(spec.key, True, remote_id=spec.event_id,
                                            deleted=True))
                continue
            try:
                event = self._build(spec, uid, existing)
            except ValueError as exc:
                results.append(ChangeResult(spec.key, False, error=str(exc)))
                continue
            if existing is None or event.to_ical() != existing.to_ical():
                events[uid] = event
                dirty = True
            forget.discard(uid)
            results.append(ChangeResult(spec.key, True, remote_id=uid.removesuffix(UID_SUFFIX),
                                        written=_stamp(event)))
        if dirty:
            self._save(calendar, events, original, forget)
        return results

    def _build(self, spec: EventSpec, uid: str, existing: Event | None) -> Event:
        """The VEVENT for ``spec``; keeps DTSTAMP and SEQUENCE when nothing changed."""
        stamp: Any = existing.get("DTSTAMP") if existing is not None else None
        sequence = int(existing.get("SEQUENCE", 0)) if existing is not None else 0
        event = self._event(spec, uid, sequence, stamp.dt if stamp is not None else None)
        if existing is not None and event.to_ical() != existing.to_ical():
            event = self._event(spec, uid, sequence + 1, None)
        return event

    def _event(
        self, spec: EventSpec, uid: str, sequence: int, stamp: dt.datetime | None
    ) -> Event:
        start, end = _when(spec)
        event = Event()
        event.add("UID", uid)
        event.add("DTSTAMP", stamp if stamp is not None else self._now())
        event.add("SEQUENCE", sequence)
        event.add("SUMMARY", spec.title)
        if spec.description:
            event.add("DESCRIPTION", spec.description)
        event.add("DTSTART", start)
        event.add("DTEND", end)
        event.add(KEY_PROPERTY, spec.key)
        for name, value in spec.private:
            event.add(_property_name(name), value)
        for minutes in spec.reminders_minutes:
            alarm = Alarm()
            alarm.add("ACTION", "DISPLAY")
            alarm.add("DESCRIPTION", spec.title or "Reminder")
            # Negative: after the start (an all-day event's morning, e.g. PT9H).
            alarm.add("TRIGGER", dt.timedelta(minutes=-int(minutes)))
            event.add_component(alarm)
        if spec.transparent:  # free, not busy
            event.add("TRANSP", "TRANSPARENT")
        return event

    def _now(self) -> dt.datetime:
        now = self._clock()
        if now.tzinfo is None:
            now = now.replace(tzinfo=dt.timezone.utc)
        return now.astimezone(dt.timezone.utc).replace(microsecond=0)

    # ------------------------------------------------------------------------ archive

    def _archived_uids(self) -> frozenset[str]:
        """The UIDs in the archive file: a plain scan of its UID lines (no parsing), read
        again only when the file changed."""
        try:
            mtime = self.archive_path.stat().st_mtime
        except FileNotFoundError:
            return frozenset()
        except OSError as exc:
            raise UserError(
                f"The calendar archive {self.archive_path.name} could not be read "
                f"({exc.strerror}).",
                "Check that the account running sheetsync may read and write it.",
            ) from exc
        if self._archived is None or self._archived[0] != mtime:
            data = self.archive_path.read_bytes().replace(b"\r\n ", b"").replace(b"\n ", b"")
            uids = frozenset(m.decode("utf-8", "replace").strip()
                             for m in _UID_LINE.findall(data))
            self._archived = (mtime, uids)
        return self._archived[1]

    def _is_archived(self, uid: str) -> bool:
        return bool(uid) and uid in self._archived_uids()

    def _load_archive(self) -> ICalendar:
        data = self.archive_path.read_bytes() if self.archive_path.exists() else b""
        archive = None
        if data.strip():
            try:
                archive = ICalendar.from_ical(data)
            except Exception as exc:  # icalendar raises ValueError and friends
                raise UserError(
                    f"The calendar archive {self.archive_path.name} is damaged and cannot "
                    f"be read ({exc}).",
                    f"Restore {self.archive_path.name} from a backup, or move it away: "
                    "sheetsync then starts a new one.",
                ) from exc
        if not isinstance(archive, ICalendar):
            archive = self._new_calendar()
            archive.pop("X-WR-CALNAME", None)
            archive.add("X-WR-CALNAME", f"{self.name} (archive)")
        return archive

    def _bring_back(self, changes: Sequence[Change], events: dict[str, Event]) -> None:
        """An archived event that a change is about is looked at (and updated) here, as
        if it had never left; ``_archive_past`` then files it again, or keeps it here if
        it is no longer long past."""
        wanted = set()
        for change in changes:
            if isinstance(change.spec, EventSpec):
                wanted.add(uid_for(change.spec.event_id))
                if change.known is not None and change.known.remote_id:
                    wanted.add(uid_for(change.known.remote_id))
        self._touched = frozenset(wanted)
        back = {uid for uid in wanted - set(events) if self._is_archived(uid)}
        if back:
            for uid, event in _events_by_uid(self._load_archive()).items():
                if uid in back:
                    events[uid] = event

    def _archive_past(self, calendar: ICalendar, events: dict[str, Event]) -> None:
        """Move events of ours that ended more than ARCHIVE_AFTER_DAYS ago (and their
        X-SHEETSYNC-MADE lines) to the archive file, written before this one; an archived
        event back here and no longer long past leaves the archive. Events this apply
        writes stay here until the next write."""
        cutoff = self._now().date() - dt.timedelta(days=ARCHIVE_AFTER_DAYS)
        old = {uid: event for uid, event in events.items()
               if uid.endswith(UID_SUFFIX) and uid not in self._touched
               and event.get(KEY_PROPERTY) is not None
               and (end := _end_day(event)) is not None and end < cutoff}
        in_archive = self._archived_uids()
        back = {uid for uid in events if uid in in_archive and uid not in old}
        if not old and not back:
            return
        if back or set(old) & in_archive:
            # Rare (an archived event changed): the archive is read and written whole.
            archive = self._load_archive()
            archived = _events_by_uid(archive)
            for uid in back:  # brought back by a change and no longer long past
                archived.pop(uid, None)
            archived.update(old)
            others = [c for c in archive.subcomponents if c.name != "VTIMEZONE"
                      and not (c.name == "VEVENT" and isinstance(c, Event))]
            zones = [c for c in archive.subcomponents if c.name == "VTIMEZONE"]
            ordered = [archived[uid] for uid in sorted(archived)]
            archive.subcomponents = [*_ordered_zones(zones, ordered), *ordered, *others]
            self._write_archive(archive.to_ical(sorted=False))
        else:
            # Usual: new events are added at its end, without parsing what is there.
            self._append_to_archive([old[uid] for uid in sorted(old)])
        for uid in old:
            del events[uid]
        made = _made(calendar) - set(old)
        calendar.pop(MADE_PROPERTY, None)
        for uid in sorted(made):
            calendar.add(MADE_PROPERTY, uid)

    def _append_to_archive(self, events: Sequence[Event]) -> None:
        """Add ``events`` (none of them in the archive yet) before its END:VCALENDAR, with
        a VTIMEZONE for each time zone they use that it lacks."""
        data = self.archive_path.read_bytes() if self.archive_path.exists() else b""
        if not data.strip():
            data = self._load_archive().to_ical(sorted=False)
        end = data.rfind(b"END:VCALENDAR")
        if end < 0 or data[end:].strip() != b"END:VCALENDAR":
            self._load_archive()  # says what is wrong with it
            raise UserError(f"The calendar archive {self.archive_path.name} does not end "
                            "with END:VCALENDAR.",
                            f"Restore {self.archive_path.name} from a backup, or move it "
                            "away: sheetsync then starts a new one.")
        present = {m.decode("utf-8", "replace").strip()
                   for m in _TZID_LINE.findall(data.replace(b"\r\n ", b""))}
        zones = [z for z in _ordered_zones([], events) if str(z.get("TZID", "")) not in present]
        parts = [data[:end], *(z.to_ical() for z in zones), *(e.to_ical() for e in events),
                 b"END:VCALENDAR\r\n"]
        self._write_archive(b"".join(parts))

    def _write_archive(self, payload: bytes) -> None:
        def _write(handle: Any) -> None:
            handle.write(payload)

        atomic_write(self.archive_path, _write,
                     mode_from=self.archive_path if self.archive_path.exists() else self.path)
        self._archived = None

    # --------------------------------------------------------------------------- file

    def _new_calendar(self) -> ICalendar:
        calendar = ICalendar()
        calendar.add("PRODID", PRODID)
        calendar.add("VERSION", "2.0")
        calendar.add("CALSCALE", "GREGORIAN")
        calendar.add("X-WR-CALNAME", self.name)
        return calendar

    def _read_bytes(self) -> bytes | None:
        try:
            return self.path.read_bytes()
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise UserError(
                f"The calendar file {self.path.name} could not be read ({exc.strerror}).",
                "Check that the account running sheetsync may read and write it.",
            ) from exc

    def _parse(self, data: bytes) -> ICalendar | None:
        if not data.strip():
            return None
        try:
            calendar = ICalendar.from_ical(data)
        except Exception as exc:  # icalendar raises ValueError and friends
            raise UserError(
                f"The calendar file {self.path.name} is damaged and cannot be read ({exc}).",
                f"Restore {self.path.name} from a backup, or fix the lines a program or "
                f"person changed. sheetsync does not touch it until it can read it.",
            ) from exc
        if not isinstance(calendar, ICalendar):
            raise UserError(
                f"The calendar file {self.path.name} holds no VCALENDAR.",
                f"Restore {self.path.name} from a backup, or move it away to start a new one.",
            )
        return calendar

    def _load(self) -> ICalendar | None:
        data = self._read_bytes()
        return self._parse(data) if data else None

    def _save(self, calendar: ICalendar, events: dict[str, Event], original: bytes | None,
              forget: set[str] | None = None) -> None:
        self._archive_past(calendar, events)
        made = (_made(calendar) - (forget or set())) | {
            uid for uid in events if uid.endswith(UID_SUFFIX)}
        calendar.pop(MADE_PROPERTY, None)
        for uid in sorted(made):
            calendar.add(MADE_PROPERTY, uid)
        others = [c for c in calendar.subcomponents
                  if c.name != "VTIMEZONE" and not (c.name == "VEVENT" and isinstance(c, Event))]
        zones = [c for c in calendar.subcomponents if c.name == "VTIMEZONE"]
        ordered = [events[uid] for uid in sorted(events)]
        calendar.subcomponents = [*_ordered_zones(zones, ordered), *ordered, *others]
        payload = calendar.to_ical(sorted=False)  # keep the order people and programs wrote
        if payload == original:
            return

        def _write(handle: Any) -> None:
            handle.write(payload)

        atomic_write(self.path, _write, mode_from=self.path)


def _end_day(event: Event) -> dt.date | None:
    """The day an event ends (its DTEND, else DTSTART), or None if it has neither."""
    value: Any = event.get("DTEND") or event.get("DTSTART")
    moment = getattr(value, "dt", None)
    if isinstance(moment, dt.datetime):
        return moment.date()
    return moment if isinstance(moment, dt.date) else None


def _when(spec: EventSpec) -> tuple[dt.date | dt.datetime, dt.date | dt.datetime]:
    if spec.all_day:
        start = spec.start.date() if isinstance(spec.start, dt.datetime) else spec.start
        end = spec.end.date() if isinstance(spec.end, dt.datetime) else spec.end
        if end <= start:
            end = start + dt.timedelta(days=1)
        return start, end
    try:
        zone: dt.tzinfo = ZoneInfo(spec.time_zone) if spec.time_zone else dt.timezone.utc
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f'unknown time zone "{spec.time_zone}"') from None
    if spec.time_zone.upper() in ("UTC", "ETC/UTC", "Z"):
        zone = dt.timezone.utc
    start_dt = _aware(spec.start, zone)
    end_dt = _aware(spec.end, zone)
    if end_dt <= start_dt:
        end_dt = start_dt + dt.timedelta(minutes=30)
    return start_dt, end_dt


def _aware(value: dt.date | dt.datetime, zone: dt.tzinfo) -> dt.datetime:
    if not isinstance(value, dt.datetime):
        value = dt.datetime.combine(value, dt.time(9, 0))
    if value.tzinfo is None:
        return value.replace(tzinfo=zone)
    return value.astimezone(zone)


def _stamp(event: Event) -> str:
    """``ports.event_stamp`` of a VEVENT: what a person may have changed since."""
    try:
        start = event.get("DTSTART")
        end = event.get("DTEND")
        return event_stamp(str(event.get("SUMMARY", "")), str(event.get("DESCRIPTION", "")),
                           start.dt if start is not None else dt.date.min,
                           end.dt if end is not None else dt.date.min)
    except (AttributeError, TypeError, ValueError):
        return "unreadable"


def _made(calendar: ICalendar) -> set[str]:
    """The UIDs of every event sheetsync ever wrote to this file."""
    value = calendar.get(MADE_PROPERTY)
    values = value if isinstance(value, list) else [] if value is None else [value]
    return {str(v) for v in values}


def _events_by_uid(calendar: ICalendar) -> dict[str, Event]:
    events: dict[str, Event] = {}
    anonymous = 0
    for component in calendar.subcomponents:
        if component.name != "VEVENT" or not isinstance(component, Event):
            continue
        uid = str(component.get("UID", ""))
        if not uid or uid in events:
            # No UID (or a repeated one, e.g. a recurring event's exception): keep it
            # under a name no sheetsync UID can take.
            anonymous += 1
            uid = f"~{uid}~{anonymous:06d}"
        events[uid] = component
    return events


def _tzids(events: Sequence[Event]) -> set[str]:
    found: set[str] = set()
    for event in events:
        for prop in ("DTSTART", "DTEND", "RECURRENCE-ID", "DUE"):
            value = event.get(prop)
            if value is None:
                continue
            params = getattr(value, "params", {})
            tzid = params.get("TZID") if params else None
            if tzid:
                found.add(str(tzid))
    return found


def _ordered_zones(zones: list[Any], events: Sequence[Event]) -> list[Any]:
    """Existing VTIMEZONEs plus one for every time zone an event uses, sorted by TZID."""
    by_id: dict[str, Any] = {}
    for zone in zones:
        by_id.setdefault(str(zone.get("TZID", "")), zone)
    for tzid in sorted(_tzids(events) - set(by_id)):
        try:
            by_id[tzid] = Timezone.from_tzid(
                tzid, first_date=TZ_FIRST_DATE, last_date=TZ_LAST_DATE
            )
        except ValueError:
            continue  # not an IANA zone; clients fall back on the TZID name
    return [by_id[k] for k in sorted(by_id)]
