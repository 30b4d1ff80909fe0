"""Built-in content: treatments, email templates and settings a new clinic starts with.

Everything here can be overridden from the register: a row in the Treatments, Templates
or Settings tab wins over the default of the same name. Templates use ``{{placeholder}}``
names from :data:`PLACEHOLDERS` only; partner drafts made without the client's consent may
use :data:`PARTNER_SAFE_PLACEHOLDERS` only, so they can never name a client or a clinical
detail.
"""

from __future__ import annotations

from dataclasses import dataclass

from sheetsync.core import schema

# --------------------------------------------------------------------------- placeholders

#: Placeholders that carry client data. They never appear in a partner draft made without
#: the client's consent, nor in a calendar event title.
CLIENT_PLACEHOLDERS: tuple[str, ...] = (
    "client_first_name",
    "client_initials",
    "reason",
    "first_visit",
    "treatment",
    "treatment_date",
)

#: Allowed in partner drafts whatever the consent: the partner, the clinic, the sender and
#: the prospect of an introduction. ``referral_date`` is the day the partner referred, which
#: the partner already knows; it is not a visit date.
PARTNER_SAFE_PLACEHOLDERS: tuple[str, ...] = (
    "partner_salutation",
    "partner_name",
    "practice",
    "clinic_name",
    "sender_name",
    "signature",
    "clinic_phone",
    "referral_date",
    "introducer_salutation",
    "prospect_name",
    "prospect_practice",
    "prospect_specialty",
)

#: The owner's weekly digest.
DIGEST_PLACEHOLDERS: tuple[str, ...] = ("week_of", "digest", "clinic_name")

#: Every placeholder name a template may use.
PLACEHOLDERS: tuple[str, ...] = tuple(
    dict.fromkeys(PARTNER_SAFE_PLACEHOLDERS + CLIENT_PLACEHOLDERS + DIGEST_PLACEHOLDERS)
)

#: Always filled in, in every draft.
BASE_PLACEHOLDERS: tuple[str, ...] = ("clinic_name", "sender_name", "signature", "clinic_phone")
_PARTNER = (*BASE_PLACEHOLDERS, "partner_name", "partner_salutation", "practice")
_REFERRAL = (*_PARTNER, "referral_date")
_CONSENTED = (*_REFERRAL, "client_first_name", "client_initials", "reason", "first_visit")
_AFTERCARE = (*BASE_PLACEHOLDERS, "client_first_name", "client_initials", "treatment",
              "treatment_date")

# ------------------------------------------------------------------------ template names

THANK_YOU = "thank-you"
THANK_YOU_CONSENT = "thank-you-consent"
REPORT_BACK = "report-back"
INTRODUCTION_REQUEST = "introduction-request"
MEETING_REQUEST = "meeting-request"
AFTERCARE_GENERIC = "aftercare-generic"
WEEKLY_DIGEST = "weekly-digest"

#: The report-back's blank for the owner: sheetsync cannot know how the visit went. A
#: draft holding a line like this (``[Label: ...]``) is flagged in its row and the digest.
OUTCOME_LINE = "[Outcome: write one line here before sending]"

#: What each draft can fill in (the rules give exactly these values). A template not
#: named here is an aftercare email, named from the Treatments tab.
TEMPLATE_PLACEHOLDERS: dict[str, frozenset[str]] = {
    THANK_YOU: frozenset(_REFERRAL),
    THANK_YOU_CONSENT: frozenset(_CONSENTED),
    REPORT_BACK: frozenset(_CONSENTED),
    INTRODUCTION_REQUEST: frozenset((*_PARTNER, "introducer_salutation", "prospect_name",
                                     "prospect_practice", "prospect_specialty")),
    MEETING_REQUEST: frozenset(_PARTNER),
    WEEKLY_DIGEST: frozenset(BASE_PLACEHOLDERS + DIGEST_PLACEHOLDERS),
}


def placeholders_for(template: str) -> frozenset[str]:
    """The placeholders the draft made from ``template`` can fill in."""
    return TEMPLATE_PLACEHOLDERS.get(template.casefold(), frozenset(_AFTERCARE))


# ---------------------------------------------------------------------------- treatments


