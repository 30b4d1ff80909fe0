"""Properties of XlsxRegister over random registers and random staff edits."""

from __future__ import annotations

import datetime as dt
import random
import tempfile
from pathlib import Path

import openpyxl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sheetsync.backends.local import XlsxRegister, create_register
from sheetsync.core.ports import CellValue, CellWrite, RegisterSnapshot, RowRef, fingerprint_cells

HEADER = ["ID", "Name", "When", "Amount", "Status"]

text = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")),
               max_size=12)
values: st.SearchStrategy[CellValue] = st.one_of(
    st.none(),
    text,
    st.sampled_from(["=1+1", "00123", "#N/A", "TRUE", " padded ", "1e5", "=HYPERLINK(\"x\")"]),
    st.integers(min_value=-10**9, max_value=10**9),
    st.floats(min_value=-1e9, max_value=1e9, allow_nan=False).filter(lambda f: f == f),
    st.booleans(),
    st.dates(min_value=dt.date(1950, 1, 1), max_value=dt.date(2090, 12, 31)),
    st.datetimes(min_value=dt.datetime(1950, 1, 1), max_value=dt.datetime(2090, 1, 1))
    .map(lambda d: d.replace(microsecond=0)),
)
row_values = st.lists(values, min_size=3, max_size=3)


def _snapshot_now(snap: RegisterSnapshot, path: Path) -> RegisterSnapshot:
    return RegisterSnapshot(snap.tabs, snap.state_rows, None, XlsxRegister(path).read().version,
                            snap.source)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=st.lists(row_values, min_size=1, max_size=8), seed=st.integers(0, 2**16))
def test_every_row_found_again_after_a_shuffle(rows: list[list[CellValue]], seed: int) -> None:
    """Rows with IDs are found by key and rows without by fingerprint, after staff
    shuffled the rows; no status ever lands in another row."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "register.xlsx"
        table = [[f"K-{i:03d}" if i % 2 == 0 else None, *r, None] for i, r in enumerate(rows)]
        create_register(path, [("Tab", HEADER, table)])
        reg = XlsxRegister(path)
        snap = reg.read()
        tab = snap.tab("Tab")
        assert tab is not None
        writes: list[CellWrite] = []
        # Identical rows cannot be told apart, so each fingerprint maps to the statuses
        # planned for any row that looked like it.
        expected: dict[str, set[str]] = {}
        for raw in tab.rows:
            if raw.is_blank:
                continue  # the engine never writes to a blank row
            key = raw.cells[0]
            mark = f"status of {key or raw.number}"
            if key:
                ref = RowRef("Tab", str(key), raw.number, "", "ID")
            else:
                ref = RowRef("Tab", None, raw.number, fingerprint_cells(raw.cells), "ID",
                             assign_key=f"N-{raw.number}")
            writes.append(CellWrite(ref, "Status", mark))
            expected.setdefault(fingerprint_cells(raw.cells), set()).add(mark)

        # A person shuffles the rows (as sorting would).
        wb = openpyxl.load_workbook(path)
        ws = wb["Tab"]
        content = [[(c.value, c.number_format) for c in row]
                   for row in ws.iter_rows(min_row=2, max_col=len(HEADER))]
        random.Random(seed).shuffle(content)
        for r, row in enumerate(content, start=2):
            for c, (value, fmt) in enumerate(row, start=1):
                ws.cell(r, c).value = value
                ws.cell(r, c).number_format = fmt
                if isinstance(value, str):
                    ws.cell(r, c).data_type = "s"
        wb.save(path)

        report = reg.write(_snapshot_now(snap, path), writes, snap.state_rows)
        planned = [r for r in tab.rows if not r.is_blank]
        duplicates = len(planned) - len({fingerprint_cells(r.cells) for r in planned})
        assert report.refused is None
        assert report.written + len(report.skipped) == len(writes)
        if duplicates == 0:
            assert report.skipped == []
        after = reg.read().tab("Tab")
        assert after is not None
        for raw in after.rows:
            status = raw.cells[-1]
            original = fingerprint_cells((*raw.cells[:-1], None))
            if status is not None:
                assert status in expected[original]


@settings(max_examples=25, deadline=None)
@given(rows=st.lists(row_values, min_size=1, max_size=6))
def test_read_write_read_keeps_staff_values(rows: list[list[CellValue]]) -> None:
    """Writing a status changes that one cell; every other value reads back the same."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "register.xlsx"
        table = [[f"K-{i}", *r, None] for i, r in enumerate(rows)]
        create_register(path, [("Tab", HEADER, table)])
        reg = XlsxRegister(path)
        snap = reg.read()
        before = snap.tab("Tab")
        assert before is not None
        writes = [CellWrite(RowRef("Tab", f"K-{i}", 0, "", "ID"), "Status", "=done")
                  for i in range(len(rows))]
        report = reg.write(snap, writes, snap.state_rows)
        assert report.written == len(rows) and report.skipped == []
        after = reg.read().tab("Tab")
        assert after is not None
        assert [r.cells[:-1] for r in after.rows] == [r.cells[:-1] for r in before.rows]
        assert all(r.cells[-1] == "=done" for r in after.rows)
