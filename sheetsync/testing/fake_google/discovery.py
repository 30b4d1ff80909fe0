"""Discovery documents: route matching and schema-driven request validation.

The documents are the ones bundled with google-api-python-client
(``googleapiclient/discovery_cache/documents/<api>.<version>.json``), so the fake checks
requests against exactly the surface the real client library was generated from.

Everything here is generic: nothing knows about Sheets, Calendar or Gmail.
"""

from __future__ import annotations

import base64
import binascii
import functools
import json
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from importlib import resources
from typing import Any
from urllib.parse import unquote

from .errors import ApiError, bad_request

DOCUMENTS = {
    "sheets": "sheets.v4",
    "calendar": "calendar.v3",
    "gmail": "gmail.v1",
    "drive": "drive.v3",
}

# Drive v3 ignores query parameters it does not know: gspread sends files.get an
# "includeItemsFromAllDrives" and the recorded real answer is 200. The ESF-served APIs
# answer 400 "Cannot bind query parameter" (googleapis/google-api-nodejs-client#588).
# Drive also tolerates spaces in a fields selector, Sheets answers 400
# (ringo380/claude-google-sheets-mcp#4).
LENIENT_QUERY = frozenset({"drive"})


@dataclass(frozen=True)
class ParamSpec:
    name: str
    type: str
    location: str
    required: bool = False
    repeated: bool = False
    enum: tuple[str, ...] | None = None
    format: str | None = None
    minimum: int | None = None
    maximum: int | None = None


@dataclass
class MethodSpec:
    id: str
    api: str
    http_method: str
    template: str
    regex: re.Pattern[str]
    literal_len: int
    params: dict[str, ParamSpec]
    request_ref: str | None
    response_ref: str | None
    scopes: tuple[str, ...] = ()
    media_upload: bool = False


@dataclass
class Discovery:
    """One loaded discovery document."""

    api: str
    doc: dict[str, Any]
    methods: list[MethodSpec] = field(default_factory=list)
    global_params: dict[str, ParamSpec] = field(default_factory=dict)

    @property
    def root_url(self) -> str:
        return str(self.doc["rootUrl"])

    @property
    def service_path(self) -> str:
        return str(self.doc.get("servicePath", ""))

    @property
    def batch_path(self) -> str:
        return str(self.doc.get("batchPath", "batch"))

    @property
    def schemas(self) -> dict[str, Any]:
        return dict(self.doc.get("schemas", {}))

    def method(self, method_id: str) -> MethodSpec:
        for spec in self.methods:
            if spec.id == method_id:
                return spec
        raise KeyError(method_id)

    # ----------------------------------------------------------------- routing
    def match(self, http_method: str, raw_path: str) -> tuple[MethodSpec, dict[str, str]] | None:
        """Find the method for ``raw_path`` (still percent-encoded, starting with '/')."""
        http_method = http_method.upper()
        for spec in self.methods:
            if spec.http_method != http_method:
                continue
            m = spec.regex.fullmatch(raw_path)
            if m:
                return spec, {k: unquote(v) for k, v in m.groupdict().items()}
        return None

    # -------------------------------------------------------------- parameters
    def parse_query(self, spec: MethodSpec, query: dict[str, list[str]]) -> dict[str, Any]:
        """Check query parameters exist for the method and convert them to Python values."""
        out: dict[str, Any] = {}
        for name, values in query.items():
            pspec = spec.params.get(name) or self.global_params.get(name)
            if pspec is None and self.api in LENIENT_QUERY:
                continue
            if pspec is None or pspec.location != "query":
                raise bad_request(
                    f'Invalid JSON payload received. Unknown name "{name}": Cannot bind query'
                    f" parameter. Field '{name}' could not be found in request message."
                )
            converted = [_convert_param(pspec, v) for v in values]
            out[name] = converted if pspec.repeated else converted[-1]
        for pspec in spec.params.values():
            if pspec.required and pspec.location == "query" and pspec.name not in out:
                raise ApiError(400, f"Required parameter: {pspec.name}", reason="required")
        return out

    # --------------------------------------------------------------------- body
    def validate_body(self, spec: MethodSpec, body: Any) -> None:
        if spec.request_ref is None:
            return
        if not isinstance(body, dict):
            raise bad_request(
                "Invalid JSON payload received. Expected an object at the top level.", ""
            )
        SchemaValidator(self, spec.id).check({"$ref": spec.request_ref}, body, "")

    # ------------------------------------------------------------------ fields
    def apply_fields(self, spec: MethodSpec, value: Any, fields: str) -> Any:
        """Apply a partial-response ``fields`` selector, checking names against the schema."""
        if self.api in LENIENT_QUERY:  # Drive tolerates "id, name"; Sheets does not
            fields = re.sub(r"\s*([,()])\s*", r"\1", fields.strip())
        tree = parse_fields(fields)
        if spec.response_ref:
            _check_fields(self, {"$ref": spec.response_ref}, tree, "")
        return _select(value, tree)