@dataclass(frozen=True)
class DefaultTreatment:
    """One row of the built-in Treatments catalogue.

    ``checkin_after_days`` None: only a first visit gets a check-in.
    ``aftercare_template`` "": no aftercare email for this treatment.
    """

    name: str
    checkin_after_days: int | None
    aftercare_template: str


DEFAULT_TREATMENTS: tuple[DefaultTreatment, ...] = (
    DefaultTreatment("Laser resurfacing", 2, "aftercare-laser-resurfacing"),
    DefaultTreatment("Chemical peel", 3, "aftercare-chemical-peel"),
    DefaultTreatment("Microneedling", 2, "aftercare-microneedling"),
    DefaultTreatment("Body sculpting", 7, "aftercare-body-sculpting"),
    # A two-week review: toxin and filler results have settled by then.
    DefaultTreatment("Injectables", 14, "aftercare-injectables"),
    # Facials: skin can be pink or sensitive after extractions and exfoliation, and the
    # sun-protection reminder is genuinely useful, so a short aftercare note is worth it.
    DefaultTreatment("Facial", None, "aftercare-facial"),
    # Massage: regulars book often and a tips email after every visit would feel like
    # spam. The template still ships, so a clinic can opt in from the Treatments tab.
    DefaultTreatment("Massage", None, ""),
)

# ----------------------------------------------------------------------------- templates

_SIGN_OFF = "Warm regards,\n{{signature}}"

_AFTERCARE_CLOSE = (
    "Please follow any specific instructions your practitioner gave you; they come before "
    "these general tips.\n\n"
    "If anything worries you, or you are not sure whether something is normal, just call "
    "us on {{clinic_phone}}: we are always happy to hear from you. If you feel very unwell "
    "or it is an emergency, seek urgent medical care.\n\n" + _SIGN_OFF
)


def _aftercare(subject: str, intro: str, tips: tuple[str, ...]) -> tuple[str, str]:
    bullets = "\n".join(f"- {tip}" for tip in tips)
    body = (
        "Hi {{client_first_name}},\n\n"
        "Thank you for coming in for your {{treatment}} on {{treatment_date}}. "
        f"{intro}\n\n{bullets}\n\n{_AFTERCARE_CLOSE}"
    )
    return subject, body


_SUN = (
    "Protect your skin from the sun: a broad-spectrum SPF 30 or higher every day, even "
    "when it is cloudy, plus shade and a hat where you can."
)

