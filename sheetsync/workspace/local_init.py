"""``sheetsync init --local DIR``: a ready-to-use local workspace.

A folder with ``sheetsync.toml`` (backend = local), ``register.xlsx`` holding every tab
of REGISTER.md with the Treatments catalogue, default Templates and Settings filled in,
and empty ``drafts/`` and ``sent/`` folders. ``--sample`` adds the demo register.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

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


def init_local(folder: Path, *, sample: bool, today: dt.date) -> list[Path]:
    """Create the workspace; refuse to overwrite an existing register or config."""
    config = folder / "sheetsync.toml"
    register = folder / "register.xlsx"
    for existing in (config, register):
        if existing.exists():
            raise ConfigError(
                f"{existing} already exists; sheetsync will not overwrite it.",
                "Pick an empty folder, or run 'sheetsync sync' there to use it as it is.",
            )
    from sheetsync.backends.local.workbook import create_register

    folder.mkdir(parents=True, exist_ok=True)
    notes = {(spec.name, c.name): c.note for spec in ALL_TABS for c in spec.columns if c.note}
    tool_columns = {spec.name: [c.name for c in spec.tool_columns] for spec in ALL_TABS}
    create_register(register, register_tables(today if sample else None), notes=notes,
                    tool_columns=tool_columns)
    config.write_text(CONFIG_TEXT, encoding="utf-8")
    for sub in ("drafts", "sent"):
        (folder / sub).mkdir(exist_ok=True)
    return [config, register, folder / "drafts", folder / "sent"]
