"""Admin of the notifications app: calendar days, obligations, reminders and their e-mails.

A reminder whose e-mail failed after its last try shows its state and error in the
reminder list (filter "thư: Gửi lỗi") and in the e-mail list: nothing is dropped silently.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from notifications import services
from notifications.calendar import WorkingCalendar, public_holiday_name, site_defaults
from notifications.forms import DeadlinesForm
from notifications.models import (
    CalendarDay,
    DeadlineDefaults,
    Notification,
    NotificationPreference,
    Obligation,
    OutboundEmail,
    Reminder,
    Urge,
)
from notifications.services.deadlines import calendar_changed

_WEEKDAYS = (_("Thứ Hai"), _("Thứ Ba"), _("Thứ Tư"), _("Thứ Năm"), _("Thứ Sáu"), _("Thứ Bảy"), _("Chủ nhật"))


@admin.register(CalendarDay)
class CalendarDayAdmin(admin.ModelAdmin):
    list_display = ("date", "weekday", "kind", "note", "basis", "without_this_row")
    list_filter = ("kind",)
    date_hierarchy = "date"
    search_fields = ("note", "basis")
    ordering = ("-date",)

    def save_model(self, request, obj: CalendarDay, form, change: bool) -> None:
        """Save the day; due times from it (or from the day it replaced) on are written again."""
        before = CalendarDay.objects.filter(pk=obj.pk).values_list("date", flat=True).first() if change else None
        super().save_model(request, obj, form, change)
        calendar_changed(on=[d for d in (obj.date, before) if d])

    def delete_model(self, request, obj: CalendarDay) -> None:
        super().delete_model(request, obj)
        calendar_changed(on=[obj.date])

    def delete_queryset(self, request, queryset) -> None:
        dates = list(queryset.values_list("date", flat=True))
        super().delete_queryset(request, queryset)
        calendar_changed(on=dates)

    @admin.display(description=_("thứ"))
    def weekday(self, obj: CalendarDay) -> str:
        return str(_WEEKDAYS[obj.date.weekday()])

    @admin.display(description=_("lịch mặc định (không có dòng này)"))
    def without_this_row(self, obj: CalendarDay) -> str:
        """What the calendar says for the date without the row: shows a redundant or contradicting row."""
        name = public_holiday_name(obj.date)
        if name:
            return _("Ngày nghỉ: %(name)s") % {"name": name}
        if WorkingCalendar(exceptions={}).is_working_day(obj.date):
            return _("Ngày làm việc")
        return _("Nghỉ cuối tuần")


# --- the site-wide deadlines and reminder policy ------------------------------------------


class DeadlineDefaultsForm(DeadlinesForm, forms.ModelForm):
    """The plan deadline form's fields plus office hours, editing the one `DeadlineDefaults` row."""

    office_opens = forms.TimeField(label=_("Giờ bắt đầu làm việc (HH:MM)"), input_formats=["%H:%M"])
    office_closes = forms.TimeField(
        label=_("Giờ kết thúc làm việc (HH:MM)"),
        input_formats=["%H:%M"],
        help_text=_(
            "Văn bản đến sau giờ này được xác nhận trước hết ngày làm việc tiếp theo (Nghị định 30/2020, Điều 21)."
        ),
    )

    class Meta:
        model = DeadlineDefaults
        fields: list[str] = []

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        merged = site_defaults()
        self.initial = {
            **self.initial_from(merged),
            "office_opens": merged["office_opens"],
            "office_closes": merged["office_closes"],
        }

    def overrides(self) -> dict[str, Any]:
        values = super().overrides()
        values["office_opens"] = self.cleaned_data["office_opens"].strftime("%H:%M")
        values["office_closes"] = self.cleaned_data["office_closes"].strftime("%H:%M")
        return values