DEFAULT_TEMPLATES: dict[str, tuple[str, str]] = {
    THANK_YOU: (
        "Thank you for your referral",
        "Dear {{partner_salutation}},\n\n"
        "Thank you for the referral you sent to {{clinic_name}} on {{referral_date}}. We "
        "appreciate your trust, and we will take good care of the person you referred to "
        "us.\n\n"
        "If there is anything you would like us to know, or another patient you would like "
        "to talk through, I am always happy to hear from you.\n\n" + _SIGN_OFF,
    ),
    THANK_YOU_CONSENT: (
        "Thank you for referring {{client_first_name}}",
        "Dear {{partner_salutation}},\n\n"
        "Thank you for referring {{client_first_name}} to {{clinic_name}} regarding "
        "{{reason}}. We appreciate your trust and will take good care of them.\n\n"
        "{{client_first_name}} has kindly agreed that we may keep you updated, so I will let "
        "you know once they have had their first visit. If there is anything you would like "
        "us to bear in mind in the meantime, please do get in touch.\n\n" + _SIGN_OFF,
    ),
    REPORT_BACK: (
        "An update on {{client_first_name}}",
        "Dear {{partner_salutation}},\n\n"
        "A short update, shared with {{client_first_name}}'s consent: they had their first "
        "visit with us on {{first_visit}}, following your referral regarding {{reason}}.\n\n"
        f"{OUTCOME_LINE}\n\n"
        "Thank you again for thinking of us. If you would like more detail, or there is "
        "anything you would like us to keep in mind from your side, please reach out at "
        "any time.\n\n" + _SIGN_OFF,
    ),
    INTRODUCTION_REQUEST: (
        "A small favour: an introduction to {{prospect_name}}?",
        "Dear {{introducer_salutation}},\n\n"
        "I hope you are well. I wanted to ask a small favour. We would very much like to "
        "get to know {{prospect_name}} ({{prospect_specialty}}, {{prospect_practice}}), "
        "and I think our clients and theirs could benefit from working together.\n\n"
        "Would you be comfortable making a brief email introduction? A line or two is "
        "plenty, and I am happy to draft something you can forward if that is easier. "
        "No pressure at all if it does not feel right.\n\n"
        "Thank you, as always, for your support.\n\n" + _SIGN_OFF,
    ),
    MEETING_REQUEST: (
        "Coffee, or a short lunch-and-learn?",
        "Dear {{partner_salutation}},\n\n"
        "I have enjoyed getting to know you over the past few weeks and would love to find "
        "a time to meet properly. Would you be open to a 20-minute coffee, or a short "
        "lunch-and-learn for your team? We could share how we look after the clients you "
        "send us, and hear how {{clinic_name}} can be most useful to you and your "
        "patients.\n\n"
        "If either suits, just let me know a couple of times that work and we will fit "
        "around you; we are glad to come to you.\n\n" + _SIGN_OFF,
    ),
    "aftercare-laser-resurfacing": _aftercare(
        "Caring for your skin after laser resurfacing",
        "Here are a few reminders to help your skin settle over the coming days:",
        (
            "Redness, warmth, mild swelling and a sunburn-like feeling are common for the "
            "first few days; a cool (not icy) compress can help.",
            "Cleanse gently with lukewarm water and use only the mild cleanser and "
            "moisturiser we recommended. Keep the skin moisturised.",
            "Avoid heat (hot showers, saunas, steam rooms, hot yoga) and strenuous exercise "
            "for at least 48 hours.",
            "Let any flaking or crusting come away on its own: please do not pick, scratch "
            "or scrub.",
            "Hold off on makeup, retinoids, acids and exfoliants until your practitioner "
            "says it is fine.",
            _SUN + " Your skin is especially sensitive for the next few weeks.",
        ),
    ),
    "aftercare-chemical-peel": _aftercare(
        "Caring for your skin after your chemical peel",
        "Here are a few reminders for the days ahead:",
        (
            "Tightness, mild redness and some peeling or flaking are common, usually "
            "between days two and five.",
            "Let the skin peel on its own: please do not pick, pull or scrub it.",
            "Use a gentle cleanser and a plain moisturiser; avoid retinoids, acids, scrubs, "
            "waxing and threading on the area for about a week, or as advised.",
            "Avoid heat (hot showers, saunas, steam rooms) and heavy exercise for 24 to 48 "
            "hours.",
            _SUN,
        ),
    ),
    "aftercare-microneedling": _aftercare(
        "Caring for your skin after microneedling",
        "Here are a few reminders to help your skin recover:",
        (
            "Redness and a feeling like mild sunburn are common for 24 to 48 hours; some "
            "light dryness may follow.",
            "Keep your skin clean, use only gentle products, and avoid makeup for the first "
            "24 hours.",
            "Avoid heat, swimming pools and strenuous exercise for 48 hours.",
            "Hold off on retinoids, acids and exfoliants for a few days, or until your "
            "practitioner says it is fine.",
            "A fresh pillowcase tonight helps keep your skin clean.",
            _SUN,
        ),
    ),
    "aftercare-body-sculpting": _aftercare(
        "After your body sculpting treatment",
        "Here are a few reminders for the coming days:",
        (
            "Some redness, tenderness, tingling, numbness or light bruising in the treated "
            "area is common and can last from a few days to a few weeks.",
            "Stay well hydrated and keep gently active: walking is ideal.",
            "Wear comfortable, loose clothing over the area for the first few days.",
            "Results develop gradually over the coming weeks, so please be patient with "
            "your body.",
            "Call us if discomfort gets worse rather than better, or if you notice "
            "blistering or any change that concerns you.",
        ),
    ),
    "aftercare-injectables": _aftercare(
        "After your injectables treatment",
        "Here are a few reminders for the next day or two:",
        (
            "Avoid touching, rubbing or massaging the treated areas for the rest of the "
            "day, unless your practitioner advised otherwise.",
            "Stay upright for about four hours and avoid strenuous exercise, heat (saunas, "
            "steam rooms, hot yoga) and alcohol for 24 hours.",
            "Small bruises, redness or swelling at the injection points are common; a cool "
            "compress can help. Wait 12 to 24 hours before wearing makeup.",
            "Results settle over about two weeks. We will be in touch around then to see "
            "how you are getting on.",
            "Please call us straight away if you notice increasing pain, skin that turns "
            "pale, dusky or blotchy, changes to your vision, or any difficulty swallowing "
            "or breathing.",
        ),
    ),
    "aftercare-facial": _aftercare(
        "Caring for your skin after your facial",
        "A few simple tips to keep your skin happy:",
        (
            "Your skin may look a little pink for a few hours, especially after "
            "extractions or exfoliation.",
            "Give your skin a break from makeup for the rest of the day if you can.",
            "Skip scrubs, retinoids and acids, saunas and steam rooms for 24 hours.",
            "Drink plenty of water and keep to a gentle cleanser and moisturiser.",
            _SUN,
        ),
    ),
    "aftercare-massage": _aftercare(
        "After your massage",
        "A few simple tips for the rest of the day:",
        (
            "Drink plenty of water and take it easy if you can.",
            "Some muscle tenderness for a day or two is common, especially after deeper "
            "work; a warm bath or shower can help.",
            "Avoid heavy exercise for the rest of the day.",
            "Let us know if soreness gets worse rather than better after a couple of days.",
        ),
    ),
    AFTERCARE_GENERIC: _aftercare(
        "Caring for yourself after your treatment",
        "Here are a few general reminders for the days ahead:",
        (
            "Some redness, tenderness or mild swelling in the treated area can be normal "
            "for a day or two.",
            "Keep the area clean and use gentle, fragrance-free products.",
            "Avoid heat (hot showers, saunas, steam rooms) and strenuous exercise for 24 to "
            "48 hours.",
            "Hold off on scrubs, retinoids and acids on the treated area until your "
            "practitioner says it is fine.",
            _SUN,
        ),
    ),
    # To the owner from the owner: no greeting card, no signature. It is rewritten during
    # the week, so it says "so far" rather than giving a time.
    WEEKLY_DIGEST: (
        "This week in referrals: {{clinic_name}}, week of {{week_of}}",
        "Hello,\n\n"
        "Here is the week so far at {{clinic_name}}: referrals, partners and client "
        "check-ins. This draft updates itself until Sunday; next week brings a new one. "
        "Client rows show their ID and initials only: the register has the rest.\n\n"
        "{{digest}}\n\n"
        "Every draft waits in your Drafts folder for you to review and send: sheetsync "
        "never sends anything.\n",
    ),
}

