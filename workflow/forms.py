"""Forms of the plan's tasks and pages; validation of input only, rules stay in services."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.utils import timezone

from documents.models import Plan, Purpose, Unit, Urgency
from workflow.models import Decision

# Dates are read and shown as dd/mm/yyyy, as Vietnamese offices write them.
DATE_INPUTS = ["%d/%m/%Y", "%Y-%m-%d"]
DATE_WIDGET = forms.DateInput(format="%d/%m/%Y", attrs={"placeholder": "dd/mm/yyyy"})


class SubmitForm(forms.Form):
    comment = forms.CharField(label="Ghi chú gửi lãnh đạo", required=False, widget=forms.Textarea(attrs={"rows": 3}))


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(label="Quyết định", choices=Decision.choices, widget=forms.RadioSelect)
    comment = forms.CharField(
        label="Ý kiến",
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Bắt buộc khi trả lại hoặc không duyệt.",
    )

    def clean(self):
        data = super().clean()
        if data.get("decision") in (Decision.RETURN, Decision.REJECT) and not data.get("comment", "").strip():
            self.add_error("comment", "Hãy ghi ý kiến để người soạn biết cần sửa gì.")
        return data


class RegisterForm(forms.Form):
    issue_date = forms.DateField(
        label="Ngày ban hành",
        input_formats=DATE_INPUTS,
        widget=DATE_WIDGET,
        help_text="dd/mm/yyyy; để trống là hôm nay.",
        required=False,
    )
    place = forms.CharField(label="Địa danh", required=False, max_length=120)

    def clean_issue_date(self):
        return self.cleaned_data.get("issue_date") or timezone.localdate()


class DispatchForm(forms.Form):
    confirm = forms.BooleanField(label="Tôi đã kiểm tra danh sách nơi nhận", required=True)


class AcknowledgeForm(forms.Form):
    ACKNOWLEDGE = "acknowledge"
    REFUSE = "refuse"
    decision = forms.ChoiceField(
        label="Xử lý",
        widget=forms.RadioSelect,
        choices=((ACKNOWLEDGE, "Tiếp nhận"), (REFUSE, "Từ chối (gửi nhầm đơn vị)")),
    )
    reason = forms.CharField(label="Lý do từ chối", required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def clean(self):
        data = super().clean()
        if data.get("decision") == self.REFUSE and not data.get("reason", "").strip():
            self.add_error("reason", "Hãy ghi lý do từ chối để văn thư nơi gửi điều chỉnh.")
        return data


class ReportForm(forms.Form):
    text = forms.CharField(label="Nội dung báo cáo", widget=forms.Textarea(attrs={"rows": 8}))
    attachment = forms.FileField(label="Tệp đính kèm", required=False)

    def clean_attachment(self):
        attachment = self.cleaned_data.get("attachment")
        if attachment and attachment.size > settings.PLANFLOW_REPORT_ATTACHMENT_MAX_BYTES:
            limit = settings.PLANFLOW_REPORT_ATTACHMENT_MAX_BYTES // (1024 * 1024)
            raise forms.ValidationError(f"Tệp quá lớn (tối đa {limit} MB).")
        return attachment


class ReviewForm(forms.Form):
    ACCEPT = "accept"
    RETURN = "return"
    decision = forms.ChoiceField(
        label="Kết luận",
        widget=forms.RadioSelect,
        choices=((ACCEPT, "Chấp nhận báo cáo"), (RETURN, "Trả lại, yêu cầu bổ sung")),
    )
    comment = forms.CharField(label="Ý kiến", required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def clean(self):
        data = super().clean()
        if data.get("decision") == self.RETURN and not data.get("comment", "").strip():
            self.add_error("comment", "Hãy ghi rõ cần bổ sung gì.")
        return data


class ImportForm(forms.Form):
    issuer = forms.ModelChoiceField(label="Đơn vị ban hành", queryset=Unit.objects.none())
    upload = forms.FileField(label="Tệp kế hoạch (.txt, .docx, .pdf)", required=False)
    text = forms.CharField(label="Hoặc dán nội dung", required=False, widget=forms.Textarea(attrs={"rows": 14}))

    def __init__(self, *args, units=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["issuer"].queryset = units if units is not None else Unit.objects.none()
        if units is not None and units.count() == 1:
            self.fields["issuer"].initial = units.first()

    def clean(self):
        data = super().clean()
        if not data.get("upload") and not data.get("text", "").strip():
            raise forms.ValidationError("Hãy chọn một tệp hoặc dán nội dung kế hoạch.")
        return data


def _lines(value: str) -> list[str]:
    return [line.strip() for line in value.splitlines() if line.strip()]


class PlanEditForm(forms.Form):
    title = forms.CharField(label="Trích yếu", max_length=500)
    legal_basis = forms.CharField(
        label="Căn cứ (mỗi dòng một văn bản)", required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    sections = forms.CharField(
        label="Các phần (mỗi dòng một đề mục)", required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    body = forms.CharField(label="Nội dung", required=False, widget=forms.Textarea(attrs={"rows": 14}))
    schedule_start = forms.DateField(
        label="Thực hiện từ ngày", required=False, input_formats=DATE_INPUTS, widget=DATE_WIDGET
    )
    schedule_end = forms.DateField(label="Đến ngày", required=False, input_formats=DATE_INPUTS, widget=DATE_WIDGET)
    urgency = forms.ChoiceField(label="Độ khẩn", choices=Urgency.choices, required=False)

    def cleaned_lists(self) -> dict:
        data = dict(self.cleaned_data)
        data["legal_basis"] = _lines(data.get("legal_basis", ""))
        data["sections"] = _lines(data.get("sections", ""))
        return data


class RecipientRowForm(forms.Form):
    """One Nơi nhận row; a new row (no phrase yet) takes its unit's name as the phrase."""

    phrase = forms.CharField(widget=forms.HiddenInput, required=False)
    unit = forms.ModelChoiceField(label="Đơn vị", queryset=Unit.objects.filter(is_active=True), required=False)
    purpose = forms.ChoiceField(label="Mục đích", choices=Purpose.choices, initial=Purpose.IMPLEMENT)
    requires_report = forms.BooleanField(label="Phải báo cáo", required=False)
    keep = forms.BooleanField(label="Giữ", required=False, initial=True)

    def clean(self):
        data = super().clean()
        if not data.get("phrase"):
            if data.get("unit"):
                data["phrase"] = data["unit"].name
            elif data.get("keep") and self.has_changed():
                self.add_error("unit", "Hãy chọn đơn vị cho dòng mới.")
        return data


