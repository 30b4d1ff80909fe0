"""``[google.quotas]`` in sheetsync.toml: Google's standard figures by default, other
figures for a Cloud project with raised limits, and a plain message for a wrong one."""

from __future__ import annotations

from pathlib import Path

import pytest

from sheetsync.core.config import load_config
from sheetsync.errors import ConfigError


def _config(tmp_path: Path, quotas: str) -> Path:
    path = tmp_path / "sheetsync.toml"
    path.write_text('backend = "google"\n[google]\nspreadsheet = "x"\n' + quotas,
                    encoding="utf-8")
    return path


def test_defaults_are_googles_figures_for_new_projects(tmp_path: Path) -> None:
    quotas = load_config(str(_config(tmp_path, ""))).google.quotas
    assert (quotas.sheets_per_minute, quotas.calendar_per_minute,
            quotas.gmail_units_per_minute) == (60, 600, 6000)


def test_raised_limits_are_taken(tmp_path: Path) -> None:
    path = _config(tmp_path, "[google.quotas]\ngmail_units_per_minute = 15000\n"
                             "calendar_per_minute = 1200\n")
    quotas = load_config(str(path)).google.quotas
    assert quotas.gmail_units_per_minute == 15000 and quotas.calendar_per_minute == 1200
    assert quotas.sheets_per_minute == 60


@pytest.mark.parametrize(("line", "words"), [
    ("calendar_per_minute = 0", "'google.quotas.calendar_per_minute' is wrong: it must be a "
                                "whole number of requests a minute from 1 up"),
    ('sheets_per_minute = "sixty"', "Google's standard figure is 60); it is 'sixty'"),
    ("gmail_units_per_minute = 10", "quota units a minute from 20 up"),
    ("calendar_per_minute = 600.5", "it is 600.5"),
    ("calender_per_minute = 600", "there is no setting 'google.quotas.calender_per_minute'"),
])
def test_a_wrong_figure_is_one_clear_message(tmp_path: Path, line: str, words: str) -> None:
    with pytest.raises(ConfigError) as err:
        load_config(str(_config(tmp_path, f"[google.quotas]\n{line}\n")))
    assert words in str(err.value)
    assert "Traceback" not in str(err.value) and "pydantic" not in str(err.value)
