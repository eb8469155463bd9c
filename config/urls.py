"""URL wiring: the viewflow Material site, our plan pages, auth, admin."""

from typing import Any

from django.conf import settings
from django.contrib import admin
from django.templatetags.static import static
from django.urls import include, path
from django.utils.translation import gettext_lazy as _
from django.views.generic import RedirectView
from django.views.i18n import JavaScriptCatalog
from viewflow.contrib.auth import AuthViewset
from viewflow.urls import Site

from notifications.dashboard import leader_dashboard
from workflow.flows import PlanFlow
from workflow.views import PlanFlowViewset


class PlanflowAuthViewset(AuthViewset):
    """viewflow's sign-in and password pages, with planflow's browser tab titles.

    viewflow's templates title a page "<page> - <site title>", the site read from the
    request's resolver match; these pages are mounted outside our `Site`, so that read
    "Django Material". Each view gets a template of workflow/templates/workflow/auth/ that
    extends viewflow's and only retitles it ("Đăng nhập – planflow" / "Log in – planflow").
    Signing out renders no page: it redirects to the sign-in page (LOGOUT_REDIRECT_URL).
    """

    def get_login_view_kwargs(self, **kwargs: Any) -> dict[str, Any]:
        return super().get_login_view_kwargs(template_name="workflow/auth/login.html", **kwargs)

    def get_pass_change_view_kwargs(self, **kwargs: Any) -> dict[str, Any]:
        return super().get_pass_change_view_kwargs(template_name="workflow/auth/password_change_form.html", **kwargs)

    def get_pass_change_done_view_kwargs(self, **kwargs: Any) -> dict[str, Any]:
        return super().get_pass_change_done_view_kwargs(
            template_name="workflow/auth/password_change_done.html", **kwargs
        )

    def get_pass_reset_view_kwargs(self, **kwargs: Any) -> dict[str, Any]:
        return super().get_pass_reset_view_kwargs(template_name="workflow/auth/password_reset_form.html", **kwargs)

    def get_pass_reset_done_view_kwargs(self, **kwargs: Any) -> dict[str, Any]:
        return super().get_pass_reset_done_view_kwargs(template_name="workflow/auth/password_reset_done.html", **kwargs)

    def get_pass_reset_confirm_view_kwargs(self, **kwargs: Any) -> dict[str, Any]:
        return super().get_pass_reset_confirm_view_kwargs(
            template_name="workflow/auth/password_reset_confirm.html", **kwargs
        )

    def get_pass_reset_complete_view_kwargs(self, **kwargs: Any) -> dict[str, Any]:
        return super().get_pass_reset_complete_view_kwargs(
            template_name="workflow/auth/password_reset_complete.html", **kwargs
        )


site = Site(
    title="planflow",
    viewsets=[
        PlanFlowViewset(PlanFlow, icon="assignment", app_name="plan"),
    ],
)

# The admin's tab titles and header read planflow, not "Django site admin".
admin.site.site_title = "planflow"
admin.site.site_header = _("Quản trị planflow")

urlpatterns = [
    # Browsers ask for /favicon.ico on every page that names none (the admin site's): viewflow's icon.
    path("favicon.ico", RedirectView.as_view(url=static("viewflow/img/favicon.png"), permanent=True)),
    path("admin/", admin.site.urls),
    path("accounts/", PlanflowAuthViewset(with_profile_view=False).urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("jsi18n/", JavaScriptCatalog.as_view(), name="javascript-catalog"),
    # The leaders' dashboard reads deadlines, so it lives in notifications (which may read workflow).
    path("plans/dashboard/", leader_dashboard, name="dashboard"),
    path("plans/", include("workflow.urls")),
    path("notifications/", include("notifications.urls")),
    # The front door is the person's scoped plan list (login first), not viewflow's site index.
    path("", RedirectView.as_view(pattern_name="plans:list", permanent=False)),
    path("", site.urls),
]

# Our Vietnamese error pages (viewflow's English ones would shadow templates named 404.html etc.).
handler400 = "workflow.views.bad_request"
handler403 = "workflow.views.permission_denied"
handler404 = "workflow.views.page_not_found"
handler500 = "workflow.views.server_error"

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
