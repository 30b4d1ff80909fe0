"""From a raw snapshot to typed rows: find tabs and columns, assign IDs, validate rows,
resolve partners and treatments. Pure: no I/O."""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from sheetsync.core.fields import shown, text_of
from sheetsync.core.headers import ColumnMap, find_tabs, map_columns
from sheetsync.core.ids import format_row_id, row_id_number
from sheetsync.core.locate import fold_name, identity_digest, identity_parts
from sheetsync.core.newrows import adoptable, identity_of
from sheetsync.core.ports import (
    CellValue,
    NotSaved,
    RawRow,
    RegisterSnapshot,
    RowRef,
    fingerprint_cells,
)
from sheetsync.core.rows import (
    CheckInRow,
    PartnerRow,
    ReferralRow,
    TemplateRow,
    TreatmentRow,
    validate_row,
)
from sheetsync.core.schema import (
    CHECKINS,
    DATA_TABS,
    PARTNERS,
    REFERRALS,
    SETTINGS,
    TEMPLATES,
    TREATMENTS,
    TabSpec,
    normalise_header,
)
from sheetsync.core.settings import ClinicSettings, parse_settings
from sheetsync.core.state import SyncState
from sheetsync.core.templates import Template

M = TypeVar("M")


@dataclass
class Row(Generic[M]):
    """One data row: where it is, its key, its typed content or its problems."""

    tab: str  # the tab's actual title
    spec: TabSpec
    raw: RawRow
    key: str
    ref: RowRef
    cells: dict[str, CellValue]  # by schema column name
    model: M | None = None
    problems: list[str] = field(default_factory=list)
    new_key: bool = False
    # ``cells`` as staff see them, where some cell holds something else (a formula, a
    # mailto: link: ``RawRow.links``/``computed``); None when they are the same.
    seen: dict[str, CellValue] | None = None

    @property
    def ok(self) -> bool:
        return self.model is not None and not self.problems

    def where(self) -> str:
        return f"{self.tab} row {self.raw.number}"


@dataclass
class ParsedRegister:
    settings: ClinicSettings
    columns: dict[str, ColumnMap]  # spec name -> map (only tabs that can be synced)
    partners: list[Row[PartnerRow]]
    referrals: list[Row[ReferralRow]]
    checkins: list[Row[CheckInRow]]
    treatments: dict[str, TreatmentRow]  # normalised name -> row
    templates: dict[str, Template]  # template name (casefolded) -> staff template
    tab_problems: list[str]  # whole-tab problems (missing tab/column): that tab is skipped
    notes: list[str]  # settings/template problems: the sync goes on with defaults
    state: SyncState

    def all_rows(self) -> list[Row[Any]]:
        return [*self.partners, *self.referrals, *self.checkins]


def parse_register(snapshot: RegisterSnapshot, state: SyncState,
                   default_treatments: Mapping[str, TreatmentRow],
                   today: dt.date | None = None) -> ParsedRegister:
    """``today`` (when given) bounds how old a remembered new-row ID may be to be given
    back to its row (``core.newrows``)."""
    found = find_tabs(snapshot)
    tab_problems: list[str] = []
    notes: list[str] = []
    columns: dict[str, ColumnMap] = {}

    for spec in DATA_TABS:
        if spec.name not in found.tabs:
            tab_problems.append(f"The register has no '{spec.name}' tab: add it (see the "
                                "README) or run 'sheetsync init' to add missing tabs")
            continue
        _, tab = found.tabs[spec.name]
        cmap = map_columns(spec, tab.title, tab.header)
        missing = list(cmap.missing_required)
        if spec.id_column and not cmap.has(spec.id_column):
            missing.insert(0, spec.id_column)
        for column in spec.tool_columns:
            if column.name not in missing and not cmap.has(column.name):
                missing.append(column.name)
        if missing:
            tab_problems.append(
                f"Tab '{tab.title}' has no column {', '.join(repr(m) for m in missing)}: "
                "add it to the header row (row 1); this tab was not synced"
            )
            continue
        columns[spec.name] = cmap

    # Settings first: the date order decides how typed dates are read everywhere.
    settings_pairs: dict[str, object] = {}
    if SETTINGS.name in found.tabs:
        _, tab = found.tabs[SETTINGS.name]
        cmap = map_columns(SETTINGS, tab.title, tab.header)
        if not cmap.missing_required:
            for raw in tab.rows:
                key = text_of(_at(raw, cmap, "Setting")).strip()
                if key:
                    settings_pairs[key] = _at(raw, cmap, "Value")
    settings, setting_problems = parse_settings(settings_pairs, snapshot.time_zone)
    notes.extend(setting_problems)

    treatments = {normalise_header(k): v for k, v in default_treatments.items()}
    staff_treatments = _catalogue(found.tabs, TREATMENTS, TreatmentRow, settings, notes)
    if staff_treatments:
        treatments = {normalise_header(t.name): t for t in staff_treatments}
    templates = {
        t.name.strip().casefold(): Template(t.name.strip(), t.subject, t.body, "Templates tab")
        for t in _catalogue(found.tabs, TEMPLATES, TemplateRow, settings, notes)
    }

    state = state.copy()
    parsed = ParsedRegister(settings, columns, [], [], [], treatments, templates, tab_problems,
                            notes, state)
    for spec in DATA_TABS:
        if spec.name in columns:
            _, tab = found.tabs[spec.name]
            rows = _rows_of(tab.rows, spec, columns[spec.name], state, today)
            if spec is PARTNERS:
                parsed.partners = _validated(rows, PartnerRow, settings)
            elif spec is REFERRALS:
                parsed.referrals = _validated(rows, ReferralRow, settings)
            elif spec is CHECKINS:
                parsed.checkins = _validated(rows, CheckInRow, settings)
    _check_referral_partners(parsed)
    _check_introducers(parsed)
    _check_treatments(parsed)
    return parsed


