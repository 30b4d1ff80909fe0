"""The playbook of REGISTER.md as pure rules: (valid rows, state, today) -> intents."""

from __future__ import annotations

from sheetsync.core.plan import RowPlan
from sheetsync.playbook.checkins import plan_checkin, withdraw_removed_treatment
from sheetsync.playbook.context import PlanContext
from sheetsync.playbook.partners import plan_partner
from sheetsync.playbook.referrals import plan_referral
from sheetsync.playbook.tracker import track

__all__ = ["PlanContext", "plan_register"]


def plan_register(ctx: PlanContext) -> dict[str, RowPlan]:
    """One RowPlan per valid row, keyed by row ID (rows with problems are not planned,
    but for withdrawing what was made for a treatment staff removed)."""
    plans: dict[str, RowPlan] = {}
    register = ctx.register
    for partner in register.partners:
        if partner.ok:
            plans[partner.key] = plan_partner(ctx, partner)
    for referral in register.referrals:
        if referral.ok:
            plans[referral.key] = plan_referral(ctx, referral)
    for checkin in register.checkins:
        if checkin.ok:
            plans[checkin.key] = plan_checkin(ctx, checkin)
        elif (withdrawn := withdraw_removed_treatment(ctx, checkin)) is not None:
            plans[checkin.key] = withdrawn
    if ctx.state.threads:  # replies and bounces (the tracker)
        track(ctx, plans)
    return plans
