"""Forms of the plan's tasks and pages; validation of input only, rules stay in services."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.forms.utils import flatatt
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from documents.models import Plan, Purpose, Unit, Urgency
from workflow.models import Decision

# Dates are read and shown as dd/mm/yyyy, as Vietnamese offices write them.
DATE_INPUTS = ["%d/%m/%Y", "%Y-%m-%d"]
DATE_WIDGET = forms.DateInput(format="%d/%m/%Y", attrs={"placeholder": "dd/mm/yyyy"})


class UnitSelect(forms.Select):
    """A `<select>` written in Python, for lists of hundreds of units.

    Django's `Select` renders every option through a template (about 50 µs each): the plan
    list's two unit filters of a person in 100 units (about 260 options) took 88 ms of a
    127 ms page on the national bench (docs/performance.md). Same HTML, flat choices only
    (no option groups), labels escaped.
    """

    def render(self, name, value, attrs=None, renderer=None):
        final_attrs = self.build_attrs(self.attrs, attrs)
        final_attrs["name"] = name
        selected = set(self.format_value(value))
        options = format_html_join(
            "",
            '<option value="{}"{}>{}</option>',
            ((key, " selected" if key in selected else "", label) for key, label in self._flat_choices()),
        )
        return format_html("<select{}>{}</select>", flatatt(final_attrs), options)

    def _flat_choices(self):
        for key, label in self.choices:
            yield ("" if key is None else str(key)), label


class SubmitForm(forms.Form):
    comment = forms.CharField(label=_("Ghi chú gửi lãnh đạo"), required=False, widget=forms.Textarea(attrs={"rows": 3}))


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(label=_("Quyết định"), choices=Decision.choices, widget=forms.RadioSelect)
    comment = forms.CharField(
        label=_("Ý kiến"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Bắt buộc khi trả lại hoặc không duyệt."),
    )

    def clean(self):
        data = super().clean()
        if data.get("decision") in (Decision.RETURN, Decision.REJECT) and not data.get("comment", "").strip():
            self.add_error("comment", _("Hãy ghi ý kiến để người soạn biết cần sửa gì."))
        return data


class RegisterForm(forms.Form):
    issue_date = forms.DateField(
        label=_("Ngày ban hành"),
        input_formats=DATE_INPUTS,
        widget=DATE_WIDGET,
        help_text=_("dd/mm/yyyy; để trống là hôm nay."),
        required=False,
    )
    place = forms.CharField(label=_("Địa danh"), required=False, max_length=120)

    def clean_issue_date(self):
        return self.cleaned_data.get("issue_date") or timezone.localdate()


class DispatchForm(forms.Form):
    confirm = forms.BooleanField(label=_("Tôi đã kiểm tra danh sách nơi nhận"), required=True)


class AcknowledgeForm(forms.Form):
    ACKNOWLEDGE = "acknowledge"
    REFUSE = "refuse"
    decision = forms.ChoiceField(
        label=_("Xử lý"),
        widget=forms.RadioSelect,
        choices=((ACKNOWLEDGE, _("Tiếp nhận")), (REFUSE, _("Từ chối (gửi nhầm đơn vị)"))),
    )
    reason = forms.CharField(label=_("Lý do từ chối"), required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def clean(self):
        data = super().clean()
        if data.get("decision") == self.REFUSE and not data.get("reason", "").strip():
            self.add_error("reason", _("Hãy ghi lý do từ chối để văn thư nơi gửi điều chỉnh."))
        return data


class ReportForm(forms.Form):
    text = forms.CharField(label=_("Nội dung báo cáo"), widget=forms.Textarea(attrs={"rows": 8}))
    attachment = forms.FileField(label=_("Tệp đính kèm"), required=False)

    def clean_attachment(self):
        attachment = self.cleaned_data.get("attachment")
        if attachment and attachment.size > settings.PLANFLOW_REPORT_ATTACHMENT_MAX_BYTES:
            limit = settings.PLANFLOW_REPORT_ATTACHMENT_MAX_BYTES // (1024 * 1024)
            raise forms.ValidationError(_("Tệp quá lớn (tối đa %(limit)s MB).") % {"limit": limit})
        return attachment


class ReviewForm(forms.Form):
    ACCEPT = "accept"
    RETURN = "return"
    decision = forms.ChoiceField(
        label=_("Kết luận"),
        widget=forms.RadioSelect,
        choices=((ACCEPT, _("Chấp nhận báo cáo")), (RETURN, _("Trả lại, yêu cầu bổ sung"))),
    )
    comment = forms.CharField(label=_("Ý kiến"), required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def clean(self):
        data = super().clean()
        if data.get("decision") == self.RETURN and not data.get("comment", "").strip():
            self.add_error("comment", _("Hãy ghi rõ cần bổ sung gì."))
        return data


class ImportForm(forms.Form):
    issuer = forms.ModelChoiceField(label=_("Đơn vị ban hành"), queryset=Unit.objects.none())
    upload = forms.FileField(label=_("Tệp kế hoạch (.txt, .docx, .pdf)"), required=False)
    text = forms.CharField(label=_("Hoặc dán nội dung"), required=False, widget=forms.Textarea(attrs={"rows": 14}))

    def __init__(self, *args, units=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["issuer"].queryset = units if units is not None else Unit.objects.none()
        if units is not None and units.count() == 1:
            self.fields["issuer"].initial = units.first()

    def clean(self):
        data = super().clean()
        if not data.get("upload") and not data.get("text", "").strip():
            raise forms.ValidationError(_("Hãy chọn một tệp hoặc dán nội dung kế hoạch."))
        return data


def _lines(value: str) -> list[str]:
    return [line.strip() for line in value.splitlines() if line.strip()]


class PlanEditForm(forms.Form):
    title = forms.CharField(label=_("Trích yếu"), max_length=500)
    legal_basis = forms.CharField(
        label=_("Căn cứ (mỗi dòng một văn bản)"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    sections = forms.CharField(
        label=_("Các phần (mỗi dòng một đề mục)"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    body = forms.CharField(label=_("Nội dung"), required=False, widget=forms.Textarea(attrs={"rows": 14}))
    schedule_start = forms.DateField(
        label=_("Thực hiện từ ngày"), required=False, input_formats=DATE_INPUTS, widget=DATE_WIDGET
    )
    schedule_end = forms.DateField(label=_("Đến ngày"), required=False, input_formats=DATE_INPUTS, widget=DATE_WIDGET)
    urgency = forms.ChoiceField(label=_("Độ khẩn"), choices=Urgency.choices, required=False)

    def cleaned_lists(self) -> dict:
        data = dict(self.cleaned_data)
        data["legal_basis"] = _lines(data.get("legal_basis", ""))
        data["sections"] = _lines(data.get("sections", ""))
        return data


class RecipientRowForm(forms.Form):
    """One Nơi nhận row; a new row (no phrase yet) takes its unit's name as the phrase."""

    phrase = forms.CharField(widget=forms.HiddenInput, required=False)
    # The classes size the two selects in plan_edit.html: a unit's name differs at its end
    # ("… huyện Bình Giang"), so the closed select must show it whole.
    unit = forms.ModelChoiceField(
        label=_("Đơn vị"),
        queryset=Unit.objects.filter(is_active=True),
        required=False,
        widget=forms.Select(attrs={"class": "unit-select"}),
    )
    purpose = forms.ChoiceField(
        label=_("Mục đích"),
        choices=Purpose.choices,
        initial=Purpose.IMPLEMENT,
        widget=forms.Select(attrs={"class": "purpose-select"}),
    )
    requires_report = forms.BooleanField(label=_("Phải báo cáo"), required=False)
    keep = forms.BooleanField(label=_("Giữ"), required=False, initial=True)

    def clean(self):
        data = super().clean()
        if not data.get("phrase"):
            if data.get("unit"):
                data["phrase"] = data["unit"].name
            elif data.get("keep") and self.has_changed():
                self.add_error("unit", _("Hãy chọn đơn vị cho dòng mới."))
        return data


