"""The clinic's Settings tab: key/value rows staff can edit, with safe defaults."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict

from sheetsync.core.dates import DateOrder
from sheetsync.core.fields import CellProblem, parse_days, parse_email, parse_text, parse_yes_no
from sheetsync.core.schema import normalise_header

_HOURS = re.compile(r"^(\d{1,2})[:.](\d{2})\s*[-–to]+\s*(\d{1,2})[:.](\d{2})$")


class ClinicSettings(BaseModel):
    model_config = ConfigDict(frozen=True)

    time_zone: str = "Europe/London"
    clinic_name: str = "Your Clinic"
    sender_name: str = ""
    owner_email: str = ""
    weekly_digest: bool = True
    signature: str = ""
    clinic_phone: str = ""
    date_order: DateOrder = ""
    work_start: dt.time = dt.time(9, 0)
    work_end: dt.time = dt.time(17, 0)
    show_client_names: bool = False
    calendar: str = "primary"
    referral_follow_up_days: int = 14
    report_back_days: int = 2
    first_visit_checkin_days: int = 2
    history_days: int = 60
    checkin_every_days: int = 90

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.time_zone)

    @property
    def sender(self) -> str:
        return self.sender_name or self.clinic_name

    @property
    def mail_domain(self) -> str:
        return self.owner_email.partition("@")[2] or "sheetsync.invalid"


def _zone(value: str) -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise CellProblem(
            f"Time zone '{value}' is not a known time zone: use a name like Europe/London "
            "or America/New_York"
        ) from None
    return value


def _order(value: str) -> str:
    folded = normalise_header(value)
    if folded in ("dayfirst", "dmy", "ddmmyyyy", "day"):
        return "day-first"
    if folded in ("monthfirst", "mdy", "mmddyyyy", "month"):
        return "month-first"
    if folded in ("", "ask", "iso"):
        return ""
    raise CellProblem(f"Date order '{value}' should be day-first or month-first")


def _hours(value: str) -> tuple[dt.time, dt.time]:
    m = _HOURS.match(value.strip())
    try:
        if m is None:
            raise ValueError
        start = dt.time(int(m[1]), int(m[2]))
        end = dt.time(int(m[3]), int(m[4]))
    except ValueError:
        raise CellProblem(f"Working hours '{value}' should look like 09:00-17:00") from None
    if end <= start:
        raise CellProblem(f"Working hours '{value}' end before they start")
    return start, end


_DAY_KEYS = {
    "referralfollowupafterdays": "referral_follow_up_days",
    "reportbackafterfirstvisitdays": "report_back_days",
    "firstvisitcheckinafterdays": "first_visit_checkin_days",
    "ignorerowsolderthandays": "history_days",
    "checkineverydays": "checkin_every_days",
}
_TEXT_KEYS = {
    "clinicname": "clinic_name",
    "sendername": "sender_name",
    "signature": "signature",
    "clinicphone": "clinic_phone",
    "calendar": "calendar",
}


def parse_settings(
    pairs: Mapping[str, object], default_time_zone: str | None = None
) -> tuple[ClinicSettings, list[str]]:
    """Build settings from Settings-tab pairs; bad values fall back to defaults with a
    message (the sync still runs: one wrong setting must not stop a clinic's day)."""
    values: dict[str, object] = {}
    problems: list[str] = []
    if default_time_zone:
        values["time_zone"] = default_time_zone
    for raw_key, raw_value in pairs.items():
        key = normalise_header(raw_key)
        text = parse_text(raw_value, raw_key)
        try:
            if key in ("timezone", "tz"):
                if text:
                    values["time_zone"] = _zone(text)
            elif key in ("owneremail", "owner", "senderemail"):
                values["owner_email"] = parse_email(text, "Owner email")
            elif key == "dateorder":
                values["date_order"] = _order(text)
            elif key == "workinghours":
                if text:
                    values["work_start"], values["work_end"] = _hours(text)
            elif key in ("weeklydigest", "digest"):
                if text:
                    values["weekly_digest"] = parse_yes_no(raw_value, raw_key)
            elif key in ("showclientnamesincalendar", "showclientnames"):
                values["show_client_names"] = parse_yes_no(raw_value, raw_key)
            elif key in _DAY_KEYS:
                days = parse_days(raw_value, raw_key, None, allow_zero=True)
                if days is not None:
                    values[_DAY_KEYS[key]] = days
            elif key in _TEXT_KEYS and (text or key == "signature"):
                values[_TEXT_KEYS[key]] = text
        except CellProblem as problem:
            problems.append(f"Settings: {problem}; using the default")
    return ClinicSettings.model_validate(values), problems
