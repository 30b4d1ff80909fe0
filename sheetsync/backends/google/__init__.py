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
    from sheetsync.backends.google.pacer import Pacers
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
                  timeout: float = 120.0, pacers: Pacers | None = None) -> Any:
    """A google-api-python-client service from the bundled discovery document.

    ``http`` (an httplib2-like object, e.g. the fake's) wins; otherwise requests are
    authorised with ``credentials`` over an ``httplib2.Http`` with a timeout. With
    ``pacers`` every request waits for its API's quota first (``pacer``).
    """
    from googleapiclient.discovery import build

    if http is None:
        import google_auth_httplib2  # type: ignore[import-untyped]
        import httplib2

        http = google_auth_httplib2.AuthorizedHttp(credentials, http=httplib2.Http(
            timeout=timeout))
    if pacers is not None:
        from sheetsync.backends.google.pacer import PacedHttp

        http = PacedHttp(http, pacers.for_api(api))
    return build(api, version, http=http, static_discovery=True, cache_discovery=False)


def quota_project(credentials: Any) -> str:
    """Which Cloud project's quota the credentials spend: a service account's project,
    or the OAuth client's (each client belongs to one project)."""
    for name in ("project_id", "quota_project_id", "client_id"):
        value = getattr(credentials, name, None)
        if isinstance(value, str) and value:
            return value
    return "default"


def quota_user(credentials: Any) -> str:
    """Whose per-user quota the credentials spend: the user a service account acts as (or
    the service account itself), or the signed-in account. An OAuth token that does not
    name its account is told apart by its refresh token (the same token file, the same
    user); two token files of one account then count apart, and Google's occasional 429
    is retried."""
    import hashlib

    for name in ("_subject", "service_account_email", "account"):
        value = getattr(credentials, name, None)
        if isinstance(value, str) and value:
            return value
    refresh = getattr(credentials, "refresh_token", None)
    if isinstance(refresh, str) and refresh:
        return "token:" + hashlib.sha256(refresh.encode()).hexdigest()[:16]
    return ""


def pacers_for(config: GoogleConfig, credentials: Any, *, window: float = 60.0) -> Pacers:
    """The shared pacers of the credentials' user in their Cloud project, sized from
    [google.quotas] (per user, and per project for every user of it)."""
    from sheetsync.backends.google.pacer import shared_pacers

    quotas = config.quotas
    return shared_pacers(quota_project(credentials), user=quota_user(credentials),
                         sheets_per_minute=quotas.sheets_per_minute,
                         calendar_per_minute=quotas.calendar_per_minute,
                         gmail_units_per_minute=quotas.gmail_units_per_minute,
                         project_sheets_per_minute=quotas.project_sheets_per_minute,
                         project_calendar_per_minute=quotas.project_calendar_per_minute,
                         project_gmail_units_per_minute=quotas.project_gmail_units_per_minute,
                         window=window)


def open_google_workspace(
    config: GoogleConfig,
    base_dir: Path,
    *,
    credentials: Any = None,
    session: Any = None,
    http: Any = None,
    policy: RetryPolicy | None = None,
    pacers: Pacers | None = None,
) -> Workspace:
    """The register, calendar and mailbox for ``config``.

    Tests and benchmarks inject the fake's ``session`` (gspread) and ``http``
    (google-api-python-client); without them the credentials are loaded (or given).
    The workspace's namespace is the spreadsheet's ID. Requests are paced by ``pacers``;
    without injected transports by default, sized from ``[google.quotas]`` and shared
    by every register of this process that uses the same Cloud project.
    """
    from sheetsync.backends.google.auth import describe_identity, load_credentials
    from sheetsync.backends.google.calendar import GoogleCalendar
    from sheetsync.backends.google.mailbox import GmailMailbox
    from sheetsync.backends.google.register import SheetsRegister
    from sheetsync.backends.google.retry import RetryPolicy
    from sheetsync.core.ports import Workspace

    spreadsheet_id = parse_spreadsheet_id(config.spreadsheet)
    if pacers is None and session is None and http is None:
        credentials = credentials if credentials is not None else \
            load_credentials(config, base_dir)
        pacers = pacers_for(config, credentials)
    if credentials is None and (session is None or http is None):
        credentials = load_credentials(config, base_dir)
    policy = policy or RetryPolicy()
    identity = describe_identity(credentials) if credentials is not None else \
        "the signed-in Google account"
    register = SheetsRegister(spreadsheet_id, credentials=credentials, session=session,
                              policy=policy, identity=identity)
    if pacers is not None:
        from sheetsync.backends.google.pacer import pace_session

        pace_session(register.http_client.session, pacers.sheets)
    calendar_service = build_service("calendar", "v3", credentials=credentials, http=http,
                                     pacers=pacers)
    gmail_service = build_service("gmail", "v1", credentials=credentials, http=http,
                                  pacers=pacers)
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
