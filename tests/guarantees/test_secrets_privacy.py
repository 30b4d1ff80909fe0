"""Secrets and privacy: token files are created 0600 and never logged; no credential or
access token appears in logs or error messages; client names, emails and phones never
appear in logs or command output; a partner draft never carries client details without
consent (property test over random referral rows)."""

from __future__ import annotations

import datetime as dt
import json
import logging
import stat
from pathlib import Path
from typing import Any

import pytest
from builders import NOON_UTC, PARTNER, TODAY, checkin, memory, referral, tables
from google_harness import GoogleHarness
from gutil import examples
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sheetsync.backends.google.auth import SCOPES, load_credentials, save_token
from sheetsync.cli.main import main
from sheetsync.core.config import GoogleConfig
from sheetsync.core.ports import DraftSpec
from sheetsync.engine import run_sync
from sheetsync.errors import CredentialsError, UserError
from sheetsync.testing.fake_google import DEFAULT_TOKEN, FakeGoogle
from sheetsync.workspace.local_init import init_local

SECRETS = ("ya29.SECRET-ACCESS-TOKEN", "1//SECRET-REFRESH-TOKEN", "GOCSPX-SECRET-CLIENT")
CLIENT = {"name": "Zelda Quixote-Marlowe", "email": "zelda.qm@private-mail.example",
          "phone": "+44 7700 900777"}


def everything_logged(caplog: pytest.LogCaptureFixture) -> str:
    """Every record at every level from every logger (ours and the libraries'), with its
    arguments and any exception text."""
    parts = []
    for record in caplog.records:
        if record.name.startswith("sheetsync.testing"):
            continue  # the fake plays Google's servers: its own logs are not ours
        parts.append(record.getMessage())
        if record.exc_text:
            parts.append(record.exc_text)
        parts.append(repr(record.args))
    return "\n".join(parts)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


# ------------------------------------------------------------------------- secrets


class TokenEndpoint:
    """google-auth's token endpoint, answering a refresh."""

    def __init__(self, status: int, payload: dict[str, Any]) -> None:
        self.status, self.payload = status, payload

    def __call__(self, url: str, method: str = "GET", body: Any = None,
                 headers: Any = None, **kw: Any) -> Any:
        endpoint = self

        class Response:
            status = endpoint.status
            headers: dict[str, str] = {}  # noqa: RUF012
            data = json.dumps(endpoint.payload).encode()

        return Response()


def write_token(path: Path) -> None:
    path.write_text(json.dumps({
        "token": SECRETS[0], "refresh_token": SECRETS[1], "client_id": "c.apps",
        "client_secret": SECRETS[2], "token_uri": "https://oauth2.googleapis.com/token",
        "scopes": list(SCOPES), "expiry": "2000-01-01T00:00:00Z"}))
    path.chmod(0o644)  # as if copied over carelessly


