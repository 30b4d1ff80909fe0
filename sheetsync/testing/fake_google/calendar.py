"""Calendar v3: calendars and events, with Google's id rules and delete semantics.

Deleting an event only marks it ``status: "cancelled"``: ``events.get`` still returns it
with its details, ``events.list`` shows it with ``showDeleted=true`` (or ``updatedMin``/
``syncToken``, then reduced to its id and status unless ``showDeleted``), an update can
restore it, a second delete answers 410, and inserting its id again answers 409 "The
requested identifier already exists." (Event.status in calendar.v3's discovery document;
google-api-python-client#846, #210; stackoverflow.com/q/27542721).
"""

from __future__ import annotations

import base64
import copy
import random
import re
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .errors import ApiError, bad_request
from .server import Service, route

EVENT_ID = re.compile(r"[0-9a-v]{5,1024}")
WRITABLE = (
    "summary", "description", "location", "colorId", "start", "end", "endTimeUnspecified",
    "recurrence", "transparency", "visibility", "attendees", "extendedProperties",
    "reminders", "source", "attachments", "conferenceData", "guestsCanInviteOthers",
    "guestsCanModify", "guestsCanSeeOtherGuests", "anyoneCanAddSelf", "status", "sequence",
    "eventType", "workingLocationProperties", "focusTimeProperties", "outOfOfficeProperties",
    "birthdayProperties", "gadget", "originalStartTime", "locked", "privateCopy",
)


def rfc3339(when: datetime) -> str:
    return when.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.") + (
        f"{when.microsecond // 1000:03d}Z")


def parse_time(text: str) -> datetime:
    value = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)


@dataclass
class Event:
    resource: dict[str, Any]
    mod: int  # modification counter, for updatedMin/syncToken

    @property
    def cancelled(self) -> bool:
        return self.resource.get("status") == "cancelled"


@dataclass
class Calendar:
    id: str
    summary: str
    time_zone: str
    events: dict[str, Event] = field(default_factory=dict)


