"""Template wiring of notifications into pages of other apps (the header, the plan page).

`workflow` never imports `notifications`; its templates load these tags instead, and the
tags read through `notifications.selectors` only.
"""

from __future__ import annotations

from django import template

from documents.models import Plan
from notifications import selectors
from notifications.services import may_urge

register = template.Library()


@register.inclusion_tag("notifications/header_link.html", takes_context=True)
def notifications_link(context) -> dict:
    """The header link to the notifications, with the unread count."""
    user = context.get("user")
    count = selectors.unread_count(user=user) if user is not None and user.is_authenticated else 0
    return {"count": count, "user": user}


@register.simple_tag
def plan_urge_counts(plan: Plan) -> dict[int, int]:
    """{unit id: times urged} for the plan's board: `{% plan_urge_counts plan as urge_counts %}`."""
    return selectors.urge_counts(plan)


@register.filter
def urge_count(counts: dict[int, int] | None, unit_id: int) -> int:
    """`{{ urge_counts|urge_count:row.delivery.unit_id }}`: 0 when never urged."""
    return (counts or {}).get(unit_id, 0)


@register.inclusion_tag("notifications/plan_panel.html", takes_context=True)
def plan_notifications_panel(context, plan: Plan) -> dict:
    """Links of the plan page: urge a unit, the lateness report, the plan's own deadlines."""
    from documents.selectors import user_is_issuer_member

    user = context.get("user")
    if user is None or not user.is_authenticated:
        return {"show": False}
    is_issuer = user_is_issuer_member(user=user, plan=plan)
    return {
        "show": is_issuer,
        "plan": plan,
        "can_urge": is_issuer and plan.state == Plan.State.IN_EXECUTION and may_urge(user=user, plan=plan),
        "can_edit_deadlines": plan.drafter_id == user.pk and plan.state in Plan.EDITABLE_STATES,
        "has_overrides": bool(plan.deadline_overrides),
    }