@admin.register(DeadlineDefaults)
class DeadlineDefaultsAdmin(admin.ModelAdmin):
    """One page for the site's deadlines and reminder policy; deleting the row goes back to the settings."""

    form = DeadlineDefaultsForm
    readonly_fields = ("values", "updated_at", "updated_by")
    fieldsets = (
        (
            _("Thời hạn"),
            {
                "fields": (
                    "approve_working_days",
                    "register_working_days",
                    "review_working_days",
                    "acknowledge_hoa_toc_hours",
                    "office_opens",
                    "office_closes",
                )
            },
        ),
        (
            _("Nhắc việc"),
            {
                "fields": (
                    "send_at",
                    "before_working_days",
                    "on_due_day",
                    "overdue_every_working_days",
                    "escalate_to_unit_leader_from_overdue_day",
                    "escalate_to_issuer_leader_from_overdue_day",
                )
            },
        ),
        (_("Đã lưu"), {"fields": ("values", "updated_at", "updated_by")}),
    )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return super().has_add_permission(request) and not DeadlineDefaults.objects.exists()

    def changeform_view(
        self, request: HttpRequest, object_id: str | None = None, form_url: str = "", extra_context: dict | None = None
    ) -> HttpResponse:
        """One row: no "save and add another" button."""
        extra_context = {**(extra_context or {}), "show_save_and_add_another": False}
        return super().changeform_view(request, object_id, form_url, extra_context)

    def changelist_view(self, request: HttpRequest, extra_context: dict | None = None) -> HttpResponse:
        """Straight to the one row (or to adding it: until then the settings' defaults apply)."""
        opts = self.model._meta
        if DeadlineDefaults.objects.filter(pk=DeadlineDefaults.SINGLETON_ID).exists():
            url = reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[DeadlineDefaults.SINGLETON_ID])
        else:
            url = reverse(f"admin:{opts.app_label}_{opts.model_name}_add")
        return HttpResponseRedirect(url)

    def save_model(self, request: HttpRequest, obj: DeadlineDefaults, form: DeadlineDefaultsForm, change: bool) -> None:
        row = services.deadline_defaults_set(actor=request.user, values=form.overrides())
        obj.pk, obj.values, obj.updated_at, obj.updated_by = row.pk, row.values, row.updated_at, row.updated_by


# --- reminders, e-mails, notifications ----------------------------------------------------


class WrittenByPlanflowAdmin(admin.ModelAdmin):
    """Rows the sweep, the flow and the senders write (obligations, reminders, e-mails, notifications,
    urgings): the admin looks at them and may correct one, never adds one by hand."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(Obligation)
class ObligationAdmin(WrittenByPlanflowAdmin):
    list_display = ("id", "kind", "plan", "unit", "opened_at", "due_at", "next_reminder_at", "last_step", "closed_at")
    list_filter = ("kind", "close_reason")
    search_fields = ("plan__number_symbol", "plan__title", "unit__name")
    raw_id_fields = ("task", "plan", "delivery", "unit")
    list_select_related = ("plan", "unit")
    date_hierarchy = "due_at"


@admin.register(Reminder)
class ReminderAdmin(WrittenByPlanflowAdmin):
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
class OutboundEmailAdmin(WrittenByPlanflowAdmin):
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
class NotificationAdmin(WrittenByPlanflowAdmin):
    list_display = ("id", "recipient", "title", "level", "created_at", "read_at")
    list_filter = ("level",)
    search_fields = ("recipient__username", "title")
    raw_id_fields = ("recipient", "reminder", "plan")


@admin.register(Urge)
class UrgeAdmin(WrittenByPlanflowAdmin):
    list_display = ("id", "plan", "unit", "level", "actor", "created_at")
    list_filter = ("level",)
    raw_id_fields = ("plan", "delivery", "unit", "actor")


@admin.register(NotificationPreference)
class NotificationPreferenceAdmin(admin.ModelAdmin):
    list_display = ("user", "email_mode", "ical_token_created_at")
    list_filter = ("email_mode",)
    raw_id_fields = ("user",)
    exclude = ("ical_token",)