class CalendarService(Service):
    api = "calendar"

    def __init__(self, fake: Any) -> None:
        super().__init__(fake)
        self.calendars: dict[str, Calendar] = {}
        self._rng = random.Random(7)
        self._mod = 0
        self.sync_floor = 0  # syncTokens below it are too old (``expire_sync_tokens``)
        self._etag = 3_180_000_000_000_000
        self.add_calendar(fake.owner, time_zone="Europe/London", summary=fake.owner)

    # ================================================================ helpers
    def add_calendar(self, calendar_id: str, *, time_zone: str = "Europe/London",
                     summary: str | None = None) -> Calendar:
        with self.fake.lock:
            cal = Calendar(calendar_id, summary or calendar_id, time_zone)
            self.calendars[calendar_id] = cal
            return cal

    def calendar(self, calendar_id: str) -> Calendar:
        key = self.fake.owner if calendar_id == "primary" else calendar_id
        found = self.calendars.get(key)
        if found is None:
            raise ApiError(404, "Not Found", reason="notFound")
        return found

    def events(self, calendar_id: str = "primary", *, include_deleted: bool = False
               ) -> list[dict[str, Any]]:
        """Copies of the calendar's event resources, in creation order."""
        with self.fake.lock:
            return [copy.deepcopy(e.resource) for e in self.calendar(calendar_id).events.values()
                    if include_deleted or not e.cancelled]

    def event(self, calendar_id: str, event_id: str) -> dict[str, Any]:
        with self.fake.lock:
            return copy.deepcopy(self._event(self.calendar(calendar_id), event_id).resource)

    def user_deletes_event(self, calendar_id: str, event_id: str) -> None:
        """The owner deletes the event in the Calendar UI."""
        with self.fake.lock:
            event = self._event(self.calendar(calendar_id), event_id)
            event.resource["status"] = "cancelled"
            self._touch(event)

    def user_moves_event(self, calendar_id: str, event_id: str,
                         start: datetime | date | dict[str, Any],
                         end: datetime | date | dict[str, Any] | None = None) -> None:
        """The owner drags the event to a new time (keeps its length when ``end`` is None)."""
        with self.fake.lock:
            event = self._event(self.calendar(calendar_id), event_id)
            res = event.resource
            new_start = _when(start, res["start"].get("timeZone"))
            if end is None:
                length = _instant(res["end"]) - _instant(res["start"])
                end = _instant(new_start) + length
                if "date" in new_start:
                    end = end.date()
            res["start"], res["end"] = new_start, _when(end, res["end"].get("timeZone"))
            res["sequence"] = int(res.get("sequence", 0)) + 1
            self._touch(event)

    def expire_sync_tokens(self) -> None:
        """Every syncToken handed out so far is too old now (Google: 410 GONE)."""
        with self.fake.lock:
            self._mod += 1
            self.sync_floor = self._mod

    def purge_deleted(self, calendar_id: str = "primary") -> None:
        """Cancelled events "eventually disappear" (Event.status docs): drop them now."""
        with self.fake.lock:
            cal = self.calendar(calendar_id)
            cal.events = {k: e for k, e in cal.events.items() if not e.cancelled}

    def user_edits_event(self, calendar_id: str, event_id: str, **fields: Any) -> None:
        """The owner edits fields of the event in the UI (summary=..., description=...)."""
        with self.fake.lock:
            event = self._event(self.calendar(calendar_id), event_id)
            event.resource.update(copy.deepcopy(fields))
            self._touch(event)

    # ============================================================ internals
    def _event(self, cal: Calendar, event_id: str) -> Event:
        event = cal.events.get(event_id)
        if event is None:
            raise ApiError(404, "Not Found", reason="notFound")
        return event

    def _touch(self, event: Event) -> None:
        self._mod += 1
        self._etag += 1
        event.mod = self._mod
        event.resource["updated"] = rfc3339(self.now())
        event.resource["etag"] = f'"{self._etag}"'

    def _new_id(self) -> str:
        return "".join(self._rng.choice("0123456789abcdefghijklmnopqrstuv") for _ in range(26))

    def _check_times(self, body: dict[str, Any]) -> None:
        for key in ("start", "end"):
            when = body.get(key)
            if not when:
                raise ApiError(400, f"Missing {key} time.", reason="required")
            if not when.get("date") and not when.get("dateTime"):
                raise ApiError(400, f"Missing {key} time.", reason="required")
            if when.get("dateTime") and not when.get("timeZone") and not re.search(
                    r"([zZ]|[+-]\d\d:\d\d)$", when["dateTime"]):
                raise bad_request(f"Missing time zone definition for {key} time.")
            if when.get("timeZone"):
                try:
                    ZoneInfo(when["timeZone"])
                except (ZoneInfoNotFoundError, ValueError):
                    raise bad_request(f"Invalid time zone definition for {key} time.") from None
        if _instant(body["end"]) < _instant(body["start"]):
            raise ApiError(400, "The specified time range is empty.", reason="timeRangeEmpty")

    def _store(self, cal: Calendar, event_id: str, body: dict[str, Any],
               existing: dict[str, Any] | None) -> Event:
        now = rfc3339(self.now())
        res: dict[str, Any] = {
            "kind": "calendar#event",
            "etag": "",
            "id": event_id,
            "status": body.get("status") or "confirmed",
            "htmlLink": "https://www.google.com/calendar/event?eid="
            + base64.urlsafe_b64encode(f"{event_id} {cal.id}".encode()).decode().rstrip("="),
            "created": existing["created"] if existing else now,
            "updated": now,
        }
        for key in WRITABLE:
            if body.get(key) is not None and key not in ("status", "sequence"):
                res[key] = copy.deepcopy(body[key])
        res["creator"] = {"email": self.fake.owner, "self": True}
        res["organizer"] = {"email": cal.id, "displayName": cal.summary, "self": True}
        res["iCalUID"] = (existing or {}).get("iCalUID") or body.get("iCalUID") or (
            f"{event_id}@google.com")
        res["sequence"] = int(body.get("sequence", 0) or 0)
        res.setdefault("reminders", {"useDefault": True})
        res.setdefault("eventType", "default")
        event = Event(res, 0)
        cal.events[event_id] = event
        self._touch(event)
        return event

    # ============================================================= handlers
    @route("calendar.calendars.get")
    def calendars_get(self, params: dict[str, Any], body: Any) -> dict[str, Any]:
        cal = self.calendar(params["calendarId"])
        return {"kind": "calendar#calendar", "etag": f'"{self._etag}"', "id": cal.id,
                "summary": cal.summary, "timeZone": cal.time_zone,
                "conferenceProperties": {"allowedConferenceSolutionTypes": ["hangoutsMeet"]}}

    @route("calendar.calendarList.get")
    def calendar_list_get(self, params: dict[str, Any], body: Any) -> dict[str, Any]:
        cal = self.calendar(params["calendarId"])
        return {"kind": "calendar#calendarListEntry", "etag": f'"{self._etag}"', "id": cal.id,
                "summary": cal.summary, "timeZone": cal.time_zone, "colorId": "14",
                "backgroundColor": "#9fe1e7", "foregroundColor": "#000000", "selected": True,
                "accessRole": "owner", "defaultReminders": [{"method": "popup", "minutes": 10}],
                "primary": cal.id == self.fake.owner}

    @route("calendar.events.insert")
    def insert(self, params: dict[str, Any], body: dict[str, Any]) -> dict[str, Any]:
        cal = self.calendar(params["calendarId"])
        event_id = body.get("id")
        if event_id is not None:
            if not isinstance(event_id, str) or not EVENT_ID.fullmatch(event_id):
                raise ApiError(400, "Invalid resource id value.", reason="invalid")
            if event_id in cal.events:
                raise ApiError(409, "The requested identifier already exists.",
                               reason="duplicate")
        else:
            event_id = self._new_id()
        self._check_times(body)
        return copy.deepcopy(self._store(cal, event_id, body, None).resource)

    @route("calendar.events.get")
    def get(self, params: dict[str, Any], body: Any) -> dict[str, Any]:
        cal = self.calendar(params["calendarId"])
        return copy.deepcopy(self._event(cal, params["eventId"]).resource)

    @route("calendar.events.update")
    def update(self, params: dict[str, Any], body: dict[str, Any]) -> dict[str, Any]:
        cal = self.calendar(params["calendarId"])
        old = self._event(cal, params["eventId"]).resource
        self._check_times(body)
        sequence = self._next_sequence(old, body)
        event = self._store(cal, params["eventId"], {**body, "sequence": sequence}, old)
        return copy.deepcopy(event.resource)

    @route("calendar.events.patch")
    def patch(self, params: dict[str, Any], body: dict[str, Any]) -> dict[str, Any]:
        cal = self.calendar(params["calendarId"])
        old = self._event(cal, params["eventId"]).resource
        merged = _merge_patch(copy.deepcopy(old), body)
        self._check_times(merged)
        merged["sequence"] = self._next_sequence(old, body)
        event = self._store(cal, params["eventId"], merged, old)
        return copy.deepcopy(event.resource)

    @staticmethod
    def _next_sequence(old: dict[str, Any], body: dict[str, Any]) -> int:
        current = int(old.get("sequence", 0))
        if body.get("sequence") is not None:
            given = int(body["sequence"])
            if given < current:
                raise bad_request("Invalid sequence value. The specified sequence number is"
                                  " below the current sequence number of the resource.")
            return max(given, current + 1)
        return current + 1

    @route("calendar.events.delete")
    def delete(self, params: dict[str, Any], body: Any) -> None:
        cal = self.calendar(params["calendarId"])
        event = self._event(cal, params["eventId"])
        if event.cancelled:
            raise ApiError(410, "Resource has been deleted", reason="deleted")
        event.resource["status"] = "cancelled"
        self._touch(event)

    @route("calendar.events.list")
    def list_events(self, params: dict[str, Any], body: Any) -> dict[str, Any]:
        cal = self.calendar(params["calendarId"])
        events = list(cal.events.values())
        sync = params.get("syncToken")
        if sync is not None:
            clash = [k for k in _NOT_WITH_SYNC_TOKEN if params.get(k) not in (None, [], "")]
            if clash or params.get("showDeleted") is False:
                # The discovery document (events.list, syncToken): these "cannot be
                # specified together with nextSyncToken", and showDeleted may not be False.
                names = ", ".join(clash or ["showDeleted=false"])
                raise bad_request(f"Invalid combination of parameters: syncToken cannot be "
                                  f"used with {names}.", reason="invalid")
            if not str(sync).startswith("sync-"):
                raise ApiError(410, "Sync token is no longer valid, a full sync is required.",
                               reason="fullSyncRequired")
            since = int(str(sync)[5:])
            if since < self.sync_floor:
                raise ApiError(410, "Sync token is no longer valid, a full sync is required.",
                               reason="fullSyncRequired")
            events = [e for e in events if e.mod > since]
        else:
            show_deleted = bool(params.get("showDeleted"))
            updated_min = params.get("updatedMin")
            if updated_min:
                floor = parse_time(updated_min)
                events = [e for e in events if parse_time(e.resource["updated"]) >= floor]
            elif not show_deleted:
                events = [e for e in events if not e.cancelled]
            events = [e for e in events if _matches(e.resource, params, cal)]
        order = params.get("orderBy")
        if order == "startTime":
            if not params.get("singleEvents"):
                raise bad_request("The requested ordering is not available for the particular"
                                  " query.")
            events.sort(key=lambda e: _instant(e.resource["start"], cal.time_zone))
        elif order == "updated":
            events.sort(key=lambda e: e.resource["updated"])
        size = int(params.get("maxResults") or 250)
        offset = int(str(params.get("pageToken") or "p0")[1:] or 0)
        page = events[offset : offset + size]
        out: dict[str, Any] = {
            "kind": "calendar#events", "etag": f'"{self._etag}"', "summary": cal.summary,
            "description": "", "updated": rfc3339(self.now()), "timeZone": cal.time_zone,
            "accessRole": "owner", "defaultReminders": [{"method": "popup", "minutes": 10}],
        }
        if offset + size < len(events):
            out["nextPageToken"] = f"p{offset + size}"
        else:
            out["nextSyncToken"] = f"sync-{self._mod}"
        # The organizer's cancelled events keep their details, except in incremental sync
        # without showDeleted (calendar.v3 discovery doc, Event.status).
        bare = (sync is not None or params.get("updatedMin")) and not params.get("showDeleted")
        out["items"] = [_bare(e.resource) if bare and e.cancelled else copy.deepcopy(e.resource)
                        for e in page]
        return out


