"""URL wiring: the viewflow Material site, our plan pages, auth, admin."""

from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView
from django.views.i18n import JavaScriptCatalog
from viewflow.contrib.auth import AuthViewset
from viewflow.urls import Site

from notifications.dashboard import leader_dashboard
from workflow.flows import PlanFlow
from workflow.views import PlanFlowViewset

site = Site(
    title="planflow",
    viewsets=[
        PlanFlowViewset(PlanFlow, icon="assignment", app_name="plan"),
    ],
)

urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/", AuthViewset(with_profile_view=False).urls),
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
