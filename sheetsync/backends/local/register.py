"""The register as an .xlsx workbook on disk, read and written with openpyxl.

Staff keep the workbook open in Excel or LibreOffice and save it all day, so a write is
careful in this order:

1. Nothing to do (no cell writes, same state rows) → the file is not touched at all.
2. An office lock file beside the workbook (``~$register.xlsx`` from Excel,
   ``.~lock.register.xlsx#`` from LibreOffice) → refused: the person's next save would
   overwrite ours, or ours theirs.
3. The file's bytes differ from what ``read`` saw → refused: a person saved meanwhile, and
   the next sync reads their version.
4. The workbook holds something openpyxl would drop when it saves (pictures without
   Pillow, shapes, threaded comments, dropdowns stored as Excel 2010 extensions, ...) →
   refused, so a sync never destroys what staff made.
5. Otherwise each cell write finds its row again *by key* (or, for a row without an ID
   yet, by its read-time fingerprint), checks that the cell still holds what was read,
   and writes plain text. The workbook is saved to a temporary file in the same folder,
   flushed to disk, checked once more against a concurrent save, and moved over the
   original with ``os.replace``: a crash leaves either the old or the new file, never a
   half-written one.
"""

from __future__ import annotations

import contextlib
import copy
import dataclasses
import datetime as dt
import hashlib
import io
import os
import re
import stat
import tempfile
import warnings
import zipfile
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import openpyxl
from openpyxl.cell.cell import MergedCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet.worksheet import Worksheet

from sheetsync.core.dashboard import Dashboard, dashboard_unchanged
from sheetsync.core.headers import HEADER_SEARCH_ROWS, header_row
from sheetsync.core.locate import RowsPicture, TabPicture
from sheetsync.core.lock import LockHolder
from sheetsync.core.ports import (
    CellValue,
    CellWrite,
    RawRow,
    RawTab,
    RegisterSnapshot,
    SkippedWrite,
    WriteReport,
)
from sheetsync.core.schema import STATE_TAB, normalise_header
from sheetsync.errors import BusyError, RegisterShapeError, folder_error
from sheetsync.synclog import SYNC_LOG_TAB

from . import runlock
from ._cells import cell_text, cell_value, clean_text
from .checks import check_writable
from .dashboard import replace_dashboard
from .keep import describe_warning, is_loss_warning, losses_in_package, refusal
from .meaning import mailto_links, saved_values

_READ_ATTEMPTS = 5


# ------------------------------------------------------------------------ file helpers


@dataclass(frozen=True)
class _FileVersion:
    digest: str
    mtime_ns: int

    @property
    def token(self) -> str:
        return f"sha256:{self.digest};mtime_ns:{self.mtime_ns}"

    @staticmethod
    def digest_of(token: str) -> str:
        match = re.match(r"sha256:([0-9a-f]{64})", token)
        return match.group(1) if match else ""


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def lock_files(path: Path) -> list[Path]:
    """Office lock files that say ``path`` is open in Excel or LibreOffice right now.

    LibreOffice writes ``.~lock.NAME#``; Excel writes ``~$NAME``, or, for longer names,
    replaces the first two characters of the name with ``~$``.
    """
    name = path.name
    candidates = [f".~lock.{name}#", f"~${name}", f"~${name[1:]}", f"~${name[2:]}"]
    found: list[Path] = []
    for candidate in dict.fromkeys(candidates):
        lock = path.with_name(candidate)
        if lock.exists():
            found.append(lock)
    return found


def _fsync_dir(folder: Path) -> None:
    if os.name != "posix":
        return
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def atomic_write(path: Path, write: Any, *, mode_from: Path | None = None) -> None:
    """Write a file through ``write(fileobj)`` into a temp file beside ``path``, flush it
    to disk, then move it over ``path`` in one step. On any error the temp file is removed
    and ``path`` is left as it was."""
    folder = path.parent
    fd, tmp_name = tempfile.mkstemp(dir=folder, prefix=f".{path.name}.", suffix=".sheetsync-tmp")
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as handle:
            write(handle)
            handle.flush()
            os.fsync(handle.fileno())
        source = mode_from if mode_from is not None and mode_from.exists() else None
        if source is not None:
            os.chmod(tmp, stat.S_IMODE(source.stat().st_mode))
        else:
            os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
    _fsync_dir(folder)


# ------------------------------------------------------------------------ the register


