"""How names, dates and treatments read inside letters (playbook/wording.py)."""

from __future__ import annotations

import datetime as dt

import pytest

from sheetsync.playbook.wording import (
    greeting_name,
    letter_date,
    letter_order,
    letter_treatment,
    partner_greeting,
)

GREETINGS = [
    # titles
    ("Dr Carol Webster", "Dr Webster"),
    ("Dr. Carol Webster", "Dr Webster"),
    ("Doctor Carol Webster", "Dr Webster"),
    ("Dra. Sofía Núñez", "Dra. Núñez"),
    ("Dra Sofía Núñez", "Dra. Núñez"),
    ("Prof. Alan Grant", "Professor Grant"),
    ("Prof Dr Hans Müller", "Professor Müller"),
    ("Mr Tom Reed", "Mr Reed"),
    ("Ms. Ana Lopez", "Ms Lopez"),
    ("Mrs Joan Baker-Smith", "Mrs Baker-Smith"),
    ("Dr Ludwig van Beethoven", "Dr van Beethoven"),
    ("Dr J. Doe", "Dr Doe"),
    # suffixes
    ("Jane Smith, MD", "Dr Smith"),
    ("Jane Smith MD", "Dr Smith"),
    ("Jane Smith, M.D.", "Dr Smith"),
    ("Jane Smith, MD, FAAD", "Dr Smith"),
    ("Dr Jane Smith, MD", "Dr Smith"),
    ("Omar Haddad, DPT", "Dr Haddad"),
    ("Tom Reed, PT", "Tom"),
    ("Lena Ortiz, RN, BSN", "Lena"),
    ("Jane Do", "Jane"),  # a surname, not a credential
    ("Li Ma", "Li"),
    # capitals
    ("DR JOHN DOE", "Dr Doe"),
    ("DR SEAN O'BRIEN", "Dr O'Brien"),
    ("dra. maría núñez", "Dra. Núñez"),
    ("JANE SMITH, MD", "Dr Smith"),
    ("DR ANNE SMITH-JONES", "Dr Smith-Jones"),
    # plain names
    ("Maya Chen", "Maya"),
    ("Webster, Carol", "Carol"),
    ("J. Smith", "J. Smith"),
    ("  Maya   Chen ", "Maya"),
    ("Dr Carol Webster (derm)", "Dr Webster"),
    # practices
    ("Smith Dermatology Ltd", "colleagues at Smith Dermatology Ltd"),
    ("Riverside Physiotherapy", "colleagues at Riverside Physiotherapy"),
    ("The Skin Clinic", "colleagues at The Skin Clinic"),
    ("Baker & Hale", "colleagues at Baker & Hale"),
    ("Northside Medical Group LLC", "colleagues at Northside Medical Group LLC"),
    # never a fragment
    ("Dr.", "colleague"),
    ("Dra.", "colleague"),
    ("", "colleague"),
]


@pytest.mark.parametrize(("name", "expected"), GREETINGS)
def test_greeting_name(name: str, expected: str) -> None:
    assert greeting_name(name) == expected


@pytest.mark.parametrize(("name", "salutation", "expected"), [
    ("Dr Carol Webster", "", "Dr Webster"),
    ("Dr Carol Webster", "Carol", "Carol"),
    ("Smith Dermatology Ltd", "Dr Smith and team", "Dr Smith and team"),
    ("Dr Carol Webster", "Dear Carol,", "Carol"),
    ("Dr Carol Webster", "  ", "Dr Webster"),
])
def test_salutation_cell_overrides(name: str, salutation: str, expected: str) -> None:
    assert partner_greeting(name, salutation) == expected


DEC_4 = dt.date(2026, 12, 4)
TODAY = dt.date(2026, 11, 22)


@pytest.mark.parametrize(("day", "order", "expected"), [
    (DEC_4, "day-first", "Friday 4 December"),
    (DEC_4, "month-first", "Friday, December 4"),
    (dt.date(2025, 12, 30), "day-first", "Tuesday 30 December 2025"),
    (dt.date(2025, 12, 30), "month-first", "Tuesday, December 30, 2025"),
])
def test_letter_date(day: dt.date, order: str, expected: str) -> None:
    assert letter_date(day, order, TODAY) == expected  # type: ignore[arg-type]
    assert "2026-" not in letter_date(day, order, TODAY)  # type: ignore[arg-type]


@pytest.mark.parametrize(("order", "zone", "expected"), [
    ("day-first", "America/New_York", "day-first"),
    ("month-first", "Europe/London", "month-first"),
    ("", "Europe/London", "day-first"),
    ("", "America/New_York", "month-first"),
    ("", "America/Indiana/Indianapolis", "month-first"),
    ("", "America/Mexico_City", "day-first"),
    ("", "Australia/Sydney", "day-first"),
])
def test_letter_order_follows_settings_then_time_zone(order: str, zone: str,
                                                      expected: str) -> None:
    assert letter_order(order, zone) == expected  # type: ignore[arg-type]


@pytest.mark.parametrize(("name", "expected"), [
    ("Laser resurfacing", "laser resurfacing"),
    ("Chemical Peel", "chemical peel"),
    ("Microneedling", "microneedling"),
    ("IPL photofacial", "IPL photofacial"),
    ("Botox", "Botox"),
    ("Botox top-up", "Botox top-up"),
    ("CoolSculpting", "CoolSculpting"),
    ("HydraFacial", "HydraFacial"),
    ("Morpheus8", "Morpheus8"),
    ("Juvéderm filler", "Juvéderm filler"),
    ("LED therapy", "LED therapy"),
])
def test_letter_treatment(name: str, expected: str) -> None:
    assert letter_treatment(name) == expected