# events.list parameters Google refuses beside a syncToken (calendar.v3 discovery doc).
_NOT_WITH_SYNC_TOKEN = ("iCalUID", "orderBy", "privateExtendedProperty", "q",
                        "sharedExtendedProperty", "timeMin", "timeMax", "updatedMin")


def _matches(res: dict[str, Any], params: dict[str, Any], cal: Calendar) -> bool:
    for kind, key in (("private", "privateExtendedProperty"), ("shared", "sharedExtendedProperty")):
        props = (res.get("extendedProperties") or {}).get(kind) or {}
        for condition in params.get(key) or []:
            name, _, value = condition.partition("=")
            if props.get(name) != value:
                return False
    if params.get("iCalUID") and res.get("iCalUID") != params["iCalUID"]:
        return False
    text = params.get("q")
    if text:
        hay = " ".join(str(res.get(k, "")) for k in ("summary", "description", "location"))
        if not all(word.lower() in hay.lower() for word in text.split()):
            return False
    if params.get("timeMin") or params.get("timeMax"):
        if "start" not in res:
            return False
        start = _instant(res["start"], cal.time_zone)
        end = _instant(res["end"], cal.time_zone)
        if params.get("timeMin") and end <= parse_time(params["timeMin"]):
            return False
        if params.get("timeMax") and start >= parse_time(params["timeMax"]):
            return False
    return True


