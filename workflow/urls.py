"""URLs of the plan pages (the task forms live in viewflow's site, see config/urls.py)."""

from django.urls import path

from workflow import views

app_name = "plans"

urlpatterns = [
    path("", views.plan_list, name="list"),
    path("import/", views.plan_import, name="import"),
    path("<int:plan_id>/", views.plan_detail, name="detail"),
    path("<int:plan_id>/edit/", views.plan_edit, name="edit"),
    path("<int:plan_id>/document.<str:fmt>", views.plan_document, name="document"),
    path("<int:plan_id>/reimport/", views.plan_reimport, name="reimport"),
    path("<int:plan_id>/attachments/", views.attachment_add, name="attachment_add"),
    path("attachments/<int:attachment_id>/", views.attachment_download, name="attachment"),
    path("<int:plan_id>/withdraw/", views.plan_withdraw, name="withdraw"),
    path("<int:plan_id>/audit.csv", views.plan_audit_csv, name="audit_csv"),
    path("<int:plan_id>/recipients/add/", views.recipient_add, name="recipient_add"),
    path("<int:plan_id>/recipients/<int:delivery_id>/remove/", views.recipient_remove, name="recipient_remove"),
    path("tasks/<int:task_id>/", views.task_open, name="task"),
    path("reports/<int:report_id>/file/", views.report_download, name="report_file"),
    path("deputies/", views.deputies, name="deputies"),
    path("deputies/<int:deputyship_id>/revoke/", views.deputy_revoke, name="deputy_revoke"),
]
