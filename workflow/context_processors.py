"""Template context for planflow's own pages."""

from django.http import HttpRequest

from documents.models import Membership


def navigation(request: HttpRequest) -> dict:
    """{"nav": {"can_import": bool}}: what the header offers to the person signed in."""
    user = getattr(request, "user", None)
    can_import = bool(
        user
        and user.is_authenticated
        and Membership.objects.filter(user_id=user.pk, role=Membership.Role.DRAFTER).exists()
    )
    return {"nav": {"can_import": can_import}}