class _Refused(Exception):
    """A write that must not happen; the message says why, in plain words."""


class _TabIndex(TabPicture):
    """One worksheet as it is on disk at write time, for ``core.locate``. Its columns
    are 0-based (the worksheet's own are 1-based: ``value`` takes those)."""

    # The write refuses as a whole unless the file is byte for byte what was read, so no
    # row can have moved since: the identity check at write time has nothing to catch.
    checks_identity = False

    def __init__(self, ws: Worksheet, header: list[str],
                 cells_by_row: dict[int, dict[int, Any]], header_number: int = 1) -> None:
        super().__init__(ws.title, header)
        self.ws = ws
        self.cells_by_row = cells_by_row
        self.header_number = header_number  # below a title row, as the read found it

    @classmethod
    def build(cls, ws: Worksheet) -> _TabIndex:
        by_row: dict[int, dict[int, Any]] = defaultdict(dict)
        # ``ws._cells`` holds only the cells that exist; iter_rows() would create empty
        # ones for every gap and change the saved file.
        for (row, col), cell in ws._cells.items():
            by_row[row][col] = cell
        top = [[None if (cell := by_row.get(number, {}).get(col)) is None
                else cell_value(cell.value, cell.number_format)
                for col in range(1, max(by_row.get(number, {}), default=0) + 1)]
               for number in range(1, HEADER_SEARCH_ROWS + 1)]
        number = header_row(ws.title, top) + 1  # core.headers: as ``read`` found it
        header = ["" if value is None else str(value) for value in top[number - 1]]
        return cls(ws, header, dict(by_row), number)

    def value(self, row: int, col: int) -> CellValue:
        """The value of the cell at ``row`` and 1-based ``col``."""
        cell = self.cells_by_row.get(row, {}).get(col)
        if cell is None:
            return None
        return cell_value(cell.value, cell.number_format)

    def row_numbers(self) -> Iterable[int]:
        return (row for row in self.cells_by_row if row > self.header_number)

    def row(self, number: int) -> tuple[CellValue, ...]:
        cells = self.cells_by_row.get(number, {})
        if not cells:
            return ()
        width = max(cells)
        return tuple(
            cell_value(cells[c].value, cells[c].number_format) if c in cells else None
            for c in range(1, width + 1)
        )

    def cell(self, number: int, col: int) -> CellValue:
        return self.value(number, col + 1)


class _SnapshotIndex:
    """Answers "does the cell already hold this?" from a snapshot, without opening the
    workbook: a sync that has nothing new to say then costs no load and no save."""

    def __init__(self, snapshot: RegisterSnapshot) -> None:
        self.snapshot = snapshot
        self._tabs: dict[str, RowsPicture] = {}

    def already_holds(self, write: CellWrite) -> bool:
        ref = write.row
        picture = self._tabs.get(ref.tab)
        if picture is None:
            tab = self.snapshot.tab(ref.tab)
            if tab is None:
                return False
            picture = self._tabs[ref.tab] = RowsPicture(
                tab.title, tab.header, {r.number: r.cells for r in tab.rows})
        col = picture.column(write.column)
        row = picture.locate(ref)
        if isinstance(col, str) or isinstance(row, str):
            return False
        current = picture.cell(row, col)
        return _cell_is_text_or_empty(current) and cell_text(current) == clean_text(
            write.value
        ).strip()


def _norm_state(rows: Iterable[Sequence[object]]) -> list[tuple[str, ...]]:
    out: list[tuple[str, ...]] = []
    for row in rows:
        cells = ["" if c is None else str(c) for c in row]
        while cells and cells[-1] == "":
            cells.pop()
        out.append(tuple(cells))
    while out and not out[-1]:
        out.pop()
    return out


