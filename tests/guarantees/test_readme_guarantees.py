"""The README's Guarantees table names the tests that prove each promise: every one of
them must exist, so the table cannot drift from the suite."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).parents[2]


def named_tests() -> list[tuple[str, str]]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    table = text.split("<!-- guarantees -->", 1)[1].split("<!-- /guarantees -->", 1)[0]
    found: list[tuple[str, str]] = []
    for row in table.splitlines():
        current = ""
        for ref in re.findall(r"`([^`]*::[^`]+)`", row):
            path, name = ref.split("::", 1)
            current = path or current
            found.append((current, name))
    return found


def test_every_test_named_in_the_guarantees_exists() -> None:
    refs = named_tests()
    assert len(refs) >= 30
    for path, name in refs:
        source = (ROOT / path).read_text(encoding="utf-8")
        for part in name.split("::"):  # Class::method: both must be there
            indent = r"[ ]*" if "::" in name else ""
            pattern = (rf"^{indent}(def {re.escape(part)}\(|class {re.escape(part)}\b|"
                       rf"{re.escape(part)} = )")
            assert re.search(pattern, source, re.MULTILINE), f"{path}::{name} is not there"
