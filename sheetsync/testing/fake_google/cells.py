"""Typed cell values: input parsing (RAW / USER_ENTERED), rendering, formulas, sort order.

Dates are numbers (serial days since 1899-12-30) whose cell carries a DATE / DATE_TIME /
TIME number format, exactly as in Sheets; the format's pattern drives FORMATTED output.
"""

from __future__ import annotations

import ast
import math
import operator
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

Scalar = str | int | float | bool

EPOCH = datetime(1899, 12, 30)
DATE_TYPES = ("DATE", "DATE_TIME", "TIME")


@dataclass
class Cell:
    value: Scalar | None = None
    formula: str | None = None
    fmt: dict[str, Any] | None = None  # userEnteredFormat (numberFormat, textFormat, ...)
    validation: dict[str, Any] | None = None
    note: str | None = None

    @property
    def empty(self) -> bool:
        return self.value is None and self.formula is None

    @property
    def number_format(self) -> dict[str, Any] | None:
        return (self.fmt or {}).get("numberFormat")

    def set(self, value: Scalar | None, formula: str | None, number_format: dict[str, Any] | None
            ) -> None:
        """Replace the content; a parsed date brings its format unless one is already set."""
        self.value, self.formula = value, formula
        if number_format and not self.number_format:
            self.fmt = {**(self.fmt or {}), "numberFormat": number_format}


# ----------------------------------------------------------------------- dates
def to_serial(value: date | datetime | time) -> float:
    if isinstance(value, datetime):
        naive = value.replace(tzinfo=None)
        delta = naive - EPOCH
        return delta.days + delta.seconds / 86400 + delta.microseconds / 86400e6
    if isinstance(value, date):
        return float((value - EPOCH.date()).days)
    return (value.hour * 3600 + value.minute * 60 + value.second) / 86400


def from_serial(serial: float) -> datetime:
    return EPOCH + timedelta(days=serial)


def python_cell(value: Any, locale: str, typed: bool = True
                ) -> tuple[Scalar | None, str | None, dict[str, Any] | None]:
    """A cell's content from a Python value (the test helpers use this).

    date/datetime/time become date serials formatted yyyy-mm-dd (H:mm:ss). With ``typed`` (default)
    strings are parsed as if staff typed them into the UI (USER_ENTERED: "00123" becomes
    123, "'00123" stays text, "2026-01-05" a date); otherwise a str starting with "=" is a
    formula and any other value is stored as it is.
    """
    if isinstance(value, datetime):
        return _num(to_serial(value)), None, {"type": "DATE_TIME", "pattern": "yyyy-mm-dd H:mm:ss"}
    if isinstance(value, date):
        return _num(to_serial(value)), None, {"type": "DATE", "pattern": "yyyy-mm-dd"}
    if isinstance(value, time):
        return _num(to_serial(value)), None, {"type": "TIME", "pattern": "H:mm:ss"}
    if typed:
        return user_entered(value, locale)
    if isinstance(value, str) and value.startswith("=") and len(value) > 1:
        return evaluate(value), value, None
    return raw(value)


def raw(value: Any) -> tuple[Scalar | None, str | None, dict[str, Any] | None]:
    """valueInputOption=RAW: strings stay strings (even "=1+1"), numbers numbers."""
    if value == "":
        return None, None, None
    if isinstance(value, (bool, int, float, str)):
        return value, None, None
    return str(value), None, None


_NUMBER = r"[+-]?(?:\d{1,3}(?:,\d{3})+|\d+)?(?:\.\d+)?(?:[eE][+-]?\d+)?"
_NUMBER_RE = re.compile(_NUMBER)
_PERCENT_RE = re.compile(rf"({_NUMBER})\s*%")
_CURRENCY_RE = re.compile(rf"([$€£])\s*({_NUMBER})")
_TIME = r"(\d{1,2}):(\d{2})(?::(\d{2}))?"
_DATE_FORMS = [
    (re.compile(rf"(\d{{4}})-(\d{{1,2}})-(\d{{1,2}})(?:[ T]{_TIME})?"), "ymd", "yyyy-mm-dd"),
    (re.compile(rf"(\d{{4}})/(\d{{1,2}})/(\d{{1,2}})(?: {_TIME})?"), "ymd", "yyyy/mm/dd"),
    (re.compile(rf"(\d{{1,2}})/(\d{{1,2}})/(\d{{4}})(?: {_TIME})?"), "slash", ""),
    (re.compile(rf"(\d{{1,2}})\.(\d{{1,2}})\.(\d{{4}})(?: {_TIME})?"), "dmy", "dd.MM.yyyy"),
]
_TIME_RE = re.compile(_TIME)


def month_first(locale: str) -> bool:
    return locale.replace("-", "_") in ("en_US", "en_PH", "es_US")


Content = tuple[Scalar | None, str | None, dict[str, Any] | None]


