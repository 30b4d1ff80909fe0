"""Cell parsers shared by the row models: each turns one raw cell into a typed value or
raises ``CellProblem`` with a sentence a front-desk person can act on."""

from __future__ import annotations

import re
from collections.abc import Sequence

from sheetsync.core.schema import normalise_header


class CellProblem(ValueError):
    pass


MAX_NAME = 200
MAX_TEXT = 5_000

_EMAIL = re.compile(
    r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@"
    r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$"
)
_TRUE = {"yes", "y", "true", "1", "x", "ja", "oui", "si"}
_FALSE = {"no", "n", "false", "0", ""}


def shown(value: object, limit: int = 40) -> str:
    """A cell as it may be quoted back in a message: short, on one line."""
    text = " ".join(text_of(value).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def text_of(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def parse_text(value: object, column: str, *, limit: int = MAX_TEXT) -> str:
    text = text_of(value).strip()
    if len(text) > limit:
        raise CellProblem(f"{column} is too long ({len(text):,} characters, at most {limit:,})")
    return text


def parse_required(value: object, column: str, *, limit: int = MAX_NAME) -> str:
    text = parse_text(value, column, limit=limit)
    if not text:
        raise CellProblem(f"{column} is empty: it is required")
    return text


def parse_email(value: object, column: str) -> str:
    text = text_of(value).strip()
    if text.lower().startswith("mailto:"):
        text = text[7:].strip()
    if not text:
        return ""
    if len(text) > 254 or not _EMAIL.match(text):
        raise CellProblem(f"{column} '{shown(text)}' is not a valid address")
    return text


def parse_yes_no(value: object, column: str, default: bool = False) -> bool:
    if isinstance(value, bool):
        return value
    text = text_of(value).strip().casefold()
    if not text:
        return default
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise CellProblem(f"{column} '{shown(value)}' should be Yes or No")


def parse_choice(value: object, column: str, choices: Sequence[str], default: str = "") -> str:
    """One of ``choices``; an empty cell is ``default``, or a problem when there is no
    default (a required choice such as a referral's Direction)."""
    text = text_of(value).strip()
    if not text:
        if not default:
            raise CellProblem(f"{column} is empty: it is required ({', '.join(choices)})")
        return default
    wanted = normalise_header(text)
    for choice in choices:
        if normalise_header(choice) == wanted:
            return choice
    raise CellProblem(f"{column} '{shown(text)}' is not one of: {', '.join(choices)}")


def parse_days(value: object, column: str, default: int | None, *, allow_zero: bool = False
               ) -> int | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return default
    if isinstance(value, bool):
        raise CellProblem(f"{column} '{shown(value)}' is not a number of days")
    try:
        number = float(str(value).strip())
    except ValueError:
        raise CellProblem(f"{column} '{shown(value)}' is not a number of days") from None
    lowest = 0 if allow_zero else 1
    if not number.is_integer() or not lowest <= number <= 3650:
        raise CellProblem(
            f"{column} '{shown(value)}' should be a whole number of days from {lowest} to 3650"
        )
    return int(number)