# --------------------------------------------------------------------- loading
def _documents_dir() -> Any:
    return resources.files("googleapiclient") / "discovery_cache" / "documents"


@functools.cache
def load(api: str) -> Discovery:
    """Load and index the bundled discovery document for ``api`` ('sheets', 'calendar'...)."""
    name = DOCUMENTS[api]
    doc = json.loads((_documents_dir() / f"{name}.json").read_text(encoding="utf-8"))
    disc = Discovery(api=api, doc=doc)
    for pname, p in doc.get("parameters", {}).items():
        disc.global_params[pname] = _param_spec(pname, p)
    service_path = str(doc.get("servicePath", ""))
    for m in _walk_methods(doc):
        template = "/" + service_path + str(m.get("flatPath") or m["path"])
        regex, literal_len = _template_regex(template)
        params = {n: _param_spec(n, p) for n, p in m.get("parameters", {}).items()}
        disc.methods.append(
            MethodSpec(
                id=str(m["id"]),
                api=api,
                http_method=str(m["httpMethod"]).upper(),
                template=template,
                regex=regex,
                literal_len=literal_len,
                params=params,
                request_ref=(m.get("request") or {}).get("$ref"),
                response_ref=(m.get("response") or {}).get("$ref"),
                scopes=tuple(m.get("scopes", ())),
                media_upload=bool(m.get("supportsMediaUpload")),
            )
        )
    # Most specific templates first, so ".../values/{range}:append" beats ".../values/{range}".
    disc.methods.sort(key=lambda s: -s.literal_len)
    return disc


def _walk_methods(node: dict[str, Any]) -> list[dict[str, Any]]:
    found = list(node.get("methods", {}).values())
    for res in node.get("resources", {}).values():
        found.extend(_walk_methods(res))
    return found


def _param_spec(name: str, p: dict[str, Any]) -> ParamSpec:
    enum = p.get("enum")
    return ParamSpec(
        name=name,
        type=str(p.get("type", "string")),
        location=str(p.get("location", "query")),
        required=bool(p.get("required")),
        repeated=bool(p.get("repeated")),
        enum=tuple(enum) if enum else None,
        format=p.get("format"),
        minimum=int(p["minimum"]) if "minimum" in p else None,
        maximum=int(p["maximum"]) if "maximum" in p else None,
    )


_PLACEHOLDER = re.compile(r"\{(\+?)([A-Za-z0-9_.]+)\}")


def _template_regex(template: str) -> tuple[re.Pattern[str], int]:
    parts: list[str] = []
    pos = 0
    literal = 0
    for m in _PLACEHOLDER.finditer(template):
        parts.append(re.escape(template[pos : m.start()]))
        literal += m.start() - pos
        group = m.group(2).replace(".", "_")
        parts.append(f"(?P<{group}>.+)" if m.group(1) else f"(?P<{group}>[^/]+)")
        pos = m.end()
    parts.append(re.escape(template[pos:]))
    literal += len(template) - pos
    return re.compile("".join(parts)), literal


_INT_RE = re.compile(r"-?\d+")


def _convert_param(p: ParamSpec, raw: str) -> Any:
    value: Any = raw
    if p.type == "integer":
        if not _INT_RE.fullmatch(raw):
            raise bad_request(f"Invalid value at '{p.name}' (TYPE_INT32), \"{raw}\"", p.name)
        value = int(raw)
        if p.minimum is not None and value < p.minimum:
            raise bad_request(f"Invalid value '{raw}'. Values must be >= {p.minimum}", p.name)
        if p.maximum is not None and value > p.maximum:
            raise bad_request(f"Invalid value '{raw}'. Values must be <= {p.maximum}", p.name)
    elif p.type == "boolean":
        low = raw.lower()
        if low not in ("true", "false", "1", "0"):
            raise bad_request(f"Invalid value at '{p.name}' (TYPE_BOOL), \"{raw}\"", p.name)
        value = low in ("true", "1")
    elif p.enum and raw not in p.enum:
        raise bad_request(f"Invalid value at '{p.name}' (TYPE_ENUM), \"{raw}\"", p.name)
    return value


