"""The clinic's Settings tab: key/value rows staff can edit, with safe defaults."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict

from sheetsync.core.dates import DateOrder, DateProblem, parse_date
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
    # The life of an obligation (REGISTER.md): when sheetsync started acting on this
    # register (None: the day kept in its state, set by the first real sync), how far
    # before that it catches up, and how long each kind of obligation is worth doing.
    acting_since: dt.date | None = None
    catch_up_days: int = 14
    thank_you_days: int = 30
    aftercare_days: int = 7
    missed_after_days: int = 7
    partner_window_days: int = 365
    nudge_days: int = 14
    # The tracker (REGISTER.md): how long a sent draft's thread is watched for replies
    # and bounces, and how soon a client's reply should be answered.
    follow_days: int = 30
    answer_days: int = 2
    # Weekdays the clinic is open (Monday = 0): events fall on these.
    open_days: tuple[int, ...] = (0, 1, 2, 3, 4)

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


_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


def _weekday(word: str, whole: str) -> int:
    folded = word.strip().casefold().rstrip(".")
    for number, name in enumerate(_WEEKDAYS):
        if len(folded) >= 2 and name.startswith(folded):
            return number
    raise CellProblem(f"Open days '{whole}' should name weekdays, like Monday-Friday or "
                      "Mon, Tue, Thu")


def _open_days(value: str) -> tuple[int, ...]:
    """'Monday-Friday', 'Mon to Sat', 'Mon, Wed, Fri' -> weekday numbers (Monday = 0)."""
    days: set[int] = set()
    for part in re.split(r"[,;/]+|\band\b", value):
        if not part.strip():
            continue
        ends = re.split(r"\s*(?:-|–|\bto\b)\s*", part.strip())
        if len(ends) == 2:
            first, last = _weekday(ends[0], value), _weekday(ends[1], value)
            span = (last - first) % 7
            days.update((first + i) % 7 for i in range(span + 1))
        elif len(ends) == 1:
            days.add(_weekday(ends[0], value))
        else:
            raise CellProblem(f"Open days '{value}' should look like Monday-Friday")
    if not days:
        raise CellProblem(f"Open days '{value}' names no day")
    return tuple(sorted(days))


_DAY_KEYS = {
    "referralfollowupafterdays": "referral_follow_up_days",
    "reportbackafterfirstvisitdays": "report_back_days",
    "firstvisitcheckinafterdays": "first_visit_checkin_days",
    "ignorerowsolderthandays": "history_days",
    "checkineverydays": "checkin_every_days",
    "catchupwindowdays": "catch_up_days",
    "thankyouwithindays": "thank_you_days",
    "aftercarewindowdays": "aftercare_days",
    "checkinmissedafterdays": "missed_after_days",
    "partnerdraftswithindays": "partner_window_days",
    "nudgeaftermeetingrequestdays": "nudge_days",
    "watchrepliesfordays": "follow_days",
    "answerclientswithindays": "answer_days",
}
_TEXT_KEYS = {
    "clinicname": "clinic_name",
    "sendername": "sender_name",
    "signature": "signature",
    "clinicphone": "clinic_phone",
    "calendar": "calendar",
}


def _acting_since(value: object, values: Mapping[str, object]) -> dt.date | None:
    order = values.get("date_order", "")
    try:
        return parse_date(value, order if order in ("day-first", "month-first") else "")
    except DateProblem as problem:
        raise CellProblem(f"Acting since: {problem}") from None


def parse_settings(
    pairs: Mapping[str, object], default_time_zone: str | None = None
) -> tuple[ClinicSettings, list[str]]:
    """Build settings from Settings-tab pairs; bad values fall back to defaults with a
    message (the sync still runs: one wrong setting must not stop a clinic's day)."""
    values: dict[str, object] = {}
    problems: list[str] = []
    acting_since: object = None
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
            elif key == "actingsince":
                acting_since = raw_value  # read once the date order is known
            elif key == "opendays":
                if text:
                    values["open_days"] = _open_days(text)
            elif key in _DAY_KEYS:
                days = parse_days(raw_value, raw_key, None, allow_zero=True)
                if days is not None:
                    values[_DAY_KEYS[key]] = days
            elif key in _TEXT_KEYS and (text or key == "signature"):
                values[_TEXT_KEYS[key]] = text
        except CellProblem as problem:
            problems.append(f"Settings: {problem}; using the default")
    try:
        values["acting_since"] = _acting_since(acting_since, values)
    except CellProblem as problem:
        problems.append(f"Settings: {problem}; using the day sheetsync first synced")
    return ClinicSettings.model_validate(values), problems
