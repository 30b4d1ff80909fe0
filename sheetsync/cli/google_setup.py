"""``sheetsync auth login`` and ``sheetsync init --google``."""

from __future__ import annotations

from pathlib import Path
from typing import TextIO

from sheetsync.core.config import Config, load_config
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


def init_google(spreadsheet: str, config_path: str | None, out: TextIO) -> int:
    from sheetsync.backends.google import open_google_workspace, parse_spreadsheet_id
    from sheetsync.backends.google.auth import load_credentials
    from sheetsync.backends.google.layout import create_spreadsheet, lay_out
    from sheetsync.backends.google.register import SheetsRegister
    from sheetsync.workspace.local_init import register_tables

    config = load_config(config_path, required=False)
    credentials = load_credentials(config.google, config.base_dir)
    if spreadsheet == "new":
        bootstrap = SheetsRegister("new", credentials=credentials)
        spreadsheet_id = create_spreadsheet(bootstrap.http_client, "Referral register")
        out.write(f"Created a new spreadsheet: "
                  f"https://docs.google.com/spreadsheets/d/{spreadsheet_id}/edit\n")
    else:
        spreadsheet_id = parse_spreadsheet_id(spreadsheet)
    google = config.google.model_copy(update={"spreadsheet": spreadsheet_id})
    workspace = open_google_workspace(google, config.base_dir, credentials=credentials)
    register = workspace.register
    assert isinstance(register, SheetsRegister)
    changes = lay_out(register, register_tables(None))
    # Tabs holding data get only what they lack; say what that was.
    for line in changes.lines():
        out.write(f"  {line}\n")
    if not changes.changed:
        out.write("  every tab, column, dropdown and highlight is already there; "
                  "nothing changed\n")
    _write_config(config, spreadsheet_id, out)
    return int(ExitCode.OK)


def _write_config(config: Config, spreadsheet_id: str, out: TextIO) -> None:
    if config.path is not None:
        if config.google.spreadsheet and config.google.spreadsheet != spreadsheet_id:
            raise ConfigError(
                f"{config.path} points at another spreadsheet ({config.google.spreadsheet}).",
                f"Set google.spreadsheet = \"{spreadsheet_id}\" there if this one is meant.")
        out.write(f"Using {config.path}; make sure google.spreadsheet is {spreadsheet_id}.\n")
        return
    target = Path("sheetsync.toml")
    target.write_text(GOOGLE_CONFIG.format(spreadsheet=spreadsheet_id), encoding="utf-8")
    out.write(f"Wrote {target}. Next: 'sheetsync doctor', then 'sheetsync sync'.\n")
