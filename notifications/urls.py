"""URLs of notifications, reminders, urging and the calendar feed (mounted at /notifications/)."""

from django.urls import path

from notifications import views

app_name = "notifications"

urlpatterns = [
    path("", views.notification_list, name="list"),
    path("<int:notification_id>/read/", views.notification_read, name="read"),
    path("read-all/", views.notifications_read_all, name="read_all"),
    path("preferences/", views.preferences, name="preferences"),
    path("calendar/regenerate/", views.calendar_regenerate, name="calendar_regenerate"),
    path("calendar/revoke/", views.calendar_revoke, name="calendar_revoke"),
    path("calendar/<str:token>.ics", views.calendar_feed, name="calendar_feed"),
    path("lateness/", views.lateness, name="lateness"),
    path("plans/<int:plan_id>/urge/", views.plan_urge, name="urge"),
    path("plans/<int:plan_id>/deadlines/", views.plan_deadlines, name="deadlines"),
]
