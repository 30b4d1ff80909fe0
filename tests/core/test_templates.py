import pytest

from sheetsync.core.templates import Template, TemplateProblem, render

KNOWN = frozenset({"partner_salutation", "client_first_name", "clinic_name"})


def test_placeholders_are_substituted_case_and_space_insensitively() -> None:
    t = Template("t", "Thanks {{ Partner salutation }}", "Hi {{partner_salutation}} from {{CLINIC_NAME}}")
    subject, body = render(t, {"partner_salutation": "Dr Webster", "clinic_name": "Lumen"}, KNOWN)
    assert subject == "Thanks Dr Webster"
    assert body == "Hi Dr Webster from Lumen"


def test_unknown_placeholder_is_a_problem_not_a_blank() -> None:
    t = Template("thank-you", "Hi", "Dear {{partner_nam}}")
    with pytest.raises(TemplateProblem, match=r"uses \{\{partner_nam\}\}, which sheetsync does not know"):
        render(t, {"partner_salutation": "x"}, KNOWN)


def test_known_but_withheld_placeholder_explains_consent() -> None:
    t = Template("thank-you", "Hi", "About {{client_first_name}}")
    with pytest.raises(TemplateProblem, match="Consent to share"):
        render(t, {"partner_salutation": "x"}, KNOWN)


def test_rendering_runs_no_code() -> None:
    t = Template("t", "{{ __class__ }}", "{{ partner_salutation.__class__ }} {0} {{{x}}}")
    with pytest.raises(TemplateProblem):
        render(t, {"partner_salutation": "x"}, KNOWN)
    plain = Template("t", "{0} {x} %s", "ok")
    assert render(plain, {}, KNOWN) == ("{0} {x} %s", "ok")
