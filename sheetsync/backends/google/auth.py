"""Signing in to Google: the installed-app OAuth flow for one user, or a service account
with domain-wide delegation for a Google Workspace domain.

Least privilege: the four scopes below and nothing else (never Drive). Tokens are secrets:
the token file is created with mode 0600 (never world-readable, not even for a moment) and
no token is ever logged or put into a message.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol

from sheetsync.core.config import GoogleConfig
from sheetsync.errors import CredentialsError

SCOPES = [
    "https://www.googleapis.com/auth/spreadsheets",
    "https://www.googleapis.com/auth/calendar.events",
    "https://www.googleapis.com/auth/gmail.compose",
    "https://www.googleapis.com/auth/gmail.metadata",
]

TOKEN_FILE_MODE = 0o600

LOGIN_ADVICE = "Run 'sheetsync auth login' to sign in again."

HEADLESS_HINT = (
    "No browser could be opened on this machine. Either run 'sheetsync auth login' on a "
    "computer with a browser and copy the token file to this machine (keep its mode 0600), "
    "or forward the sign-in port over SSH (ssh -L PORT:localhost:PORT this-machine) and run "
    "'sheetsync auth login --port PORT --no-browser' here, then open the printed address in "
    "your local browser."
)


class _Flow(Protocol):
    def run_local_server(self, **kwargs: Any) -> Any: ...


FlowFactory = Callable[[Path, list[str]], _Flow]


def _default_flow_factory(client_secrets: Path, scopes: list[str]) -> _Flow:
    from google_auth_oauthlib.flow import InstalledAppFlow

    flow: _Flow = InstalledAppFlow.from_client_secrets_file(str(client_secrets), scopes=scopes)
    return flow


def login(
    client_secrets: Path,
    token: Path,
    *,
    open_browser: bool = True,
    port: int = 0,
    flow_factory: FlowFactory | None = None,
) -> Any:
    """Run the installed-app OAuth flow and store the token (mode 0600) at ``token``.

    ``flow_factory(client_secrets, scopes)`` builds the flow; tests inject a fake one.
    Returns the ``google.oauth2.credentials.Credentials``.
    """
    if not client_secrets.is_file():
        raise CredentialsError(
            f"No OAuth client file at {client_secrets}.",
            "In Google Cloud console, create an OAuth client ID of type 'Desktop app', "
            "download its JSON and save it at that path (or set google.client_secrets in "
            "sheetsync.toml). See the README, 'Signing in'.",
        )
    factory = flow_factory or _default_flow_factory
    try:
        flow = factory(client_secrets, list(SCOPES))
    except (ValueError, KeyError, json.JSONDecodeError) as exc:
        raise CredentialsError(
            f"{client_secrets} is not an OAuth client file ({type(exc).__name__}).",
            "Download the client JSON of a 'Desktop app' OAuth client from Google Cloud "
            "console again.",
        ) from None
    try:
        credentials = flow.run_local_server(
            port=port,
            open_browser=open_browser,
            authorization_prompt_message=(
                "Open this address in a browser to let sheetsync use your Google account:\n"
                "{url}\n"
            ),
            success_message="sheetsync is signed in. You can close this window.",
        )
    except Exception as exc:  # webbrowser.Error, OSError (port), WSGITimeoutError, ...
        if _looks_headless(exc):
            raise CredentialsError("Google sign-in could not start a browser.",
                                   HEADLESS_HINT) from None
        raise CredentialsError(
            f"Google sign-in did not complete ({type(exc).__name__}).",
            "Run 'sheetsync auth login' again and allow access in the browser. "
            + HEADLESS_HINT,
        ) from None
    missing = _missing_scopes(getattr(credentials, "granted_scopes", None)
                              or getattr(credentials, "scopes", None))
    if missing:
        raise CredentialsError(
            "Sign-in finished, but Google did not grant: " + ", ".join(missing) + ".",
            "Run 'sheetsync auth login' again and tick every permission on the consent "
            "screen.",
        )
    save_token(credentials, token)
    return credentials


def _looks_headless(exc: BaseException) -> bool:
    import webbrowser

    return isinstance(exc, webbrowser.Error) or "browser" in str(exc).lower()


def _missing_scopes(granted: Any) -> list[str]:
    if not granted:
        return []  # Google did not say; trust the request
    have = set(granted.split() if isinstance(granted, str) else granted)
    return [s for s in SCOPES if s not in have]


def save_token(credentials: Any, token: Path) -> None:
    """Write the token JSON atomically with mode 0600.

    The data goes into a new file created with mode 0600 (``O_EXCL``, so never an existing
    file with looser permissions) beside the target, then replaces it.
    """
    payload = credentials.to_json()
    token.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = _create_private_file(token.parent, prefix=f".{token.name}.")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(payload)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp_name, token)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp_name)
        raise
    os.chmod(token, TOKEN_FILE_MODE)  # no-op normally; guards odd filesystems


def _create_private_file(folder: Path, prefix: str) -> tuple[int, str]:
    for _ in range(100):
        name = tempfile.mktemp(prefix=prefix, suffix=".tmp", dir=str(folder))
        try:
            fd = os.open(name, os.O_WRONLY | os.O_CREAT | os.O_EXCL, TOKEN_FILE_MODE)
        except FileExistsError:
            continue
        os.fchmod(fd, TOKEN_FILE_MODE)  # umask can only remove bits, but be explicit
        return fd, name
    raise OSError(f"cannot create a private temporary file in {folder}")


def _resolve(path: Path, base_dir: Path) -> Path:
    return path if path.is_absolute() else base_dir / path


RequestFactory = Callable[[], Any]


def _default_request() -> Any:
    from google.auth.transport.requests import Request

    return Request()


def load_credentials(
    config: GoogleConfig,
    base_dir: Path,
    *,
    request_factory: RequestFactory | None = None,
) -> Any:
    """Credentials for the configured sign-in method, refreshed when needed.

    Raises ``CredentialsError`` with what to do when they are missing, broken or revoked.
    """
    if config.auth == "service_account":
        return _service_account(config, base_dir)
    return _user_token(_resolve(config.token, base_dir), request_factory or _default_request)


def _service_account(config: GoogleConfig, base_dir: Path) -> Any:
    path = _resolve(config.service_account_file, base_dir)
    if not config.subject.strip():
        raise CredentialsError(
            "google.subject is not set: a service account needs domain-wide delegation to "
            "act as a person in your Google Workspace domain (Gmail drafts and the calendar "
            "belong to that person).",
            "In the Admin console (Security > API controls > Domain-wide delegation), allow "
            "the service account's client ID these scopes: " + ",".join(SCOPES) + ". Then set "
            "google.subject in sheetsync.toml to the owner's address, e.g. "
            "subject = \"owner@yourclinic.com\".",
        )
    if not path.is_file():
        raise CredentialsError(
            f"No service account key file at {path}.",
            "Create a JSON key for the service account in Google Cloud console and save it "
            "there (or set google.service_account_file). credentials.example.json shows the "
            "expected shape.",
        )
    from google.oauth2 import service_account

    factory: Any = service_account.Credentials
    try:
        return factory.from_service_account_file(
            str(path), scopes=list(SCOPES), subject=config.subject.strip()
        )
    except (ValueError, KeyError, json.JSONDecodeError) as exc:
        raise CredentialsError(
            f"{path} is not a service account key ({type(exc).__name__}: missing or bad "
            "fields).",
            "Download a new JSON key for the service account; credentials.example.json shows "
            "the expected shape.",
        ) from None


def _user_token(token: Path, request_factory: RequestFactory) -> Any:
    if not token.is_file():
        raise CredentialsError(f"No Google sign-in token at {token}.",
                               "Run 'sheetsync auth login' once on this machine.")
    from google.oauth2.credentials import Credentials

    factory: Any = Credentials
    try:
        info = json.loads(token.read_text(encoding="utf-8"))
        credentials = factory.from_authorized_user_info(info, scopes=list(SCOPES))
    except (OSError, ValueError, KeyError) as exc:
        raise CredentialsError(f"The token file {token} is unreadable ({type(exc).__name__}).",
                               LOGIN_ADVICE) from None
    missing = _missing_scopes(info.get("scopes"))
    if missing:
        raise CredentialsError(
            f"The token at {token} lacks permissions sheetsync needs: " + ", ".join(missing)
            + ".", LOGIN_ADVICE)
    if not credentials.valid:
        if not credentials.refresh_token:
            raise CredentialsError(f"The token at {token} has expired and cannot be renewed.",
                                   LOGIN_ADVICE)
        from google.auth.exceptions import RefreshError, TransportError

        try:
            credentials.refresh(request_factory())
        except RefreshError:
            raise CredentialsError(
                "Google refused to renew the sign-in token: access was revoked, the password "
                "changed, or the token expired (tokens of apps in 'Testing' expire after 7 "
                "days).", LOGIN_ADVICE) from None
        except TransportError as exc:
            raise CredentialsError(
                f"Could not reach Google to renew the sign-in token ({type(exc).__name__}).",
                "Check the network connection and try again.") from None
        save_token(credentials, token)
    return credentials


def describe_identity(credentials: Any) -> str:
    """Who requests act as, for messages: the delegated user and/or the service account."""
    email = getattr(credentials, "service_account_email", None)
    subject = getattr(credentials, "_subject", None)
    if email and subject:
        return f"{subject} (through service account {email})"
    if email:
        return f"the service account {email}"
    return "the signed-in Google account"
