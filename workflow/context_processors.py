"""Template context for planflow's own pages."""

from django.db.models import CharField, Value
from django.http import HttpRequest
from django.utils import timezone

from documents.models import Deputyship, Membership

DEPUTY = "deputy"
"""Stands for "a deputy in force today" beside the roles read by `navigation`."""


def navigation(request: HttpRequest) -> dict:
    """{"nav": {"can_import", "is_leader", "is_clerk", "is_deputy": bool}}: what the menu offers the person.

    One statement: the person's roles and, as `DEPUTY`, whether a deputyship names them today.
    """
    user = getattr(request, "user", None)
    roles: set[str] = set()
    if user and user.is_authenticated:
        deputising = (
            Deputyship.objects.active_on(timezone.localdate())
            .filter(deputy_id=user.pk)
            .annotate(role=Value(DEPUTY, output_field=CharField()))
            .values_list("role", flat=True)
            .order_by()
        )
        roles = set(
            Membership.objects.filter(user_id=user.pk).values_list("role", flat=True).order_by().union(deputising)
        )
    return {
        "nav": {
            "can_import": Membership.Role.DRAFTER in roles,
            "is_leader": Membership.Role.LEADER in roles,
            "is_clerk": Membership.Role.CLERK in roles,
            "is_deputy": DEPUTY in roles,
        }
    }
