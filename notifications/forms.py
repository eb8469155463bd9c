"""Forms of the notifications pages: input validation only; rules stay in services."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from notifications.calendar import deadline_policy
from notifications.models import EmailMode, Urge


class PreferenceForm(forms.Form):
    email_mode = forms.ChoiceField(label=_("Nhận thư điện tử"), choices=EmailMode.choices, widget=forms.RadioSelect)


class UrgeForm(forms.Form):
    delivery = forms.TypedChoiceField(label=_("Đơn vị"), coerce=int)
    level = forms.ChoiceField(label=_("Mức"), choices=Urge.Level.choices, widget=forms.RadioSelect, initial="remind")
    message = forms.CharField(label=_("Nội dung đôn đốc"), widget=forms.Textarea(attrs={"rows": 4}), max_length=2000)

    def __init__(self, *args, deliveries, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["delivery"].choices = [
            (d.pk, _("%(unit)s – đã quá hạn") % {"unit": d.unit.name} if d.is_late else d.unit.name) for d in deliveries
        ]


def _hhmm(value: str) -> str:
    return value.strip()


class DeadlinesForm(forms.Form):
    """The plan's deadlines and reminder policy; `overrides()` gives the JSON for `plan_deadlines_update`."""

    approve_working_days = forms.IntegerField(label=_("Hạn duyệt (ngày làm việc sau khi trình)"), min_value=0)
    register_working_days = forms.IntegerField(
        label=_("Hạn vào sổ, phát hành (ngày làm việc sau khi duyệt)"), min_value=0
    )
    review_working_days = forms.IntegerField(label=_("Hạn xem xét báo cáo (ngày làm việc)"), min_value=0)
    acknowledge_hoa_toc_hours = forms.FloatField(label=_("Văn bản hỏa tốc: tiếp nhận trong (giờ)"), min_value=0.1)
    send_at = forms.CharField(label=_("Giờ gửi nhắc (HH:MM)"), max_length=5)
    before_working_days = forms.CharField(
        label=_("Nhắc trước hạn (ngày làm việc, cách nhau bởi dấu phẩy)"), required=False, max_length=40
    )
    on_due_day = forms.BooleanField(label=_("Nhắc vào ngày đến hạn"), required=False)
    overdue_every_working_days = forms.IntegerField(
        label=_("Sau hạn: nhắc mỗi (ngày làm việc, 0 là không)"), min_value=0
    )
    escalate_to_unit_leader_from_overdue_day = forms.IntegerField(
        label=_("Báo lãnh đạo đơn vị thực hiện từ ngày quá hạn thứ (0 là không)"), min_value=0
    )
    escalate_to_issuer_leader_from_overdue_day = forms.IntegerField(
        label=_("Báo lãnh đạo đơn vị ban hành từ ngày quá hạn thứ (0 là không)"), min_value=0
    )

    @classmethod
    def initial_from(cls, merged: Mapping[str, Any]) -> dict[str, Any]:
        reminders = merged["reminders"]
        return {
            "approve_working_days": merged["approve_working_days"],
            "register_working_days": merged["register_working_days"],
            "review_working_days": merged["review_working_days"],
            "acknowledge_hoa_toc_hours": merged["acknowledge_hoa_toc_hours"],
            "send_at": reminders["send_at"],
            "before_working_days": ", ".join(str(n) for n in reminders["before_working_days"]),
            "on_due_day": reminders["on_due_day"],
            "overdue_every_working_days": reminders["overdue_every_working_days"],
            "escalate_to_unit_leader_from_overdue_day": reminders["escalate_to_unit_leader_from_overdue_day"],
            "escalate_to_issuer_leader_from_overdue_day": reminders["escalate_to_issuer_leader_from_overdue_day"],
        }

    def clean_before_working_days(self) -> list[int]:
        raw = self.cleaned_data["before_working_days"]
        try:
            return [int(part) for part in raw.replace(";", ",").split(",") if part.strip()]
        except ValueError:
            raise forms.ValidationError(_("Hãy ghi các số ngày, ví dụ: 3, 1")) from None

    def overrides(self) -> dict[str, Any]:
        data = self.cleaned_data
        hours = data["acknowledge_hoa_toc_hours"]
        return {
            "approve_working_days": data["approve_working_days"],
            "register_working_days": data["register_working_days"],
            "review_working_days": data["review_working_days"],
            "acknowledge_hoa_toc_hours": int(hours) if float(hours).is_integer() else hours,
            "reminders": {
                "send_at": _hhmm(data["send_at"]),
                "before_working_days": data["before_working_days"],
                "on_due_day": data["on_due_day"],
                "overdue_every_working_days": data["overdue_every_working_days"],
                "escalate_to_unit_leader_from_overdue_day": data["escalate_to_unit_leader_from_overdue_day"],
                "escalate_to_issuer_leader_from_overdue_day": data["escalate_to_issuer_leader_from_overdue_day"],
            },
        }

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if not self.errors:
            try:
                deadline_policy(self.overrides())
            except ValueError as error:
                raise forms.ValidationError(_("Thời hạn không hợp lệ: %(error)s") % {"error": error}) from error
        return data
