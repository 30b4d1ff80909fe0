"""The README's sign-in instructions match the code: scopes, token mode, subject."""

from __future__ import annotations

import re
import stat
from pathlib import Path
from typing import Any

import pytest

from sheetsync.backends.google import auth
from sheetsync.core.config import GoogleConfig

README = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")


def test_readme_lists_exactly_the_scopes_the_code_requests() -> None:
    block = README.split("<!-- scopes")[1].split("<!-- /scopes -->")[0]
    listed = re.findall(r"`(https://www\.googleapis\.com/auth/[a-z.]+)`", block)
    assert listed == list(auth.SCOPES)
    assert "drive" not in " ".join(auth.SCOPES)


def test_token_file_mode_is_what_the_readme_says(tmp_path: Path) -> None:
    assert "file mode **0600**" in README

    class Creds:
        def to_json(self) -> str:
            return '{"token": "secret"}'

    token = tmp_path / "token.json"
    auth.save_token(Creds(), token)
    assert stat.S_IMODE(token.stat().st_mode) == 0o600


def test_service_account_subject_is_the_readme_key(tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    example = README.split("Sign-in option B")[1].split("```toml")[1].split("```")[0]
    assert 'subject = "owner@your-clinic.com"' in example
    assert 'auth = "service_account"' in example
    seen: dict[str, Any] = {}

    from google.oauth2 import service_account

    def fake(path: str, **kw: Any) -> str:
        seen.update(kw, path=path)
        return "creds"

    monkeypatch.setattr(service_account.Credentials, "from_service_account_file",
                        staticmethod(fake))
    key = tmp_path / "service-account.json"
    key.write_text((Path(__file__).parent.parent / "credentials.example.json").read_text())
    config = GoogleConfig(auth="service_account", subject="owner@your-clinic.com",
                          service_account_file=key)
    assert auth.load_credentials(config, tmp_path) == "creds"
    assert seen["subject"] == "owner@your-clinic.com"
    assert seen["scopes"] == list(auth.SCOPES)
