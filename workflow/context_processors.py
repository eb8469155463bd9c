"""Template context for planflow's own pages."""

from django.http import HttpRequest

from documents.models import Membership


def navigation(request: HttpRequest) -> dict:
    """{"nav": {"can_import": bool, "is_leader": bool}}: what the header offers to the person signed in."""
    user = getattr(request, "user", None)
    roles: set[str] = set()
    if user and user.is_authenticated:
        roles = set(Membership.objects.filter(user_id=user.pk).values_list("role", flat=True).distinct())
    return {"nav": {"can_import": Membership.Role.DRAFTER in roles, "is_leader": Membership.Role.LEADER in roles}}
