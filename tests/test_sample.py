"""The demo register is varied, consistent and has exactly the advertised bad rows."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from sheetsync.core import schema
from sheetsync.playbook.defaults import DEFAULT_SETTINGS, DEFAULT_TREATMENTS
from sheetsync.workspace.sample import SAMPLE_BAD_ROW_COUNT, play_the_owner, sample_register

TODAY = dt.date(2026, 5, 14)
TYPED_DATE = "03/04/2026"

Register = dict[str, list[dict[str, object]]]


@pytest.fixture
def register() -> Register:
    return sample_register(TODAY)


def notes(row: dict[str, object]) -> str:
    return str(row.get("Notes", ""))


def is_bad(row: dict[str, object]) -> bool:
    return notes(row).startswith("DEMO: ")


def test_tabs_and_columns(register: Register) -> None:
    assert set(register) == {"Partners", "Referrals", "Check-ins", "Settings"}
    for spec in schema.DATA_TABS:
        for row in register[spec.name]:
            assert set(row) <= {c.name for c in spec.columns}
            assert spec.id_column is not None and row.get(spec.id_column, "") == ""
            for col in spec.tool_columns:
                assert row.get(col.name, "") == ""


def test_partners(register: Register) -> None:
    partners = register[schema.PARTNERS.name]
    assert len(partners) >= 12
    assert {p["Stage"] for p in partners} == set(schema.STAGES)
    specialties = {p["Specialty"] for p in partners}
    assert specialties <= set(schema.SPECIALTIES)
    assert len(specialties) >= 6
    names = [p["Name"] for p in partners]
    assert len(set(names)) == len(names)
    prospects = [p for p in partners if p["Stage"] == "Prospect" and p["Introduced by"]]
    assert prospects and all(p["Introduced by"] in names for p in prospects)
    for p in partners:
        assert p["Preferred contact"] in schema.CONTACT_METHODS
        if p["Email"]:
            assert str(p["Email"]).endswith(".example") or is_bad(p)


def test_two_active_partners_overdue(register: Register) -> None:
    overdue = [
        p for p in register[schema.PARTNERS.name]
        if p["Stage"] == "Active" and isinstance(p["Last contact"], dt.date)
        and (TODAY - p["Last contact"]).days > int(str(p["Check-in every (days)"] or 90))
    ]
    assert len(overdue) == 2


def test_nurturing_weeks_differ(register: Register) -> None:
    weeks = set()
    for p in register[schema.PARTNERS.name]:
        if p["Stage"] == "Nurturing":
            last = p["Last contact"]
            assert isinstance(last, dt.date)
            week = (TODAY - last).days // 7 + 1
            assert 1 <= week <= 4
            weeks.add(week)
    assert len(weeks) >= 2


def test_referrals(register: Register) -> None:
    referrals = register[schema.REFERRALS.name]
    assert 12 <= len(referrals) <= 20
    good = [r for r in referrals if not is_bad(r)]
    assert {r["Direction"] for r in good} == {"Received", "Sent"}
    assert {r["Consent to share"] for r in referrals} == {"Yes", "No"}
    assert {"New", "Booked", "Seen", "Reported back"} <= {r["Status"] for r in referrals}
    assert sum(1 for r in referrals if r["First visit"]) >= 3
    for r in referrals:
        assert r["Status"] in schema.REFERRAL_STATUSES
        assert r["Client"]


def test_referral_partners_exist_except_the_deliberate_one(register: Register) -> None:
    names = {p["Name"] for p in register[schema.PARTNERS.name]}
    unknown = [r for r in register[schema.REFERRALS.name] if r["Partner"] not in names]
    assert [r["Partner"] for r in unknown] == ["Dr Smyth"]
    assert is_bad(unknown[0])


def test_checkins(register: Register) -> None:
    checkins = register[schema.CHECKINS.name]
    assert len(checkins) >= 12
    known = {t.name for t in DEFAULT_TREATMENTS}
    treatments = {c["Treatment"] for c in checkins}
    assert len(treatments & known) >= 5
    assert [c["Treatment"] for c in checkins if c["Treatment"] not in known] == ["Hydra glow"]
    assert {c["First visit"] for c in checkins} == {"Yes", "No"}
    assert {c["Check-in by"] for c in checkins} == set(schema.CHECKIN_METHODS)
    assert any(c["Client email"] for c in checkins)
    assert any(not c["Client email"] for c in checkins)


def test_bad_rows(register: Register) -> None:
    bad = [r for spec in schema.DATA_TABS for r in register[spec.name] if is_bad(r)]
    assert len(bad) == SAMPLE_BAD_ROW_COUNT == 6
    partners = register[schema.PARTNERS.name]
    referrals = register[schema.REFERRALS.name]
    checkins = register[schema.CHECKINS.name]
    assert [p["Email"] for p in partners if is_bad(p)] == ["jane@"]
    assert any(r["Direction"] == "Recieved" and is_bad(r) for r in referrals)
    assert any(r["Date"] == TYPED_DATE and is_bad(r) for r in referrals)
    assert any(c["Treatment"] == "Hydra glow" and is_bad(c) for c in checkins)
    assert any(c["Treatment date"] in ("", None) and is_bad(c) for c in checkins)
    # Every other row is clean: valid choices where the schema has them.
    for spec in schema.DATA_TABS:
        for row in register[spec.name]:
            if is_bad(row):
                continue
            for col in spec.columns:
                value = row.get(col.name, "")
                if col.choices and value != "":
                    assert value in col.choices, (spec.name, col.name, value)
                if col.required:
                    assert value not in ("", None), (spec.name, col.name)


def test_dates_are_dates_except_the_typed_one(register: Register) -> None:
    typed = []
    for spec in schema.DATA_TABS:
        for row in register[spec.name]:
            for col in spec.columns:
                value = row.get(col.name, "")
                if not col.is_date or value in ("", None):
                    continue
                if isinstance(value, str):
                    typed.append(value)
                    assert is_bad(row)
                else:
                    assert type(value) is dt.date
                    assert value <= TODAY
    assert typed == [TYPED_DATE]


def test_dates_follow_today() -> None:
    later = dt.date(2031, 1, 2)
    a, b = sample_register(TODAY), sample_register(later)
    shift = later - TODAY
    pa, pb = a[schema.PARTNERS.name][0], b[schema.PARTNERS.name][0]
    assert isinstance(pa["Last contact"], dt.date)
    assert pb["Last contact"] == pa["Last contact"] + shift


def test_settings(register: Register) -> None:
    rows = register[schema.SETTINGS.name]
    assert all(set(r) == {"Setting", "Value"} for r in rows)
    values = {r["Setting"]: r["Value"] for r in rows}
    assert [r["Setting"] for r in rows] == [key for key, _, _ in DEFAULT_SETTINGS]
    assert values["Clinic name"] == "Lumen Skin & Body Clinic"
    assert values["Owner email"] == "owner@lumen-clinic.example"
    assert values["Time zone"] == "Europe/London"
    for key in ("Sender name", "Signature", "Clinic phone"):
        assert values[key]
    assert "Lumen Skin & Body Clinic" in str(values["Signature"])


def test_playing_the_owner_needs_two_thank_you_drafts(tmp_path: Path) -> None:
    """The demo's second act (issue 16) only runs on what its first sync made."""
    (tmp_path / "drafts").mkdir()
    assert not play_the_owner(tmp_path, dt.datetime.now(dt.timezone.utc))
    assert not (tmp_path / "inbox").exists() and not (tmp_path / "sent").exists()
