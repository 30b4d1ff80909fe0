"""The shape of the code (PROTOCOL.md): no import cycles between the engine and the
modules it uses, and no duck typing on backends: a port says what a backend can do."""

from __future__ import annotations

import ast
from pathlib import Path

import sheetsync
from sheetsync.backends.google.mailbox import GmailMailbox
from sheetsync.core.ports import FindsSentCopies

PACKAGE = Path(sheetsync.__file__).parent


def imported_modules(path: Path) -> set[str]:
    """Every module a file imports, at any level (``TYPE_CHECKING`` blocks included)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return found


def test_synclog_does_not_import_the_engine() -> None:
    assert "sheetsync.engine" not in imported_modules(PACKAGE / "synclog.py")


def test_the_engine_sets_no_attribute_on_a_backend() -> None:
    tree = ast.parse((PACKAGE / "engine.py").read_text(encoding="utf-8"))
    calls = [node.func.id for node in ast.walk(tree)
             if isinstance(node, ast.Call) and isinstance(node.func, ast.Name)]
    assert "setattr" not in calls
    assert "recovering" not in (PACKAGE / "engine.py").read_text(encoding="utf-8")


def test_gmail_says_it_can_look_for_sent_copies() -> None:
    mailbox = GmailMailbox(service=None)
    assert isinstance(mailbox, FindsSentCopies)
    mailbox.look_for_sent_copies(True)
    assert mailbox.recovering
    mailbox.look_for_sent_copies(False)
    assert not mailbox.recovering
