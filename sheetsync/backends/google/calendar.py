"""The calendar as Google Calendar v3, through google-api-python-client.

- Every event has the id the core derived from (spreadsheet, row ID, rule) in base32hex,
  the row key and the spreadsheet's id in ``extendedProperties.private``, explicit popup
  reminders, and all-day (``date``) or timed (``dateTime`` + ``timeZone``) start/end.
- ``apply`` sends inserts and updates in batch requests (at most 50 parts each). An
  insert answered 409 means the event exists (a crash between creating and recording it,
  or a lost state): it is fetched and, unless a person deleted it, updated. Updates are
  ``events.patch`` calls that never touch ``status``: an event a person deleted (status
  ``cancelled``) stays deleted, and the change reports it ``deleted`` so the state
  remembers it and no later run tries again.
- A delete (a retraction: the event's reason went) is ``events.delete``; an event already
  gone counts as deleted. Before an update or a delete of an event whose stamp sheetsync
  kept, the event is read (``events.get``, batched): one a person edited since (title,
  description, start or end) is left as it is and reported ``edited``. Only runs that
  change events pay for it.
- ``observe`` lists sheetsync's events of this spreadsheet (``privateExtendedProperty``,
  ``showDeleted``), page by page, so reads grow with the number of events, not rows; only
  events missing from that list are fetched one by one (in a batch).
- With the state's token (``ports.ListsNews``: Calendar's ``syncToken``), ``observe``
  asks only for the events changed since (one request when nothing changed, at any size):
  an event the answer does not name is as the last run left it. Google answers 410 for a
  token it no longer accepts: then one full listing, which gives a new token. The token
  kept for the next run is taken after this run's own changes (so they are not listed
  again), unless an event of ours was deleted meanwhile: then the older one, so the next
  run sees that deletion.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import replace
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sheetsync.backends.google._batch import Outcome, Part, Resources, run_batch
from sheetsync.backends.google.ahead import Ahead
from sheetsync.backends.google.pacer import quota_seconds
from sheetsync.backends.google.retry import RetryLater, RetryPolicy, error_message, error_status
from sheetsync.core.ports import (
    Change,
    ChangeResult,
    EventSpec,
    Known,
    Observation,
    Presence,
    event_stamp,
    spec_stamp,
)

EVENT_ID = re.compile(r"^[0-9a-v]{5,1024}$")
TAG = "sheetsync"  # private extended property: the spreadsheet (namespace) it belongs to
KEY_PROPERTY = "sheetsync_key"
MAX_REMINDERS = 5
MAX_REMINDER_MINUTES = 40320
# All that is read from an event Google answers with (insert, patch, get): the rest of
# the resource would only be parsed and held.
ANSWER_FIELDS = "id,status"
# What an edit check reads: enough for the event's stamp (``stamp``). A write's stamp is
# that of what it sent (``ports.spec_stamp``), so its answer stays small.
STAMP_FIELDS = "id,status,summary,description,start,end"


def _when(value: dt.date | dt.datetime, time_zone: str, all_day: bool) -> dict[str, Any]:
    if all_day:
        day = value.date() if isinstance(value, dt.datetime) else value
        return {"date": day.isoformat(), "dateTime": None, "timeZone": None}
    assert isinstance(value, dt.datetime)
    moment = value
    if moment.tzinfo is None:
        try:
            moment = moment.replace(tzinfo=ZoneInfo(time_zone))
        except (ZoneInfoNotFoundError, ValueError):
            moment = moment.replace(tzinfo=dt.timezone.utc)
    return {"dateTime": moment.isoformat(), "timeZone": time_zone or None, "date": None}


def event_body(spec: EventSpec, namespace: str, *, for_patch: bool = False) -> dict[str, Any]:
    """The Calendar API event resource for ``spec``.

    For inserts the unused half of start/end is left out; for patches it is sent as
    ``null`` so that an event moving between all-day and timed loses the other half.
    """
    # Google reminds only before an event's start: one after it (an all-day event's
    # morning) cannot be set, and is left out rather than moved to midnight.
    reminders = sorted({min(MAX_REMINDER_MINUTES, int(m))
                        for m in spec.reminders_minutes if m >= 0})[:MAX_REMINDERS]
    private = {str(k): str(v) for k, v in spec.private}
    private[KEY_PROPERTY] = spec.key
    private[TAG] = namespace
    start = _when(spec.start, spec.time_zone, spec.all_day)
    end = _when(spec.end, spec.time_zone, spec.all_day)
    if not for_patch:
        start = {k: v for k, v in start.items() if v is not None}
        end = {k: v for k, v in end.items() if v is not None}
    body: dict[str, Any] = {
        "summary": spec.title,
        "description": spec.description,
        "start": start,
        "end": end,
        "reminders": {
            "useDefault": False,
            "overrides": [{"method": "popup", "minutes": m} for m in reminders],
        },
        "extendedProperties": {"private": private},
    }
    if spec.transparent or for_patch:
        body["transparency"] = "transparent" if spec.transparent else "opaque"
    if not for_patch:
        body["id"] = spec.event_id
    return body


def _deleted(key: str, event_id: str) -> ChangeResult:
    """A person deleted the event (Google keeps it as ``cancelled``): recorded, not redone."""
    return ChangeResult(key, True, event_id, deleted=True)


def stamp(event: dict[str, Any]) -> str:
    """``ports.event_stamp`` of a Calendar API event resource."""
    try:
        return event_stamp(str(event.get("summary", "") or ""),
                           str(event.get("description", "") or ""),
                           _moment(event.get("start") or {}), _moment(event.get("end") or {}))
    except (TypeError, ValueError):
        return "unreadable"


def _moment(when: dict[str, Any]) -> dt.date | dt.datetime:
    if when.get("dateTime"):
        return dt.datetime.fromisoformat(str(when["dateTime"]).replace("Z", "+00:00"))
    return dt.date.fromisoformat(str(when.get("date", "")))


def _gone(error: BaseException | None) -> bool:
    return error is not None and error_status(error) in (404, 410)


class GoogleCalendar:
    """``Calendar`` on one Google Calendar (``primary`` by default)."""

    def __init__(
        self,
        service: Any,
        calendar_id: str = "primary",
        *,
        namespace: str = "",
        policy: RetryPolicy | None = None,
    ) -> None:
        self.service = service
        self.calendar_id = calendar_id or "primary"
        self.namespace = namespace
        self.policy = policy or RetryPolicy()
        self._resources = Resources()
        self._listing: Ahead[dict[str, dict[str, Any]]] = Ahead()
        self._since = ""  # the state's token (``since``)
        self._token = ""  # where this run's listing ended
        self._ours: set[str] = set()  # event ids known or made by this run
        self._made = False  # this run changed events after its listing
        self._retracted: set[str] = set()  # event ids this run deleted itself

    def since(self, token: str) -> None:
        """``ports.ListsNews``: ask only for what changed since ``token`` ("" = all)."""
        self._since, self._token, self._ours, self._made = token, "", set(), False
        self._retracted = set()

    def news_token(self) -> str:
        """``ports.ListsNews``: the token the next run starts from ("" = none)."""
        try:
            if not self._token:  # nothing was listed (no events yet): list them once
                listed = self._list_tagged()
                if any(e.get("status") == "cancelled" and i in self._ours
                       for i, e in listed.items()):
                    return ""
                return self._token
            if not self._made:
                return self._token
            changed = self._list_changes(self._token)
        except Exception:  # no token this time: the next run lists everything once
            return self._token
        if changed is None:
            return ""
        events, token = changed
        if any(e.get("status") == "cancelled" and i in self._ours and i not in self._retracted
               for i, e in events.items()):
            return self._token  # a deletion behind our own changes: the next run sees it
        return token

    def look_ahead(self) -> None:
        self._listing.start(self._list_tagged, "calendar")

    def settle(self) -> None:
        self._listing.settle()

    def _events(self) -> Any:
        return self._resources.get(self.service, "events")

    def seconds_for(self, changes: Sequence[Change]) -> float:
        """The least time Calendar's quota lets ``changes`` take (``ports.Paced``): one
        request each, and one more to read an event before updating or deleting it."""
        checks = sum(1 for c in changes if c.op != "create" and c.written)
        return quota_seconds(self.service, len(changes) + checks)

    def describe(self) -> str:
        if self.calendar_id == "primary":
            return "Google Calendar (primary calendar)"
        return f"Google Calendar {self.calendar_id}"

    def check(self) -> None:
        """For ``sheetsync doctor``: can sheetsync see and add events to this calendar?

        Raises ``CredentialsError`` with what to do. Costs one ``events.list`` call.
        """
        from sheetsync.errors import CredentialsError

        def probe() -> Any:
            return self._events().list(calendarId=self.calendar_id, maxResults=1,
                                              fields="items(id)").execute(num_retries=0)

        try:
            self.policy.run(probe, idempotent=True, what="Google Calendar")
        except RetryLater as exc:
            raise CredentialsError(f"Google Calendar did not answer ({exc.message}).",
                                   "Try again in a few minutes.") from None
        except Exception as exc:
            status = error_status(exc)
            if status is None:
                raise
            if status == 404:
                raise CredentialsError(
                    f"The calendar '{self.calendar_id}' was not found.",
                    "Set google.calendar in sheetsync.toml to 'primary' or to a calendar ID "
                    "from the calendar's settings ('Integrate calendar'), and share that "
                    "calendar with the signed-in account ('Make changes to events').") from None
            raise CredentialsError(
                f"Google Calendar refused access (HTTP {status}: {error_message(exc)}).",
                "Run 'sheetsync auth login' again and allow calendar access; for a service "
                "account, add the calendar.events scope to its domain-wide delegation.") from None

    # ------------------------------------------------------------------------- observe

    def observe(self, known: Sequence[Known]) -> dict[str, Observation]:
        if not known:
            return {}
        self._ours.update(k.remote_id for k in known)
        if self._since:
            try:
                changed = self._list_changes(self._since)
            except Exception:
                self._token = self._since
                return {k.key: Observation(k.key, Presence.UNKNOWN, k.remote_id) for k in known}
            if changed is not None:
                events, self._token = changed
                return {k.key: (self._observation(k, events[k.remote_id])
                                if k.remote_id in events
                                else Observation(k.key, Presence.PRESENT, k.remote_id))
                        for k in known}
            # 410: the token is too old; one full listing gives a new one.
        try:
            listed = self._listing.take(self._list_tagged)  # started ahead, or now
        except Exception:
            # Could not look: nothing is concluded this time.
            return {k.key: Observation(k.key, Presence.UNKNOWN, k.remote_id) for k in known}
        result: dict[str, Observation] = {}
        missing: list[Known] = []
        for item in known:
            event = listed.get(item.remote_id)
            if event is None:
                missing.append(item)
            else:
                result[item.key] = self._observation(item, event)
        if missing:
            # Not in the tagged list (purged, or made without the tag): ask for each one.
            parts = [Part(item.key, self._get_factory(item.remote_id)) for item in missing]
            outcomes = run_batch(self.service, parts, self.policy, what="Google Calendar")
            for item in missing:
                outcome = outcomes[item.key]
                if outcome.ok:
                    result[item.key] = self._observation(item, outcome.response)
                elif _gone(outcome.error):
                    result[item.key] = Observation(item.key, Presence.DELETED, item.remote_id)
                else:
                    result[item.key] = Observation(item.key, Presence.UNKNOWN, item.remote_id)
        return result

    @staticmethod
    def _observation(item: Known, event: dict[str, Any]) -> Observation:
        if event.get("status") == "cancelled":
            return Observation(item.key, Presence.DELETED, item.remote_id)
        return Observation(item.key, Presence.PRESENT, str(event.get("id", item.remote_id)))

    def _list_tagged(self) -> dict[str, dict[str, Any]]:
        events: dict[str, dict[str, Any]] = {}
        token: str | None = None
        while True:
            kwargs: dict[str, Any] = {
                "calendarId": self.calendar_id,
                "privateExtendedProperty": f"{TAG}={self.namespace}",
                "showDeleted": True,
                "maxResults": 2500,
                "fields": "items(id,status),nextPageToken,nextSyncToken",
            }
            if token:
                kwargs["pageToken"] = token

            def page(kwargs: dict[str, Any] = kwargs) -> Any:
                return self._events().list(**kwargs).execute(num_retries=0)

            data = self.policy.run(page, idempotent=True, what="Google Calendar")
            for event in data.get("items", []) or []:
                events[str(event.get("id"))] = event
            token = data.get("nextPageToken")
            if not token:
                self._token = str(data.get("nextSyncToken") or "")
                return events

    def _list_changes(self, since: str) -> tuple[dict[str, dict[str, Any]], str] | None:
        """The events changed since ``since`` (every event of the calendar: Google
        refuses ``privateExtendedProperty`` beside a ``syncToken``) and the next token;
        None when Google no longer accepts ``since`` (410)."""
        events: dict[str, dict[str, Any]] = {}
        page_token: str | None = None
        while True:
            kwargs: dict[str, Any] = {
                "calendarId": self.calendar_id, "syncToken": since, "showDeleted": True,
                "maxResults": 2500, "fields": "items(id,status),nextPageToken,nextSyncToken",
            }
            if page_token:
                kwargs["pageToken"] = page_token

            def page(kwargs: dict[str, Any] = kwargs) -> Any:
                return self._events().list(**kwargs).execute(num_retries=0)

            try:
                data = self.policy.run(page, idempotent=True, what="Google Calendar")
            except Exception as exc:
                if error_status(exc) == 410:
                    return None
                raise
            for event in data.get("items", []) or []:
                events[str(event.get("id"))] = event
            page_token = data.get("nextPageToken")
            if not page_token:
                return events, str(data.get("nextSyncToken") or since)

    def _get_factory(self, event_id: str, fields: str = ANSWER_FIELDS) -> Any:
        def make() -> Any:
            return self._events().get(calendarId=self.calendar_id, eventId=event_id,
                                      fields=fields)

        return make

    # --------------------------------------------------------------------------- apply

    def apply(self, changes: Sequence[Change]) -> list[ChangeResult]:
        results: dict[str, ChangeResult] = {}
        parts: list[Part] = []
        specs: dict[str, EventSpec] = {}
        targets: dict[str, str] = {}
        inserts: set[str] = set()
        revive: set[str] = set()
        deletes: set[str] = set()
        edited = self._edited([c for c in changes if c.op != "create" and c.written],
                              results)
        for change in changes:
            spec = change.spec
            key = change.key
            if key in results or key in edited:
                continue  # edited by a person (or could not be checked): left as it is
            if change.op == "delete":
                event_id = change.known.remote_id if change.known else ""
                if not EVENT_ID.match(event_id):
                    results[key] = ChangeResult(key, True, event_id)  # never made here
                    continue
                targets[key] = event_id
                deletes.add(key)
                parts.append(Part(key, self._delete_factory(event_id)))
                continue
            if not isinstance(spec, EventSpec):
                results[key] = ChangeResult(key, False, error="not an event")
                continue
            event_id = (change.known.remote_id if change.known and change.known.remote_id
                        else spec.event_id)
            if not EVENT_ID.match(event_id):
                results[spec.key] = ChangeResult(
                    spec.key, False, error=f"invalid event id {event_id!r} (base32hex, "
                    "5 to 1024 characters)")
                continue
            specs[spec.key] = spec
            targets[spec.key] = event_id
            if change.op == "create":
                inserts.add(spec.key)
                if change.known is not None:
                    revive.add(spec.key)  # sheetsync deleted it before: bring it back
                parts.append(Part(spec.key, self._insert_factory(spec)))
            else:
                parts.append(Part(spec.key, self._patch_factory(event_id, spec)))
        for key in edited:
            results[key] = ChangeResult(key, True, edited[key], edited=True)
        self._ours.update(targets.values())
        self._made = self._made or bool(parts)
        self._retracted.update(targets[k] for k in deletes)
        outcomes = run_batch(self.service, parts, self.policy, what="Google Calendar")
        for key in deletes:
            outcome = outcomes.pop(key)
            results[key] = ChangeResult(key, True, targets[key]) if outcome.ok or \
                _gone(outcome.error) else self._result(key, targets[key], outcome)

        exists: list[str] = []
        for key, outcome in outcomes.items():
            if key in inserts and outcome.error is not None and \
                    error_status(outcome.error) == 409:
                exists.append(key)
            else:
                results[key] = self._result(key, targets[key], outcome,
                                            inserting=key in inserts)

        if exists:
            # Already there: a crash between creating and recording it, or lost state.
            gets = run_batch(self.service,
                             [Part(k, self._get_factory(targets[k])) for k in exists],
                             self.policy, what="Google Calendar")
            patch: list[Part] = []
            for key in exists:
                got = gets[key]
                if got.ok and (got.response.get("status") != "cancelled" or key in revive):
                    patch.append(Part(key, self._patch_factory(targets[key], specs[key],
                                                               confirm=key in revive)))
                elif got.ok or _gone(got.error):
                    # Made by a run that was cut off, then deleted by a person.
                    results[key] = _deleted(key, targets[key])
                else:
                    results[key] = self._result(key, targets[key], got)
            if patch:
                patched = run_batch(self.service, patch, self.policy, what="Google Calendar")
                for key, outcome in patched.items():
                    results[key] = self._result(key, targets[key], outcome)

        for key, spec in specs.items():  # the stamp of what was written (as sent)
            done = results.get(key)
            if done is not None and done.ok and not (done.deleted or done.edited):
                results[key] = replace(done, written=spec_stamp(spec))
        order = [c.key for c in changes]
        return [results[k] for k in dict.fromkeys(order) if k in results]

    # The body is built when its batch goes out, not for every change up front: a first
    # sync of 10,000 rows makes 15,000 events, and holding all their bodies at once (and
    # Google's whole answers, see ANSWER_FIELDS) took over 100 MB.
    def _insert_factory(self, spec: EventSpec) -> Any:
        def make() -> Any:
            return self._events().insert(calendarId=self.calendar_id,
                                         body=event_body(spec, self.namespace),
                                         fields=ANSWER_FIELDS)

        return make

    def _patch_factory(self, event_id: str, spec: EventSpec, confirm: bool = False) -> Any:
        def make() -> Any:
            body = event_body(spec, self.namespace, for_patch=True)
            if confirm:  # brings back an event sheetsync cancelled itself
                body["status"] = "confirmed"
            return self._events().patch(calendarId=self.calendar_id, eventId=event_id,
                                        body=body, fields=ANSWER_FIELDS)

        return make

    def _delete_factory(self, event_id: str) -> Any:
        def make() -> Any:
            return self._events().delete(calendarId=self.calendar_id, eventId=event_id)

        return make

    def _edited(self, changes: Sequence[Change], results: dict[str, ChangeResult]
                ) -> dict[str, str]:
        """Of the updates and deletes of events sheetsync stamped, those a person edited
        since (key -> event id), read just before acting: one ``events.get`` each, in a
        batch, and only for a run that changes them (an unchanged run reads none). One
        that cannot be read goes into ``results`` as a failure to retry."""
        targets = {c.key: c.known.remote_id for c in changes
                   if c.known is not None and EVENT_ID.match(c.known.remote_id)}
        if not targets:
            return {}
        parts = [Part(key, self._get_factory(event_id, STAMP_FIELDS))
                 for key, event_id in targets.items()]
        outcomes = run_batch(self.service, parts, self.policy, what="Google Calendar")
        # Either stamp is sheetsync's: what it last recorded, or what this change writes
        # (a run killed after writing it did not record it).
        ours = {c.key: {c.written, spec_stamp(c.spec) if c.spec is not None else ""}
                for c in changes}
        edited: dict[str, str] = {}
        for key, outcome in outcomes.items():
            if outcome.ok:
                event = outcome.response or {}
                if event.get("status") != "cancelled" and stamp(event) not in ours[key]:
                    edited[key] = targets[key]
            elif not _gone(outcome.error):
                results[key] = self._result(key, targets[key], outcome)
        return edited

    def _result(self, key: str, event_id: str, outcome: Outcome, *,
                inserting: bool = False) -> ChangeResult:
        if outcome.ok:
            event = outcome.response or {}
            if event.get("status") == "cancelled":
                return _deleted(key, event_id)
            return ChangeResult(key, True, str(event.get("id") or event_id))
        error = outcome.error
        if isinstance(error, RetryLater):
            return ChangeResult(key, False, event_id, error=error.message, retry_later=True)
        status = error_status(error) if error else None
        if status in (404, 410) and inserting:
            return ChangeResult(key, False, event_id, error=(
                f"the calendar '{self.calendar_id}' was not found, or this account may not "
                "add events to it"))
        if status in (404, 410):
            return _deleted(key, event_id)
        text = error_message(error) if error else "unknown error"
        where = f"HTTP {status}: " if status else ""
        return ChangeResult(key, False, event_id, error=f"Google Calendar refused it ({where}"
                                                         f"{text})")