def user_entered(value: Any, locale: str) -> Content:
    """valueInputOption=USER_ENTERED: parse as if typed into the Sheets UI."""
    if not isinstance(value, str):
        return raw(value)
    text = value.strip()
    if value == "":
        return None, None, None
    if value.startswith("'"):
        return value[1:], None, None
    if value.startswith("=") and len(value) > 1:
        return evaluate(value), value, None
    if text.upper() in ("TRUE", "FALSE"):
        return text.upper() == "TRUE", None, None
    if any(ch.isdigit() for ch in text):
        parsed = _parse_number_like(text, locale)
        if parsed is not None:
            return parsed
    return value, None, None


def _parse_number_like(
    text: str, locale: str
) -> tuple[Scalar | None, str | None, dict[str, Any] | None] | None:
    if _NUMBER_RE.fullmatch(text):
        return _num(float(text.replace(",", ""))), None, None
    m = _PERCENT_RE.fullmatch(text)
    if m:
        pattern = "0.00%" if "." in m.group(1) else "0%"
        return _num(float(m.group(1).replace(",", "")) / 100), None, {
            "type": "PERCENT", "pattern": pattern}
    m = _CURRENCY_RE.fullmatch(text)
    if m:
        return _num(float(m.group(2).replace(",", ""))), None, {
            "type": "CURRENCY", "pattern": f'"{m.group(1)}"#,##0.00'}
    for regex, order, pattern in _DATE_FORMS:
        m = regex.fullmatch(text)
        if not m:
            continue
        a, b, c = (int(g) for g in m.groups()[:3])
        if order == "ymd":
            y, mo, d = a, b, c
        elif order == "dmy" or (order == "slash" and not month_first(locale)):
            d, mo, y = a, b, c
            pattern = pattern or "dd/MM/yyyy"
        else:
            mo, d, y = a, b, c
            pattern = "M/d/yyyy"
        try:
            when = datetime(y, mo, d)
        except ValueError:
            return None
        if m.group(4) is not None:
            hh, mm, ss = int(m.group(4)), int(m.group(5)), int(m.group(6) or 0)
            if hh > 23 or mm > 59 or ss > 59:
                return None
            when = when.replace(hour=hh, minute=mm, second=ss)
            return _num(to_serial(when)), None, {"type": "DATE_TIME",
                                                 "pattern": pattern + " H:mm:ss"}
        return _num(to_serial(when)), None, {"type": "DATE", "pattern": pattern}
    m = _TIME_RE.fullmatch(text)
    if m:
        hh, mm, ss = int(m.group(1)), int(m.group(2)), int(m.group(3) or 0)
        if hh < 24 and mm < 60 and ss < 60:
            return _num(to_serial(time(hh, mm, ss))), None, {"type": "TIME", "pattern": "H:mm:ss"}
    return None


def _num(value: float) -> int | float:
    if math.isfinite(value) and value.is_integer() and abs(value) < 2**53:
        return int(value)
    return value


# ------------------------------------------------------------------- formulas
_BINOPS: dict[type[ast.operator], Callable[[Any, Any], Any]] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
    ast.Pow: operator.pow,
}
_HYPERLINK = re.compile(r'HYPERLINK\(\s*"([^"]*)"\s*(?:[,;]\s*"([^"]*)"\s*)?\)', re.IGNORECASE)


def evaluate(formula: str) -> Scalar:
    """Compute a formula's value for the few forms the fake understands.

    Arithmetic on literals, string literals, TRUE/FALSE and HYPERLINK("url","label").
    Anything else evaluates to "#NAME?" (the fake has no spreadsheet engine).
    """
    expr = formula[1:].strip()
    m = _HYPERLINK.fullmatch(expr)
    if m:
        return m.group(2) if m.group(2) is not None else m.group(1)
    if len(expr) >= 2 and expr[0] == expr[-1] == '"':
        return expr[1:-1].replace('""', '"')
    if expr.upper() in ("TRUE", "FALSE", "TRUE()", "FALSE()"):
        return expr.upper().startswith("TRUE")
    try:
        tree = ast.parse(expr.replace("^", "**"), mode="eval")
        return _num(float(_arith(tree.body)))
    except ZeroDivisionError:
        return "#DIV/0!"
    except (SyntaxError, ValueError, TypeError, OverflowError):
        return "#NAME?"


def _arith(node: ast.AST) -> float:
    if isinstance(node, ast.Constant) and isinstance(node.value, (int, float)):
        return float(node.value)
    if isinstance(node, ast.BinOp) and type(node.op) in _BINOPS:
        return float(_BINOPS[type(node.op)](_arith(node.left), _arith(node.right)))
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        inner = _arith(node.operand)
        return -inner if isinstance(node.op, ast.USub) else inner
    raise ValueError("unsupported formula")


