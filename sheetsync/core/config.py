"""``sheetsync.toml``: which backend to use and where its files or Google ids are.

Clinic-level choices (time zone, sender, working hours ...) live in the register's
Settings tab instead, where staff can change them without touching a server.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from sheetsync.errors import ConfigError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on 3.10 only
    import tomli as tomllib

CONFIG_ENV = "SHEETSYNC_CONFIG"
DEFAULT_CONFIG = "sheetsync.toml"


class LocalConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)
    # "register" is the TOML key; the attribute name avoids pydantic's reserved names.
    register_file: Path = Field(Path("register.xlsx"), alias="register")
    calendar: Path = Path("calendar.ics")
    drafts: Path = Path("drafts")
    sent: Path = Path("sent")
    inbox: Path = Path("inbox")  # replies and bounces saved as .eml (the tracker)


# Google's per-minute quotas for a Cloud project created from May 2026 (README,
# "Performance"): Sheets 60 read and 60 write requests per user, Calendar 600 requests
# per user, Gmail 6,000 quota units per user. The least each may be: one request (Gmail:
# its dearest call sheetsync makes, messages.get, 20 units).
# Per project (every user of the Cloud project together): Sheets 300, Calendar 10,000,
# Gmail 1,200,000 units.
QUOTA_DEFAULTS = {"sheets_per_minute": 60, "calendar_per_minute": 600,
                  "gmail_units_per_minute": 6000, "project_sheets_per_minute": 300,
                  "project_calendar_per_minute": 10_000,
                  "project_gmail_units_per_minute": 1_200_000}
QUOTA_LEAST = {"sheets_per_minute": 1, "calendar_per_minute": 1,
               "gmail_units_per_minute": 20, "project_sheets_per_minute": 1,
               "project_calendar_per_minute": 1, "project_gmail_units_per_minute": 20}
QUOTA_MOST = 10_000_000


class QuotaConfig(BaseModel):
    """``[google.quotas]``: how fast sheetsync may spend each API's per-user quota, and
    (``project_*``) the Cloud project's, shared by every user of the project."""

    model_config = ConfigDict(extra="forbid")
    sheets_per_minute: int = QUOTA_DEFAULTS["sheets_per_minute"]
    calendar_per_minute: int = QUOTA_DEFAULTS["calendar_per_minute"]
    gmail_units_per_minute: int = QUOTA_DEFAULTS["gmail_units_per_minute"]
    project_sheets_per_minute: int = QUOTA_DEFAULTS["project_sheets_per_minute"]
    project_calendar_per_minute: int = QUOTA_DEFAULTS["project_calendar_per_minute"]
    project_gmail_units_per_minute: int = QUOTA_DEFAULTS["project_gmail_units_per_minute"]

    @field_validator("sheets_per_minute", "calendar_per_minute", "gmail_units_per_minute",
                     "project_sheets_per_minute", "project_calendar_per_minute",
                     "project_gmail_units_per_minute", mode="before")
    @classmethod
    def _whole_number(cls, value: Any, info: Any) -> int:
        name = str(info.field_name)
        least, default = QUOTA_LEAST[name], QUOTA_DEFAULTS[name]
        what = "quota units" if name.startswith("gmail") else "requests"
        if isinstance(value, bool) or not isinstance(value, int) or \
                not least <= value <= QUOTA_MOST:
            raise ValueError(
                f"it must be a whole number of {what} a minute from {least:,} up, as in "
                f"your Google Cloud project's quota page (Google's standard figure is "
                f"{default:,}); it is {value!r}")
        return value


class GoogleConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")
    spreadsheet: str = ""
    calendar: str = "primary"
    auth: Literal["oauth", "service_account"] = "oauth"
    client_secrets: Path = Path("client_secret.json")
    token: Path = Path("token.json")
    service_account_file: Path = Path("service-account.json")
    subject: str = ""
    quotas: QuotaConfig = Field(default_factory=QuotaConfig)


class Config(BaseModel):
    model_config = ConfigDict(extra="forbid")
    backend: Literal["local", "google"] = "local"
    local: LocalConfig = Field(default_factory=lambda: LocalConfig.model_validate({}))
    google: GoogleConfig = Field(default_factory=GoogleConfig)
    # Where the file was found; relative paths inside it are relative to this folder.
    base_dir: Path = Path(".")
    path: Path | None = None

    def resolve(self, path: Path) -> Path:
        return path if path.is_absolute() else (self.base_dir / path)


def find_config_path(explicit: str | None) -> Path:
    if explicit:
        return Path(explicit)
    env = os.environ.get(CONFIG_ENV)
    if env:
        return Path(env)
    return Path(DEFAULT_CONFIG)


def load_config(explicit: str | None = None, *, required: bool = True) -> Config:
    """The config at ``explicit``, $SHEETSYNC_CONFIG or ./sheetsync.toml.

    With ``required=False`` a missing file gives the defaults (for commands such as
    ``auth login`` that may run before a config exists), relative to this folder.
    """
    path = find_config_path(explicit)
    if not path.exists() and not required:
        return Config(base_dir=Path.cwd(), path=None)
    if not path.exists():
        raise ConfigError(
            f"No configuration file at {path}.",
            "Run 'sheetsync init --local DIR' to create a workspace, or pass "
            f"--config PATH (or set {CONFIG_ENV}).",
        )
    try:
        data: dict[str, Any] = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"Cannot read {path}: {exc}.",
                          "Check the file exists and is text.") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path} is not valid TOML: {exc}.",
                          "Fix the line named above (see README, 'Configuration').") from None
    try:
        config = Config.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        if first["type"] == "extra_forbidden":
            raise ConfigError(
                f"{path}: there is no setting '{where}'.",
                "Check its spelling; the README's 'Configuration' section lists the "
                "settings.") from None
        message = str(first["msg"]).removeprefix("Value error, ")
        raise ConfigError(
            f"{path}: setting '{where}' is wrong: {message}.",
            "See the README's 'Configuration' section for the allowed settings.",
        ) from None
    return config.model_copy(update={"base_dir": path.resolve().parent, "path": path})
