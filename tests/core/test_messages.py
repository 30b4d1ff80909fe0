import email
import email.policy

from sheetsync.core.messages import message_bytes, message_id_for
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