#: Built-in texts of earlier releases, which ``sheetsync init`` wrote into the Templates
#: tab. A Templates row that still holds one word for word was never edited by the
#: clinic: the current built-in is used instead, so better wording reaches it too.
RETIRED_TEMPLATES: dict[str, tuple[tuple[str, str], ...]] = {
    THANK_YOU: ((
        "Thank you for your referral",
        "Dear {{partner_salutation}},\n\n"
        "Thank you for the referral you sent to {{clinic_name}} on {{referral_date}}. We "
        "appreciate your trust and will take good care of them.\n\n"
        "If there is anything you would like us to know, or another patient you would like "
        "to talk through, I am always happy to hear from you.\n\n" + _SIGN_OFF,
    ),),
    REPORT_BACK: ((
        "An update on {{client_first_name}}",
        "Dear {{partner_salutation}},\n\n"
        "A short update, shared with {{client_first_name}}'s consent: they had their first "
        "visit with us on {{first_visit}}, following your referral regarding {{reason}}.\n\n"
        "Thank you again for thinking of us. If you would like more detail, or there is "
        "anything you would like us to keep in mind from your side, please reach out at "
        "any time.\n\n" + _SIGN_OFF,
    ),),
}


def _plain(text: str) -> str:
    return "\n".join(line.strip() for line in text.replace("\r\n", "\n").strip().split("\n"))


def is_retired_text(name: str, subject: str, body: str) -> bool:
    """Does a Templates row hold, unedited, an earlier release's built-in text?"""
    return any(_plain(subject) == _plain(old_subject) and _plain(body) == _plain(old_body)
               for old_subject, old_body in RETIRED_TEMPLATES.get(name.casefold(), ()))