class XlsxRegister:
    """A register kept in one .xlsx workbook (see the module docstring for the rules)."""

    # Keeps the visible "Sync log" tab, replaced in the same save (ports.SyncLogRegister),
    # and the Dashboard tab with its chart (ports.DashboardRegister).
    keeps_sync_log = True
    keeps_dashboard = True
    fills_acting_since = True

    def __init__(self, path: Path) -> None:
        self.path = Path(path)

    def describe(self) -> str:
        return self.path.name

    # ------------------------------------------------------------------------ run lock

    def acquire_lock(self, snapshot: RegisterSnapshot, holder: LockHolder,
                     now: dt.datetime) -> bool:
        """The lock file beside the workbook (``runlock``). The snapshot is current when
        the file's bytes are still the ones read: otherwise someone (a person or another
        sync) saved it, and the engine reads it again before changing anything.

        The workbook open in Excel or LibreOffice stops the run here, before a calendar
        event or draft is made: its write would be refused anyway (exit 3, nothing made).
        """
        locks = lock_files(self.path)
        if locks:
            lock = locks[0].name
            raise BusyError(
                f"{self.path.name} is open in Excel or LibreOffice ({lock} is beside it); "
                "sheetsync changed nothing.",
                f"Close the file there and the next sync catches up. If nobody has it open, "
                f"delete {lock}.")
        try:
            runlock.acquire(self.path, holder, now)
        except OSError as exc:  # a read-only folder: say so, no traceback (issue 17)
            raise folder_error(exc, f"write its lock file beside {self.path.name}, so "
                               "nothing was changed", self.path.parent) from None
        try:
            data = self.path.read_bytes()
        except OSError:
            return False
        return _sha256(data) == _FileVersion.digest_of(snapshot.version)

    def release_lock(self, holder: LockHolder) -> None:
        runlock.release(self.path, holder)

    def check(self) -> str:
        """For ``sheetsync doctor`` (``ports.SelfChecks``), changing nothing: the
        workbook is there and readable, its folder can be written (the save and the run
        lock), it is not open in Excel or LibreOffice and no other sync runs on it."""
        self._read_bytes()
        check_writable(self.path.parent, f"save {self.path.name} and its lock file")
        locks = lock_files(self.path)
        if locks:
            lock = locks[0].name
            raise BusyError(
                f"{self.path.name} is open in Excel or LibreOffice ({lock} is beside it); "
                "a sync now would change nothing.",
                f"Close the file there. If nobody has it open, delete {lock}.")
        note = runlock.check(self.path, dt.datetime.now(dt.timezone.utc))
        return f"{self.path.name}" + (f" (note: {note})" if note else "")

    # ---------------------------------------------------------------------------- read

    def read(self) -> RegisterSnapshot:
        data, version = self._read_bytes()
        wb = self._load(data, read_only=True)
        tabs: list[RawTab] = []
        state_rows: tuple[tuple[str, ...], ...] = ()
        lost = losses_in_package(data)
        try:
            with warnings.catch_warnings(record=True) as caught:
                # Read-only sheets are parsed while iterating: openpyxl's warnings then say
                # what a save would drop from that sheet (``keep``).
                warnings.simplefilter("always")
                formulas: dict[str, set[tuple[int, int]]] = {}
                for ws in wb.worksheets:
                    del caught[:]
                    if ws.title == STATE_TAB:
                        state_rows = _read_state_rows(ws)
                    else:
                        tabs.append(_read_tab(ws, formulas.setdefault(ws.title, set())))
                    lost += [describe_warning(str(w.message), ws.title) for w in caught
                             if is_loss_warning(str(w.message))]
                tabs = self._as_staff_see(data, wb, tabs, formulas)
        except RegisterShapeError:
            raise
        except Exception as exc:
            raise RegisterShapeError(
                f"{self.path.name} could not be read ({type(exc).__name__}: {exc}).",
                "Open it in Excel or LibreOffice and save it again as an Excel Workbook "
                "(.xlsx), or restore it from a backup.",
            ) from exc
        finally:
            wb.close()
        if lost:  # refused now, before a sync makes anything (``keep``)
            raise RegisterShapeError(*refusal(self.path.name, lost, "nothing was changed"))
        return RegisterSnapshot(
            tabs=tuple(tabs),
            state_rows=state_rows,
            time_zone=None,
            version=version.token,
            source=self.path.name,
        )

    def _as_staff_see(self, data: bytes, wb: Any, tabs: list[RawTab],
                      formulas: dict[str, set[tuple[int, int]]]) -> list[RawTab]:
        """Each row with what staff see where a cell holds something else: a mailto:
        link's address, a formula's saved value (``meaning``)."""
        parts = {ws.title: getattr(ws, "_worksheet_path", "") for ws in wb.worksheets}
        links: dict[str, dict[tuple[int, int], str]] = {}
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            for tab in tabs:
                found = mailto_links(archive, parts.get(tab.title, ""))
                if found:
                    links[tab.title] = found
        saved: dict[str, dict[tuple[int, int], CellValue]] = {}
        if any(formulas.values()):
            values = self._load(data, read_only=True, data_only=True)
            try:
                for ws in values.worksheets:
                    if formulas.get(ws.title):
                        saved[ws.title] = saved_values(ws, formulas[ws.title])
            finally:
                values.close()
        if not links and not saved:
            return tabs
        out = []
        for tab in tabs:
            tab_links, tab_saved = links.get(tab.title, {}), saved.get(tab.title, {})
            if not tab_links and not tab_saved:
                out.append(tab)
                continue
            links_by_row: dict[int, list[tuple[int, str]]] = defaultdict(list)
            for (r, c), address in tab_links.items():
                links_by_row[r].append((c - 1, address))
            saved_by_row: dict[int, list[tuple[int, CellValue]]] = defaultdict(list)
            for (r, c), value in tab_saved.items():
                saved_by_row[r].append((c - 1, value))
            rows = []
            for row in tab.rows:
                row_links = tuple(sorted(links_by_row.get(row.number, ())))
                row_saved = tuple(sorted(saved_by_row.get(row.number, ()),
                                         key=lambda item: item[0]))
                rows.append(dataclasses.replace(row, links=row_links, computed=row_saved)
                            if row_links or row_saved else row)
            out.append(dataclasses.replace(tab, rows=tuple(rows)))
        return out

    def _read_bytes(self) -> tuple[bytes, _FileVersion]:
        """The file's bytes and version, read so that a save during the read is noticed."""
        name = self.path.name
        for _ in range(_READ_ATTEMPTS):
            try:
                before = self.path.stat()
                data = self.path.read_bytes()
                after = self.path.stat()
            except FileNotFoundError:
                raise RegisterShapeError(
                    f"The register {name} was not found (looked for {self.path}).",
                    "Check the register path in the config, or create a new register "
                    "with `sheetsync init`.",
                ) from None
            except IsADirectoryError:
                raise RegisterShapeError(
                    f"The register path {self.path} is a folder, not a workbook.",
                    "Point the config at the .xlsx file itself.",
                ) from None
            except PermissionError:
                raise RegisterShapeError(
                    f"sheetsync is not allowed to open {name}.",
                    "Give the account that runs sheetsync permission to read and write "
                    "the file.",
                ) from None
            if (before.st_mtime_ns, before.st_size) == (after.st_mtime_ns, after.st_size) and (
                len(data) == after.st_size
            ):
                return data, _FileVersion(_sha256(data), after.st_mtime_ns)
        raise RegisterShapeError(
            f"{name} kept changing while sheetsync was reading it.",
            "Wait until nobody is saving it, then run the sync again.",
        )

    def _load(self, data: bytes, *, read_only: bool, data_only: bool = False) -> Workbook:
        name = self.path.name
        suffix = self.path.suffix.lower()
        if suffix in (".xls", ".ods", ".csv", ".numbers"):
            raise RegisterShapeError(
                f"{name} is not an .xlsx workbook, which is the format sheetsync reads.",
                "Open it and use File > Save As > Excel Workbook (.xlsx), then point the "
                "config at the new file.",
            )
        if not zipfile.is_zipfile(io.BytesIO(data)):
            raise RegisterShapeError(
                f"{name} is not an Excel workbook or is damaged (it is not a valid .xlsx "
                f"file).",
                "Open it in Excel or LibreOffice and save it as an Excel Workbook (.xlsx), "
                "or restore it from a backup.",
            )
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                return openpyxl.load_workbook(
                    io.BytesIO(data),
                    read_only=read_only,
                    keep_vba=suffix == ".xlsm",
                    data_only=data_only,
                    keep_links=True,
                )
        except Exception as exc:  # openpyxl raises many kinds for a damaged file
            raise RegisterShapeError(
                f"{name} could not be opened as a workbook ({type(exc).__name__}: {exc}).",
                "Open it in Excel or LibreOffice and save it again as an Excel Workbook "
                "(.xlsx), or restore it from a backup.",
            ) from exc

    # --------------------------------------------------------------------------- write

    def write(
        self,
        snapshot: RegisterSnapshot,
        writes: Sequence[CellWrite],
        state_rows: Sequence[Sequence[str]],
        log_rows: Sequence[Sequence[str]] | None = None,
        dashboard: Dashboard | None = None,
    ) -> WriteReport:
        if _norm_state(state_rows) == _norm_state(snapshot.state_rows) and \
                _log_unchanged(snapshot, log_rows) and dashboard_unchanged(snapshot, dashboard):
            index = _SnapshotIndex(snapshot)
            if all(index.already_holds(w) for w in writes):
                return WriteReport(written=len(writes))  # nothing to change: file untouched
        try:
            return self._write(snapshot, writes, state_rows, log_rows, dashboard)
        except _Refused as refusal:
            return WriteReport(refused=str(refusal))

    def _changed_meanwhile(self) -> str:
        return (
            f"{self.path.name} was saved by someone else while sheetsync was running; "
            f"nothing was written. The next sync will pick up their changes."
        )

    def _check_unchanged(self, expected_digest: str) -> bytes:
        """The file's current bytes; refuses if they are not what ``read`` saw."""
        locks = lock_files(self.path)
        if locks:
            lock = locks[0].name
            raise _Refused(
                f"{self.path.name} is open in Excel or LibreOffice ({lock} is beside it); "
                f"nothing was written. Close the file there and the next sync will write its "
                f"updates. If nobody has it open, delete {lock}."
            )
        try:
            data = self.path.read_bytes()
        except FileNotFoundError:
            raise _Refused(
                f"{self.path.name} was moved or deleted while sheetsync was running; "
                f"nothing was written."
            ) from None
        except PermissionError:
            raise _Refused(
                f"{self.path.name} could not be opened for writing (it may be open in another "
                f"program); nothing was written. The next sync will try again."
            ) from None
        if not expected_digest or _sha256(data) != expected_digest:
            raise _Refused(self._changed_meanwhile())
        return data

    def _write(
        self,
        snapshot: RegisterSnapshot,
        writes: Sequence[CellWrite],
        state_rows: Sequence[Sequence[str]],
        log_rows: Sequence[Sequence[str]] | None = None,
        dashboard: Dashboard | None = None,
    ) -> WriteReport:
        digest = _FileVersion.digest_of(snapshot.version)
        data = self._check_unchanged(digest)
        lost = _features_openpyxl_drops(data)
        wb = self._load_for_write(data, lost)
        report = WriteReport()
        changed = False

        # Locate every target before changing anything: several writes may go to the
        # same row, and a row's fingerprint changes once its first cell is written.
        indexes: dict[str, _TabIndex] = {}
        planned: list[tuple[CellWrite, Worksheet, int, int]] = []
        for write in writes:
            target = self._locate(wb, indexes, write)
            if isinstance(target, str):
                report.skipped.append(SkippedWrite(write, target))
            else:
                planned.append((write, *target))

        for write, ws, row, col in planned:
            index = indexes[ws.title]
            current = index.value(row, col)
            new_text = clean_text(write.value)
            if cell_text(current) == new_text.strip() and _cell_is_text_or_empty(current):
                report.written += 1
                continue
            if cell_text(current) != cell_text(write.expected):
                report.skipped.append(SkippedWrite(write, "changed by a person meanwhile"))
                continue
            cell = ws.cell(row=row, column=col)
            if isinstance(cell, MergedCell):
                report.skipped.append(
                    SkippedWrite(write, "the cell is part of merged cells; unmerge it")
                )
                continue
            _take_column_format(ws, cell)
            _set_text(cell, new_text)
            report.written += 1
            changed = True

        if self._replace_state(wb, state_rows):
            changed = True
        if log_rows is not None and _replace_log(wb, log_rows):
            changed = True
        if dashboard is not None and \
                replace_dashboard(wb, _find_sheet(wb, dashboard.title), dashboard):
            changed = True
        if not changed:
            wb.close()
            return report

        buffer = io.BytesIO()
        wb.save(buffer)
        wb.close()
        payload = buffer.getvalue()

        def _save(handle: Any) -> None:
            handle.write(payload)

        # A last check just before the swap keeps the window for a lost save tiny.
        self._check_unchanged(digest)
        try:
            atomic_write(self.path, _save, mode_from=self.path)
        except PermissionError:
            raise _Refused(
                f"{self.path.name} could not be replaced (it is probably open in another "
                f"program); nothing was written. Close it and the next sync will write."
            ) from None
        except OSError as exc:
            raise _Refused(
                f"{self.path.name} could not be saved ({exc.strerror or exc}); nothing was "
                f"written and the file is as it was. The next sync will try again."
            ) from exc
        return report

    def _load_for_write(self, data: bytes, lost: list[str]) -> Workbook:
        suffix = self.path.suffix.lower()
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                wb = openpyxl.load_workbook(
                    io.BytesIO(data), keep_vba=suffix == ".xlsm", data_only=False,
                    keep_links=True, rich_text=True,
                )
            except Exception as exc:
                raise _Refused(
                    f"{self.path.name} could not be opened for writing ({type(exc).__name__}); "
                    f"nothing was written."
                ) from exc
        for warning in caught:
            text = str(warning.message)
            if is_loss_warning(text):
                lost.append(describe_warning(text).what)
        if lost:
            wb.close()
            things = "; ".join(dict.fromkeys(lost))
            raise _Refused(
                f"{self.path.name} contains things sheetsync cannot keep when it saves the "
                f"file ({things}); nothing was written, so they stay as they are. Keep those "
                f"in another workbook, or remove them, so sheetsync can write its columns."
            )
        return wb

    def _locate(
        self, wb: Workbook, indexes: dict[str, _TabIndex], write: CellWrite
    ) -> tuple[Worksheet, int, int] | str:
        ref = write.row
        ws = _find_sheet(wb, ref.tab)
        if ws is None:
            return f'the tab "{ref.tab}" is not in the workbook any more'
        index = indexes.get(ws.title)
        if index is None:
            index = indexes[ws.title] = _TabIndex.build(ws)
        col = index.column(write.column)
        if isinstance(col, str):
            return col
        row = index.locate(ref)  # by ID, else (no ID yet) by its read-time content
        if isinstance(row, str):
            return row
        return ws, row, col + 1

    def _replace_state(self, wb: Workbook, state_rows: Sequence[Sequence[str]]) -> bool:
        """Put ``state_rows`` into the hidden state tab; False when it already held them."""
        wanted = _norm_state(state_rows)
        ws = wb[STATE_TAB] if STATE_TAB in wb.sheetnames else None
        if ws is not None and _norm_state(_existing_rows(ws)) == wanted:
            return False
        if ws is None:
            ws = wb.create_sheet(STATE_TAB)
            ws.sheet_state = "hidden"
        elif ws.max_row:
            ws.delete_rows(1, ws.max_row)
        ws.sheet_view.tabSelected = False
        for r, row in enumerate(state_rows, start=1):
            for c, value in enumerate(row, start=1):
                text = clean_text("" if value is None else str(value))
                if text:
                    _set_text(ws.cell(row=r, column=c), text)
        _keep_state_tab_in_background(wb, ws)
        return True