RecipientFormSet = forms.formset_factory(RecipientRowForm, extra=1)


class RecipientAddForm(forms.Form):
    unit = forms.ModelChoiceField(label=_("Đơn vị bổ sung"), queryset=Unit.objects.none())
    requires_report = forms.BooleanField(label=_("Phải báo cáo kết quả"), required=False, initial=True)
    comment = forms.CharField(label=_("Ghi chú"), required=False)

    def __init__(self, *args, units=None, **kwargs):
        super().__init__(*args, **kwargs)
        if units is not None:
            self.fields["unit"].queryset = units


class WithdrawForm(forms.Form):
    reason = forms.CharField(label=_("Lý do thu hồi"), widget=forms.Textarea(attrs={"rows": 3}))


class ReimportForm(forms.Form):
    upload = forms.FileField(label=_("Tệp kế hoạch đã sửa (.txt, .docx, .pdf)"), required=False)
    text = forms.CharField(label=_("Hoặc dán nội dung"), required=False, widget=forms.Textarea(attrs={"rows": 6}))

    def clean(self):
        data = super().clean()
        if not data.get("upload") and not data.get("text", "").strip():
            raise forms.ValidationError(_("Hãy chọn một tệp hoặc dán nội dung kế hoạch."))
        return data


class AttachmentForm(forms.Form):
    file = forms.FileField(label=_("Tệp đính kèm (phụ lục, biểu mẫu)"))


