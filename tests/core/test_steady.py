"""core.steady: the digest that tells a steady run, and the record a write leaves."""

from __future__ import annotations

from sheetsync.core.plan import Intent
from sheetsync.core.ports import RawRow, RawTab, RegisterSnapshot
from sheetsync.core.reconcile import Step
from sheetsync.core.steady import SteadyRecord, register_digest


def snap(*tabs: RawTab, zone: str = "Europe/London") -> RegisterSnapshot:
    return RegisterSnapshot(tabs=tabs, time_zone=zone)


def checkins(status: object = "OK", notes: object = None) -> RawTab:
    return RawTab("Check-ins", ("Check-in ID", "Client", "Notes", "Sync status"),
                  (RawRow(2, ("C-0001", "Ann Avery", notes, status)),
                   RawRow(3, ("C-0002", "Bea Brown", None, None))))


def digest(snapshot: RegisterSnapshot, **kw: object) -> str:
    args: dict[str, object] = {"context": "0.1.0|ns|2026-11-22|2026-11-22", "state_rows": []}
    args.update(kw)
    return register_digest(snapshot, **args)  # type: ignore[arg-type]


def test_a_write_predicts_the_next_read() -> None:
    before = snap(checkins(status="old text", notes="x"))
    after = snap(checkins(status="OK", notes="x"))
    assert digest(before, overrides={("Check-ins", 2): {3: "OK"}}) == digest(after)
    # A written "" reads back as an empty cell.
    assert digest(before, overrides={("Check-ins", 2): {3: ""}}) == \
        digest(snap(checkins(status=None, notes="x")))


def test_any_other_difference_differs() -> None:
    base = digest(snap(checkins()))
    assert digest(snap(checkins(notes="called"))) != base
    assert digest(snap(checkins(status="ok"))) != base  # a status typed over
    assert digest(snap(checkins(), zone="America/New_York")) != base
    assert digest(snap(checkins()), context="0.1.0|ns|2026-11-23|2026-11-23") != base
    assert digest(snap(checkins()), state_rows=[["C-0001/check-in", "event"]]) != base
    moved = checkins()
    moved = RawTab(moved.title, moved.header, (RawRow(2, moved.rows[1].cells),
                                               RawRow(3, moved.rows[0].cells)))
    assert digest(snap(moved)) != base  # a sort


def test_skipped_tabs_and_the_dashboard_as_text() -> None:
    log = RawTab("Sync log", ("When",), (RawRow(2, ("2026-11-22 12:00",)),))
    dash = RawTab("Dashboard", ("Referral partners",), (RawRow(2, ("Dr Lee", 3.0)),))
    base = digest(snap(checkins()), dashboard=("Dashboard", [("Referral partners",),
                                                             ("Dr Lee", "3")]))
    assert digest(snap(log, dash, checkins()), skip={"Sync log"},
                  dashboard=("Dashboard", [("Referral partners",), ("Dr Lee", "3")])) == base
    assert digest(snap(checkins()), dashboard=("Dashboard", [("Referral partners",),
                                                             ("Dr Lee", "4")])) != base


def test_record_round_trips_and_refuses_what_it_cannot_read() -> None:
    step = Step(Intent("digest-2026-W47", "digest", "", "Weekly digest", why_not="!no owner"),
                "none", "no owner")
    record = SteadyRecord("abc", {"P-0001": ["Last contact is empty"]}, step)
    back = SteadyRecord.from_json(record.to_json())
    assert back is not None and back.plan_problems == record.plan_problems
    assert back.digest_step is not None and back.digest_step.intent.key == step.intent.key
    assert (back.digest_step.kind, back.digest_step.reason) == ("none", "no owner")
    assert back.digest_step.intent.why_not == "!no owner"
    for bad in ("", "[]", "{}", '{"register": "a", "plan_problems": {}, "digest_step": '
                '["k", "p", "l", "", "create", "new draft"]}'):
        assert SteadyRecord.from_json(bad) is None
