"""Small builders shared by the fake_google tests."""

from __future__ import annotations

import base64
from email.message import EmailMessage
from typing import Any


def raw_message(subject: str, message_id: str, to: str = "carol@webster-derm.example",
                body: str = "Thank you for the referral.") -> str:
    msg = EmailMessage()
    msg["To"] = to
    msg["From"] = "owner@example.com"
    msg["Subject"] = subject
    msg["Message-ID"] = message_id
    msg.set_content(body)
    return base64.urlsafe_b64encode(msg.as_bytes()).decode()


def event_body(event_id: str | None = None, **extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "summary": "Check in with Dr Webster",
        "start": {"date": "2026-01-05"},
        "end": {"date": "2026-01-06"},
        **extra,
    }
    if event_id is not None:
        body["id"] = event_id
    return body