# ------------------------------------------------------------------------ read helpers


def _read_tab(ws: Any, formulas: set[tuple[int, int]] | None = None) -> RawTab:
    """One sheet as read; the positions of its formulas go into ``formulas``."""
    ws.reset_dimensions()  # the <dimension> tag can be wrong; read what is really there
    rows: list[RawRow] = []
    for number, row in enumerate(ws.iter_rows(), start=1):
        values = [_ro_value(cell) for cell in row]
        if formulas is not None:
            formulas.update((number, col) for col, value in enumerate(values, start=1)
                            if type(value) is str and value[:1] == "="
                            and row[col - 1].data_type == "f")
        while values and (values[-1] is None or values[-1] == ""):
            values.pop()
        rows.append(RawRow(number, tuple(values)))
    # A title or a note above the headers is skipped (core.headers.header_row).
    first = header_row(ws.title, [r.cells for r in rows[:HEADER_SEARCH_ROWS]])
    header = tuple("" if v is None else str(v)
                   for v in (rows[first].cells if first < len(rows) else ()))
    rows = rows[first + 1:]
    while rows and not rows[-1].cells:
        rows.pop()
    width = max([len(header), *(len(r.cells) for r in rows)])
    padded_header = header + ("",) * (width - len(header))
    padded = tuple(RawRow(r.number, r.cells + (None,) * (width - len(r.cells))) for r in rows)
    return RawTab(title=ws.title, header=padded_header, rows=padded)