# ----------------------------------------------------------------- validation
def snake(name: str) -> str:
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", name).lower()


def _join(path: str, key: str) -> str:
    return f"{path}.{snake(key)}" if path else snake(key)


_INT_FORMATS = {
    "int32": (-(2**31), 2**31 - 1),
    "uint32": (0, 2**32 - 1),
    "int64": (-(2**63), 2**63 - 1),
    "uint64": (0, 2**64 - 1),
}
_NUMBER_RE = re.compile(r"-?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?|NaN|-?Infinity")
_RFC3339 = re.compile(
    r"\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})?"
)


class SchemaValidator:
    """Recursive validation of a JSON value against a discovery schema.

    Unknown object fields are rejected (Google answers 400 "Cannot find field"), scalar
    types, int32/int64 formats, enums, dates and ``additionalProperties`` maps are checked.
    JSON ``null`` is accepted anywhere (proto3 reads it as "not set").
    """

    def __init__(self, disc: Discovery, method_id: str) -> None:
        self.schemas = disc.doc.get("schemas", {})
        self.method_id = method_id

    def resolve(self, schema: dict[str, Any]) -> tuple[dict[str, Any], str | None]:
        ref = schema.get("$ref")
        if ref is None:
            return schema, schema.get("id")
        return self.schemas[ref], ref

    def check(self, schema: dict[str, Any], value: Any, path: str) -> None:
        if value is None:
            return
        schema, name = self.resolve(schema)
        kind = schema.get("type")
        if kind == "object" or "properties" in schema or "additionalProperties" in schema:
            self._object(schema, name, value, path)
        elif kind == "array":
            if not isinstance(value, list):
                raise _invalid(path, "type.googleapis.com/google.protobuf.ListValue", value)
            items = schema.get("items", {})
            for i, item in enumerate(value):
                self.check(items, item, f"{path}[{i}]")
        elif kind == "string":
            self._string(schema, value, path)
        elif kind == "integer":
            self._integer(schema.get("format") or "int32", value, path)
        elif kind == "number":
            if isinstance(value, bool) or not (
                isinstance(value, (int, float))
                or (isinstance(value, str) and _NUMBER_RE.fullmatch(value))
            ):
                raise _invalid(path, "TYPE_DOUBLE", value)
        elif kind == "boolean" and not isinstance(value, bool):
            raise _invalid(path, "TYPE_BOOL", value)
        # "any" and untyped schemas accept everything.

    def _object(self, schema: dict[str, Any], name: str | None, value: Any, path: str) -> None:
        if not isinstance(value, dict):
            raise _invalid(path, f"type.googleapis.com/{name or 'google.protobuf.Struct'}", value)
        props: dict[str, Any] = schema.get("properties", {})
        extra = schema.get("additionalProperties")
        for key, item in value.items():
            if key in props:
                self.check(props[key], item, _join(path, key))
            elif extra is not None:
                self.check(extra, item, f"{path}[{key}]" if path else f"[{key}]")
            else:
                where = f" at '{path}'" if path else ""
                raise bad_request(
                    f'Invalid JSON payload received. Unknown name "{key}"{where}: '
                    "Cannot find field.",
                    path,
                )
        for key, prop in props.items():
            required = prop.get("annotations", {}).get("required", ())
            if self.method_id in required and value.get(key) is None:
                raise ApiError(400, f"Missing {_join(path, key)}.", reason="required")

    def _string(self, schema: dict[str, Any], value: Any, path: str) -> None:
        fmt = schema.get("format")
        if fmt in _INT_FORMATS:
            self._integer(fmt, value, path)
            return
        if fmt in ("double", "float"):
            if isinstance(value, bool) or not (
                isinstance(value, (int, float))
                or (isinstance(value, str) and _NUMBER_RE.fullmatch(value))
            ):
                raise _invalid(path, "TYPE_DOUBLE", value)
            return
        if not isinstance(value, str):
            raise _invalid(path, "TYPE_STRING", value)
        enum = schema.get("enum")
        if enum and value not in enum:
            raise _invalid(path, "TYPE_ENUM", value)
        if fmt in ("date-time", "google-datetime") and not _valid_datetime(value):
            raise _invalid(path, "TYPE_STRING", value, f"Invalid value for {fmt}")
        if fmt == "date" and not _valid_date(value):
            raise _invalid(path, "TYPE_STRING", value, "Invalid value for date")
        if fmt == "byte" and not _valid_base64(value):
            raise _invalid(path, "TYPE_BYTES", value, "Invalid value for ByteString")

    def _integer(self, fmt: str, value: Any, path: str) -> None:
        type_name = f"TYPE_{fmt.upper()}"
        if isinstance(value, bool):
            raise _invalid(path, type_name, value)
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if isinstance(value, str) and _INT_RE.fullmatch(value):
            value = int(value)
        if not isinstance(value, int):
            raise _invalid(path, type_name, value)
        low, high = _INT_FORMATS.get(fmt, _INT_FORMATS["int64"])
        if not low <= value <= high:
            raise _invalid(path, type_name, value)


