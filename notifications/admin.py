"""Admin of the notifications app: calendar days, obligations, reminders and their e-mails.

A reminder whose e-mail failed after its last try shows its state and error in the
reminder list (filter "thư: Gửi lỗi") and in the e-mail list: nothing is dropped silently.
"""

from __future__ import annotations

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from notifications.calendar import WorkingCalendar, public_holiday_name
from notifications.models import (
    CalendarDay,
    Notification,
    NotificationPreference,
    Obligation,
    OutboundEmail,
    Reminder,
    Urge,
)

_WEEKDAYS = ("Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy", "Chủ nhật")


@admin.register(CalendarDay)
class CalendarDayAdmin(admin.ModelAdmin):
    list_display = ("date", "weekday", "kind", "note", "basis", "without_this_row")
    list_filter = ("kind",)
    date_hierarchy = "date"
    search_fields = ("note", "basis")
    ordering = ("-date",)

    @admin.display(description=_("thứ"))
    def weekday(self, obj: CalendarDay) -> str:
        return _WEEKDAYS[obj.date.weekday()]

    @admin.display(description=_("lịch mặc định (không có dòng này)"))
    def without_this_row(self, obj: CalendarDay) -> str:
        """What the calendar says for the date without the row: shows a redundant or contradicting row."""
        name = public_holiday_name(obj.date)
        if name:
            return f"Ngày nghỉ: {name}"
        if WorkingCalendar(exceptions={}).is_working_day(obj.date):
            return "Ngày làm việc"
        return "Nghỉ cuối tuần"


# --- reminders, e-mails, notifications ----------------------------------------------------


@admin.register(Obligation)
class ObligationAdmin(admin.ModelAdmin):
    list_display = ("id", "kind", "plan", "unit", "opened_at", "due_at", "next_reminder_at", "last_step", "closed_at")
    list_filter = ("kind", "close_reason")
    search_fields = ("plan__number_symbol", "plan__title", "unit__name")
    raw_id_fields = ("task", "plan", "delivery", "unit")
    list_select_related = ("plan", "unit")
    date_hierarchy = "due_at"


@admin.register(Reminder)
class ReminderAdmin(admin.ModelAdmin):
    """Each reminder with its e-mail's state and last error: a failed send shows here, nothing is silent."""

    list_display = (
        "id",
        "step",
        "recipient",
        "reason",
        "created_at",
        "sent_at",
        "email_mode",
        "email_state",
        "email_error",
    )
    list_filter = ("email_mode", "email__state", "step")
    search_fields = ("recipient__username", "recipient__email", "reason")
    raw_id_fields = ("obligation", "urge", "recipient", "email", "digest")
    list_select_related = ("recipient", "email")

    @admin.display(description=_("thư"))
    def email_state(self, obj: Reminder) -> str:
        return obj.email.get_state_display() if obj.email else "—"

    @admin.display(description=_("lỗi gửi thư"))
    def email_error(self, obj: Reminder) -> str:
        return obj.email.last_error if obj.email else ""


@admin.register(OutboundEmail)
class OutboundEmailAdmin(admin.ModelAdmin):
    list_display = (
        "id",
        "to",
        "subject",
        "kind",
        "state",
        "attempts",
        "last_error",
        "created_at",
        "sent_at",
        "failed_at",
    )
    list_filter = ("state", "kind")
    search_fields = ("to", "subject", "message_id")
    raw_id_fields = ("recipient",)
    readonly_fields = ("message_id", "attempts", "last_attempt_at", "sent_at", "failed_at", "lease_until")


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ("id", "recipient", "title", "level", "created_at", "read_at")
    list_filter = ("level",)
    search_fields = ("recipient__username", "title")
    raw_id_fields = ("recipient", "reminder", "plan")


@admin.register(Urge)
class UrgeAdmin(admin.ModelAdmin):
    list_display = ("id", "plan", "unit", "level", "actor", "created_at")
    list_filter = ("level",)
    raw_id_fields = ("plan", "delivery", "unit", "actor")


@admin.register(NotificationPreference)
class NotificationPreferenceAdmin(admin.ModelAdmin):
    list_display = ("user", "email_mode", "ical_token_created_at")
    list_filter = ("email_mode",)
    raw_id_fields = ("user",)
    exclude = ("ical_token",)
