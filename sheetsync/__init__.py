"""sheetsync: a clinic's referral register -> calendar follow-ups and email drafts."""

__version__ = "0.1.0"
