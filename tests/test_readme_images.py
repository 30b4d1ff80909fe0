"""The README's pictures are there, are PNGs and stay small (``scripts/render_screenshots.sh``
makes them again)."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).parent.parent


def test_readme_pictures_exist_and_are_small() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    pictures = re.findall(r"!\[[^\]]*\]\((docs/images/[^)]+)\)", readme)
    assert {"docs/images/referrals.png", "docs/images/dashboard.png"} <= set(pictures)
    for name in pictures:
        data = (ROOT / name).read_bytes()
        assert data.startswith(b"\x89PNG\r\n\x1a\n"), name
        assert len(data) < 300 * 1024, name
    assert (ROOT / "scripts" / "render_screenshots.sh").stat().st_mode & 0o111