def _ro_value(cell: Any) -> CellValue:
    value = cell.value
    if value is None:
        return None
    # number_format is costly in read-only mode; only dates need it.
    fmt = cell.number_format if hasattr(value, "year") else None
    return cell_value(value, fmt)


def _state_values(ws: Any) -> Iterator[tuple[object, ...]]:
    """Rows of a read-only worksheet as text."""
    for row in ws.iter_rows(values_only=True):
        yield tuple("" if v is None else str(cell_value(v, None)) for v in row)


def _existing_rows(ws: Worksheet) -> list[tuple[object, ...]]:
    """Rows of a fully loaded worksheet as text, without creating any cell."""
    by_row: dict[int, dict[int, object]] = defaultdict(dict)
    for (row, col), cell in ws._cells.items():
        if cell.value is not None:
            by_row[row][col] = cell_value(cell.value, None)
    if not by_row:
        return []
    out: list[tuple[object, ...]] = []
    for row in range(1, max(by_row) + 1):
        cells = by_row.get(row, {})
        width = max(cells, default=0)
        out.append(tuple("" if cells.get(c) is None else str(cells[c])
                         for c in range(1, width + 1)))
    return out


def _read_state_rows(ws: Any) -> tuple[tuple[str, ...], ...]:
    ws.reset_dimensions()
    rows = _norm_state(_state_values(ws))
    width = max((len(r) for r in rows), default=0)
    return tuple(r + ("",) * (width - len(r)) for r in rows)


