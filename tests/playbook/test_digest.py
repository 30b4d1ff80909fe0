"""The owner's weekly digest: once a week, updated in place, never duplicated, no client
names, and no cell writes of its own."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from builders import NOON_UTC, PARTNER, TODAY, checkin, clock_at, memory, referral, sync

from sheetsync.core.ports import DraftSpec, Workspace
from sheetsync.playbook.digest import digest_key, digest_row_key, week_start
from sheetsync.testing.memory import MemoryMailbox, MemoryRegister

OWNER = {"Owner email": "owner@clinic.example", "Clinic name": "Lumen Skin",
         "Weekly digest": "Yes"}
KEY = digest_key(TODAY)  # TODAY is Sunday 2026-11-22, ISO week 47


def digest_ws(**tabs: Any) -> tuple[Workspace, MemoryRegister, MemoryMailbox]:
    settings = {**OWNER, **tabs.pop("settings", {})}
    ws, reg = memory(settings=settings, **tabs)
    box = ws.mailbox
    assert isinstance(box, MemoryMailbox)
    return ws, reg, box


def digests(box: MemoryMailbox) -> dict[str, DraftSpec]:
    return {k: s for k, s in box.live().items()
            if k.startswith("digest-") and isinstance(s, DraftSpec)}


def test_week_keys_follow_iso_weeks() -> None:
    assert digest_row_key(TODAY) == "digest-2026-W47"
    assert KEY == "digest-2026-W47/digest"
    assert digest_row_key(dt.date(2025, 12, 29)) == "digest-2026-W01"  # a Monday
    assert week_start(TODAY) == dt.date(2026, 11, 16)
    assert week_start(dt.date(2026, 11, 16)) == dt.date(2026, 11, 16)


def test_made_once_addressed_to_the_owner_and_an_unchanged_run_writes_nothing() -> None:
    ws, reg, box = digest_ws(partners=[PARTNER], referrals=[referral()])
    first = sync(ws)
    assert first.digest is not None and first.digest.kind == "create"
    (spec,) = digests(box).values()
    assert spec.to_email == "owner@clinic.example" and spec.key == KEY
    assert spec.subject == "This week in referrals: Lumen Skin, week of Monday 16 November"
    assert "Referrals received this week: 1\n  - Dr Carol Webster: 1" in spec.body
    assert "Thank-yous waiting to be sent: 1\n  - R-0001 to Dr Carol Webster" in spec.body
    writes = reg.writes
    second = sync(ws, clock=clock_at(dt.datetime(2026, 11, 22, 18, 0, tzinfo=dt.timezone.utc)))
    assert second.digest is not None and second.digest.kind == "keep"
    assert sum(second.created.values()) == sum(second.updated.values()) == 0
    assert reg.writes == writes
    # No cell of any row says anything about the digest.
    assert "digest" not in str(reg.tabs["Referrals"]).lower()


def test_updated_during_the_week_then_a_new_one_next_week() -> None:
    ws, reg, box = digest_ws(partners=[PARTNER], referrals=[referral()])
    sync(ws)
    reg.tabs["Referrals"].append(list(reg.tabs["Referrals"][1]))
    header = [str(h) for h in reg.tabs["Referrals"][0]]
    reg.tabs["Referrals"][-1][header.index("Referral ID")] = None
    report = sync(ws)
    assert report.digest is not None and report.digest.kind == "update"
    (spec,) = digests(box).values()
    assert "Referrals received this week: 2" in spec.body
    monday = clock_at(dt.datetime(2026, 11, 23, 7, 0, tzinfo=dt.timezone.utc))
    next_week = sync(ws, clock=monday)
    assert next_week.digest is not None and next_week.digest.kind == "create"
    live = digests(box)
    # This week's replaces last week's unsent one: one digest waits at a time.
    assert set(live) == {"digest-2026-W48/digest"}
    assert box.retracted == [KEY] and next_week.retracted["draft"] == 1
    # Last week's referrals are not this week's.
    assert "Referrals received this week: none yet" in live["digest-2026-W48/digest"].body
    assert box.items[KEY].revisions == 2  # made, updated once; deleted when replaced


def test_no_client_names_in_the_digest() -> None:
    ws, _, box = digest_ws(
        partners=[PARTNER],
        referrals=[referral(Client="Jane Doe", **{"Consent to share": "Yes"})],
        checkins=[checkin(Client="Amira Khan", **{"Treatment date": TODAY - dt.timedelta(days=4)}),
                  checkin(Client="Bo Bad", **{"Treatment date": "03/04/2026"})])
    sync(ws)
    body = digests(box)[KEY].body
    for secret in ("Jane", "Doe", "Amira", "Khan", "amira@mail.example", "Bo Bad"):
        assert secret not in body
    assert "call A.K. after Chemical peel (C-0001)" in body
    assert "Rows with problems: 1" in body and "Check-ins: C-0002" in body


def test_overdue_partners_and_follow_ups_this_week() -> None:
    # Overdue 10 days: within the first sync's catch-up window, so an event is made.
    overdue = {**PARTNER, "Name": "Dr Omar Lee", "Email": "omar@lee.example",
               "Last contact": TODAY - dt.timedelta(days=100)}
    ws, _, box = digest_ws(partners=[PARTNER, overdue],
                           referrals=[referral(Direction="Sent",
                                               Date=TODAY - dt.timedelta(days=15))])
    sync(ws)
    body = digests(box)[KEY].body
    assert ("Partners overdue for a check-in: 1\n  - Dr Omar Lee (P-0002): check-in due "
            "since Thursday 12 November") in body  # 10 days ago
    assert "check in, Dr Omar Lee (P-0002)" in body
    assert "check seen, Dr Carol Webster (R-0001)" in body


def test_no_owner_email_means_no_digest() -> None:
    ws, _ = memory(partners=[PARTNER], settings={"Owner email": "", "Weekly digest": "Yes"})
    report = sync(ws)
    assert report.digest is not None and report.digest.kind == "none"
    assert report.as_json()["digest"]["action"] == "none"
    # and the tab problem says what to fill in (core.settings_guard)
    assert any("'Owner email'" in p for p in report.notes)


def test_turned_off_in_settings() -> None:
    ws, _, box = digest_ws(settings={"Weekly digest": "No"})
    report = sync(ws)
    assert not digests(box) and report.digest is not None and report.digest.kind == "none"
    assert report.clean


def test_sent_digest_is_left_alone_and_a_deleted_one_is_not_made_again() -> None:
    ws, reg, box = digest_ws(partners=[PARTNER], referrals=[referral()])
    sync(ws)
    box.send(KEY, TODAY)
    reg.set("Referrals", 2, "Date", TODAY - dt.timedelta(days=1))
    report = sync(ws)
    assert report.digest is not None and report.digest.kind == "keep"
    assert box.items[KEY].revisions == 1

    ws2, reg2, box2 = digest_ws(partners=[PARTNER], referrals=[referral()])
    sync(ws2)
    box2.delete(KEY)
    reg2.set("Referrals", 2, "Date", TODAY - dt.timedelta(days=1))
    report = sync(ws2)
    assert report.digest is not None and report.digest.kind == "none"
    assert "deleted this week" in report.digest.reason and not digests(box2)


def test_a_broken_digest_template_is_a_note_not_a_blank() -> None:
    ws, reg, box = digest_ws()
    for row in reg.tabs["Templates"][1:]:
        if row[0] == "weekly-digest":
            row[2] = "{{digest}}\n{{client_first_name}} {{colour}}"
    report = sync(ws)
    assert not digests(box)
    assert any("Weekly digest not drafted" in n and "{{colour}}" in n for n in report.notes)
    assert not report.clean


def test_dry_run_plans_the_digest_without_making_it() -> None:
    ws, reg, box = digest_ws(partners=[PARTNER])
    report = sync(ws, dry_run=True)
    assert report.digest is not None and report.digest.kind == "create"
    assert isinstance(report.digest.intent.spec, DraftSpec)
    assert not box.items and reg.writes == 0


def test_failed_digest_is_retried_next_run() -> None:
    ws, _, box = digest_ws()
    box.fail_next = 1
    report = sync(ws, clock=NOON_UTC)
    assert report.failed == 1 and report.digest_error
    assert report.as_json()["digest"]["failed"] is True
    again = sync(ws)
    assert again.digest is not None and again.digest.kind == "create" and digests(box)


def test_a_tab_that_cannot_be_synced_leaves_the_digest_as_it_was() -> None:
    ws, reg, box = digest_ws(partners=[PARTNER], referrals=[referral()])
    sync(ws)
    reg.tabs["Referrals"][0] = ["Customer" if h == "Client" else h
                                for h in reg.tabs["Referrals"][0]]
    report = sync(ws)
    assert report.digest is not None and report.digest.kind == "none"
    assert "every tab" in report.digest.reason
    assert box.items[KEY].revisions == 1 and KEY in digests(box)


def test_dates_read_as_in_the_letters_in_the_clinics_order() -> None:
    """The digest is for people: 'Thursday 12 November' (or 'Thursday, November 12' in a
    month-first clinic), never 2026-11-12."""
    overdue = {**PARTNER, "Last contact": TODAY - dt.timedelta(days=100)}  # due 12 Nov
    for settings, due, contact, week in (
            ({}, "Thursday 12 November", "Friday 14 August", "Monday 16 November"),
            ({"Time zone": "America/New_York"}, "Thursday, November 12", "Friday, August 14",
             "Monday, November 16")):
        ws, _, box = digest_ws(partners=[overdue], referrals=[referral()],
                               checkins=[checkin(**{"Treatment date": TODAY})],
                               settings=settings)
        sync(ws)
        (spec,) = digests(box).values()
        assert f"check-in due since {due}, last contact {contact}" in spec.body
        assert spec.subject.endswith(f"week of {week}")
        assert not re.search(r"\d{4}-\d\d-\d\d", spec.subject + spec.body), spec.body
