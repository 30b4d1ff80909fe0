"""Issue 15 item 3: registers synced by earlier versions keep their single stay-in-touch
and nurture keys for the cycle they were made in: no second event for the current cycle,
and the next cycle gets a key of its own."""

from __future__ import annotations

import dataclasses
import datetime as dt

from builders import PARTNER, TODAY, clock_at, memory

from sheetsync.core.schema import STATE_TAB
from sheetsync.engine import run_sync
from sheetsync.testing.memory import MemoryCalendar, MemoryRegister

DAY = dt.timedelta(days=1)


def noon(day: dt.date) -> object:
    return clock_at(dt.datetime.combine(day, dt.time(12), tzinfo=dt.timezone.utc))


def as_earlier_versions_kept(register: MemoryRegister, calendar: MemoryCalendar,
                             renames: dict[str, str]) -> None:
    """Rename keys in the state tab and the calendar to the single keys of old."""
    for row in register.tabs[STATE_TAB]:
        if row and row[0] in renames:
            row[0] = renames[row[0]]
    for new, old in renames.items():
        stored = calendar.items.pop(new)
        stored.spec = dataclasses.replace(stored.spec, key=old)
        calendar.items[old] = stored


def test_old_single_keys_keep_their_cycle_and_make_no_duplicate() -> None:
    due = TODAY - 5 * DAY
    ws, register = memory(partners=[
        {**PARTNER, "Last contact": due - 30 * DAY, "Check-in every (days)": 30},
        {**PARTNER, "Name": "Dr Maya Chen", "Email": "maya@chen.example",
         "Stage": "Nurturing", "Last contact": TODAY - 2 * DAY}])
    run_sync(ws, clock=noon(TODAY))
    calendar = ws.calendar
    assert isinstance(calendar, MemoryCalendar)
    contact = (TODAY - 2 * DAY).isoformat()
    as_earlier_versions_kept(register, calendar, {
        f"P-0001/touch@{due.isoformat()}": "P-0001/stay-in-touch",
        **{f"P-0002/nurture-{w}@{contact}": f"P-0002/nurture-{w}" for w in (1, 2, 3)}})
    register.version += 1

    for offset in range(1, 4):
        report = run_sync(ws, clock=noon(TODAY + offset * DAY))
        assert sum(report.created.values()) == 0, report.created_by_kind
    live = calendar.live()
    assert set(live) == {"P-0001/stay-in-touch", "P-0002/nurture-1", "P-0002/nurture-2",
                         "P-0002/nurture-3"}
    # The old key's event deleted by the owner stays deleted for its cycle ...
    calendar.delete("P-0001/stay-in-touch")
    run_sync(ws, clock=noon(TODAY + 4 * DAY))
    assert "P-0001/stay-in-touch" not in calendar.live()
    assert not any(k.startswith("P-0001/touch@") for k in calendar.live())
    # ... and a contact starts a new cycle with a key of its own.
    register.set("Partners", 2, "Last contact", TODAY + 4 * DAY)
    run_sync(ws, clock=noon(TODAY + 34 * DAY))
    assert f"P-0001/touch@{(TODAY + 34 * DAY).isoformat()}" in calendar.live()
