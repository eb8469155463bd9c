"""Data of planflow's notifications app: the working-day calendar and deadline kinds."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class DeadlineKind(models.TextChoices):
    """What an obligation asks for; each kind has its own due-time rule (`notifications.calendar`)."""

    APPROVE = "approve", _("Phê duyệt")
    REGISTER = "register", _("Vào sổ, phát hành")
    ACKNOWLEDGE = "acknowledge", _("Xác nhận đã nhận")
    REPORT = "report", _("Báo cáo")
    REVIEW = "review", _("Xem xét báo cáo")


class CalendarDay(models.Model):
    """An admin-entered exception to the working-day calendar for one date.

    Working days are Monday to Friday minus the public holidays of the Labour Code
    (Bộ luật Lao động 2019, Điều 112, as the `holidays` package knows them). Each year
    the government also moves days: a compensatory day off (nghỉ bù) against a make-up
    working Saturday (làm bù), announced by a Thông báo of the Ministry (Bộ LĐ-TB&XH,
    from 2025 Bộ Nội vụ) or a Quyết định of the Prime Minister. A row here wins over both
    the weekend and the `holidays` package for its date.
    """

    class Kind(models.TextChoices):
        DAY_OFF = "day_off", _("Ngày nghỉ (nghỉ lễ bổ sung, nghỉ bù)")
        WORKING_DAY = "working_day", _("Ngày làm việc (làm bù)")

    date = models.DateField(_("ngày"), unique=True)
    kind = models.CharField(_("loại ngày"), max_length=16, choices=Kind.choices)
    note = models.CharField(
        _("ghi chú"),
        max_length=255,
        blank=True,
        help_text=_("Ví dụ: “Nghỉ bù Tết”, “Làm bù cho ngày 29/4/2024”."),
    )
    basis = models.CharField(
        _("căn cứ"),
        max_length=255,
        blank=True,
        help_text=_("Văn bản quyết định ngày nghỉ hoặc làm bù, ví dụ: Thông báo số …/TB-LĐTBXH."),
    )

    class Meta:
        verbose_name = _("ngày nghỉ, làm bù")
        verbose_name_plural = _("lịch ngày nghỉ, làm bù")
        ordering = ["date"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=["day_off", "working_day"]),
                name="calendarday_kind_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.date:%d/%m/%Y}: {self.get_kind_display()}"
