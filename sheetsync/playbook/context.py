"""What every rule needs to plan, and the small helpers they share.

Rules are pure functions of this context: no I/O, no clock (``today`` is given).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property

from sheetsync.core.fields import shown
from sheetsync.core.ids import event_id, object_key
from sheetsync.core.messages import message_id_for, one_line
from sheetsync.core.plan import Intent, RowPlan
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

__all__ = ["Intent", "PlanContext", "RowPlan"]

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
        """(day, basis) for an event due on ``due``.

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
        return max(due, self.today), basis

    def letter_date(self, day: dt.date) -> str:
        """A date as it reads in a letter ('Friday 4 December'), in the clinic's order."""
        s = self.settings
        return letter_date(day, letter_order(s.date_order, s.time_zone), self.today)

    def too_old(self, day: dt.date) -> bool:
        return (self.today - day).days > self.settings.history_days

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
            # All-day events start at midnight: 7 hours before is 17:00 the day before.
            reminders_minutes=(7 * 60,),
            private=(("sheetsync", "1"), ("row", row_key), ("rule", purpose)),
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


def iso(day: dt.date) -> str:
    return day.isoformat()


def problem_for(label: str, exc: TemplateProblem) -> str:
    return f"{label} not drafted: {exc}"


def quoted(text: str) -> str:
    return f"'{shown(text)}'"
