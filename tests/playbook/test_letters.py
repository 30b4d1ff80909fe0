"""The drafts' texts as a clinic owner would send them (issue 15, items 7 and 8):
dates as people write them, treatment names mid-sentence, a greeting for every name
form (and the Partners tab's Salutation column), no "them" without a person, a marked
line for the report-back's outcome, and every template checked on every run."""

from __future__ import annotations

import datetime as dt
import io
import re
from pathlib import Path
from typing import Any

from builders import NOON_UTC, PARTNER, TODAY, cell, checkin, memory, referral, sync, tables

from sheetsync.cli.preview import run_preview
from sheetsync.core.plan import RowPlan
from sheetsync.core.ports import DraftSpec
from sheetsync.core.register import parse_register
from sheetsync.core.state import SyncState
from sheetsync.engine import DEFAULT_TREATMENT_ROWS
from sheetsync.playbook import PlanContext, plan_register
from sheetsync.playbook.defaults import DEFAULT_TEMPLATES, OUTCOME_LINE, RETIRED_TEMPLATES
from sheetsync.testing.memory import MemoryMailbox, MemoryRegister
from sheetsync.workspace.local_init import init_local

DAY = dt.timedelta(days=1)
ISO = re.compile(r"\d{4}-\d{2}-\d{2}")


def plan(**tabs: Any) -> dict[str, RowPlan]:
    snapshot = MemoryRegister(tables(**tabs)).read()
    parsed = parse_register(snapshot, SyncState(), DEFAULT_TREATMENT_ROWS)
    return plan_register(PlanContext(parsed, parsed.state, TODAY, "test", {}))


def draft(p: RowPlan, purpose: str) -> DraftSpec:
    spec = next(i.spec for i in p.intents if i.purpose == purpose)
    assert isinstance(spec, DraftSpec)
    return spec


SEEN = {"Consent to share": "Yes", "Status": "Seen", "First visit": dt.date(2026, 11, 20)}


# ------------------------------------------------------------------------ dates


def test_dates_in_letters_read_as_people_write_them_day_first() -> None:
    p = plan(partners=[PARTNER], referrals=[referral(**SEEN),
                                            referral(Date=dt.date(2026, 11, 19))],
             checkins=[checkin(**{"Treatment date": dt.date(2026, 11, 20)})],
             settings={"Time zone": "Europe/London"})
    report_back = draft(p["R-0001"], "report-back")
    thank_you = draft(p["R-0002"], "thank-you")
    aftercare = draft(p["C-0001"], "aftercare")
    assert "Thursday 19 November" in thank_you.body
    assert "Friday 20 November" in report_back.body
    assert "Friday 20 November" in aftercare.body
    for text in (report_back.body, thank_you.body, aftercare.body):
        assert not ISO.search(text), text


def test_dates_follow_settings_date_order_then_time_zone() -> None:
    for settings in ({"Date order": "month-first", "Time zone": "Europe/London"},
                     {"Time zone": "America/New_York"}):
        p = plan(partners=[PARTNER], referrals=[referral(Date=dt.date(2026, 11, 19))],
                 settings=settings)
        assert "Thursday, November 19" in draft(p["R-0001"], "thank-you").body
    p = plan(partners=[PARTNER], referrals=[referral(Date=dt.date(2026, 11, 19))],
             settings={"Date order": "day-first", "Time zone": "America/New_York"})
    assert "Thursday 19 November" in draft(p["R-0001"], "thank-you").body


# ------------------------------------------------------------------- treatments


def test_treatment_names_are_lower_case_mid_sentence() -> None:
    p = plan(checkins=[checkin(Treatment="Laser resurfacing")])
    body = draft(p["C-0001"], "aftercare").body
    assert "your laser resurfacing on" in body
    assert "Laser resurfacing" not in body


# -------------------------------------------------------------------- greetings


def test_salutation_column_overrides_the_greeting() -> None:
    partner = {**PARTNER, "Salutation": "Carol"}
    p = plan(partners=[partner], referrals=[referral()])
    assert draft(p["R-0001"], "thank-you").body.startswith("Dear Carol,\n")


def test_greeting_handles_common_name_forms() -> None:
    for name, greeting in (("Jane Smith, MD", "Dr Smith"), ("Dra. Sofía Núñez", "Dra. Núñez"),
                           ("Smith Dermatology Ltd", "colleagues at Smith Dermatology Ltd"),
                           ("DR JOHN DOE", "Dr Doe")):
        p = plan(partners=[{**PARTNER, "Name": name}], referrals=[referral(Partner=name)])
        assert draft(p["R-0001"], "thank-you").body.startswith(f"Dear {greeting},\n"), name


def test_introduction_greets_the_introducer_by_their_salutation() -> None:
    introducer = {**PARTNER, "Salutation": "Carol"}
    prospect = {"Name": "Dr Omar Haddad", "Stage": "Prospect",
                "Introduced by": "Dr Carol Webster"}
    p = plan(partners=[introducer, prospect])
    assert draft(p["P-0002"], "introduction").body.startswith("Dear Carol,\n")


# -------------------------------------------------------------------- wording


def test_thank_you_without_consent_never_says_them_without_a_person() -> None:
    body = draft(plan(partners=[PARTNER], referrals=[referral()])["R-0001"], "thank-you").body
    assert not re.search(r"\bthem\b", body)
    assert "the person you referred" in body


