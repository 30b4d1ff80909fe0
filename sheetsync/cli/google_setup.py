"""``sheetsync auth login`` and ``sheetsync init --google``."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from sheetsync.core.config import Config, GoogleConfig, load_config
from sheetsync.errors import ConfigError, ExitCode

GOOGLE_CONFIG = """\
# sheetsync configuration: see the README, "Connecting Google".
backend = "google"

[google]
spreadsheet = "{spreadsheet}"
calendar = "primary"                      # or a calendar ID from its settings
auth = "oauth"                            # or "service_account" (Google Workspace)
client_secrets = "client_secret.json"     # OAuth 'Desktop app' client, for auth login
token = "token.json"                      # written by 'sheetsync auth login' (mode 0600)
# service_account_file = "service-account.json"
# subject = "owner@your-clinic.com"       # the address the service account acts as
"""

SERVICE_ACCOUNT_CONFIG = """\
# sheetsync configuration: see the README, "Connecting Google".
backend = "google"

[google]
spreadsheet = "{spreadsheet}"
calendar = "primary"                      # or a calendar ID from its settings
auth = "service_account"                  # a Google Workspace service account
service_account_file = "{key_file}"
subject = "{subject}"                     # the address it acts as (domain-wide delegation)
"""

# Asks a question with a suggested answer; returns the answer ("" takes the suggestion).
Ask = Callable[[str, str], str]


@dataclass(frozen=True)
class ClinicChoices:
    """What ``init --google new`` sets on the spreadsheet and in its Settings tab."""

    time_zone: str
    locale: str

    @property
    def date_order(self) -> str:
        from sheetsync.backends.google.sheet_locale import date_order_of

        return date_order_of(self.locale)


def auth_login(config_path: str | None, *, client_secrets: str | None, no_browser: bool,
               port: int, out: TextIO) -> int:
    from sheetsync.backends.google.auth import describe_identity, login

    config = load_config(config_path, required=False)
    secrets = Path(client_secrets) if client_secrets else config.resolve(
        config.google.client_secrets)
    token = config.resolve(config.google.token)
    credentials = login(secrets, token, open_browser=not no_browser, port=port)
    out.write(f"Signed in as {describe_identity(credentials)}; token saved to {token} "
              "(readable by you only).\n")
    return int(ExitCode.OK)


def sign_in_choice(config: Config, service_account: str | None, subject: str | None
                   ) -> GoogleConfig:
    """How ``init`` signs in: the config's way, unless the options (or, with no config,
    a service-account key beside it and no OAuth token) say a service account."""
    google = config.google
    if service_account is None and config.path is None and google.auth == "oauth":
        key = config.resolve(google.service_account_file)
        if key.is_file() and not config.resolve(google.token).exists():
            service_account = str(google.service_account_file)
    if service_account is None:
        if subject and google.auth == "service_account":
            return google.model_copy(update={"subject": subject.strip()})
        return google
    who = (subject or google.subject).strip()
    if not who:
        raise ConfigError(
            f"Signing in with the service account {service_account} needs the address it "
            "acts as (domain-wide delegation).",
            "Add --subject owner@your-clinic.com (whose calendar and drafts these are).")
    return google.model_copy(update={"auth": "service_account",
                                     "service_account_file": Path(service_account),
                                     "subject": who})


def clinic_choices(time_zone: str | None, locale: str | None, ask: Ask | None
                   ) -> ClinicChoices:
    """The clinic's time zone and the sheet's locale: from the options, else asked (on a
    terminal), else Settings' default time zone and the locale usual there."""
    from sheetsync.backends.google.sheet_locale import (
        check_locale,
        check_time_zone,
        default_locale,
    )
    from sheetsync.core.settings import ClinicSettings

    zone = time_zone or ClinicSettings().time_zone
    if time_zone is None and ask is not None:
        zone = ask("Time zone of the clinic", zone).strip() or zone
    zone = check_time_zone(zone)
    chosen = locale or default_locale(zone)
    if locale is None and ask is not None:
        chosen = ask("Spreadsheet locale (how a typed 03/04/2026 is read: en_GB 3 April, "
                     "en_US March 4)", chosen).strip() or chosen
    return ClinicChoices(zone, check_locale(chosen))


