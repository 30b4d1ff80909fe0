"""What every rule needs to plan, and the small helpers they share.

Rules are pure functions of this context: no I/O, no clock (``today`` is given).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property

from sheetsync.core import tracker
from sheetsync.core.fields import shown
from sheetsync.core.ids import event_id, object_key
from sheetsync.core.messages import message_id_for, one_line
from sheetsync.core.plan import HISTORY, Intent, RowPlan
from sheetsync.core.ports import DraftSpec, EventSpec
from sheetsync.core.register import ParsedRegister, PartnerIndex
from sheetsync.core.rows import PartnerRow
from sheetsync.core.settings import ClinicSettings
from sheetsync.core.state import ObjectRecord, SyncState
from sheetsync.core.templates import Template, TemplateProblem, render
from sheetsync.playbook.defaults import (
    DEFAULT_TEMPLATES,
    PARTNER_SAFE_PLACEHOLDERS,
    PLACEHOLDERS,
    is_retired_text,
)
from sheetsync.playbook.wording import letter_date, letter_order, partner_greeting

__all__ = ["HISTORY", "Intent", "PlanContext", "RowPlan"]

KNOWN_PLACEHOLDERS = frozenset(PLACEHOLDERS)
_TITLES = {"dr", "dr.", "doctor", "prof", "prof.", "professor", "mr", "mr.", "mrs", "mrs.",
           "ms", "ms.", "mx", "mx."}


@dataclass(frozen=True)
class PlanContext:
    register: ParsedRegister
    state: SyncState
    today: dt.date
    namespace: str
    # Latest date a draft to each partner was sent (thank-you sent = a contact).
    partner_contacts: Mapping[str, dt.date] = field(default_factory=dict)

    @property
    def settings(self) -> ClinicSettings:
        return self.register.settings

    @cached_property
    def partners(self) -> PartnerIndex:
        return PartnerIndex(self.register.partners)

    def record(self, row_key: str, purpose: str) -> ObjectRecord | None:
        return self.state.get(object_key(row_key, purpose))

    def schedule(self, row_key: str, purpose: str, due: dt.date) -> tuple[dt.date, str]:
        """(day, basis) for an event due on ``due``: the first open day on or after it.

        Planned late, it goes on today rather than in the past; once made it stays on its
        day while ``due`` is unchanged, so a waiting reminder does not move every day.
        """
        basis = due.isoformat()
        record = self.record(row_key, purpose)
        if record is not None and record.basis == basis and record.date:
            try:
                return dt.date.fromisoformat(record.date[:10]), basis
            except ValueError:
                pass
        return self.open_day(max(due, self.today)), basis

    def open_day(self, day: dt.date) -> dt.date:
        """``day``, or the next day the clinic is open (Settings, Open days)."""
        open_days = self.settings.open_days
        for _ in range(7):
            if day.weekday() in open_days:
                return day
            day += dt.timedelta(days=1)
        return day

    def letter_date(self, day: dt.date) -> str:
        """A date as it reads in a letter ('Friday 4 December'), in the clinic's order."""
        s = self.settings
        return letter_date(day, letter_order(s.date_order, s.time_zone), self.today)

    def too_old(self, day: dt.date) -> bool:
        return (self.today - day).days > self.settings.history_days

    # ----------------------------------------------------------------- history

    @cached_property
    def acting_since(self) -> dt.date:
        """The day sheetsync started acting on this register: the Settings row when staff
        set one, else the day the first real sync recorded, else today (a first sync)."""
        if self.settings.acting_since is not None:
            return self.settings.acting_since
        try:
            return dt.date.fromisoformat(self.state.acting_since)
        except ValueError:
            return self.today

    @cached_property
    def history_line(self) -> dt.date:
        """Obligations due before this day are history: nothing is made for them."""
        return self.acting_since - dt.timedelta(days=self.settings.catch_up_days)

    def is_history(self, day: dt.date) -> bool:
        return day < self.history_line

    @cached_property
    def touch_records(self) -> dict[str, list[ObjectRecord]]:
        """Row key -> its stay-in-touch records of every cycle (one pass over the state)."""
        found: dict[str, list[ObjectRecord]] = {}
        for record in self.state.objects.values():
            purpose = record.purpose
            if purpose == "stay-in-touch" or purpose.startswith("touch@"):
                found.setdefault(record.row_key, []).append(record)
        return found

    # ----------------------------------------------------------------- the tracker

    @cached_property
    def partner_replies(self) -> dict[str, dt.date]:
        """Partner key -> the day of their latest reply to a sheetsync draft (a contact;
        ``core.tracker``)."""
        return tracker.partner_replies(self.state)

    @cached_property
    def bounces(self) -> dict[str, tuple[str, dt.date]]:
        """Row key -> (print of the address that bounced, the day) (``core.tracker``)."""
        return tracker.bounced_addresses(self.state)

    def address_print(self, address: str) -> str:
        return tracker.address_print(self.state.identity_key, address)

    @cached_property
    def nurture_records(self) -> dict[str, list[ObjectRecord]]:
        """Row key -> its nurture reminders and meeting request, of every cycle."""
        found: dict[str, list[ObjectRecord]] = {}
        for record in self.state.objects.values():
            purpose = record.purpose
            if purpose.startswith("nurture-") or purpose == "meeting-request":
                found.setdefault(record.row_key, []).append(record)
        return found

    @cached_property
    def tracks_done(self) -> bool:
        """Staff can mark client check-ins done (the Check-ins tab has a Done column): only
        then can a check-in past its day be called late or missed."""
        cmap = self.register.columns.get("Check-ins")
        return cmap is not None and cmap.has("Done")

    # ----------------------------------------------------------------- templates

    def template(self, name: str) -> Template:
        staff = self.register.templates.get(name.casefold())
        if staff is not None and not is_retired_text(name, staff.subject, staff.body):
            return staff
        subject, body = DEFAULT_TEMPLATES.get(name, DEFAULT_TEMPLATES.get(
            "aftercare-generic", ("", "")))
        return Template(name, subject, body)

    def base_values(self) -> dict[str, str]:
        s = self.settings
        return {
            "clinic_name": s.clinic_name,
            "sender_name": s.sender,
            "signature": s.signature or s.sender,
            # Blank in a new register: "call us on ." would read as a mistake.
            "clinic_phone": s.clinic_phone or "our usual number",
        }

    # ----------------------------------------------------------------- builders

    def draft(self, row_key: str, purpose: str, template_name: str, values: Mapping[str, str],
              to_name: str, to_email: str, *, partner_safe: bool) -> DraftSpec:
        """Render a draft; raise TemplateProblem for unknown or not-allowed placeholders.

        ``partner_safe`` drafts get only the placeholders that carry no client detail, so
        a staff-edited template cannot leak a client's name without consent.
        """
        allowed = {**self.base_values(), **values}
        if partner_safe:
            allowed = {k: v for k, v in allowed.items() if k in PARTNER_SAFE_PLACEHOLDERS}
        subject, body = render(self.template(template_name), allowed, KNOWN_PLACEHOLDERS)
        key = object_key(row_key, purpose)
        return DraftSpec(
            key=key,
            message_id=message_id_for(self.namespace, key, self.settings.mail_domain),
            sender_name=self.settings.sender,
            sender_email=self.settings.owner_email or "owner@sheetsync.invalid",
            to_name=to_name,
            to_email=to_email,
            subject=subject,
            body=body,
        )

    def all_day_event(self, row_key: str, purpose: str, title: str, description: str,
                      day: dt.date) -> EventSpec:
        key = object_key(row_key, purpose)
        return EventSpec(
            key=key,
            event_id=event_id(self.namespace, key),
            title=one_line(title, 200),
            description=description,
            start=day,
            end=day + dt.timedelta(days=1),
            time_zone=self.settings.time_zone,
            # All-day events start at midnight: remind on the morning of the day, at the
            # start of working hours (after the start), never the evening before.
            reminders_minutes=(-(self.settings.work_start.hour * 60
                                 + self.settings.work_start.minute),),
            private=(("sheetsync", "1"), ("row", row_key), ("rule", purpose)),
            transparent=True,  # a reminder, not an appointment: shows as free
        )

    def timed_event(self, row_key: str, purpose: str, title: str, description: str,
                    day: dt.date, minutes: int = 15) -> EventSpec:
        """An event at the start of working hours on ``day``, in the clinic's time zone
        (zoneinfo resolves DST: 09:00 stays 09:00 local on both sides of a change)."""
        key = object_key(row_key, purpose)
        start = dt.datetime.combine(day, self.settings.work_start, tzinfo=self.settings.zone)
        return EventSpec(
            key=key,
            event_id=event_id(self.namespace, key),
            title=one_line(title, 200),
            description=description,
            start=start,
            end=start + dt.timedelta(minutes=minutes),
            time_zone=self.settings.time_zone,
            reminders_minutes=(15,),
            private=(("sheetsync", "1"), ("row", row_key), ("rule", purpose)),
        )

    def client_label(self, name: str) -> str:
        """Client initials in calendars (often shared), unless Settings allow names."""
        return one_line(name, 80) if self.settings.show_client_names else initials(name)


def initials(name: str) -> str:
    words = [w for w in re.split(r"[\s\-]+", name.strip()) if w and w[0].isalpha()]
    return "".join(w[0].upper() + "." for w in words[:3]) or "client"


def first_name(name: str) -> str:
    words = [w for w in name.split() if w.casefold() not in _TITLES]
    return words[0] if words else name.strip()


def salutation(partner: PartnerRow) -> str:
    """What follows "Dear" for this partner: the Salutation cell, else made from Name
    ('Dr Carol Webster' -> 'Dr Webster'; see playbook.wording)."""
    return partner_greeting(partner.name, partner.salutation)


def days(n: int) -> str:
    return f"{n} day" if n == 1 else f"{n} days"


def iso(day: dt.date) -> str:
    return day.isoformat()


def problem_for(label: str, exc: TemplateProblem) -> str:
    return f"{label} not drafted: {exc}"


def quoted(text: str) -> str:
    return f"'{shown(text)}'"