def test_report_back_has_a_marked_line_for_the_outcome() -> None:
    body = draft(plan(partners=[PARTNER], referrals=[referral(**SEEN)])["R-0001"],
                 "report-back").body
    assert OUTCOME_LINE in body
    assert "\n\n[Outcome: " in body


def test_the_row_and_the_digest_say_the_report_back_has_a_line_to_fill_in() -> None:
    ws, register = memory(partners=[PARTNER], referrals=[referral(**SEEN)],
                          settings={"Owner email": "owner@lumen.example", "Weekly digest": "Yes"})
    report = sync(ws)
    follow_up = str(cell(register, "Referrals", 1, "Follow-up"))
    assert "Report-back ready in Drafts since " in follow_up  # the draft's age, then:
    assert ": fill in [Outcome] before sending" in follow_up
    assert report.clean  # a blank to fill is news, not a problem
    assert isinstance(ws.mailbox, MemoryMailbox)
    [digest] = [d.spec for d in ws.mailbox.items.values()
                if isinstance(d.spec, DraftSpec) and "This week" in d.spec.subject]
    assert "Drafts with a line for you to fill in before sending: 1" in digest.body
    assert "R-0001 report-back: fill in [Outcome]" in digest.body


def test_a_templates_row_holding_an_earlier_built_in_text_gets_the_new_one() -> None:
    """Registers made by an earlier init hold the old texts in their Templates tab."""
    register = tables(partners=[PARTNER], referrals=[referral(**SEEN)])
    templates = register["Templates"]
    for row in templates[1:]:
        if row[0] in RETIRED_TEMPLATES:
            row[1], row[2] = RETIRED_TEMPLATES[str(row[0])][0]
    parsed = parse_register(MemoryRegister(register).read(), SyncState(),
                            DEFAULT_TREATMENT_ROWS)
    p = plan_register(PlanContext(parsed, parsed.state, TODAY, "test", {}))
    assert OUTCOME_LINE in draft(p["R-0001"], "report-back").body
    # An edited row stays the clinic's own.
    for row in templates[1:]:
        if row[0] == "report-back":
            row[2] = str(row[2]).replace("A short update", "A quick update")
    parsed = parse_register(MemoryRegister(register).read(), SyncState(),
                            DEFAULT_TREATMENT_ROWS)
    p = plan_register(PlanContext(parsed, parsed.state, TODAY, "test", {}))
    body = draft(p["R-0001"], "report-back").body
    assert "A quick update" in body and OUTCOME_LINE not in body


# ---------------------------------------------------------- templates checked


def _with_template(name: str, subject: str, body: str, **tabs: Any) -> Any:
    ws, register = memory(**tabs)
    rows = register.tabs["Templates"]
    for row in rows[1:]:
        if row[0] == name:
            row[1], row[2] = subject, body
            break
    else:
        rows.append([name, subject, body])
    return ws, register


def test_a_bad_template_is_reported_on_every_run_not_on_first_use() -> None:
    # No partner is in Nurturing: nothing needs the meeting request today.
    ws, _ = _with_template("meeting-request", "Coffee?",
                           "Dear {{partner_nam}},\n\n{{signature}}", partners=[PARTNER])
    report = sync(ws)
    assert any("'meeting-request'" in n and "{{partner_nam}}" in n for n in report.notes)
    assert not report.clean  # exit code 1, like other tab problems
    again = sync(ws)  # the next run (steady or not) says it again
    assert any("{{partner_nam}}" in n for n in again.notes)


def test_a_client_detail_in_a_partner_email_without_consent_is_reported_at_once() -> None:
    ws, _ = _with_template("thank-you", "Thanks", "About {{client_first_name}}.")
    report = sync(ws)
    assert any("'thank-you'" in n and "Consent to share" in n for n in report.notes)


def test_a_stray_brace_and_a_missing_aftercare_template_are_reported() -> None:
    ws, register = _with_template("aftercare-facial", "Hi", "Hi {{client_first_name}, {{x")
    register.tabs["Treatments"].append(["Botox", 14, "aftercare-botox"])
    notes = sync(ws).notes
    assert any("'aftercare-facial'" in n and "not a whole placeholder" in n for n in notes)
    assert any("'Botox'" in n and "'aftercare-botox'" in n for n in notes)


def test_built_in_templates_and_a_fresh_register_have_no_template_notes() -> None:
    ws, _ = memory(partners=[PARTNER], referrals=[referral(**SEEN)], checkins=[checkin()])
    assert sync(ws).notes == []
    assert DEFAULT_TEMPLATES  # every built-in was checked (template_check._in_use)


# ---------------------------------------------------------------------- preview


def test_preview_shows_the_new_texts(tmp_path: Path) -> None:
    folder = tmp_path / "ws"
    init_local(folder, sample=True, today=TODAY)

    def preview(*target: str) -> str:
        out = io.StringIO()
        assert run_preview(str(folder / "sheetsync.toml"), target, out, clock=NOON_UTC) == 0
        return out.getvalue()

    report_back = preview("R-0003")
    assert OUTCOME_LINE in report_back
    aftercare = preview("C-0001")
    letter = re.split(r"─{20,}", aftercare)[1]  # the text between the rules
    assert not ISO.search(letter), letter
    assert "your chemical peel" in letter or "your laser resurfacing" in letter \
        or "your microneedling" in letter or "your facial" in letter \
        or "your injectables" in letter or "your body sculpting" in letter