def test_token_files_are_0600_and_no_secret_is_ever_logged(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    token = tmp_path / "token.json"
    write_token(token)
    endpoint = TokenEndpoint(200, {"access_token": "ya29.SECRET-NEW-ACCESS",
                                   "expires_in": 3600})
    creds = load_credentials(GoogleConfig(), tmp_path, request_factory=lambda: endpoint)
    assert creds.token == "ya29.SECRET-NEW-ACCESS"
    assert mode(token) == 0o600  # saved again after the refresh: private
    save_token(creds, tmp_path / "copy.json")
    assert mode(tmp_path / "copy.json") == 0o600  # created private, never widened after

    write_token(token)
    revoked = TokenEndpoint(400, {"error": "invalid_grant",
                                  "error_description": "Token has been revoked."})
    with pytest.raises(CredentialsError) as info:
        load_credentials(GoogleConfig(), tmp_path, request_factory=lambda: revoked)
    logged = everything_logged(caplog)
    for secret in (*SECRETS, "SECRET-NEW-ACCESS"):
        assert secret not in logged
        assert secret not in str(info.value) and secret not in repr(info.value)


def client_rows() -> dict[str, Any]:
    return tables(
        partners=[PARTNER],
        referrals=[referral(Client=CLIENT["name"], **{"Client email": CLIENT["email"]}),
                   referral(Client=CLIENT["name"] + " Jr", **{"Client email": "zelda@@bad"})],
        checkins=[checkin(Client=CLIENT["name"], **{"Client email": CLIENT["email"],
                                                    "Client phone": CLIENT["phone"]}),
                  checkin(Client=CLIENT["name"], **{"Client email": CLIENT["email"] + " x",
                                                    "Client phone": CLIENT["phone"]})])


def assert_no_client_details(text: str) -> None:
    for value in (CLIENT["name"], "Zelda", "Quixote", CLIENT["email"], "zelda@@bad",
                  CLIENT["phone"], "900777"):
        assert value not in text, value


def test_google_sync_logs_no_token_and_no_client_details(
        caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    h = GoogleHarness(FakeGoogle(scopes=SCOPES))
    ws = h.workspace(client_rows())
    run_sync(ws, clock=NOON_UTC)
    h.fake.faults.add("calendar", None, 500, times=3)  # errors get logged too
    h.set_cell("Check-ins", 2, "Treatment date", TODAY + dt.timedelta(days=1))
    run_sync(ws, clock=NOON_UTC)
    # The token stops working: the error a person sees names no token.
    h.fake.auth.valid_tokens = {"another-token"}
    with pytest.raises(UserError) as info:
        run_sync(h.open(), clock=NOON_UTC)
    logged = everything_logged(caplog)
    assert DEFAULT_TOKEN not in logged
    assert DEFAULT_TOKEN not in str(info.value)
    assert_no_client_details(logged)
    assert_no_client_details(str(info.value))


@pytest.mark.parametrize("flags", [[], ["-v"], ["--json"], ["--dry-run"], ["-v", "--json"]])
def test_cli_output_and_logs_hold_no_client_details(
        tmp_path: Path, flags: list[str], capsys: pytest.CaptureFixture[str],
        caplog: pytest.LogCaptureFixture) -> None:
    import openpyxl

    folder = tmp_path / "ws"
    init_local(folder, sample=False, today=dt.date.today())
    xlsx = folder / "register.xlsx"
    wb = openpyxl.load_workbook(xlsx)
    for title, rows in client_rows().items():
        if title not in ("Partners", "Referrals", "Check-ins"):
            continue
        ws = wb[title]
        header = [c.value for c in ws[1]]
        for row in rows[1:]:
            values = dict(zip(rows[0], row, strict=False))
            ws.append([values.get(h) for h in header])
    wb.save(xlsx)
    caplog.set_level(logging.DEBUG)
    verbose = [f for f in flags if f == "-v"]
    rest = [f for f in flags if f != "-v"]
    main([*verbose, "sync", "--config", str(folder / "sheetsync.toml"), *rest])
    out = capsys.readouterr()
    assert_no_client_details(out.out)
    assert_no_client_details(out.err)
    assert_no_client_details(everything_logged(caplog))


# -------------------------------------------------- consent: partner drafts, property

WORD = st.from_regex(r"[A-Z][bcdfghjklmnpqrstvwxz]{2,3}[aeiou][kqxz]{2}", fullmatch=True)


@settings(max_examples=examples(60), deadline=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(first=WORD, last=WORD, reason=WORD, email_user=WORD,
       consent=st.sampled_from(["No", "no", "", None, "N", "FALSE", "0"]),
       status=st.sampled_from(["New", "Booked", "Seen", "Closed", ""]),
       first_visit=st.one_of(st.none(), st.just(TODAY - dt.timedelta(days=5))),
       template=st.sampled_from([None, "{{client_first_name}}", "{{Client initials}}",
                                 "{{ reason }}", "{{treatment}}", "{{first_visit}}"]))
def test_partner_drafts_never_carry_client_details_without_consent(
        first: str, last: str, reason: str, email_user: str, consent: Any, status: str,
        first_visit: dt.date | None, template: str | None) -> None:
    settings_rows: dict[str, Any] = {}
    templates = []
    if template is not None:  # a staff override that asks for client details
        templates.append(["thank-you", f"Thanks, {template}", f"About {template}."])
    row = referral(Client=f"{first} {last}", Reason=reason, Status=status,
                   **{"Consent to share": consent, "Client email": f"{email_user}@c.example",
                      "First visit": first_visit})
    ws, register = memory(partners=[PARTNER], referrals=[row], settings=settings_rows)
    if templates:
        register.tabs["Templates"] += templates
    report = run_sync(ws, clock=NOON_UTC)
    drafts = [s for s in ws.mailbox.live().values()  # type: ignore[attr-defined]
              if isinstance(s, DraftSpec)]
    initials = f"{first[0]}.{last[0]}."
    for draft in drafts:
        text = " ".join([draft.to_name, draft.to_email, draft.subject, draft.body])
        for secret in (first, last, reason, email_user, initials, f"{first[0]}{last[0]}"):
            assert secret not in text, (secret, draft.key, text[:300])
    if template is not None and status not in ("Seen", "Closed", "Declined") and \
            template.strip("{} ").lower().replace(" ", "_") in (
                "client_first_name", "client_initials", "reason"):
        assert report.rows_with_problems >= 1  # said so on the row, not sent blank