def _invalid(path: str, type_name: str, value: Any, prefix: str | None = None) -> ApiError:
    shown = json.dumps(value, ensure_ascii=False)
    text = f"Invalid value at '{path}' ({type_name}), {shown}"
    if prefix:
        text = f"{prefix}: {text}"
    return bad_request(text, path)


def _valid_datetime(value: str) -> bool:
    if not _RFC3339.fullmatch(value):
        return False
    try:
        datetime.fromisoformat(value[:19])
    except ValueError:
        return False
    return True


def _valid_date(value: str) -> bool:
    try:
        date.fromisoformat(value)
    except ValueError:
        return False
    return len(value) == 10


def decode_base64(value: str) -> bytes:
    """Strictly decode standard or URL-safe base64, padded or not (raises binascii.Error)."""
    normalized = value.strip().replace("-", "+").replace("_", "/")
    return base64.b64decode(normalized + "=" * (-len(normalized) % 4), validate=True)


def _valid_base64(value: str) -> bool:
    try:
        decode_base64(value)
    except (binascii.Error, ValueError):
        return False
    return True


# ------------------------------------------------------------- fields selector
FieldTree = dict[str, "FieldTree | None"]


def parse_fields(text: str) -> FieldTree:
    """Parse a partial-response selector such as ``sheets(properties(title,sheetId)),x/y``.

    Both ``/`` and ``.`` separate nested names. ``None`` as a subtree means "everything".
    """
    pos = 0

    def parse_list() -> FieldTree:
        nonlocal pos
        tree: FieldTree = {}
        while True:
            start = pos
            while pos < len(text) and text[pos] not in ",()":
                pos += 1
            path = text[start:pos]
            if not path.strip():
                raise bad_request(f"Invalid field selection {text}")
            sub: FieldTree | None = None
            if pos < len(text) and text[pos] == "(":
                pos += 1
                sub = parse_list()
                if pos >= len(text) or text[pos] != ")":
                    raise bad_request(f"Invalid field selection {text}")
                pos += 1
            names = re.split(r"[/.]", path)
            node = tree
            for name in names[:-1]:
                child = node.get(name, {})
                if child is None:
                    break
                node[name] = child
                node = child
            else:
                last = names[-1]
                if sub is None or node.get(last, {}) is None:
                    node[last] = None
                else:
                    existing = node.get(last) or {}
                    existing.update(sub)
                    node[last] = existing
            if pos < len(text) and text[pos] == ",":
                pos += 1
                continue
            return tree

    result = parse_list()
    if pos != len(text):
        raise bad_request(f"Invalid field selection {text}")
    return result


def _check_fields(disc: Discovery, schema: dict[str, Any], tree: FieldTree, path: str) -> None:
    validator = SchemaValidator(disc, "")
    schema, _ = validator.resolve(schema)
    if schema.get("type") == "array":
        schema, _ = validator.resolve(schema.get("items", {}))
    props = schema.get("properties")
    if props is None:
        return  # maps and "any" accept every name
    for name, sub in tree.items():
        if name == "*":
            continue
        if name not in props:
            raise bad_request(
                f"Invalid field selection {path + name}"
                if path
                else f"Invalid field selection {name}"
            )
        if sub:
            _check_fields(disc, props[name], sub, f"{path}{name}.")


def _select(value: Any, tree: FieldTree | None) -> Any:
    if tree is None or "*" in tree:
        return value
    if isinstance(value, list):
        return [_select(v, tree) for v in value]
    if isinstance(value, dict):
        if all(tree.get(k, 0) is None for k in value):
            return value  # every key kept whole (a cell's value): no copy needed
        return {k: _select(v, tree[k]) for k, v in value.items() if k in tree}
    return value