# ------------------------------------------------------------------ rendering
def render(cell: Cell | None, value_render: str, date_render: str, locale: str) -> Any:
    """The value of one cell as values.get returns it; None for an empty cell."""
    if cell is None or cell.empty:
        return None
    if value_render == "FORMULA" and cell.formula is not None:
        return cell.formula
    value = cell.value
    nf = cell.number_format or {}
    is_date = nf.get("type") in DATE_TYPES and _is_number(value)
    if value_render == "FORMATTED_VALUE":
        return formatted(cell, locale)
    if is_date and date_render == "FORMATTED_STRING":
        return formatted(cell, locale)
    if isinstance(value, float):
        return _num(value)
    return value


def formatted(cell: Cell, locale: str) -> str:
    value = cell.value
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, str):
        return value
    nf = cell.number_format or {}
    kind = nf.get("type")
    if kind in DATE_TYPES:
        pattern = nf.get("pattern") or _default_pattern(kind, locale)
        return format_date(from_serial(float(value)), pattern)
    if kind == "PERCENT":
        decimals = _decimals(nf.get("pattern", "0%"))
        return f"{value * 100:.{decimals}f}%"
    if kind == "CURRENCY":
        pattern = nf.get("pattern", '"$"#,##0.00')
        symbol = re.search(r'"([^"]+)"', pattern)
        return f"{symbol.group(1) if symbol else '$'}{value:,.{_decimals(pattern)}f}"
    if kind in ("NUMBER", "SCIENTIFIC") and nf.get("pattern"):
        pattern = nf["pattern"]
        grouping = "," if "," in pattern else ""
        return f"{value:{grouping}.{_decimals(pattern)}f}"
    return format_number(value)


def format_number(value: int | float) -> str:
    value = _num(float(value))
    if isinstance(value, int):
        return str(value)
    return f"{value:.10g}"


def _decimals(pattern: str) -> int:
    m = re.search(r"\.(0+)", pattern)
    return len(m.group(1)) if m else 0


def _default_pattern(kind: str | None, locale: str) -> str:
    day = "M/d/yyyy" if month_first(locale) else "dd/MM/yyyy"
    if kind == "TIME":
        return "h:mm:ss am/pm" if month_first(locale) else "HH:mm:ss"
    if kind == "DATE_TIME":
        return day + " H:mm:ss"
    return day


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


_DATE_TOKEN = re.compile(
    r'yyyy|yy|mmmm|mmm|mm|m|dddd|ddd|dd|d|hh|h|ss|s|am/pm|a/p|\.0+|"[^"]*"|\\.|.', re.IGNORECASE
)
_MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December"]
_DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]


def format_date(when: datetime, pattern: str) -> str:
    """Render a Sheets date/time pattern (yyyy, mm, m, dd, d, hh, h, mm, ss, am/pm...)."""
    tokens = _DATE_TOKEN.findall(pattern)
    lower = [t.lower() for t in tokens]
    twelve = any(t in ("am/pm", "a/p") for t in lower)
    out: list[str] = []
    for i, tok in enumerate(lower):
        raw_tok = tokens[i]
        if tok in ("m", "mm"):
            prev = next((t for t in reversed(lower[:i]) if t[0] in "hdsym"), "")
            nxt = next((t for t in lower[i + 1 :] if t[0] in "hdsym"), "")
            if prev.startswith("h") or nxt.startswith("s"):
                out.append(f"{when.minute:02d}" if tok == "mm" else str(when.minute))
                continue
            out.append(f"{when.month:02d}" if tok == "mm" else str(when.month))
        elif tok == "yyyy":
            out.append(f"{when.year:04d}")
        elif tok == "yy":
            out.append(f"{when.year % 100:02d}")
        elif tok == "mmmm":
            out.append(_MONTHS[when.month - 1])
        elif tok == "mmm":
            out.append(_MONTHS[when.month - 1][:3])
        elif tok == "dddd":
            out.append(_DAYS[when.weekday()])
        elif tok == "ddd":
            out.append(_DAYS[when.weekday()][:3])
        elif tok in ("dd", "d"):
            out.append(f"{when.day:02d}" if tok == "dd" else str(when.day))
        elif tok in ("hh", "h"):
            hour = when.hour % 12 or 12 if twelve else when.hour
            out.append(f"{hour:02d}" if tok == "hh" else str(hour))
        elif tok in ("ss", "s"):
            out.append(f"{when.second:02d}" if tok == "ss" else str(when.second))
        elif tok in ("am/pm", "a/p"):
            out.append(("AM" if when.hour < 12 else "PM") if tok == "am/pm" else
                       ("A" if when.hour < 12 else "P"))
        elif raw_tok.startswith('"'):
            out.append(raw_tok[1:-1])
        elif raw_tok.startswith("\\"):
            out.append(raw_tok[1:])
        else:
            out.append(raw_tok)
    return "".join(out)


# -------------------------------------------------------------------- sorting
def sort_key(cell: Cell | None) -> tuple[int, Any]:
    """Ascending order of Sheets: numbers, then text (case-insensitive), then booleans."""
    if cell is None or cell.empty:
        return (9, 0)
    value = cell.value
    if isinstance(value, bool):
        return (2, value)
    if _is_number(value):
        return (0, value)
    return (1, str(value).lower())
