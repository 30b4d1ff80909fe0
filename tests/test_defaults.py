"""The built-in treatments, templates and settings are consistent and privacy-safe."""

from __future__ import annotations

import re

import pytest

from sheetsync.core import schema
from sheetsync.playbook import defaults
from sheetsync.playbook.defaults import (
    DEFAULT_SETTINGS,
    DEFAULT_TEMPLATES,
    DEFAULT_TREATMENTS,
    DIGEST_PLACEHOLDERS,
    PARTNER_SAFE_PLACEHOLDERS,
    PLACEHOLDERS,
)

PLACEHOLDER = re.compile(r"{{\s*([a-z_]+)\s*}}")

CLIENT_DATA = {"client_first_name", "client_initials", "reason", "first_visit",
               "treatment", "treatment_date"}


def used(name: str) -> set[str]:
    subject, body = DEFAULT_TEMPLATES[name]
    return set(PLACEHOLDER.findall(subject)) | set(PLACEHOLDER.findall(body))


@pytest.mark.parametrize("name", sorted(DEFAULT_TEMPLATES))
def test_template_placeholders_are_known(name: str) -> None:
    assert used(name) <= set(PLACEHOLDERS), used(name) - set(PLACEHOLDERS)


@pytest.mark.parametrize("name", sorted(DEFAULT_TEMPLATES))
def test_template_has_no_stray_braces(name: str) -> None:
    subject, body = DEFAULT_TEMPLATES[name]
    for text in (subject, body):
        stripped = PLACEHOLDER.sub("", text)
        assert "{" not in stripped and "}" not in stripped
        assert subject.strip() and "\n" not in subject


@pytest.mark.parametrize("name", ["thank-you", "introduction-request", "meeting-request"])
def test_partner_templates_without_consent_are_safe(name: str) -> None:
    assert used(name) <= set(PARTNER_SAFE_PLACEHOLDERS)


def test_partner_safe_placeholders_hold_no_client_data() -> None:
    assert not CLIENT_DATA & set(PARTNER_SAFE_PLACEHOLDERS)
    assert set(PARTNER_SAFE_PLACEHOLDERS) <= set(PLACEHOLDERS)


def test_placeholder_names_are_unique_snake_case() -> None:
    assert len(set(PLACEHOLDERS)) == len(PLACEHOLDERS)
    assert all(re.fullmatch(r"[a-z_]+", p) for p in PLACEHOLDERS)
    assert set(DIGEST_PLACEHOLDERS) == {"week_of", "digest", "clinic_name"}
    assert set(DIGEST_PLACEHOLDERS) <= set(PLACEHOLDERS)


def test_required_templates_exist() -> None:
    for name in ("thank-you", "thank-you-consent", "report-back", "introduction-request",
                 "meeting-request", "aftercare-generic", "weekly-digest"):
        assert name in DEFAULT_TEMPLATES
    assert used("weekly-digest") <= set(DIGEST_PLACEHOLDERS)
    assert {"client_first_name", "first_visit", "reason"} <= used("report-back")
    assert {"prospect_name", "introducer_salutation"} <= used("introduction-request")


def test_every_treatment_aftercare_template_exists() -> None:
    names = [t.name for t in DEFAULT_TREATMENTS]
    assert len(set(names)) == len(names)
    assert {"Laser resurfacing", "Chemical peel", "Microneedling", "Body sculpting",
            "Injectables", "Facial", "Massage"} == set(names)
    for treatment in DEFAULT_TREATMENTS:
        if treatment.aftercare_template:
            assert treatment.aftercare_template in DEFAULT_TEMPLATES


@pytest.mark.parametrize("name", sorted(n for n in DEFAULT_TEMPLATES
                                        if n.startswith("aftercare-")))
def test_aftercare_templates_address_the_client_and_invite_a_call(name: str) -> None:
    names = used(name)
    assert {"client_first_name", "treatment", "treatment_date", "clinic_phone"} <= names
    assert "partner_salutation" not in names
    _, body = DEFAULT_TEMPLATES[name]
    assert "call" in body.lower()


def test_checkin_days() -> None:
    days = {t.name: t.checkin_after_days for t in DEFAULT_TREATMENTS}
    assert days["Injectables"] == 14
    assert days["Facial"] is None and days["Massage"] is None
    assert all(d is None or d > 0 for d in days.values())


def test_settings_keys_unique_and_ordered() -> None:
    keys = [key for key, _, _ in DEFAULT_SETTINGS]
    assert len(set(keys)) == len(keys)
    assert keys[0] == "Time zone" and "Ignore rows older than (days)" in keys
    values = {key: value for key, value, _ in DEFAULT_SETTINGS}
    # Blank on purpose: typed dates like 03/04/2026 are refused until a clinic picks.
    assert values["Date order"] == ""
    assert values["Show client names in calendar"] == "No"
    assert values["Owner email"] == ""
    assert "\n" in values["Signature"] and values["Clinic name"] in values["Signature"]
    assert all(about.strip() and "\n" not in about for _, _, about in DEFAULT_SETTINGS)


def test_default_settings_parse_cleanly() -> None:
    settings = pytest.importorskip("sheetsync.core.settings")
    parsed, problems = settings.parse_settings(
        {key: value for key, value, _ in DEFAULT_SETTINGS})
    assert problems == []
    assert parsed.clinic_name == "Your Clinic"
    assert parsed.history_days == 60


def test_tab_rows_use_schema_columns() -> None:
    for rows, spec in ((defaults.treatment_rows(), schema.TREATMENTS),
                       (defaults.template_rows(), schema.TEMPLATES),
                       (defaults.settings_rows(), schema.SETTINGS)):
        assert rows
        for row in rows:
            assert list(row) == [c.name for c in spec.columns]