class PlanFilterForm(forms.Form):
    """The plan list's filters (GET); the choices are those of the plans the person may see."""

    q = forms.CharField(label=_("Tìm"), required=False, max_length=200)
    state = forms.ChoiceField(label=_("Trạng thái"), required=False)
    issuer = forms.TypedChoiceField(
        label=_("Đơn vị ban hành"), required=False, coerce=int, empty_value=None, widget=UnitSelect
    )
    recipient = forms.TypedChoiceField(
        label=_("Đơn vị nhận"), required=False, coerce=int, empty_value=None, widget=UnitSelect
    )
    year = forms.TypedChoiceField(label=_("Năm"), required=False, coerce=int, empty_value=None)
    overdue = forms.BooleanField(label=_("Chỉ kế hoạch có đơn vị quá hạn"), required=False)

    def __init__(self, *args, choices, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["state"].choices = [("", _("Tất cả")), *Plan.State.choices]
        self.fields["issuer"].choices = [("", _("Tất cả")), *((u.pk, u.name) for u in choices.issuers)]
        self.fields["recipient"].choices = [("", _("Tất cả")), *((u.pk, u.name) for u in choices.recipient_units)]
        self.fields["year"].choices = [("", _("Tất cả")), *((y, str(y)) for y in choices.years)]


class DeputyshipForm(forms.Form):
    """A leader names a deputy for a range of dates; the rules are `documents.services.deputyship_create`'s."""

    unit = forms.ModelChoiceField(label=_("Đơn vị"), queryset=Unit.objects.none())
    deputy = forms.ModelChoiceField(
        label=_("Người được giao thay"),
        queryset=None,
        help_text=_("Người được giao thay không duyệt, trả lại hay không duyệt kế hoạch do chính mình soạn."),
    )
    starts_on = forms.DateField(label=_("Từ ngày"), input_formats=DATE_INPUTS, widget=DATE_WIDGET)
    ends_on = forms.DateField(
        label=_("Đến hết ngày"),
        input_formats=DATE_INPUTS,
        widget=DATE_WIDGET,
        help_text=_("dd/mm/yyyy, tính cả ngày này."),
    )
    reason = forms.CharField(label=_("Lý do"), max_length=255, help_text=_("Ví dụ: nghỉ phép, đi công tác."))

    def __init__(self, *args, units, people, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units
        self.fields["deputy"].queryset = people
        self.fields["deputy"].label_from_instance = lambda user: user.get_full_name() or user.get_username()
        if len(units) == 1:
            self.fields["unit"].initial = units[0].pk