def _bare(res: dict[str, Any]) -> dict[str, Any]:
    return {k: res[k] for k in ("kind", "etag", "id", "status", "updated") if k in res}


def _instant(when: dict[str, Any], default_tz: str = "UTC") -> datetime:
    if when.get("dateTime"):
        value = datetime.fromisoformat(str(when["dateTime"]).replace("Z", "+00:00"))
        if value.tzinfo is None:
            value = value.replace(tzinfo=ZoneInfo(when.get("timeZone") or default_tz))
        return value
    day = date.fromisoformat(str(when["date"]))
    return datetime(day.year, day.month, day.day, tzinfo=ZoneInfo(when.get("timeZone")
                                                                    or default_tz))


def _when(value: datetime | date | dict[str, Any], tz: str | None) -> dict[str, Any]:
    if isinstance(value, dict):
        return copy.deepcopy(value)
    if isinstance(value, datetime):
        out: dict[str, Any] = {"dateTime": value.isoformat()}
        if tz:
            out["timeZone"] = tz
        return out
    return {"date": value.isoformat()}


def _merge_patch(base: dict[str, Any], patch: dict[str, Any]) -> dict[str, Any]:
    for key, value in patch.items():
        if value is None:
            base.pop(key, None)
        elif isinstance(value, dict) and isinstance(base.get(key), dict):
            base[key] = _merge_patch(base[key], value)
        else:
            base[key] = copy.deepcopy(value)
    return base

