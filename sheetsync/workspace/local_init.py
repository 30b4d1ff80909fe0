"""``sheetsync init --local DIR``: a ready-to-use local workspace.

A folder with ``sheetsync.toml`` (backend = local), ``register.xlsx`` holding every tab
of REGISTER.md with the Treatments catalogue, default Templates and Settings filled in,
and empty ``drafts/``, ``sent/`` and ``inbox/`` folders. ``--sample`` adds the demo register.

Run on a folder that already has them, it makes only what is missing and never
overwrites a file: an existing ``register.xlsx`` is laid out in place (missing tabs,
sheetsync's own columns, dropdowns, checks and highlights; see
``backends/local/workbook.upgrade_register``), and what changed is reported.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

from sheetsync.core.layout import LAYOUT, LayoutChanges
from sheetsync.core.ports import CellValue
from sheetsync.core.schema import ALL_TABS, TabKind
from sheetsync.errors import ConfigError
from sheetsync.playbook.defaults import settings_rows, template_rows, treatment_rows
from sheetsync.workspace.sample import sample_register

CONFIG_TEXT = """\
# sheetsync configuration: see the README, "Configuration".
backend = "local"

[local]
register = "register.xlsx"   # the register staff edit (Excel / LibreOffice)
calendar = "calendar.ics"    # events, importable into Google/Apple/Outlook calendars
drafts = "drafts"            # one .eml per draft: open, edit and send from your mail app
sent = "sent"                # move a draft here once you have sent it
inbox = "inbox"              # save replies and bounces here as .eml (drag them from your mail app)
"""


def register_tables(today: dt.date | None = None
                    ) -> list[tuple[str, list[str], list[list[CellValue]]]]:
    """Every tab with its header row and starting rows (sample rows when ``today``)."""
    sample = sample_register(today) if today is not None else {}
    starting: dict[str, list[dict[str, object]]] = {
        TabKind.TREATMENTS.value: treatment_rows(),
        TabKind.TEMPLATES.value: template_rows(),
        TabKind.SETTINGS.value: sample.get(TabKind.SETTINGS.value) or settings_rows(),
    }
    tables: list[tuple[str, list[str], list[list[CellValue]]]] = []
    for spec in ALL_TABS:
        header = [c.name for c in spec.columns]
        rows = sample.get(spec.name) if spec.name not in starting else starting[spec.name]
        body = [[_cell(row.get(col)) for col in header] for row in rows or []]
        tables.append((spec.name, header, body))
    return tables


def _cell(value: object) -> CellValue:
    if value is None or isinstance(value, (str, int, float, bool, dt.date)):
        return value
    return str(value)


@dataclass
class LocalInit:
    """What ``init_local`` made (``created``) and, for a register that was already
    there, what it added to it (``changes``)."""

    created: list[Path] = field(default_factory=list)
    kept: list[Path] = field(default_factory=list)  # already there, left as they were
    changes: LayoutChanges | None = None


def init_local(folder: Path, *, sample: bool, today: dt.date) -> LocalInit:
    """Create the workspace, or lay out the register of an existing one.

    Never overwrites a file. ``sample`` only fills a new register: asking for it where a
    register exists is refused before anything is changed.
    """
    from sheetsync.backends.local.workbook import create_register, upgrade_register

    config = folder / "sheetsync.toml"
    register = folder / "register.xlsx"
    if sample and register.exists():
        raise ConfigError(
            f"{register} already exists; the sample goes only into a new register.",
            "Pick an empty folder for the sample, or leave out --sample to lay out the "
            "register that is there.")
    result = LocalInit()
    folder.mkdir(parents=True, exist_ok=True)
    tables = register_tables(today if sample else None)
    if register.exists():
        # A workspace id only for a register nothing was made for yet: an existing one
        # keeps its namespace, so its events and drafts are found (workspace_id).
        made = (folder / "calendar.ics").exists() or any(
            (folder / sub).is_dir() and any((folder / sub).iterdir())
            for sub in ("drafts", "sent"))
        result.changes = upgrade_register(register, register_tables(None), LAYOUT,
                                          give_id=not made)
        result.kept.append(register)
    else:
        create_register(register, tables, layout=LAYOUT)
        result.created.append(register)
    if config.exists():
        result.kept.append(config)
    else:
        config.write_text(CONFIG_TEXT, encoding="utf-8")
        result.created.append(config)
    for sub in ("drafts", "sent", "inbox"):
        path = folder / sub
        if path.is_dir():
            result.kept.append(path)
        else:
            path.mkdir()
            result.created.append(path)
    return result


def describe(folder: Path, result: LocalInit) -> list[str]:
    """What ``sheetsync init --local`` prints."""
    register = folder / "register.xlsx"
    lines: list[str] = []
    if result.changes is None:
        lines.append(f"Created a local workspace in {folder}:")
        lines += [f"  {path}" for path in result.created]
    else:
        made = [p for p in result.created if p != register]
        if made:
            lines.append(f"Created in {folder}:")
            lines += [f"  {path}" for path in made]
        if result.changes.changed or result.changes.missing:
            lines.append(f"Laid out {register} (staff data left as it was):")
            lines += [f"  {line}" for line in result.changes.lines()]
        if not result.changes.changed:
            lines.append(f"{register} already has every tab, column, dropdown and "
                         "highlight sheetsync lays out; nothing changed.")
    lines.append(f"Next: edit {register} (in its Settings tab, check Clinic name and "
                 "Owner email: no draft is made while they are placeholders), then run "
                 f"'sheetsync sync --config {folder / 'sheetsync.toml'}'.")
    return lines
