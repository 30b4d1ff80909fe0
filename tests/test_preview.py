"""``sheetsync preview``: drafts rendered in the terminal, nothing made anywhere."""

from __future__ import annotations

import hashlib
import io
from pathlib import Path

import openpyxl
import pytest
from builders import NOON_UTC, TODAY

from sheetsync.cli.main import main
from sheetsync.cli.preview import run_preview
from sheetsync.errors import ConfigError, ExitCode
from sheetsync.workspace.local_init import init_local


def files(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture
def sample(tmp_path: Path) -> Path:
    folder = tmp_path / "ws"
    init_local(folder, sample=True, today=TODAY)
    return folder


def preview(folder: Path, *target: str) -> str:
    out = io.StringIO()
    assert run_preview(str(folder / "sheetsync.toml"), target, out, clock=NOON_UTC) == 0
    return out.getvalue()


def clients(folder: Path) -> set[str]:
    wb = openpyxl.load_workbook(folder / "register.xlsx")
    found: set[str] = set()
    for tab in ("Referrals", "Check-ins"):
        ws = wb[tab]
        header = [c.value for c in ws[1]]
        for name in ("Client", "Client email", "Client phone"):
            if name in header:
                i = header.index(name)
                found |= {str(r[i]) for r in ws.iter_rows(min_row=2, values_only=True) if r[i]}
    return found


def test_list_names_rows_and_partners_but_no_client_and_changes_nothing(sample: Path) -> None:
    before = files(sample)
    text = preview(sample)
    assert files(sample) == before
    assert "The next sync would make or rewrite" in text
    assert "R-0001" in text and "to Dr Carol Webster" in text
    assert "to the client" in text and "Weekly digest" in text
    for secret in clients(sample) | {"Olivia"}:  # a consented subject names "Olivia"
        assert secret not in text


def test_one_row_by_id_or_by_tab_and_row_number(sample: Path) -> None:
    by_id = preview(sample, "R-0001")
    assert by_id == preview(sample, "referrals", "2")
    assert by_id.startswith("Referrals row 2 (R-0001)")
    assert "Thank-you: new: the next sync makes it" in by_id
    assert "To:      Dr Carol Webster <carol.webster@websterderm.example>" in by_id
    assert "Subject: Thank you for referring Olivia" in by_id
    assert "Dear Dr Webster," in by_id and "Sam Patel\nPartnerships lead" in by_id


def test_a_client_draft_in_full_when_asked_for(sample: Path) -> None:
    text = preview(sample, "C-0001")
    assert "Aftercare: new" in text and "@mail.example>" in text


def test_digest_preview(sample: Path) -> None:
    text = preview(sample, "digest")
    assert "Subject: This week in referrals: Lumen Skin & Body Clinic, week of Monday 16 November" in text
    assert "Rows with problems: 6" in text


def test_unknown_placeholder_is_named(sample: Path) -> None:
    xlsx = sample / "register.xlsx"
    wb = openpyxl.load_workbook(xlsx)
    ws = wb["Templates"]
    for row in ws.iter_rows(min_row=2):
        if row[0].value == "thank-you-consent":
            row[2].value = "Dear {{partner_salutation}}, {{favourite colour}}"
    wb.save(xlsx)
    text = preview(sample, "R-0001")
    assert "Thank-you: not drafted: Template 'thank-you-consent' uses " \
           "{{favourite colour}}, which sheetsync does not know" in text
    assert "R-0001" in preview(sample)  # listed as a problem


def test_unknown_rows_are_a_plain_message(sample: Path, capsys: pytest.CaptureFixture[str]
                                          ) -> None:
    with pytest.raises(ConfigError, match="No row has the ID 'R-9999'"):
        preview(sample, "R-9999")
    with pytest.raises(ConfigError, match="'Invoices' is not a tab"):
        preview(sample, "Invoices", "3")
    with pytest.raises(ConfigError, match="Referrals row 400 is blank"):
        preview(sample, "Referrals", "400")
    code = main(["preview", "--config", str(sample / "sheetsync.toml"), "Referrals", "x"])
    assert code == ExitCode.CONFIG
    err = capsys.readouterr().err
    assert "'x' is not a row number" in err and "Traceback" not in err
