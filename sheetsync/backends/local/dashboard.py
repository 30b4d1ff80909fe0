"""The Dashboard tab in the .xlsx: its cells and one openpyxl chart of the monthly table.

``XlsxRegister`` calls ``replace_dashboard`` inside the save it makes anyway. The tab is
sheetsync's own: when its values differ from the new dashboard, every cell is replaced
and the chart is drawn again (openpyxl reads the chart it wrote back in when it loads
the workbook, so a save that leaves the dashboard alone keeps it as it was).
"""

from __future__ import annotations

import textwrap
from collections import defaultdict
from typing import Any

from openpyxl.chart import BarChart, Reference
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet.worksheet import Worksheet

from sheetsync.core.dashboard import CHART_TITLE, Dashboard, normalised

from ._cells import cell_value, clean_text

_TITLE_FONT = Font(bold=True, size=14)
_BOLD = Font(bold=True)
_HEADER_FILL = PatternFill("solid", start_color="FFE8EAED")
_WRAP = Alignment(wrap_text=True, vertical="top")
_CENTRE = Alignment(horizontal="center")
_POINTS_PER_LINE = 15
# The chart's size in centimetres: about 16 rows high, beside the 12 months.
_CHART_WIDTH = 18.0
_CHART_HEIGHT = 8.0


def _values(ws: Worksheet) -> list[tuple[str, ...]]:
    """The tab's values as compared text, without creating any cell."""
    by_row: dict[int, dict[int, object]] = defaultdict(dict)
    for (row, col), cell in ws._cells.items():
        if cell.value is not None:
            by_row[row][col] = cell_value(cell.value, None)
    if not by_row:
        return []
    return normalised(
        [by_row[r].get(c) for c in range(1, max(by_row[r], default=0) + 1)]
        for r in range(1, max(by_row) + 1))


def replace_dashboard(wb: Workbook, ws: Worksheet | None, dashboard: Dashboard) -> bool:
    """Show ``dashboard`` in ``ws`` (made at the end of the workbook when None). False
    when the tab already held it, with its chart."""
    if ws is not None and _values(ws) == dashboard.text_rows() and \
            bool(ws._charts) == (dashboard.chart is not None):
        return False
    if ws is None:
        ws = wb.create_sheet(dashboard.title)
        for col, width in enumerate(dashboard.widths, start=1):
            ws.column_dimensions[get_column_letter(col)].width = width
        # One landscape page wide when printed.
        ws.page_setup.orientation = "landscape"
        ws.sheet_properties.pageSetUpPr.fitToPage = True
        ws.page_setup.fitToWidth = 1
        ws.page_setup.fitToHeight = 0
    elif ws.max_row:
        ws.delete_rows(1, ws.max_row)
    for r in list(ws.row_dimensions):
        ws.row_dimensions[r].height = None
    for r, row in enumerate(dashboard.rows, start=1):
        for c, value in enumerate(row, start=1):
            cell = ws.cell(row=r, column=c)
            if isinstance(value, int):
                cell.value = value  # a number, so the chart can plot it
                cell.alignment = _CENTRE
            else:
                text = clean_text(value)
                cell.value = text or None
                if text:
                    cell.data_type = "s"
            if r - 1 in dashboard.title_rows:
                cell.font = _TITLE_FONT
            elif r - 1 in dashboard.header_rows:
                cell.font, cell.fill, cell.alignment = _BOLD, _HEADER_FILL, _WRAP
            elif r - 1 in dashboard.bold:
                cell.font = _BOLD
        if r - 1 in dashboard.header_rows:
            # LibreOffice keeps the file's row height even where text wraps: give the
            # header rows the lines their labels need.
            ws.row_dimensions[r].height = _POINTS_PER_LINE * _lines(row, dashboard.widths)
    ws._charts = []
    if dashboard.chart is not None:
        ws.add_chart(_chart(ws, dashboard), _anchor(dashboard))
    return True


def _lines(row: tuple[object, ...], widths: tuple[int, ...]) -> int:
    """How many lines the row's longest label takes when wrapped in its column (a
    column's width counts digits; text is a little narrower, bold a little wider)."""
    return max([1] + [len(textwrap.wrap(str(v), max(1, int(widths[c] * 1.05))))
                      for c, v in enumerate(row) if c < len(widths) and isinstance(v, str)])


def _anchor(dashboard: Dashboard) -> str:
    assert dashboard.chart is not None
    return f"{get_column_letter(dashboard.chart.anchor_col + 1)}{dashboard.chart.anchor_row + 1}"


def _chart(ws: Worksheet, dashboard: Dashboard) -> Any:
    table = dashboard.chart
    assert table is not None
    chart = BarChart()
    chart.type = "col"
    chart.grouping = "stacked"
    chart.overlap = 100  # stacked columns: one column per month, a band per partner
    chart.title = CHART_TITLE
    chart.y_axis.title = "Referrals received"
    chart.y_axis.delete = False
    chart.x_axis.delete = False
    chart.width = _CHART_WIDTH
    chart.height = _CHART_HEIGHT
    # 1-based worksheet coordinates: the header row gives the series names.
    first_row, last_row = table.top + 1, table.bottom
    data = Reference(ws, min_col=table.left + 2, max_col=table.left + 1 + table.series,
                     min_row=first_row, max_row=last_row)
    months = Reference(ws, min_col=table.left + 1, min_row=first_row + 1, max_row=last_row)
    chart.add_data(data, titles_from_data=True)
    chart.set_categories(months)
    chart.legend.position = "r"
    return chart
