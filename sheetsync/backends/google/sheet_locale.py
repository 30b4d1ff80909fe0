"""The spreadsheet's own time zone and locale, beside the clinic's (Settings).

Google turns what staff type into values by the spreadsheet's *locale* before sheetsync
reads anything (the Sheets UI enters values as ``USER_ENTERED``): on an ``en_US`` sheet
``03/04/2026`` becomes March 4, on an ``en_GB`` sheet 3 April. sheetsync reads the
date serial Google stored (``UNFORMATTED_VALUE``, dates as serial numbers), so for typed
slash dates the sheet's locale *is* the date order, and Settings' refusal of ambiguous
dates never sees them. The spreadsheet's *time zone* is what ``=TODAY()`` and typed times
follow. So ``init --google new`` sets both from the clinic's choices (and formats date
columns ``yyyy-mm-dd``, so staff see what Google understood), and ``doctor`` warns when
either differs from Settings.
"""

from __future__ import annotations

import re
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sheetsync.core.settings import ClinicSettings
from sheetsync.errors import ConfigError

# Locales whose Sheets read 03/04/2026 month first (March 4); the others day first.
MONTH_FIRST_LOCALES = frozenset({"en_US", "en_PH", "es_US"})
# Time zones of the United States, where a new sheet defaults to en_US.
_US_ZONES = frozenset({
    "America/New_York", "America/Chicago", "America/Denver", "America/Los_Angeles",
    "America/Phoenix", "America/Anchorage", "America/Detroit", "America/Boise",
    "America/Adak", "America/Juneau", "America/Sitka", "America/Nome", "America/Yakutat",
    "America/Menominee", "America/Metlakatla", "Pacific/Honolulu",
})
_US_PREFIXES = ("US/", "America/Indiana/", "America/Kentucky/", "America/North_Dakota/")
_LOCALE = re.compile(r"^[a-z]{2,3}(_[A-Z]{2})?$")


def normal_locale(locale: str) -> str:
    return locale.strip().replace("-", "_")


def date_order_of(locale: str) -> str:
    """How a sheet of ``locale`` reads a typed 03/04/2026: ``month-first`` or
    ``day-first`` (Settings' words)."""
    return "month-first" if normal_locale(locale) in MONTH_FIRST_LOCALES else "day-first"


def default_locale(time_zone: str) -> str:
    """The locale to suggest for a clinic in ``time_zone``."""
    return "en_US" if time_zone in _US_ZONES or time_zone.startswith(_US_PREFIXES) \
        else "en_GB"


def check_time_zone(value: str) -> str:
    try:
        ZoneInfo(value.strip())
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(f"'{value}' is not a known time zone.",
                          "Use a name like Europe/London or America/New_York.") from None
    return value.strip()


def check_locale(value: str) -> str:
    locale = normal_locale(value)
    if not _LOCALE.match(locale):
        raise ConfigError(f"'{value}' is not a locale Google Sheets knows.",
                          "Use a language and country code like en_GB or en_US.")
    return locale


def spreadsheet_properties(register_http: Any, spreadsheet_id: str) -> dict[str, str]:
    """The spreadsheet's ``timeZone`` and ``locale`` (one ``spreadsheets.get``)."""
    data = register_http.fetch_sheet_metadata(
        spreadsheet_id, params={"fields": "properties(timeZone,locale)"})
    props = data.get("properties") or {}
    return {"timeZone": str(props.get("timeZone") or ""),
            "locale": str(props.get("locale") or "")}


def mismatches(time_zone: str, locale: str, settings: ClinicSettings) -> list[str]:
    """What ``doctor`` warns about: the spreadsheet's time zone or date order (from its
    locale) against Settings. Plain sentences with what to do."""
    out: list[str] = []
    if time_zone and time_zone != settings.time_zone:
        out.append(
            f"the spreadsheet's time zone is {time_zone} but Settings say "
            f"{settings.time_zone}: =TODAY() and typed times follow the spreadsheet's. "
            f"Set File → Settings → Time zone to {settings.time_zone} in the sheet (or "
            "change Time zone in Settings).")
    if locale:
        order = date_order_of(locale)
        example = "March 4" if order == "month-first" else "3 April"
        if settings.date_order != order:
            said = settings.date_order or "blank (ambiguous dates refused)"
            out.append(
                f"the spreadsheet's locale is {locale}, so Google reads a typed 03/04/2026 "
                f"as {example} ({order}) before sheetsync sees it, but Settings' Date order "
                f"is {said}. Set Date order to {order} in Settings, or change the sheet's "
                "locale (File → Settings → Locale) to match; dates typed as 2026-04-03 "
                "are never ambiguous.")
    return out