# ------------------------------------------------------------------------------ settings

DEFAULT_SETTINGS: tuple[tuple[str, str, str], ...] = (
    ("Time zone", "Europe/London",
     "Where the clinic is, e.g. Europe/London or America/New_York."),
    ("Clinic name", "Your Clinic", "The clinic's name as clients and partners know it."),
    ("Sender name", "", "Who the emails are from, e.g. Sam Patel. Blank: the clinic name."),
    ("Owner email", "", "Who reviews the drafts and gets the weekly digest."),
    ("Weekly digest", "Yes",
     "Yes: a 'This week in referrals' draft for the owner, kept up to date all week."),
    ("Signature", "The team\nYour Clinic",
     "The lines that end every email. Update it when you change the clinic name."),
    ("Clinic phone", "", "The number clients should call; aftercare emails show it."),
    ("Date order", "",
     "How typed dates like 03/04/2026 are read: day-first (3 April) or month-first "
     "(March 4). Blank: such dates are refused as ambiguous; 2026-04-03 always works."),
    ("Working hours", "09:00-17:00", "Calendar reminders are placed within these hours."),
    ("Open days", "Monday-Friday",
     "Days the clinic is open, e.g. Monday-Friday or Mon, Tue, Thu, Sat: events fall on them."),
    ("Show client names in calendar", "No",
     "No: events show initials only, which is safer on shared calendars."),
    ("Calendar", "primary", "Which calendar gets the reminders; primary is your main one."),
    ("Referral follow-up after (days)", "14",
     "Days after a referral to check that the client was seen."),
    ("Report back after first visit (days)", "2",
     "Days after a first visit to update the referring partner (with consent)."),
    ("First-visit check-in after (days)", "2",
     "Days after a new client's first treatment to check in."),
    ("Ignore rows older than (days)", "60",
     "Older rows are left alone, so old history creates no new reminders."),
    ("Acting since", "",
     "The day sheetsync started acting on this register. Blank: the day of the first "
     "sync, which sheetsync keeps. What was due before it, less the catch-up window, is "
     "history: nothing is made for it."),
    ("Catch-up window (days)", "14",
     "How far before 'Acting since' sheetsync still catches up on what was due."),
    ("Thank-you within (days)", "30",
     "A referral older than this when first synced gets no thank-you draft."),
    ("Aftercare window (days)", "7",
     "Aftercare tips are drafted from the treatment day to this many days after it."),
    ("Check-in missed after (days)", "7",
     "A client check-in this many days late when first synced is marked missed, not "
     "scheduled."),
    ("Partner drafts within (days)", "365",
     "Introduction and meeting-request drafts only for partners contacted this recently."),
    ("Nudge after meeting request (days)", "14",
     "A partner left at 'Meeting requested' this long without a reply gets one nudge "
     "reminder."),
    ("Watch replies for (days)", "30",
     "A sent draft's thread is watched this long for replies and bounces (longer while a "
     "client waits for an answer)."),
    ("Answer clients within (days)", "2",
     "A client who replied to an email should have the clinic's answer within this many "
     "days: the row and the weekly digest say by when."),
)

# ------------------------------------------------------------------------ rows for tabs


def treatment_rows() -> list[dict[str, object]]:
    """The Treatments catalogue as tab rows (column name -> value)."""
    name, after, template = (c.name for c in schema.TREATMENTS.columns)
    return [
        {
            name: t.name,
            after: "" if t.checkin_after_days is None else t.checkin_after_days,
            template: t.aftercare_template,
        }
        for t in DEFAULT_TREATMENTS
    ]


def template_rows() -> list[dict[str, object]]:
    """The built-in templates as Templates-tab rows."""
    name, subject, body = (c.name for c in schema.TEMPLATES.columns)
    return [
        {name: key, subject: subj, body: text}
        for key, (subj, text) in DEFAULT_TEMPLATES.items()
    ]


def settings_rows() -> list[dict[str, object]]:
    """The default settings as Settings-tab rows (without the explanations)."""
    setting, value = (c.name for c in schema.SETTINGS.columns)
    return [{setting: key, value: default} for key, default, _ in DEFAULT_SETTINGS]
