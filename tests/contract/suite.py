"""The backend contract, written once. Each backend's test module subclasses
``BackendContract`` and provides a ``harness`` fixture (the vdirsyncer pattern)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from builders import NOON_UTC, PARTNER, TODAY, checkin, referral, tables

from sheetsync.core.ports import CellWrite, RowRef
from sheetsync.engine import run_sync

from .harness import Harness
from .lifecycle import LifecycleContract
from .tracker import TrackerContract


def sync(ws: Any, **kw: Any) -> Any:
    return run_sync(ws, clock=NOON_UTC, **kw)


def col(rows: list[list[str]], name: str) -> list[str]:
    i = rows[0].index(name)
    return [r[i] if i < len(r) else "" for r in rows[1:]]


def by_id(rows: list[list[str]], id_column: str) -> dict[str, dict[str, str]]:
    header = rows[0]
    out = {}
    for r in rows[1:]:
        d = dict(zip(header, r + [""] * (len(header) - len(r)), strict=False))
        out[d[id_column]] = d
    return out


def three_checkins() -> dict[str, Any]:
    return tables(checkins=[checkin(Client="Ann Avery"), checkin(Client="Bea Brown",
                            Treatment="Microneedling"), checkin(Client="Cy Cole",
                            **{"Client email": ""})])


CLIENTS = ["Ann Avery", "Bea Brown", "Cy Cole", "Dee Dunn", "Eve East"]
DATA = ["Date", "Direction", "Partner", "Client", "Reason", "Consent to share", "Status"]


def five_referrals() -> dict[str, Any]:
    return tables(partners=[PARTNER], referrals=[
        referral(Client=c, Date=TODAY - dt.timedelta(days=i + 1)) for i, c in enumerate(CLIENTS)])


def refused_whole(report: Any, harness: Harness, title: str, person_saw: list[list[str]]
                  ) -> bool:
    """A backend may refuse a write as a whole when a person changed the register
    meanwhile (the local .xlsx does: a file save cannot be merged cell by cell). Then the
    person's version must be exactly what remains."""
    if report.refused:
        assert harness.tab(title) == person_saw
        return True
    return False


