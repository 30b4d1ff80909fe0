"""The state tab's rows: what is written is what is read back, in every form it took."""

from __future__ import annotations

from sheetsync.core.state import (
    NEW_ROWS,
    NEW_ROWS_PER_CELL,
    NewRowKey,
    ObjectRecord,
    SyncState,
    TabShape,
)


def _state(new: int) -> SyncState:
    state = SyncState(counters={"R": new}, last_sync="2026-11-22T09:00:00", write_token="t0",
                      tabs={"Referrals": TabShape(new, ("ID", "Client"))})
    state.put(ObjectRecord("R-0001/thank-you", "draft", "d1", "h1", thread_id="th1"))
    for n in range(1, new + 1):
        tab, day = ("Referrals", "2026-11-22") if n % 3 else ("Check-ins", "2026-11-21")
        state.new_rows[f"R-{n:05d}"] = NewRowKey(tab, f"{n:016x}", day)
    return state


def test_remembered_ids_round_trip_packed_many_to_a_row() -> None:
    state = _state(4000)
    rows = state.to_rows()
    packed = [r for r in rows if r[0] == NEW_ROWS]
    # 2,667 Referrals IDs and 1,333 Check-ins IDs, 1,200 to a row: three rows and two.
    assert [(r[1], r[2]) for r in packed] == [("Check-ins", "2026-11-21")] * 2 + \
        [("Referrals", "2026-11-22")] * 3
    assert all(len(r[3].split()) <= NEW_ROWS_PER_CELL for r in packed)
    # Google's limit for one cell is 50,000 characters, Excel's 32,767 (the local
    # workbook would cut a longer one, and the IDs at its end with it).
    assert max(len(r[3]) for r in packed) < 32_767
    again = SyncState.from_rows(rows)
    assert again.new_rows == state.new_rows
    assert again.objects == state.objects and again.counters == state.counters
    assert again.to_rows() == rows


def test_one_row_per_id_as_earlier_versions_wrote_is_still_read() -> None:
    rows = [["key", "kind"], ["#new R-00007", "Referrals", "00ff00ff00ff00ff", "2026-11-20"]]
    assert SyncState.from_rows(rows).new_rows == {
        "R-00007": NewRowKey("Referrals", "00ff00ff00ff00ff", "2026-11-20")}


def test_no_remembered_ids_no_rows() -> None:
    assert not [r for r in _state(0).to_rows() if r[0].startswith("#new")]


def test_steady_record_round_trips_in_chunks_after_the_content() -> None:
    from sheetsync.core.state import STEADY, STEADY_PER_CELL
    from sheetsync.core.steady import SteadyRecord

    state = _state(3)
    record = SteadyRecord("d" * 32, {f"P-{n:04d}": [f"problem {n} "] * 3 for n in range(3000)})
    state.steady = record.to_json()
    assert len(state.steady) > 2 * STEADY_PER_CELL
    rows = state.to_rows()
    chunks = [r for r in rows if r[0] == STEADY]
    assert len(chunks) == len(state.steady) // STEADY_PER_CELL + 1
    assert max(len(r[2]) for r in chunks) < 32_767  # Excel's limit for one cell
    assert rows[-len(chunks):] == chunks  # last: growing it shifts no other row
    back = SyncState.from_rows([[f" {c} " if i != 2 else c for i, c in enumerate(r)]
                                for r in reversed(rows)])
    assert back.steady == state.steady
    assert SteadyRecord.from_json(back.steady) == record
    assert back.content_rows() == state.content_rows()
    # A missing chunk is no record at all: the next run plans in full.
    assert SyncState.from_rows([r for r in rows if r != chunks[1]]).steady == ""
