"""Deterministic identities: the same row and purpose always map to the same remote id,
so a crash between "created" and "recorded" is recovered instead of duplicated."""

from __future__ import annotations

import base64
import hashlib
import re

_ID_NUMBER = re.compile(r"^([A-Za-z]+)-(\d+)$")


def object_key(row_key: str, purpose: str) -> str:
    return f"{row_key}/{purpose}"


def event_id(namespace: str, key: str) -> str:
    """A Google Calendar event id: base32hex (0-9, a-v), 32 characters."""
    digest = hashlib.sha256(f"{namespace}\x00{key}".encode()).digest()[:20]
    return base64.b32hexencode(digest).decode("ascii").lower().rstrip("=")


def format_row_id(prefix: str, number: int) -> str:
    return f"{prefix}-{number:04d}"


def row_id_number(prefix: str, text: str) -> int | None:
    m = _ID_NUMBER.match(text.strip())
    if m and m[1].upper() == prefix.upper():
        return int(m[2])
    return None
