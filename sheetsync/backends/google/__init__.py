"""The Google Workspace backend: a Google Sheet, Google Calendar and Gmail drafts.

Google's libraries (gspread, google-auth, google-api-python-client) are imported only
inside the functions that need them, so importing this package stays cheap and
``sheetsync --help`` never loads them.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sheetsync.errors import ConfigError

if TYPE_CHECKING:
    from sheetsync.backends.google.retry import RetryPolicy
    from sheetsync.core.config import GoogleConfig
    from sheetsync.core.ports import Workspace

__all__ = ["build_service", "open_google_workspace", "parse_spreadsheet_id"]

_URL_ID = re.compile(r"/spreadsheets/(?:u/\d+/)?d/([A-Za-z0-9_-]+)")
_BARE_ID = re.compile(r"^[A-Za-z0-9_-]{20,}$")


def parse_spreadsheet_id(text: str) -> str:
    """The spreadsheet ID from an ID or a full ``docs.google.com/spreadsheets/d/...`` URL."""
    value = (text or "").strip().strip("\"'<>")
    if not value:
        raise ConfigError(
            "No spreadsheet is configured (google.spreadsheet is empty).",
            "Set google.spreadsheet in sheetsync.toml to the spreadsheet's URL or ID.")
    match = _URL_ID.search(value)
    if match:
        return match.group(1)
    if "://" in value or "/" in value:
        raise ConfigError(
            f"'{value}' is not a Google Sheets address.",
            "Copy the address from the browser while the spreadsheet is open: it looks "
            "like https://docs.google.com/spreadsheets/d/ID/edit.")
    if not _BARE_ID.match(value):
        raise ConfigError(
            f"'{value}' does not look like a spreadsheet ID.",
            "Use the long ID between /d/ and /edit in the spreadsheet's address, or the "
            "whole address.")
    return value


def build_service(api: str, version: str, *, credentials: Any = None, http: Any = None,
                  timeout: float = 120.0) -> Any:
    """A google-api-python-client service from the bundled discovery document.

    ``http`` (an httplib2-like object, e.g. the fake's) wins; otherwise requests are
    authorised with ``credentials`` over an ``httplib2.Http`` with a timeout.
    """
    from googleapiclient.discovery import build

    if http is None:
        import google_auth_httplib2  # type: ignore[import-untyped]
        import httplib2

        http = google_auth_httplib2.AuthorizedHttp(credentials, http=httplib2.Http(
            timeout=timeout))
    return build(api, version, http=http, static_discovery=True, cache_discovery=False)


def open_google_workspace(
    config: GoogleConfig,
    base_dir: Path,
    *,
    credentials: Any = None,
    session: Any = None,
    http: Any = None,
    policy: RetryPolicy | None = None,
) -> Workspace:
    """The register, calendar and mailbox for ``config``.

    Tests and benchmarks inject the fake's ``session`` (gspread) and ``http``
    (google-api-python-client); without them the credentials are loaded (or given).
    The workspace's namespace is the spreadsheet's ID.
    """
    from sheetsync.backends.google.auth import describe_identity, load_credentials
    from sheetsync.backends.google.calendar import GoogleCalendar
    from sheetsync.backends.google.mailbox import GmailMailbox
    from sheetsync.backends.google.register import SheetsRegister
    from sheetsync.backends.google.retry import RetryPolicy
    from sheetsync.core.ports import Workspace

    spreadsheet_id = parse_spreadsheet_id(config.spreadsheet)
    if credentials is None and (session is None or http is None):
        credentials = load_credentials(config, base_dir)
    policy = policy or RetryPolicy()
    identity = describe_identity(credentials) if credentials is not None else \
        "the signed-in Google account"
    register = SheetsRegister(spreadsheet_id, credentials=credentials, session=session,
                              policy=policy, identity=identity)
    calendar_service = build_service("calendar", "v3", credentials=credentials, http=http)
    gmail_service = build_service("gmail", "v1", credentials=credentials, http=http)
    account = config.subject if config.auth == "service_account" else ""
    mailbox = GmailMailbox(gmail_service, policy=policy, account=account)

    def dates_in(time_zone: str) -> None:
        mailbox.time_zone = time_zone

    register.time_zone_listeners.append(dates_in)
    return Workspace(
        register=register,
        calendar=GoogleCalendar(calendar_service, config.calendar or "primary",
                                namespace=spreadsheet_id, policy=policy),
        mailbox=mailbox,
        namespace=spreadsheet_id,
        closers=[register],
    )
