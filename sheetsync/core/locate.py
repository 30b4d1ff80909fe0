"""Finding a row again at write time: one piece for every backend.

Staff sort, insert and delete rows while a sync runs, so a write never trusts the row
number it read. Each backend shows the tab as it is when it writes (Google: the picture
the run lock's answer brought; local: the workbook as loaded for the save; memory: its
rows) as a ``TabPicture``, and ``TabPicture.locate`` finds the row a ``RowRef`` means:

- a row that had an ID: the one row whose ID cell holds it now (none: deleted; several:
  a copied row, skipped until each has its own);
- a row that had no ID yet: the row whose cells still match what was read (its
  fingerprint); the read-time row number is only a hint, tried first.

A row that cannot be found unambiguously is skipped with the reason; the next sync
retries it.

Identity beside the ID. An ID says which row it is only while it sits beside that row's
data: a sort of some columns only (a selection, or an Excel Table that does not cover the
ID column), or data pasted or moved without its ID, leaves IDs beside other rows' data.
So a row is also known by its identity cells (``IDENTITY_COLUMNS``: a partner's Name; a
referral's Date, Partner and Client; a check-in's Client, Treatment and Treatment date),
normalised (``identity_parts``):

- at write time, the row holding an ID must still show the identity cells it had when
  read (``RowRef.identity``), or nothing is written to it;
- between syncs, ``core.identity`` compares every row with a keyed print of its identity
  cells remembered in the state (``identity_print``: no client text is stored).

Pure: no I/O.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence

from sheetsync.core.headers import map_columns
from sheetsync.core.ports import CellValue, RowRef, _cell_text, fingerprint_cells
from sheetsync.core.schema import ALL_TABS, CHECKINS, PARTNERS, REFERRALS, TabSpec, normalise_header

# The cells that say which row a row is (schema column names, by tab).
IDENTITY_COLUMNS: dict[str, tuple[str, ...]] = {
    PARTNERS.name: ("Name",),
    REFERRALS.name: ("Date", "Partner", "Client"),
    CHECKINS.name: ("Client", "Treatment", "Treatment date"),
}
# Hex characters of a row's remembered print, shared between its identity cells (so that
# ``core.identity`` can tell which cell changed): 12 for a name, 4 a cell for three cells.
PRINT_CHARS = 12


def fold_name(text: str) -> str:
    """Case-, space- and accent-insensitive form of a name, for lookups."""
    if text.isascii():  # nothing to decompose (most names): skip the slow part
        return " ".join(text.casefold().split())
    decomposed = unicodedata.normalize("NFKD", text)
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(bare.casefold().split())


def identity_text(value: CellValue) -> str:
    """An identity cell as compared between reads: case, spaces and accents do not count,
    a date is its day."""
    if type(value) is str:  # most cells: inline fold_name's common case
        return " ".join(value.casefold().split()) if value.isascii() else fold_name(value)
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return fold_name(str(value))


def identity_parts(tab: str, cells: Mapping[str, CellValue]) -> tuple[str, ...]:
    """The normalised identity cells of a row of data tab ``tab`` (cells by schema
    column name); () for a tab without identity columns."""
    return tuple([identity_text(cells.get(c)) for c in IDENTITY_COLUMNS.get(tab, ())])


def identity_digest(parts: Sequence[str]) -> str:
    """A digest of identity parts, held in memory for one run (``RowRef.identity``)."""
    return hashlib.blake2b("\x00".join(parts).encode("utf-8"), digest_size=8).hexdigest()


def identity_print(secret: str, tab: str, parts: Sequence[str],
                   seen: dict[tuple[int, str], str] | None = None) -> str:
    """What the state remembers of a row's identity: a short hash of each part, keyed by
    the state's own random ``secret`` (the same name gives different prints in every
    register, so a print cannot be looked up in a list of names). ``seen`` keeps the
    hashes of one run's parts (treatments, dates and partners repeat)."""
    if not parts:
        return ""
    key = bytes.fromhex(secret)
    chars = PRINT_CHARS // len(parts)
    size = (chars + 1) // 2
    seen = {} if seen is None else seen
    out = []
    for i, part in enumerate(parts):
        found = seen.get((i, part))
        if found is None:
            found = seen[(i, part)] = hashlib.blake2b(
                f"{tab}\x00{i}\x00{part}".encode(), key=key, digest_size=size
            ).hexdigest()[:chars]
        out.append(found)
    return "".join(out)


def print_parts(tab: str, value: str) -> tuple[str, ...]:
    """A remembered print split into its identity cells' hashes."""
    if len(IDENTITY_COLUMNS.get(tab, ())) == 3:
        return value[:4], value[4:8], value[8:12]
    return (value,)


def key_text(value: CellValue) -> str:
    """What an ID cell holds, as compared with a row key."""
    return _cell_text(value).strip()


def find_column(header: Sequence[str], name: str, spec: TabSpec | None = None,
                title: str = "") -> int | str:
    """The 0-based column whose header is ``name`` (exactly, then ignoring spaces, then
    case and punctuation, then by the tab's aliases), or why there is none."""
    wanted = normalise_header(name)
    for same in (lambda h: h == name, lambda h: h.strip() == name.strip(),
                 lambda h: bool(wanted) and normalise_header(h) == wanted):
        hits = [i for i, h in enumerate(header) if same(h)]
        if len(hits) == 1:
            return hits[0]
        if len(hits) > 1:
            return f'the column "{name}" appears more than once'
    if spec is not None:
        index = map_columns(spec, title, header).index
        if name in index:
            return index[name]
    return f'there is no column "{name}" any more'