def _at(raw: RawRow, cmap: ColumnMap, column: str) -> CellValue:
    pos = cmap.index.get(column)
    if pos is None or pos >= len(raw.cells):
        return None
    return raw.cells[pos]


def _catalogue(tabs: Mapping[str, tuple[TabSpec, Any]], spec: TabSpec, model: type[Any],
               settings: ClinicSettings, notes: list[str]) -> list[Any]:
    if spec.name not in tabs:
        return []
    _, tab = tabs[spec.name]
    cmap = map_columns(spec, tab.title, tab.header)
    if cmap.missing_required:
        notes.append(f"Tab '{tab.title}' has no column {', '.join(cmap.missing_required)}: "
                     "it was ignored and the built-in defaults were used")
        return []
    result = []
    for raw in tab.rows:
        if raw.is_blank:
            continue
        cells = {name: _at(raw, cmap, name) for name in cmap.index}
        item, problems = validate_row(model, cells, settings.date_order)
        if item is None:
            notes.append(f"{tab.title} row {raw.number}: {'; '.join(problems)}; row ignored")
        else:
            result.append(item)
    return result


def _rows_of(raw_rows: tuple[RawRow, ...], spec: TabSpec, cmap: ColumnMap, state: SyncState,
             today: dt.date | None = None) -> list[Row[Any]]:
    assert spec.id_column is not None
    id_pos = cmap.index[spec.id_column]
    tool_positions = {cmap.index[c.name] for c in spec.tool_columns}
    columns = list(cmap.index.items())
    rows: list[Row[Any]] = []
    for raw in raw_rows:
        # A row whose staff cells are all empty is blank, even if old statuses remain.
        if all(
            _blank(c) for pos, c in enumerate(raw.cells) if pos not in tool_positions
        ):
            continue
        width = len(raw.cells)
        key = text_of(raw.cells[id_pos] if id_pos < width else None).strip()
        # Inline _at: this runs for every cell of every data row.
        cells = {name: raw.cells[pos] if pos < width else None for name, pos in columns}
        ref = RowRef(cmap.title, key or None, raw.number,
                     fingerprint_cells(raw.cells), spec.id_column,
                     identity=identity_digest(identity_parts(spec.name, cells)) if key else "")
        # What staff see where a cell holds something else (a formula's saved value, a
        # mailto: address) is what the row is validated from; ``cells`` stay as held, for
        # identities and write-time checks, which compare what the cells hold.
        as_seen, seen_problems = (_as_staff_see(raw, cmap, cells) if raw.links or raw.computed
                                  else (None, []))
        rows.append(Row(cmap.title, spec, raw, key, ref, cells, problems=seen_problems,
                        seen=as_seen))

    # IDs: never reused. The counter remembers the highest number ever handed out.
    highest = state.counters.get(spec.id_prefix, 0)
    for row in rows:
        number = row_id_number(spec.id_prefix, row.key) if row.key else None
        if number is not None:
            highest = max(highest, number)
    seen: dict[str, list[Row[Any]]] = defaultdict(list)
    # A new row whose ID could not be written last run (edited meanwhile) gets that ID
    # back, so what was made for it is not made twice (core.newrows).
    remembered = adoptable(state, spec.name, {r.key for r in rows if r.key}, today)
    idless = Counter(identity_of(spec.name, r.cells) for r in rows if not r.key)
    for row in rows:
        if row.key:
            seen[row.key].append(row)
        else:
            identity = identity_of(spec.name, row.cells)
            if identity and idless[identity] == 1 and identity in remembered:
                row.key = remembered.pop(identity)
            else:
                highest += 1
                row.key = format_row_id(spec.id_prefix, highest)
            row.new_key = True
            row.ref = RowRef(row.ref.tab, None, row.ref.number, row.ref.fingerprint,
                             spec.id_column, assign_key=row.key)
    state.counters[spec.id_prefix] = highest
    for key, same in seen.items():
        if len(same) > 1:
            numbers = ", ".join(str(r.raw.number) for r in same)
            for row in same:
                row.problems.append(
                    f"{spec.id_column} {shown(key)} is on rows {numbers} (a copied row?): "
                    f"clear the {spec.id_column} cell of the copy and sheetsync will give it "
                    "a new one"
                )
                # The ID finds no single row, so the message would never be written:
                # find each copy by its content instead (its read-time row is the hint).
                row.ref = RowRef(row.ref.tab, None, row.ref.number, row.ref.fingerprint,
                                 spec.id_column)
        elif "/" in key or "\n" in key:
            same[0].problems.append(
                f"{spec.id_column} '{shown(key)}' was changed by hand: clear it and sheetsync "
                "will assign a new one"
            )
        elif row_id_number(spec.id_prefix, key) is None:
            # Only IDs shaped like this tab's own are trusted: a pasted "P-0001" on a
            # check-in would share the partner's calendar event ("P-0001/check-in").
            same[0].problems.append(
                f"{spec.id_column} '{shown(key)}' is not an ID sheetsync gave out (they look "
                f"like {format_row_id(spec.id_prefix, 1)}): clear it and sheetsync will give "
                "the row a new one"
            )
    return rows