RecipientFormSet = forms.formset_factory(RecipientRowForm, extra=1)


class RecipientAddForm(forms.Form):
    unit = forms.ModelChoiceField(label="Đơn vị bổ sung", queryset=Unit.objects.none())
    requires_report = forms.BooleanField(label="Phải báo cáo kết quả", required=False, initial=True)
    comment = forms.CharField(label="Ghi chú", required=False)

    def __init__(self, *args, units=None, **kwargs):
        super().__init__(*args, **kwargs)
        if units is not None:
            self.fields["unit"].queryset = units


class WithdrawForm(forms.Form):
    reason = forms.CharField(label="Lý do thu hồi", widget=forms.Textarea(attrs={"rows": 3}))


class ReimportForm(forms.Form):
    upload = forms.FileField(label="Tệp kế hoạch đã sửa (.txt, .docx, .pdf)", required=False)
    text = forms.CharField(label="Hoặc dán nội dung", required=False, widget=forms.Textarea(attrs={"rows": 6}))

    def clean(self):
        data = super().clean()
        if not data.get("upload") and not data.get("text", "").strip():
            raise forms.ValidationError("Hãy chọn một tệp hoặc dán nội dung kế hoạch.")
        return data


class AttachmentForm(forms.Form):
    file = forms.FileField(label="Tệp đính kèm (phụ lục, biểu mẫu)")


class PlanFilterForm(forms.Form):
    """The plan list's filters (GET); the choices are those of the plans the person may see."""

    q = forms.CharField(label="Tìm", required=False, max_length=200)
    state = forms.ChoiceField(label="Trạng thái", required=False)
    issuer = forms.TypedChoiceField(label="Đơn vị ban hành", required=False, coerce=int, empty_value=None)
    recipient = forms.TypedChoiceField(label="Đơn vị nhận", required=False, coerce=int, empty_value=None)
    year = forms.TypedChoiceField(label="Năm", required=False, coerce=int, empty_value=None)
    overdue = forms.BooleanField(label="Chỉ kế hoạch có đơn vị quá hạn", required=False)

    def __init__(self, *args, choices, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["state"].choices = [("", "Tất cả"), *Plan.State.choices]
        self.fields["issuer"].choices = [("", "Tất cả"), *((u.pk, u.name) for u in choices.issuers)]
        self.fields["recipient"].choices = [("", "Tất cả"), *((u.pk, u.name) for u in choices.recipient_units)]
        self.fields["year"].choices = [("", "Tất cả"), *((y, str(y)) for y in choices.years)]