def spec_for(title: str) -> TabSpec | None:
    """The register tab a sheet title is (as ``core.headers.find_tabs`` matches it)."""
    return next((s for s in ALL_TABS if s.matches(title)), None)


class TabPicture:
    """One tab as a backend sees it at write time.

    A backend gives its header (0-based columns) and its rows by sheet row number, by
    overriding ``row_numbers`` and ``row``, and ``cell`` where reading one cell is
    cheaper than a whole row. Indexes are built on first use.
    """

    def __init__(self, title: str, header: Sequence[str], spec: TabSpec | None = None
                 ) -> None:
        self.title = title
        self.header = list(header)
        self.spec = spec if spec is not None else spec_for(title)
        self._keys: dict[int, dict[str, list[int]]] = {}
        self._prints: dict[str, list[int]] | None = None
        self._identity_cols: dict[str, int] | None = None

    # A backend whose write refuses as a whole when the register changed after the read
    # (the local file) sets this False: its rows cannot have moved since.
    checks_identity = True

    # -- what a backend provides --------------------------------------------------------

    def row_numbers(self) -> Iterable[int]:
        """The sheet row numbers of the rows below the header."""
        raise NotImplementedError

    def row(self, number: int) -> Sequence[CellValue] | None:
        """Row ``number``'s cells (column 0 first), or None when there is no such row."""
        raise NotImplementedError

    def cell(self, number: int, col: int) -> CellValue:
        cells = self.row(number) or ()
        return cells[col] if col < len(cells) else None

    # -- locating -------------------------------------------------------------------------

    def column(self, name: str) -> int | str:
        """The 0-based column for ``name`` (header text or schema name), or why not."""
        return find_column(self.header, name, self.spec, self.title)

    def fingerprint(self, number: int) -> str | None:
        cells = self.row(number)
        return None if cells is None else fingerprint_cells(cells)

    def rows_with_key(self, id_col: int, key: str) -> list[int]:
        index = self._keys.get(id_col)
        if index is None:
            index = defaultdict(list)
            for number in self.row_numbers():
                text = key_text(self.cell(number, id_col))
                if text:
                    index[text].append(number)
            self._keys[id_col] = index
        return sorted(index.get(key.strip(), []))

    def rows_with_fingerprint(self, fingerprint: str) -> list[int]:
        if self._prints is None:
            prints: dict[str, list[int]] = defaultdict(list)
            for number in self.row_numbers():
                cells = self.row(number)
                if cells is not None:
                    prints[fingerprint_cells(cells)].append(number)
            self._prints = prints
        return sorted(self._prints.get(fingerprint, []))

    def identity(self, number: int) -> str | None:
        """The digest of row ``number``'s identity cells (``identity_digest``), or None
        when this tab has none or a column is gone."""
        if self._identity_cols is None:
            spec = self.spec
            names = IDENTITY_COLUMNS.get(spec.name, ()) if spec is not None else ()
            index = map_columns(spec, self.title, self.header).index if spec else {}
            self._identity_cols = {n: index[n] for n in names if n in index}
            if not names or len(self._identity_cols) < len(names):
                self._identity_cols = {}
        if not self._identity_cols or self.spec is None:
            return None
        cells = {name: self.cell(number, col) for name, col in self._identity_cols.items()}
        return identity_digest(identity_parts(self.spec.name, cells))

    def locate(self, ref: RowRef) -> int | str:
        """The sheet row number ``ref`` means in this picture, or why it is not found."""
        if ref.key and not ref.assign_key:
            if not ref.id_column:
                return "no ID column was given for the row"
            id_col = self.column(ref.id_column)
            if isinstance(id_col, str):
                return id_col
            rows = self.rows_with_key(id_col, ref.key)
            if not rows:
                return f"no row holds {ref.key} any more (deleted?)"
            if len(rows) > 1:
                return f"{len(rows)} rows hold {ref.key}; give each row its own ID"
            if ref.identity and self.checks_identity:
                now = self.identity(rows[0])
                if now is not None and now != ref.identity:
                    return (f"the row holding {ref.key} shows other data than when it was "
                            "read (sorted meanwhile?); the next sync looks at it again")
            return rows[0]
        # A row without an ID yet: find it by what it held when it was read.
        if ref.number >= 2 and self.fingerprint(ref.number) == ref.fingerprint:
            return ref.number
        rows = self.rows_with_fingerprint(ref.fingerprint)
        if len(rows) == 1:
            return rows[0]
        if not rows:
            return "the row was edited, moved or deleted since it was read"
        return "several rows look exactly like this one"


class RowsPicture(TabPicture):
    """A picture over rows already in memory: sheet row number -> cells."""

    def __init__(self, title: str, header: Sequence[str],
                 rows: dict[int, Sequence[CellValue]], spec: TabSpec | None = None) -> None:
        super().__init__(title, header, spec)
        self.rows = rows

    def row_numbers(self) -> Iterable[int]:
        return self.rows.keys()

    def row(self, number: int) -> Sequence[CellValue] | None:
        return self.rows.get(number)

    def cell(self, number: int, col: int) -> CellValue:
        cells = self.rows.get(number, ())
        return cells[col] if col < len(cells) else None