# ----------------------------------------------------------------------- write helpers


def _find_sheet(wb: Workbook, title: str) -> Worksheet | None:
    if title in wb.sheetnames and title != STATE_TAB:
        sheet = wb[title]
        return sheet if isinstance(sheet, Worksheet) else None
    wanted = normalise_header(title)
    matches = [
        ws for ws in wb.worksheets
        if ws.title != STATE_TAB and normalise_header(ws.title) == wanted
    ]
    return matches[0] if len(matches) == 1 else None


def _cell_is_text_or_empty(value: CellValue) -> bool:
    return value is None or isinstance(value, str)


def _take_column_format(ws: Worksheet, cell: Any) -> None:
    """A cell without a format of its own takes its column's (wrapped text in sheetsync's
    status columns), as a cell typed into that column in Excel does."""
    if cell.has_style:
        return
    dim = ws.column_dimensions.get(cell.column_letter)
    if dim is not None and dim.has_style:
        cell._style = copy.copy(dim._style)


def _set_text(cell: Any, text: str) -> None:
    """Store ``text`` as a plain string: never a formula, number or error code."""
    if text == "":
        cell.value = None
        return
    cell.value = text
    cell.data_type = "s"


def _log_unchanged(snapshot: RegisterSnapshot, log_rows: Sequence[Sequence[str]] | None
                   ) -> bool:
    if log_rows is None:
        return True
    wanted = normalise_header(SYNC_LOG_TAB)
    tab = next((t for t in snapshot.tabs if normalise_header(t.title) == wanted), None)
    current = [] if tab is None else [tab.header, *(r.cells for r in tab.rows)]
    return _norm_state(current) == _norm_state(log_rows)