def _as_staff_see(raw: RawRow, cmap: ColumnMap, held: dict[str, CellValue]
                  ) -> tuple[dict[str, CellValue], list[str]]:
    """The row's cells as staff see them where a cell holds something else: a formula's
    saved value, an Email cell's mailto: address; and the row's problems with that (a
    formula never calculated, so sheetsync cannot know its value)."""
    cells = dict(held)
    names = {pos: name for name, pos in cmap.index.items()}
    problems: list[str] = []
    for pos, value in raw.computed:
        name = names.get(pos)
        if name is None:
            continue
        if isinstance(value, NotSaved):
            cells[name] = None
            problems.append(f"{name} is a formula with no saved value (the file was never "
                            "calculated): open and save the file in Excel or LibreOffice")
        else:
            cells[name] = value
    for pos, address in raw.links:
        name = names.get(pos)
        if name is not None and "email" in normalise_header(name):
            cells[name] = address
    return cells, problems


def _blank(value: CellValue) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _validated(rows: list[Row[Any]], model: type[Any], settings: ClinicSettings
               ) -> list[Row[Any]]:
    for row in rows:
        item, problems = validate_row(model, row.cells if row.seen is None else row.seen,
                                      settings.date_order)
        row.model = item
        row.problems.extend(problems)
    return rows


class PartnerIndex:
    """Finds a partner by ID or by name (exact, then ignoring case/spaces, then accents)."""

    def __init__(self, partners: list[Row[PartnerRow]]) -> None:
        self.by_key = {p.key: p for p in partners}
        self.exact: dict[str, list[Row[PartnerRow]]] = defaultdict(list)
        self.folded: dict[str, list[Row[PartnerRow]]] = defaultdict(list)
        self.loose: dict[str, list[Row[PartnerRow]]] = defaultdict(list)
        for p in partners:
            name = text_of(p.cells.get("Name")).strip()
            if name:
                self.exact[name].append(p)
                self.folded[" ".join(name.casefold().split())].append(p)
                self.loose[fold_name(name)].append(p)

    def find(self, text: str) -> tuple[Row[PartnerRow] | None, str]:
        """The partner, or None and why not."""
        wanted = text.strip()
        if wanted in self.by_key:
            return self.by_key[wanted], ""
        forms: tuple[tuple[dict[str, list[Row[PartnerRow]]], Callable[[str], str]], ...] = (
            (self.exact, str), (self.folded, lambda t: " ".join(t.casefold().split())),
            (self.loose, fold_name))
        for table, form in forms:  # each form only if the one before found nothing
            hits = table.get(form(wanted), [])
            if len(hits) == 1:
                return hits[0], ""
            if len(hits) > 1:
                ids = ", ".join(h.key for h in hits)
                return None, (f"'{shown(wanted)}' matches several partners ({ids}): "
                              "write the Partner ID instead")
        return None, f"'{shown(wanted)}' is not in the Partners tab"


def _check_referral_partners(parsed: ParsedRegister) -> None:
    index = PartnerIndex(parsed.partners)
    for row in parsed.referrals:
        if row.model is None:
            continue
        partner, why = index.find(row.model.partner)
        if partner is None:
            row.problems.append(f"Partner {why}")


def _check_introducers(parsed: ParsedRegister) -> None:
    index = PartnerIndex(parsed.partners)
    for row in parsed.partners:
        if row.model is None or not row.model.introduced_by:
            continue
        partner, why = index.find(row.model.introduced_by)
        if partner is None:
            row.problems.append(f"Introduced by {why}")
        elif partner is row:
            row.problems.append("Introduced by names this same partner")


def _check_treatments(parsed: ParsedRegister) -> None:
    for row in parsed.checkins:
        if row.model is None:
            continue
        if normalise_header(row.model.treatment) not in parsed.treatments:
            row.problems.append(
                f"Treatment '{shown(row.model.treatment)}' is not in the Treatments tab: add it "
                "there or pick one from the list"
            )


def partner_index(parsed: ParsedRegister) -> PartnerIndex:
    return PartnerIndex(parsed.partners)