def init_google(spreadsheet: str, config_path: str | None, out: TextIO, *,
                time_zone: str | None = None, locale: str | None = None,
                service_account: str | None = None, subject: str | None = None,
                ask: Ask | None = None, session: Any = None, http: Any = None) -> int:
    """Lay out a Google Sheet (``new``: create one, with the clinic's time zone and
    locale) and write ``sheetsync.toml`` for the way this run signed in.

    ``session``/``http`` are the fake's, in tests (no credentials are loaded then)."""
    from sheetsync.backends.google import open_google_workspace, parse_spreadsheet_id
    from sheetsync.backends.google.auth import load_credentials
    from sheetsync.backends.google.layout import create_spreadsheet, lay_out
    from sheetsync.backends.google.register import SheetsRegister
    from sheetsync.workspace.local_init import register_tables

    config = load_config(config_path, required=False)
    google = sign_in_choice(config, service_account, subject)
    credentials = None if session is not None and http is not None else \
        load_credentials(google, config.base_dir)
    choices: ClinicChoices | None = None
    if spreadsheet == "new":
        choices = clinic_choices(time_zone, locale, ask)
        bootstrap = SheetsRegister("new", credentials=credentials, session=session)
        spreadsheet_id = create_spreadsheet(bootstrap.http_client, "Referral register",
                                            time_zone=choices.time_zone,
                                            locale=choices.locale)
        out.write(f"Created a new spreadsheet: "
                  f"https://docs.google.com/spreadsheets/d/{spreadsheet_id}/edit\n"
                  f"  time zone {choices.time_zone}; locale {choices.locale}: a typed "
                  f"03/04/2026 is read {choices.date_order} (Settings say the same); date "
                  "columns show dates as yyyy-mm-dd\n")
    else:
        spreadsheet_id = parse_spreadsheet_id(spreadsheet)
    google = google.model_copy(update={"spreadsheet": spreadsheet_id})
    workspace = open_google_workspace(google, config.base_dir, credentials=credentials,
                                      session=session, http=http)
    register = workspace.register
    assert isinstance(register, SheetsRegister)
    changes = lay_out(register, _with_choices(register_tables(None), choices))
    # Tabs holding data get only what they lack; say what that was.
    for line in changes.lines():
        out.write(f"  {line}\n")
    if not changes.changed:
        out.write("  every tab, column, dropdown and highlight is already there; "
                  "nothing changed\n")
    _write_config(config, google, spreadsheet_id, out)
    return int(ExitCode.OK)


def _with_choices(tables: list[Any], choices: ClinicChoices | None) -> list[Any]:
    """The Settings tab's starting rows say the time zone and date order of the sheet."""
    if choices is None:
        return tables
    from sheetsync.core.schema import SETTINGS

    wanted = {"time zone": choices.time_zone, "date order": choices.date_order}
    out = []
    for title, header, rows in tables:
        if title == SETTINGS.name:
            rows = [[row[0], wanted.get(str(row[0]).strip().lower(), row[1]), *row[2:]]
                    for row in rows]
        out.append((title, header, rows))
    return out


def _write_config(config: Config, google: GoogleConfig, spreadsheet_id: str,
                  out: TextIO) -> None:
    if config.path is not None:
        if config.google.spreadsheet and config.google.spreadsheet != spreadsheet_id:
            raise ConfigError(
                f"{config.path} points at another spreadsheet ({config.google.spreadsheet}).",
                f"Set google.spreadsheet = \"{spreadsheet_id}\" there if this one is meant.")
        out.write(f"Using {config.path}; make sure google.spreadsheet is {spreadsheet_id}.\n")
        return
    target = Path("sheetsync.toml")
    if google.auth == "service_account":
        text = SERVICE_ACCOUNT_CONFIG.format(
            spreadsheet=spreadsheet_id, key_file=google.service_account_file.as_posix(),
            subject=google.subject)
    else:
        text = GOOGLE_CONFIG.format(spreadsheet=spreadsheet_id)
    target.write_text(text, encoding="utf-8")
    how = "a service account" if google.auth == "service_account" else "OAuth"
    out.write(f"Wrote {target} (signing in with {how}). Next: 'sheetsync doctor', then "
              "'sheetsync sync'.\n")