# Widths for Time, Result, Rows read, Rows with problems, Events, Drafts, Cells, Notes.
_LOG_WIDTHS = (20, 22, 10, 34, 20, 20, 13, 70)


def _replace_log(wb: Workbook, rows: Sequence[Sequence[str]]) -> bool:
    """Put ``rows`` into the visible Sync log tab, made at the end when missing; False
    when it already held them. The tab is sheetsync's own: its content is replaced."""
    ws = _find_sheet(wb, SYNC_LOG_TAB)
    if ws is not None and _norm_state(_existing_rows(ws)) == _norm_state(rows):
        return False
    if ws is None:
        ws = wb.create_sheet(SYNC_LOG_TAB)
        ws.freeze_panes = "A2"
        for col, width in enumerate(_LOG_WIDTHS, start=1):
            ws.column_dimensions[get_column_letter(col)].width = width
    elif ws.max_row:
        ws.delete_rows(1, ws.max_row)
    for r, row in enumerate(rows, start=1):
        for c, value in enumerate(row, start=1):
            text = clean_text("" if value is None else str(value))
            if text:
                cell = ws.cell(row=r, column=c)
                _set_text(cell, text)
                if r == 1:
                    cell.font = Font(bold=True)
    return True


def _keep_state_tab_in_background(wb: Workbook, state: Worksheet) -> None:
    """A hidden sheet must never be the active one (Excel then shows a broken view)."""
    state.sheet_view.tabSelected = False
    if wb.active is state:
        for idx, ws in enumerate(wb.worksheets):
            if ws is not state and ws.sheet_state == "visible":
                wb.active = idx
                ws.sheet_view.tabSelected = True
                break


def _features_openpyxl_drops(data: bytes) -> list[str]:
    """Things in the package that openpyxl would silently leave out of the saved file."""
    return [loss.what for loss in losses_in_package(data)]