class BackendContract(LifecycleContract, TrackerContract):
    harness: Harness

    # ----------------------------------------------------------------- register

    def test_read_finds_tabs_headers_and_typed_cells(self, harness: Harness) -> None:
        ws = harness.workspace(tables(partners=[{**PARTNER, "Phone": "00123"}]))
        snap = ws.register.read()
        titles = {t.title for t in snap.tabs}
        assert {"Partners", "Referrals", "Check-ins", "Treatments", "Templates",
                "Settings"} <= titles
        partners = snap.tab("Partners")
        assert partners is not None and "Name" in partners.header
        row = dict(zip(partners.header, partners.rows[0].cells, strict=False))
        assert row["Name"] == "Dr Carol Webster"
        assert row["Phone"] == "00123"  # text stays text: no lost leading zeros

    def test_first_sync_assigns_ids_and_statuses(self, harness: Harness) -> None:
        ws = harness.workspace(three_checkins())
        report = sync(ws)
        assert report.ids_assigned == 3
        rows = harness.tab("Check-ins")
        assert col(rows, "Check-in ID") == ["C-0001", "C-0002", "C-0003"]
        assert col(rows, "Sync status") == ["OK", "OK", "OK"]

    def test_statuses_follow_rows_a_person_sorted_meanwhile(self, harness: Harness) -> None:
        ws = harness.workspace(three_checkins())
        sync(ws)
        harness.set_cell("Check-ins", 2, "Treatment date", TODAY + dt.timedelta(days=1))
        snapshot = ws.register.read()
        harness.sort_desc("Check-ins", "Client")  # C-0003 first now
        rows = harness.tab("Check-ins")
        ref = RowRef("Check-ins", "C-0001", 2, "", "Check-in ID")
        status_text = next(r[rows[0].index("Sync status")] for r in rows[1:]
                           if r[0] == "C-0001")
        report = ws.register.write(snapshot, [CellWrite(ref, "Sync status", "moved!",
                                                        status_text)],
                                   [list(r) for r in snapshot.state_rows])
        if refused_whole(report, harness, "Check-ins", rows):
            return
        assert report.written == 1
        after = by_id(harness.tab("Check-ins"), "Check-in ID")
        assert after["C-0001"]["Sync status"] == "moved!"
        assert after["C-0001"]["Client"] == "Ann Avery"
        assert after["C-0003"]["Sync status"] == "OK"

    def test_new_row_is_found_after_a_row_is_inserted_above(self, harness: Harness) -> None:
        ws = harness.workspace(three_checkins())
        snapshot = ws.register.read()
        tab = snapshot.tab("Check-ins")
        assert tab is not None
        first = tab.rows[0]
        from sheetsync.core.ports import fingerprint_cells

        ref = RowRef("Check-ins", None, first.number, fingerprint_cells(first.cells),
                     "Check-in ID", assign_key="C-0009")
        harness.insert_row("Check-ins", 2, ["", "Zed Zane", "", "", "Facial", TODAY.isoformat()])
        person_saw = harness.tab("Check-ins")
        report = ws.register.write(snapshot, [CellWrite(ref, "Check-in ID", "C-0009", None)], [])
        if refused_whole(report, harness, "Check-ins", person_saw):
            return
        assert report.written == 1
        after = by_id(harness.tab("Check-ins"), "Check-in ID")
        assert after["C-0009"]["Client"] == "Ann Avery"

    def test_deleted_row_gets_no_write_and_others_still_do(self, harness: Harness) -> None:
        ws = harness.workspace(three_checkins())
        sync(ws)
        snapshot = ws.register.read()
        harness.delete_row("Check-ins", 2)  # C-0001 gone
        person_saw = harness.tab("Check-ins")
        refs = [RowRef("Check-ins", k, 0, "", "Check-in ID") for k in ("C-0001", "C-0002")]
        report = ws.register.write(snapshot, [CellWrite(r, "Sync status", "x", "OK")
                                              for r in refs], [])
        if refused_whole(report, harness, "Check-ins", person_saw):
            return
        assert report.written == 1 and len(report.skipped) == 1
        rows = harness.tab("Check-ins")
        assert col(rows, "Check-in ID") == ["C-0002", "C-0003"]
        assert col(rows, "Sync status") == ["x", "OK"]

    def test_a_persons_edit_to_a_tool_cell_meanwhile_is_kept(self, harness: Harness) -> None:
        ws = harness.workspace(three_checkins())
        sync(ws)
        snapshot = ws.register.read()
        harness.set_cell("Check-ins", 2, "Sync status", "typed by Sam")
        person_saw = harness.tab("Check-ins")
        ref = RowRef("Check-ins", "C-0001", 2, "", "Check-in ID")
        report = ws.register.write(snapshot, [CellWrite(ref, "Sync status", "x", "OK")], [])
        if refused_whole(report, harness, "Check-ins", person_saw):
            return
        assert report.written == 0 and len(report.skipped) == 1
        assert by_id(harness.tab("Check-ins"), "Check-in ID")["C-0001"]["Sync status"] == \
            "typed by Sam"

    def test_values_are_written_as_text_never_formulas(self, harness: Harness) -> None:
        ws = harness.workspace(three_checkins())
        sync(ws)
        snapshot = ws.register.read()
        ref = RowRef("Check-ins", "C-0002", 3, "", "Check-in ID")
        ws.register.write(snapshot, [CellWrite(ref, "Sync status", "=1+1", "OK")],
                          [list(r) for r in snapshot.state_rows])
        again = ws.register.read().tab("Check-ins")
        assert again is not None
        status = again.header.index("Sync status")
        assert again.rows[1].cells[status] == "=1+1"

    def test_state_round_trips(self, harness: Harness) -> None:
        ws = harness.workspace(three_checkins())
        sync(ws)
        state = ws.register.read().state_rows
        assert any(r[0] == "C-0001/check-in" for r in state)

    # --------------------------------------------------------------- whole sync

    def test_unchanged_second_sync_makes_and_writes_nothing(self, harness: Harness) -> None:
        ws = harness.workspace(tables(partners=[PARTNER], referrals=[referral(
            **{"Consent to share": "Yes", "Status": "Seen", "First visit": TODAY})],
            checkins=[checkin()]))
        first = sync(ws)
        # A referral already Seen when first synced gets no thank-you (REGISTER.md).
        assert sum(first.created.values()) == 4
        before = harness.tab("Referrals")
        second = sync(ws)
        assert sum(second.created.values()) == sum(second.updated.values()) == 0
        assert second.cells_written == 0
        assert harness.tab("Referrals") == before
        assert len(harness.live_events()) == 2 and len(harness.live_drafts()) == 2

    def test_run_after_a_write_is_steady_until_anything_changes(self, harness: Harness
                                                                ) -> None:
        """core.steady: a run that reads the register exactly as the last write left it
        skips planning (the suite's VERIFY plans it in full too, and must agree). Any
        change to its inputs, a person's edit, a sent draft or another day, plans again."""
        ws = harness.workspace(tables(partners=[PARTNER], referrals=[referral(
            **{"Consent to share": "Yes", "Status": "Booked", "First visit": TODAY})],
            checkins=[checkin(), checkin(Client="Bea Brown", **{"Client email": "bad@"})]))
        first = sync(ws)
        assert not first.steady and sum(first.created.values()) > 0
        second = sync(ws)
        assert second.steady and second.cells_written == 0
        assert second.rows_with_problems == first.rows_with_problems == 1
        assert second.as_json()["problems"] == first.as_json()["problems"]
        assert sync(ws).steady
        harness.set_cell("Check-ins", 2, "Treatment date", TODAY + dt.timedelta(days=7))
        edited = sync(ws)
        assert not edited.steady and edited.updated["event"] == 1
        assert sync(ws).steady
        # An edit that changes nothing sheetsync makes is planned in full, and writes
        # nothing: so the record stays the last write's, and runs plan in full until the
        # next write (README, Performance).
        harness.set_cell("Check-ins", 2, "Notes", "called, left a message")
        noted = sync(ws)
        assert not noted.steady and noted.cells_written == 0
        assert sum(noted.created.values()) == sum(noted.updated.values()) == 0
        harness.send_draft("R-0001/thank-you", TODAY)
        sent = sync(ws)
        assert not sent.steady
        assert by_id(harness.tab("Referrals"), "Referral ID")["R-0001"]["Thank-you"] == \
            f"sent on {TODAY.isoformat()}"
        assert sync(ws).steady
        tomorrow = run_sync(ws, clock=lambda: NOON_UTC() + dt.timedelta(days=1))
        assert not tomorrow.steady

    def test_edit_moves_event_instead_of_copying(self, harness: Harness) -> None:
        ws = harness.workspace(three_checkins())
        sync(ws)
        harness.set_cell("Check-ins", 2, "Treatment date", TODAY + dt.timedelta(days=7))
        report = sync(ws)
        assert report.updated["event"] == 1 and report.created["event"] == 0
        events = harness.live_events()
        assert len(events) == 3
        assert events["C-0001/check-in"].startswith((TODAY + dt.timedelta(days=10)).isoformat())

    def test_sent_draft_is_detected_and_never_rewritten(self, harness: Harness) -> None:
        ws = harness.workspace(tables(partners=[PARTNER], referrals=[referral()]))
        sync(ws)
        harness.send_draft("R-0001/thank-you", TODAY)
        sync(ws)
        rows = by_id(harness.tab("Referrals"), "Referral ID")
        assert rows["R-0001"]["Thank-you"] == f"sent on {TODAY.isoformat()}"
        harness.set_cell("Referrals", 2, "Reason", "changed")
        report = sync(ws)
        assert sum(report.created.values()) == sum(report.updated.values()) == 0
        assert harness.live_drafts() == {}

    def test_deleted_event_not_recreated_deleted_draft_only_if_row_changes(
            self, harness: Harness) -> None:
        ws = harness.workspace(tables(checkins=[checkin()]))
        sync(ws)
        harness.delete_event("C-0001/check-in")
        harness.delete_draft("C-0001/aftercare")
        report = sync(ws)
        assert sum(report.created.values()) == 0
        row = by_id(harness.tab("Check-ins"), "Check-in ID")["C-0001"]
        assert "deleted in the calendar" in row["Check-in"]
        assert "draft deleted" in row["Aftercare"]
        harness.set_cell("Check-ins", 2, "Client", "Amira K. Khan")
        report = sync(ws)
        assert report.created["draft"] == 1 and report.created["event"] == 0

    # ------------------------------------------------------- identity beside the ID

    def test_rows_data_moved_without_their_ids_get_nothing_of_another_row(
            self, harness: Harness) -> None:
        """core.identity: two rows' data swapped without their IDs (a sort of a
        selection) is a row problem on each, with nothing made, updated or written for
        them; undone, they are as before."""
        ws = harness.workspace(five_referrals())
        sync(ws)
        made = (harness.live_events(), harness.live_drafts())
        harness.move_data("Referrals", DATA, [1, 0, 2, 3, 4])
        report = sync(ws)
        assert sum(report.created.values()) == sum(report.updated.values()) == 0
        assert (harness.live_events(), harness.live_drafts()) == made
        rows = by_id(harness.tab("Referrals"), "Referral ID")
        for key in ("R-0001", "R-0002"):
            assert "this ID was given to another row" in rows[key]["Sync status"]
            assert "Undo" in rows[key]["Sync status"]
        assert [rows[k]["Sync status"] for k in ("R-0003", "R-0004", "R-0005")] == ["OK"] * 3
        assert not report.tab_problems
        harness.move_data("Referrals", DATA, [1, 0, 2, 3, 4])  # Undo
        undone = sync(ws)
        assert sum(undone.created.values()) == sum(undone.updated.values()) == 0
        assert undone.clean and (harness.live_events(), harness.live_drafts()) == made

    def test_many_ids_beside_other_rows_data_hold_the_tab(self, harness: Harness) -> None:
        ws = harness.workspace(five_referrals())
        sync(ws)
        made = (harness.live_events(), harness.live_drafts())
        harness.move_data("Referrals", DATA, [4, 3, 2, 1, 0])  # sorted, IDs left behind
        person_saw = harness.tab("Referrals")
        report = sync(ws)
        (problem,) = report.tab_problems
        assert "Referrals" in problem and "sorted" in problem and "--accept-changes" in problem
        assert sum(report.created.values()) == sum(report.updated.values()) == 0
        assert (harness.live_events(), harness.live_drafts()) == made
        assert harness.tab("Referrals") == person_saw
        accepted = sync(ws, accept_changes=True)  # the new order is right, on purpose
        assert not accepted.tab_problems and accepted.clean
        assert not sync(ws).tab_problems

    def test_one_identity_cell_corrected_is_the_same_row(self, harness: Harness) -> None:
        ws = harness.workspace(five_referrals())
        sync(ws)
        harness.set_cell("Referrals", 2, "Client", "Ann Avery-Jones")  # a typo fixed
        report = sync(ws)
        assert report.clean
        assert sum(report.created.values()) == 0
        assert by_id(harness.tab("Referrals"), "Referral ID")["R-0001"]["Sync status"] == "OK"

    def test_a_status_is_not_written_beside_data_that_moved_meanwhile(
            self, harness: Harness) -> None:
        ws = harness.workspace(five_referrals())
        sync(ws)
        snapshot = ws.register.read()
        referrals = snapshot.tab("Referrals")
        assert referrals is not None
        first = referrals.rows[0]
        from sheetsync.core.locate import identity_digest, identity_parts

        cells = dict(zip(referrals.header, first.cells, strict=False))
        ref = RowRef("Referrals", "R-0001", first.number, "", "Referral ID",
                     identity=identity_digest(identity_parts("Referrals", cells)))
        harness.move_data("Referrals", DATA, [1, 0, 2, 3, 4])  # while the sync runs
        person_saw = harness.tab("Referrals")
        report = ws.register.write(snapshot, [CellWrite(ref, "Sync status", "moved!", "OK")],
                                   [list(r) for r in snapshot.state_rows])
        if refused_whole(report, harness, "Referrals", person_saw):
            return
        assert report.written == 0 and len(report.skipped) == 1
        assert harness.tab("Referrals") == person_saw

    def test_dry_run_touches_nothing(self, harness: Harness) -> None:
        ws = harness.workspace(three_checkins())
        before = harness.tab("Check-ins")
        report = sync(ws, dry_run=True)
        assert report.dry_run and harness.tab("Check-ins") == before
        assert harness.live_events() == {} and harness.live_drafts() == {}

    # ------------------------------------------------ retraction and the owner's edits
    # (issue 15 items 1, 4 and 5: REGISTER.md "The life of an obligation")

    def test_withdrawn_consent_deletes_the_report_back_and_cancels_its_event(
            self, harness: Harness) -> None:
        ws = harness.workspace(tables(partners=[PARTNER], referrals=[referral(
            **{"Consent to share": "Yes", "Status": "Booked", "First visit": TODAY})]))
        sync_on(ws, TODAY)  # (already Seen when first synced would get no thank-you)
        harness.set_cell("Referrals", 2, "Status", "Seen")
        sync_on(ws, TODAY)
        assert {"R-0001/thank-you", "R-0001/report-back"} <= set(harness.live_drafts())
        assert "R-0001/follow-up" in harness.live_events()  # report back on TODAY + 2
        harness.set_cell("Referrals", 2, "Consent to share", "No")
        report = sync_on(ws, TODAY + dt.timedelta(days=1))
        drafts = harness.live_drafts()
        assert "R-0001/report-back" not in drafts
        assert "R-0001/follow-up" not in harness.live_events()
        # The thank-you stays, rewritten without the client.
        assert "R-0001/thank-you" in drafts and "Jane" not in drafts["R-0001/thank-you"]
        assert "Jane" not in harness.draft_body("R-0001/thank-you")
        assert report.retracted == {"event": 1, "draft": 1}
        row = by_id(harness.tab("Referrals"), "Referral ID")["R-0001"]
        assert "withdrawn: consent withdrawn, draft deleted" in row["Follow-up"]
        assert "withdrawn: consent withdrawn, event cancelled" in row["Follow-up"]
        assert row["Sync status"] == "OK"
        # Steady from then on: nothing made again, nothing written.
        again = sync_on(ws, TODAY + dt.timedelta(days=2))
        assert again.retracted == {} and again.created == {} and again.cells_written == 0

    def test_a_deleted_row_takes_its_drafts_and_future_events_with_it(
            self, harness: Harness) -> None:
        ws = harness.workspace(tables(partners=[PARTNER], referrals=[
            referral(**{"Consent to share": "Yes", "Status": "Booked", "First visit": TODAY}),
            referral(Client="Bo Brown")]))
        sync_on(ws, TODAY)
        harness.set_cell("Referrals", 2, "Status", "Seen")
        sync_on(ws, TODAY)
        sent = set(harness.live_drafts())
        assert {"R-0001/report-back", "R-0002/thank-you"} <= sent
        harness.delete_row("Referrals", 2)  # R-0001
        report = sync_on(ws, TODAY + dt.timedelta(days=1))
        assert not [k for k in harness.live_drafts() if k.startswith("R-0001/")]
        assert not [k for k in harness.live_events() if k.startswith("R-0001/")]
        assert "R-0002/thank-you" in harness.live_drafts()
        assert report.retracted == {"draft": 2, "event": 1}
        out = report.as_json()
        assert out["drafts"]["retracted"] == 2 and out["events"]["retracted"] == 1
        assert "Jane" not in str(out) and "Doe" not in str(out)

    def test_a_tab_that_reads_empty_retracts_nothing(self, harness: Harness) -> None:
        ws = harness.workspace(tables(partners=[PARTNER], referrals=[
            referral(**{"Consent to share": "Yes", "Status": "Seen", "First visit": TODAY})]))
        sync_on(ws, TODAY)
        drafts, events = harness.live_drafts(), harness.live_events()
        harness.delete_row("Referrals", 2)  # the tab now reads as empty: held
        report = sync_on(ws, TODAY + dt.timedelta(days=1))
        assert report.tab_problems and report.retracted == {}
        assert harness.live_drafts().keys() >= {k for k in drafts if k.startswith("R-")}
        assert harness.live_events() == events

    def test_declined_before_sending_deletes_the_unsent_thank_you_only(
            self, harness: Harness) -> None:
        ws = harness.workspace(tables(partners=[PARTNER], referrals=[
            referral(), referral(Client="Bo Brown")]))
        sync_on(ws, TODAY)
        harness.send_draft("R-0002/thank-you", TODAY)
        harness.set_cell("Referrals", 2, "Status", "Declined")
        harness.set_cell("Referrals", 3, "Status", "Declined")
        report = sync_on(ws, TODAY + dt.timedelta(days=1))
        assert not [k for k in harness.live_drafts() if k.startswith("R-")]
        assert report.retracted == {"draft": 1}
        rows = by_id(harness.tab("Referrals"), "Referral ID")
        assert rows["R-0001"]["Thank-you"] == "withdrawn: referral declined, draft deleted"
        assert rows["R-0002"]["Thank-you"].startswith("sent on")

    def test_the_owners_edit_of_a_draft_is_never_overwritten(self, harness: Harness) -> None:
        ws = harness.workspace(tables(partners=[PARTNER], referrals=[referral()]))
        sync_on(ws, TODAY)
        body = harness.draft_body("R-0001/thank-you")
        harness.edit_draft("R-0001/thank-you", body + "\nPS: see you at the conference!\n")
        # A change that rewrites every untouched draft: the edited one stays theirs.
        harness.set_cell("Settings", _settings_row(harness, "Signature"), "Value",
                         "Sam, at the clinic")
        report = sync_on(ws, TODAY + dt.timedelta(days=1))
        assert "PS: see you at the conference!" in harness.draft_body("R-0001/thank-you")
        assert report.left_edited == 1 and report.updated == {}
        row = by_id(harness.tab("Referrals"), "Referral ID")["R-0001"]
        assert row["Thank-you"] == "draft edited by you: left as is"
        # ... and never again, even when the row changes.
        harness.set_cell("Referrals", 2, "Reason", "eczema")
        again = sync_on(ws, TODAY + dt.timedelta(days=2))
        assert again.updated == {} and again.left_edited == 0
        assert "PS: see you at the conference!" in harness.draft_body("R-0001/thank-you")

    def test_withdrawn_consent_leaves_an_edited_report_back_and_says_so(
            self, harness: Harness) -> None:
        ws = harness.workspace(tables(partners=[PARTNER], referrals=[referral(
            **{"Consent to share": "Yes", "Status": "Seen", "First visit": TODAY})]))
        sync_on(ws, TODAY)
        harness.edit_draft("R-0001/report-back", "Dear Carol, Jane is doing well.\n")
        harness.set_cell("Referrals", 2, "Consent to share", "No")
        report = sync_on(ws, TODAY + dt.timedelta(days=1))
        assert harness.draft_body("R-0001/report-back").startswith("Dear Carol, Jane")
        assert report.retracted == {"event": 1}
        row = by_id(harness.tab("Referrals"), "Referral ID")["R-0001"]
        assert ("consent withdrawn: the draft you edited still names the client, delete it "
                "yourself") in row["Follow-up"]

    def test_an_event_the_owner_edited_is_not_moved(self, harness: Harness) -> None:
        ws = harness.workspace(tables(partners=[PARTNER], referrals=[
            referral(Direction="Sent")]))
        sync_on(ws, TODAY)
        before = harness.live_events()["R-0001/follow-up"]
        harness.edit_event("R-0001/follow-up", "Call Carol about J.D.")
        harness.set_cell("Referrals", 2, "Date", TODAY)  # would move it three days on
        report = sync_on(ws, TODAY + dt.timedelta(days=1))
        assert harness.live_events()["R-0001/follow-up"] == before
        assert report.left_edited == 1 and report.updated == {}
        row = by_id(harness.tab("Referrals"), "Referral ID")["R-0001"]
        assert row["Follow-up"] == "Check seen event edited by you: left as is"

    def test_a_treatment_without_check_in_or_aftercare_withdraws_both(
            self, harness: Harness) -> None:
        ws = harness.workspace(tables(checkins=[checkin()]))
        sync_on(ws, TODAY)
        assert "C-0001/aftercare" in harness.live_drafts()
        assert "C-0001/check-in" in harness.live_events()
        harness.set_cell("Check-ins", 2, "Treatment", "Massage")
        report = sync_on(ws, TODAY + dt.timedelta(days=1))
        assert "C-0001/aftercare" not in harness.live_drafts()
        assert "C-0001/check-in" not in harness.live_events()
        assert report.retracted == {"event": 1, "draft": 1}
        row = by_id(harness.tab("Check-ins"), "Check-in ID")["C-0001"]
        assert row["Aftercare"] == "withdrawn: Massage has no aftercare, draft deleted"

    def test_one_weekly_digest_waits_in_drafts(self, harness: Harness) -> None:
        ws = harness.workspace(tables(partners=[PARTNER], referrals=[referral()],
                                      settings={"Owner email": "owner@clinic.example",
                                                "Weekly digest": "Yes"}))
        for week in range(6):
            sync_on(ws, TODAY + dt.timedelta(days=7 * week))
            digests = [k for k in harness.live_drafts() if k.startswith("digest-")]
            assert len(digests) == 1, (week, digests)


@pytest.fixture
def harness() -> Harness:  # pragma: no cover - overridden by each backend's module
    raise NotImplementedError



def sync_on(ws: Any, day: dt.date, **kw: Any) -> Any:
    """A sync at noon UTC on ``day`` (an injected clock)."""
    moment = dt.datetime.combine(day, dt.time(12), tzinfo=dt.timezone.utc)
    return run_sync(ws, clock=lambda: moment, **kw)


def _settings_row(harness: Harness, key: str) -> int:
    rows = harness.tab("Settings")
    return next(i for i, r in enumerate(rows, 1) if r and r[0] == key)
