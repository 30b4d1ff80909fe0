import datetime as dt
import email
import email.policy

from hypothesis import given, settings
from hypothesis import strategies as st

from sheetsync.core.messages import build_message, message_bytes, message_id_for
from sheetsync.core.ports import DraftSpec


def spec(**over: str) -> DraftSpec:
    fields = dict(key="R-0001/thank-you", message_id=message_id_for("ns", "R-0001/thank-you",
                  "lumen.example"), sender_name="Lumen Clinic", sender_email="owner@lumen.example",
                  to_name="Dr Zoë Ørsted", to_email="zoe@derm.example", subject="Thank you ✨",
                  body="Dear Dr Ørsted,\nthank you.")
    fields.update(over)
    return DraftSpec(**fields)


def test_message_is_rfc5322_utf8_with_deterministic_id() -> None:
    raw = message_bytes(spec())
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    assert msg["To"].addresses[0].display_name == "Dr Zoë Ørsted"
    assert msg["Subject"] == "Thank you ✨"
    assert msg["Message-ID"] == spec().message_id
    assert msg.get_content().startswith("Dear Dr Ørsted")
    assert message_id_for("ns", "R-0001/thank-you", "x.example") == \
        message_id_for("ns", "R-0001/thank-you", "x.example")
    assert message_id_for("ns", "R-0001/thank-you", "x") != message_id_for("ns", "R-0002/thank-you", "x")


def test_cell_text_cannot_add_headers() -> None:
    raw = message_bytes(spec(subject="Hi\r\nBcc: spy@evil.example", to_name="X\nCc: a@b.example"))
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    assert msg["Bcc"] is None and msg["Cc"] is None
    assert "spy@evil.example" in msg["Subject"]


_TEXT = st.text(st.characters(blacklist_categories=("Cs",)), max_size=60)


@settings(max_examples=60, deadline=None)
@given(name=_TEXT, subject=_TEXT, body=st.text(max_size=300),
       key=st.text(st.characters(min_codepoint=33, max_codepoint=126), max_size=40))
def test_fast_message_is_the_same_message(name: str, subject: str, body: str,
                                          key: str) -> None:
    """message_bytes (Gmail's raw drafts) parses to what build_message makes."""
    when = dt.datetime(2026, 11, 22, 12, tzinfo=dt.timezone.utc)
    s = spec(to_name=name, subject=subject, body=body, key=key or "k")
    fast = email.message_from_bytes(message_bytes(s, when), policy=email.policy.default)
    slow = email.message_from_bytes(build_message(s, when).as_bytes(),
                                    policy=email.policy.default)
    for header in ("Message-ID", "X-Sheetsync-Ref", "Date"):
        assert str(fast[header]) == str(slow[header]), header
    # Encoded words may be split at other places; Python's reader then sometimes keeps
    # a space between two of them (RFC 2047 says to drop it), so compare without spaces.
    for header in ("From", "To", "Subject"):
        assert "".join(str(fast[header]).split()) == "".join(str(slow[header]).split())
    assert fast["To"].addresses[0].addr_spec == "zoe@derm.example"
    assert fast.get_content() == slow.get_content()
    assert fast.get_content_type() == "text/plain"
    assert fast.get_content_charset() == "utf-8"


def test_fast_message_headers_for_everyday_names() -> None:
    for name in ("Dr Zoë Ørsted", 'Webster, Carol "CW"', "María-José Núñez", "李小龍"):
        raw = message_bytes(spec(to_name=name, subject=f"Thank you, {name}"))
        msg = email.message_from_bytes(raw, policy=email.policy.default)
        assert msg["To"].addresses[0].display_name == name
        assert msg["To"].addresses[0].addr_spec == "zoe@derm.example"
        assert msg["Subject"] == f"Thank you, {name}"
        assert b"\r\n" in raw and all(len(line) <= 998 for line in raw.split(b"\r\n"))
