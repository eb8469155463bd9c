"""Admin of the notifications app: the days off and make-up working days of each year."""

from __future__ import annotations

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from notifications.calendar import WorkingCalendar, public_holiday_name
from notifications.models import CalendarDay

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
