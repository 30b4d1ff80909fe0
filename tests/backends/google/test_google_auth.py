"""Signing in: the scopes asked for, the token file's mode, the service account subject."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path
from typing import Any

import pytest

from sheetsync.backends.google import auth
from sheetsync.backends.google.auth import SCOPES, load_credentials, login
from sheetsync.core.config import GoogleConfig
from sheetsync.errors import CredentialsError

EXPECTED_SCOPES = [
    "https://www.googleapis.com/auth/spreadsheets",
    "https://www.googleapis.com/auth/calendar.events",
    "https://www.googleapis.com/auth/gmail.compose",
    "https://www.googleapis.com/auth/gmail.metadata",
]


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_scopes_are_exactly_the_least_privilege_set() -> None:
    assert SCOPES == EXPECTED_SCOPES
    assert not any("drive" in s for s in SCOPES)


class FakeCredentials:
    def __init__(self, scopes: list[str]) -> None:
        self.granted_scopes = scopes

    def to_json(self) -> str:
        return json.dumps({"token": "secret-access", "refresh_token": "secret-refresh",
                           "client_id": "id", "client_secret": "s",
                           "token_uri": "https://oauth2.googleapis.com/token",
                           "scopes": self.granted_scopes})


class FakeFlow:
    def __init__(self, scopes: list[str], grant: list[str] | None = None,
                 fail: Exception | None = None) -> None:
        self.scopes = scopes
        self.grant = grant
        self.fail = fail
        self.kwargs: dict[str, Any] = {}

    def run_local_server(self, **kwargs: Any) -> FakeCredentials:
        self.kwargs = kwargs
        if self.fail:
            raise self.fail
        return FakeCredentials(self.grant if self.grant is not None else self.scopes)


def client_file(tmp_path: Path) -> Path:
    path = tmp_path / "client_secret.json"
    path.write_text(json.dumps({"installed": {"client_id": "x", "client_secret": "y"}}))
    return path


def test_login_requests_scopes_and_writes_token_0600(tmp_path: Path) -> None:
    flows: list[FakeFlow] = []

    def factory(secrets: Path, scopes: list[str]) -> FakeFlow:
        flows.append(FakeFlow(scopes))
        return flows[-1]

    token = tmp_path / "state" / "token.json"
    old_umask = os.umask(0)  # even with a permissive umask the file is private
    try:
        login(client_file(tmp_path), token, flow_factory=factory)
    finally:
        os.umask(old_umask)
    assert flows[0].scopes == EXPECTED_SCOPES
    assert mode(token) == 0o600
    assert json.loads(token.read_text())["refresh_token"] == "secret-refresh"
    assert not [p for p in token.parent.iterdir() if p.name != "token.json"]  # no temp left


def test_login_replaces_a_world_readable_token_with_a_private_one(tmp_path: Path) -> None:
    token = tmp_path / "token.json"
    token.write_text("{}")
    token.chmod(0o644)
    login(client_file(tmp_path), token, flow_factory=lambda s, sc: FakeFlow(sc))
    assert mode(token) == 0o600


def test_login_refuses_partial_consent(tmp_path: Path) -> None:
    token = tmp_path / "token.json"
    with pytest.raises(CredentialsError, match=r"gmail\.metadata"):
        login(client_file(tmp_path), token,
              flow_factory=lambda s, sc: FakeFlow(sc, grant=sc[:3]))
    assert not token.exists()


def test_login_headless_hint(tmp_path: Path) -> None:
    import webbrowser

    with pytest.raises(CredentialsError) as info:
        login(client_file(tmp_path), tmp_path / "t.json",
              flow_factory=lambda s, sc: FakeFlow(sc, fail=webbrowser.Error("no browser")))
    assert "copy the token file" in info.value.advice


def test_login_without_client_file(tmp_path: Path) -> None:
    with pytest.raises(CredentialsError, match="OAuth client"):
        login(tmp_path / "missing.json", tmp_path / "t.json", flow_factory=None)


# ------------------------------------------------------------------------ loading


def write_token(path: Path, *, expired: bool, scopes: list[str] = EXPECTED_SCOPES) -> None:
    info = {"token": "old-access", "refresh_token": "r", "client_id": "c",
            "client_secret": "s", "token_uri": "https://oauth2.googleapis.com/token",
            "scopes": scopes,
            "expiry": "2000-01-01T00:00:00Z" if expired else "2999-01-01T00:00:00Z"}
    path.write_text(json.dumps(info))
    path.chmod(0o600)


class TokenEndpoint:
    """A google-auth transport Request answering the token refresh."""

    def __init__(self, status: int, payload: dict[str, Any]) -> None:
        self.status = status
        self.payload = payload
        self.calls: list[dict[str, Any]] = []

    def __call__(self, url: str, method: str = "GET", body: Any = None,
                 headers: Any = None, **kw: Any) -> Any:
        self.calls.append({"url": url, "method": method})
        endpoint = self

        class Response:
            status = endpoint.status
            headers: dict[str, str] = {}  # noqa: RUF012
            data = json.dumps(endpoint.payload).encode()

        return Response()


def test_missing_token_says_run_auth_login(tmp_path: Path) -> None:
    with pytest.raises(CredentialsError) as info:
        load_credentials(GoogleConfig(), tmp_path)
    assert "sheetsync auth login" in info.value.advice


def test_valid_token_is_used_as_is(tmp_path: Path) -> None:
    write_token(tmp_path / "token.json", expired=False)
    endpoint = TokenEndpoint(200, {})
    creds = load_credentials(GoogleConfig(), tmp_path, request_factory=lambda: endpoint)
    assert creds.token == "old-access" and endpoint.calls == []


def test_expired_token_refreshes_and_is_saved_0600(tmp_path: Path) -> None:
    token = tmp_path / "token.json"
    write_token(token, expired=True)
    token.chmod(0o644)
    endpoint = TokenEndpoint(200, {"access_token": "new-access", "expires_in": 3600})
    creds = load_credentials(GoogleConfig(token=Path("token.json")), tmp_path,
                             request_factory=lambda: endpoint)
    assert creds.token == "new-access"
    assert len(endpoint.calls) == 1
    assert json.loads(token.read_text())["token"] == "new-access"
    assert mode(token) == 0o600


def test_revoked_token_gives_clear_error(tmp_path: Path) -> None:
    write_token(tmp_path / "token.json", expired=True)
    endpoint = TokenEndpoint(400, {"error": "invalid_grant",
                                   "error_description": "Token has been revoked."})
    with pytest.raises(CredentialsError) as info:
        load_credentials(GoogleConfig(), tmp_path, request_factory=lambda: endpoint)
    assert "revoked" in info.value.message
    assert "sheetsync auth login" in info.value.advice
    assert "old-access" not in str(info.value)  # never show a token


def test_token_with_fewer_scopes_is_refused(tmp_path: Path) -> None:
    write_token(tmp_path / "token.json", expired=False, scopes=EXPECTED_SCOPES[:2])
    with pytest.raises(CredentialsError, match=r"gmail\.compose"):
        load_credentials(GoogleConfig(), tmp_path)


def service_account_file(path: Path) -> None:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption()).decode()
    path.write_text(json.dumps({
        "type": "service_account", "project_id": "clinic", "private_key_id": "abc",
        "private_key": pem, "client_email": "sheetsync@clinic.iam.gserviceaccount.com",
        "client_id": "123", "token_uri": "https://oauth2.googleapis.com/token"}))


def test_service_account_uses_subject_and_scopes(tmp_path: Path) -> None:
    service_account_file(tmp_path / "sa.json")
    config = GoogleConfig(auth="service_account", service_account_file=Path("sa.json"),
                          subject="owner@clinic.example")
    creds = load_credentials(config, tmp_path)
    assert creds._subject == "owner@clinic.example"
    assert list(creds.scopes) == EXPECTED_SCOPES
    assert auth.describe_identity(creds) == (
        "owner@clinic.example (through service account "
        "sheetsync@clinic.iam.gserviceaccount.com)")


def test_service_account_without_subject_explains_delegation(tmp_path: Path) -> None:
    service_account_file(tmp_path / "sa.json")
    config = GoogleConfig(auth="service_account", service_account_file=Path("sa.json"))
    with pytest.raises(CredentialsError) as info:
        load_credentials(config, tmp_path)
    assert "domain-wide delegation" in info.value.message
    assert "subject" in info.value.advice


def test_service_account_file_missing(tmp_path: Path) -> None:
    config = GoogleConfig(auth="service_account", subject="owner@clinic.example")
    with pytest.raises(CredentialsError, match="service account key"):
        load_credentials(config, tmp_path)
