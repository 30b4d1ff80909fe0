"""``init --google new`` as a clinic really uses it (issue 17 items 10 and 13): the sheet
gets the clinic's time zone and locale (Google reads typed dates by the locale before
sheetsync sees them), date columns show yyyy-mm-dd, Settings say the same, ``doctor``
warns when a sheet and its Settings disagree; and the config written is for the way the
user signed in (a service account, not OAuth, when that is what they use)."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from builders import NOON_UTC, PARTNER, tables
from google_harness import GoogleHarness, as_text

from sheetsync.backends.google.auth import SCOPES
from sheetsync.cli.doctor import run_doctor
from sheetsync.cli.google_setup import init_google
from sheetsync.core.config import load_config
from sheetsync.engine import run_sync
from sheetsync.errors import ConfigError
from sheetsync.testing.fake_google import FakeGoogle


def init_new(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, **options: object
             ) -> tuple[GoogleHarness, str]:
    monkeypatch.chdir(tmp_path)
    h = GoogleHarness(FakeGoogle(scopes=SCOPES))
    out = io.StringIO()
    code = init_google("new", None, out, session=h.fake.requests_session(),
                       http=h.fake.http(), **options)  # type: ignore[arg-type]
    assert code == 0
    h.sid = load_config(str(tmp_path / "sheetsync.toml")).google.spreadsheet
    h.open()
    return h, out.getvalue()


def settings_of(h: GoogleHarness) -> dict[str, str]:
    return {row[0]: (row[1] if len(row) > 1 else "") for row in h.tab("Settings")[1:] if row}


def type_a_referral(h: GoogleHarness, date_text: str) -> None:
    for column, value in {"Date": date_text, "Direction": "Received",
                          "Partner": "Dr Carol Webster", "Client": "Jane Doe",
                          "Status": "New"}.items():
        h.set_cell("Referrals", 2, column, value)
    for column, value in {"Name": "Dr Carol Webster", "Email": "carol@webster.example",
                          "Stage": "Active"}.items():
        h.set_cell("Partners", 2, column, value)


# ------------------------------------------------------------------- item 10


def test_new_sheet_gets_the_clinics_time_zone_and_locale(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    h, said = init_new(tmp_path, monkeypatch, time_zone="America/New_York", locale="en_US")
    props = h.fake.sheets.spreadsheets[h.sid].props
    assert props["timeZone"] == "America/New_York" and props["locale"] == "en_US"
    assert settings_of(h)["Time zone"] == "America/New_York"
    assert settings_of(h)["Date order"] == "month-first"
    assert "America/New_York" in said and "en_US" in said and "month-first" in said
    # Staff type 03/04/2026: Google reads it by the locale; the column shows what it read.
    type_a_referral(h, "03/04/2026")
    assert h.tab("Referrals")[1][h.header("Referrals").index("Date")] == "2026-03-04"
    run_sync(h.ws, clock=NOON_UTC)
    assert h.tab("Referrals")[1][h.header("Referrals").index("Date")] == "2026-03-04"


def test_new_sheet_defaults_to_settings_time_zone_and_its_usual_locale(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    h, _ = init_new(tmp_path, monkeypatch)
    props = h.fake.sheets.spreadsheets[h.sid].props
    assert props["timeZone"] == "Europe/London" and props["locale"] == "en_GB"
    assert settings_of(h)["Date order"] == "day-first"
    type_a_referral(h, "03/04/2026")
    assert h.tab("Referrals")[1][h.header("Referrals").index("Date")] == "2026-04-03"


def test_init_asks_on_a_terminal(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    asked: list[str] = []

    def ask(question: str, suggestion: str) -> str:
        asked.append(f"{question} [{suggestion}]")
        return "America/Chicago" if "Time zone" in question else ""

    h, _ = init_new(tmp_path, monkeypatch, ask=ask)
    assert asked[0] == "Time zone of the clinic [Europe/London]"
    assert asked[1].endswith("[en_US]")  # the usual locale in a US time zone, suggested
    props = h.fake.sheets.spreadsheets[h.sid].props
    assert props["timeZone"] == "America/Chicago" and props["locale"] == "en_US"


def test_init_refuses_an_unknown_time_zone_or_locale(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ConfigError, match="not a known time zone"):
        init_new(tmp_path, monkeypatch, time_zone="Mars/Olympus")
    with pytest.raises(ConfigError, match="not a locale"):
        init_new(tmp_path, monkeypatch, locale="English please")


def doctor_on(tmp_path: Path, h: GoogleHarness) -> tuple[int, str]:
    from test_google_doctor import opener, setup

    config = setup(tmp_path, h, h.sid)
    out = io.StringIO()
    return run_doctor(str(config), out, opener(h)), out.getvalue()


def sheet_with(time_zone: str, locale: str, settings: dict[str, str]) -> GoogleHarness:
    h = GoogleHarness()
    typed = {t: [[as_text(c) for c in row] for row in rows]
             for t, rows in tables(partners=[PARTNER], settings=settings).items()}
    h.sid = h.fake.sheets.create_spreadsheet("R", typed, time_zone=time_zone, locale=locale)
    h.open()
    return h


def test_doctor_warns_when_the_sheet_and_settings_disagree(tmp_path: Path) -> None:
    h = sheet_with("America/New_York", "en_US",
                   {"Time zone": "Europe/London", "Date order": "day-first"})
    code, text = doctor_on(tmp_path, h)
    assert code == 0  # a warning: the sync still runs
    assert "! Time zone and date order: the spreadsheet's time zone is America/New_York " \
        "but Settings say Europe/London" in text
    assert "locale is en_US, so Google reads a typed 03/04/2026 as March 4" in text
    assert "see the warnings above" in text


def test_doctor_is_quiet_when_they_agree(tmp_path: Path) -> None:
    h = sheet_with("America/New_York", "en_US",
                   {"Time zone": "America/New_York", "Date order": "month-first"})
    code, text = doctor_on(tmp_path, h)
    assert code == 0 and "!" not in text
    assert "✓ Time zone and date order" in text


def test_doctor_warns_when_settings_leave_the_date_order_blank(tmp_path: Path) -> None:
    """Blank means "refuse ambiguous dates", which Google never lets happen."""
    h = sheet_with("Europe/London", "en_GB", {"Date order": ""})
    _, text = doctor_on(tmp_path, h)
    assert "as 3 April (day-first) before sheetsync sees it, but Settings' Date order is " \
        "blank" in text


# ------------------------------------------------------------------- item 13


def test_init_with_a_service_account_writes_a_service_account_config(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _, said = init_new(tmp_path, monkeypatch, service_account="keys/clinic-sa.json",
                       subject="owner@clinic.example")
    google = load_config(str(tmp_path / "sheetsync.toml")).google
    assert google.auth == "service_account"
    assert google.service_account_file == Path("keys/clinic-sa.json")
    assert google.subject == "owner@clinic.example"
    assert "service account" in said


def test_init_finds_the_service_account_key_beside_it(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "service-account.json").write_text("{}", encoding="utf-8")
    init_new(tmp_path, monkeypatch, subject="owner@clinic.example")
    google = load_config(str(tmp_path / "sheetsync.toml")).google
    assert google.auth == "service_account" and google.subject == "owner@clinic.example"


def test_a_service_account_without_subject_is_refused_before_anything_is_made(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    fake = FakeGoogle(scopes=SCOPES)
    with pytest.raises(ConfigError) as refused:
        init_google("new", None, io.StringIO(), service_account="sa.json",
                    session=fake.requests_session(), http=fake.http())
    assert "--subject" in refused.value.advice
    assert not fake.sheets.spreadsheets and not (tmp_path / "sheetsync.toml").exists()


def test_oauth_stays_the_default(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    init_new(tmp_path, monkeypatch)
    assert load_config(str(tmp_path / "sheetsync.toml")).google.auth == "oauth"

