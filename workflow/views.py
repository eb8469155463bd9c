"""Thin views: the plan's task forms (inside viewflow's Material site) and the plan pages.

Task views get a started activation from viewflow (flow lock held on POST) and
call one action of `workflow.services`. Plan pages read through
`documents.selectors` (visibility applied: another unit's plan answers 404).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import transaction
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.text import Truncator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import defaults, generic
from django.views.decorators.http import require_POST
from django_filters import ChoiceFilter, DateRangeFilter, FilterSet
from viewflow.utils import viewprop
from viewflow.views import FormLayoutMixin
from viewflow.workflow.flow import FlowAppViewset
from viewflow.workflow.flow import views as flow_views
from viewflow.workflow.flow.views import mixins as flow_mixins
from viewflow.workflow.flow.views.filters import get_queryset_flow_task_choices
from viewflow.workflow.models import Task

from documents import selectors
from documents import services as document_services
from documents.errors import DomainError, NotAllowedError
from documents.models import Delivery, Membership, Plan, Unit
from documents.permissions import UnitPermission, has_unit_permission
from documents.recognition import RecognitionError, decode_upload
from documents.rendering import RenderingError, plan_to_docx, plan_to_pdf
from documents.rendering.layout import DOC_TYPE_NAMES
from documents.resolution import note_text
from workflow import forms
from workflow import selectors as workflow_selectors
from workflow import services as flow_services
from workflow.downloads import attachment_disposition, file_download


def plan_url(plan: Plan) -> str:
    return reverse("plans:detail", args=[plan.pk])


@dataclass(frozen=True)
class TaskDue:
    """What a task page says about its due time: "`label` dd/mm/yyyy HH:MM", and "– quá hạn" when `late`.

    `at` is the delivery's stored due time (aware; shown in Asia/Ho_Chi_Minh); `late` comes from
    `documents.selectors.with_lateness`, the rule of every page that says late. `note` is an
    extra sentence (the review task: whether the report under review came after its due time,
    then `note_late`).
    """

    label: str
    at: datetime
    late: bool
    note: str = ""
    note_late: bool = False  # the note says something came after its due time (shown in red)


class PlanTaskView(
    FormLayoutMixin,
    flow_mixins.TaskViewTemplateNames,
    generic.FormView,
):
    """A task of the plan's flow as a form; subclasses name the service action to call."""

    template_filename = "task.html"

    @property
    def plan(self) -> Plan:
        return self.request.activation.process.plan

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["plan"] = self.plan
        context["submit_label"] = self.submit_label
        context["schedule_ended"] = selectors.plan_schedule_ended(self.plan)
        delivery_id = (self.request.activation.task.data or {}).get("delivery_id")
        if delivery_id:
            deliveries = selectors.with_lateness(self.plan.deliveries.select_related("unit"), now=timezone.now())
            context["delivery"] = deliveries.get(pk=delivery_id)
            context["due"] = self.due_of(context["delivery"])
        return context

    def due_of(self, delivery: Delivery) -> TaskDue | None:
        """The due time this task's form shows its unit, or None (a task with none, or not computed yet)."""
        return None

    def form_invalid(self, form):
        # 422 so that Turbo (viewflow's frontend) shows the form again with its errors.
        response = super().form_invalid(form)
        response.status_code = 422
        return response

    def form_valid(self, form):
        try:
            with transaction.atomic():
                self.perform(form.cleaned_data)
        except DomainError as error:
            form.add_error(None, str(error))
            return self.form_invalid(form)
        messages.success(self.request, self.success_message)
        return HttpResponseRedirect(plan_url(self.plan))

    def perform(self, data: dict) -> None:
        raise NotImplementedError

    success_message = gettext_lazy("Đã xử lý.")
    submit_label = gettext_lazy("Ghi nhận")


class SubmitView(PlanTaskView):
    form_class = forms.SubmitForm
    success_message = gettext_lazy("Đã trình lãnh đạo duyệt.")
    submit_label = gettext_lazy("Trình lãnh đạo duyệt")

    def get_context_data(self, **kwargs):
        """Resubmitting a returned plan: the leader's comment above the form."""
        context = super().get_context_data(**kwargs)
        if self.plan.state == Plan.State.RETURNED:
            context["last_return"] = selectors.last_return(plan=self.plan)
        return context

    def perform(self, data: dict) -> None:
        flow_services.submit(activation=self.request.activation, actor=self.request.user, comment=data["comment"])


class ApproveView(PlanTaskView):
    form_class = forms.DecisionForm
    success_message = gettext_lazy("Đã ghi nhận ý kiến của lãnh đạo.")
    submit_label = gettext_lazy("Ghi ý kiến")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["changes"] = selectors.plan_changes_since_return(plan=self.plan)
        return context

    def perform(self, data: dict) -> None:
        flow_services.decide(
            activation=self.request.activation,
            actor=self.request.user,
            decision=data["decision"],
            comment=data["comment"],
        )


class RegisterView(PlanTaskView):
    form_class = forms.RegisterForm
    success_message = gettext_lazy("Đã vào sổ và cấp số.")
    submit_label = gettext_lazy("Vào sổ và cấp số")

    def perform(self, data: dict) -> None:
        flow_services.register(
            activation=self.request.activation,
            actor=self.request.user,
            issue_date=data["issue_date"],
            place=data["place"] or None,
        )


class DispatchView(PlanTaskView):
    form_class = forms.DispatchForm
    success_message = gettext_lazy("Đã phát hành tới các đơn vị nhận.")
    submit_label = gettext_lazy("Phát hành")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["recipients"] = self.plan.recipients.select_related("unit").filter(removed_at__isnull=True)
        return context

    def perform(self, data: dict) -> None:
        flow_services.dispatch(activation=self.request.activation, actor=self.request.user)


class AcknowledgeView(PlanTaskView):
    form_class = forms.AcknowledgeForm
    success_message = gettext_lazy("Đã xử lý văn bản đến.")
    submit_label = gettext_lazy("Ghi nhận")

    def due_of(self, delivery: Delivery) -> TaskDue | None:
        if delivery.acknowledge_due_at is None:
            return None
        return TaskDue(_("Hạn tiếp nhận:"), delivery.acknowledge_due_at, bool(delivery.acknowledge_late))

    def perform(self, data: dict) -> None:
        flow_services.acknowledge(
            activation=self.request.activation,
            actor=self.request.user,
            refuse=data["decision"] == forms.AcknowledgeForm.REFUSE,
            reason=data["reason"],
        )


class ReportView(PlanTaskView):
    """The unit's report; after a return, the form starts from the text that was returned."""

    form_class = forms.ReportForm
    success_message = gettext_lazy("Đã gửi báo cáo.")
    submit_label = gettext_lazy("Gửi báo cáo")

    def due_of(self, delivery: Delivery) -> TaskDue | None:
        if delivery.report_due_at is None:
            return None
        return TaskDue(_("Hạn báo cáo:"), delivery.report_due_at, bool(delivery.report_late))

    def get_initial(self) -> dict:
        delivery = self.plan.deliveries.get(pk=self.request.activation.task.data["delivery_id"])
        previous = delivery.reports.order_by("-submitted_at").first()
        return {"text": previous.text} if previous else {}

    def perform(self, data: dict) -> None:
        flow_services.report(
            activation=self.request.activation,
            actor=self.request.user,
            text=data["text"],
            attachment=data.get("attachment"),
        )


class ReviewView(PlanTaskView):
    form_class = forms.ReviewForm
    success_message = gettext_lazy("Đã xem xét báo cáo.")
    submit_label = gettext_lazy("Ghi kết luận")

    def due_of(self, delivery: Delivery) -> TaskDue | None:
        """The report's due time, and whether the report under review (the latest) came after it."""
        if delivery.report_due_at is None:
            return None
        came_late = selectors.latest_report_late(delivery)
        note = {True: _("Báo cáo gửi sau hạn."), False: _("Báo cáo gửi trong hạn."), None: ""}[came_late]
        return TaskDue(_("Hạn báo cáo:"), delivery.report_due_at, False, note, note_late=bool(came_late))

    def perform(self, data: dict) -> None:
        flow_services.review(
            activation=self.request.activation,
            actor=self.request.user,
            accept=data["decision"] == forms.ReviewForm.ACCEPT,
            comment=data["comment"],
        )


class PlanAssignTaskView(flow_views.AssignTaskView):
    """viewflow's "take this task" page, whose message names the task, its unit and its plan.

    viewflow's own message, "Task {task} has been assigned.", puts a link to the task where the
    name goes; Material's snackbar moves links out of the text, leaving "Đã nhận xử lý công
    việc ." (the trial's complaint). Ours is plain text: "Đã nhận xử lý: Tiếp nhận kế hoạch
    (Ban Thường trực Ủy ban MTTQ huyện Gia Lộc), kế hoạch 02/KH-MTTQ-BTT."
    """

    def get_success_message(self, cleaned_data) -> str:
        task = self.request.activation.task
        plan = task.process.coerced.plan
        values = {
            "task": task.flow_task.task_title,
            "unit": (task.data or {}).get("unit", ""),
            "plan": plan.number_symbol or f"“{Truncator(plan.title).chars(80)}”",
        }
        if values["unit"]:
            return _("Đã nhận xử lý: %(task)s (%(unit)s), kế hoạch %(plan)s.") % values
        return _("Đã nhận xử lý: %(task)s, kế hoạch %(plan)s.") % values


# --- plan pages ------------------------------------------------------------------------


PLANS_PER_PAGE = 50
PLANS_COUNTED = 1000  # the plan list counts this many plans at most; past it, "more than 1,000"


class CappedPaginator(Paginator):
    """A paginator that counts at most `cap + 1` rows (`SELECT count(*) FROM (… LIMIT cap + 1)`).

    An officer of 100 communes may see 30,000 plans: counting them all on every visit of the list
    reads them all (issue 7). Past `cap` the page says "more than …" and offers the pages up to
    `cap + 1` rows; filters and search narrow the rest. `capped` tells which.
    """

    def __init__(self, object_list, per_page, *, cap: int, **kwargs) -> None:
        super().__init__(object_list, per_page, **kwargs)
        self.cap = cap

    @cached_property
    def count(self) -> int:
        return self.object_list.order_by().values("pk")[: self.cap + 1].count()

    @property
    def capped(self) -> bool:
        return self.count > self.cap


@login_required
def plan_list(request: HttpRequest) -> HttpResponse:
    """The plans the person may see, filtered (state, units, year, overdue), searched, 50 a page."""
    form = forms.PlanFilterForm(request.GET or None, choices=selectors.plan_filter_choices(user=request.user))
    data = form.cleaned_data if form.is_valid() else {}
    plans = selectors.plan_search(
        user=request.user,
        q=data.get("q", ""),
        state=data.get("state", ""),
        issuer_id=data.get("issuer"),
        recipient_unit_id=data.get("recipient"),
        year=data.get("year"),
        overdue=data.get("overdue", False),
    )
    page = CappedPaginator(plans, PLANS_PER_PAGE, cap=PLANS_COUNTED).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "form": form,
        "page": page,
        "plans": page.object_list,
        "query": query.urlencode(),
        "filtered": any(data.values()),
    }
    return render(request, "workflow/plan_list.html", context)


def _drafting_units(user):
    return Unit.objects.filter(pk__in=selectors.unit_ids_of(user, Membership.Role.DRAFTER)).order_by("name")


@login_required
def plan_import(request: HttpRequest) -> HttpResponse:
    """Upload or paste a plan; the new draft opens on its edit page to confirm what was recognised."""
    units = _drafting_units(request.user)
    if not units.exists():
        raise PermissionDenied(_("Bạn không phải chuyên viên của đơn vị nào."))
    form = forms.ImportForm(request.POST or None, request.FILES or None, units=units)
    if request.method == "POST" and form.is_valid():
        try:
            text = _submitted_text(form.cleaned_data)
            plan, _recognition = flow_services.plan_import_and_start(
                issuer=form.cleaned_data["issuer"],
                drafter=request.user,
                text=text,
            )
        except (RecognitionError, DomainError) as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("Đã tạo dự thảo. Hãy kiểm tra các phần đã nhận dạng và nơi nhận."))
            return redirect("plans:edit", plan.pk)
    return render(request, "workflow/plan_import.html", {"form": form})


def _perform(request: HttpRequest, action, success: str, *, refused_suffix: str = "") -> bool:
    """Run one service call for a plan page: a refusal of the person answers 403, any other
    rule refused becomes a message on the page; returns True when it went through."""
    try:
        action()
    except NotAllowedError as error:
        raise PermissionDenied(str(error)) from error
    except (RecognitionError, DomainError) as error:
        messages.error(request, f"{error}{refused_suffix}")
        return False
    messages.success(request, success)
    return True


def _back_to(request: HttpRequest, fallback: str) -> str:
    """The `next` address of a form when it is on this site, else `fallback` (no open redirect)."""
    target = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return target
    return fallback


def _submitted_text(data: dict) -> str:
    """The plan text of an import form: the uploaded file decoded, else the pasted text."""
    upload = data.get("upload")
    if upload:
        return decode_upload(upload.name, upload.read(), max_bytes=settings.PLANFLOW_UPLOAD_MAX_BYTES)
    return data["text"]


@login_required
@require_POST
def plan_reimport(request: HttpRequest, plan_id: int) -> HttpResponse:
    """Replace a draft by a corrected file; a refused file leaves the draft as it was."""
    plan = selectors.plan_get_for_user(user=request.user, plan_id=plan_id)
    form = forms.ReimportForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, " ".join(form.non_field_errors()) or _("Hãy chọn tệp."))
        return redirect("plans:edit", plan.pk)
    _perform(
        request,
        lambda: document_services.plan_reimport(plan=plan, actor=request.user, text=_submitted_text(form.cleaned_data)),
        _("Đã nhập lại nội dung dự thảo. Hãy kiểm tra lại các phần và nơi nhận."),
        refused_suffix=_(" Dự thảo được giữ nguyên."),
    )
    return redirect("plans:edit", plan.pk)


@login_required
@require_POST
def attachment_add(request: HttpRequest, plan_id: int) -> HttpResponse:
    plan = selectors.plan_get_for_user(user=request.user, plan_id=plan_id)
    form = forms.AttachmentForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, _("Hãy chọn tệp cần đính kèm."))
        return redirect("plans:detail", plan.pk)
    _perform(
        request,
        lambda: document_services.attachment_add(plan=plan, actor=request.user, upload=form.cleaned_data["file"]),
        _("Đã đính kèm tệp."),
    )
    return redirect(_back_to(request, reverse("plans:detail", args=[plan.pk])))


@login_required
def attachment_download(request: HttpRequest, attachment_id: int) -> FileResponse:
    """An attachment of a plan, under the name it was uploaded with."""
    attachment = selectors.attachment_get_for_user(user=request.user, attachment_id=attachment_id)
    return file_download(attachment.file.open("rb"), attachment.name)


@login_required
def plan_edit(request: HttpRequest, plan_id: int) -> HttpResponse:
    """The drafter confirms or edits a draft: text parts and recipients."""
    plan = selectors.plan_get_for_user(user=request.user, plan_id=plan_id)
    if plan.drafter_id != request.user.pk or plan.state not in Plan.EDITABLE_STATES:
        raise PermissionDenied(_("Chỉ người soạn sửa được dự thảo đang soạn hoặc bị trả lại."))
    recipients = list(plan.recipients.select_related("unit").filter(removed_at__isnull=True))
    initial = {
        "title": plan.title,
        "legal_basis": "\n".join(plan.legal_basis),
        "sections": "\n".join(plan.sections),
        "body": plan.body,
        "schedule_start": plan.schedule_start,
        "schedule_end": plan.schedule_end,
        "urgency": plan.urgency,
    }
    form = forms.PlanEditForm(request.POST or None, initial=initial)
    formset = forms.RecipientFormSet(
        request.POST or None,
        prefix="r",
        initial=[
            {
                "phrase": r.phrase,
                "unit": r.unit_id,
                "purpose": r.purpose,
                "requires_report": r.requires_report,
                "keep": True,
            }
            for r in recipients
        ],
    )
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        data = form.cleaned_lists()
        drafts = [
            document_services.RecipientDraft(
                phrase=row["phrase"],
                unit_id=row["unit"].pk if row.get("unit") else None,
                purpose=row["purpose"],
                requires_report=row["requires_report"],
                needs_attention=not row.get("unit") and row["purpose"] != "archive",
            )
            for row in formset.cleaned_data
            if row.get("keep")
        ]
        try:
            document_services.plan_update(
                plan=plan,
                actor=request.user,
                title=data["title"],
                legal_basis=data["legal_basis"],
                sections=data["sections"],
                body=data["body"],
                schedule_start=data["schedule_start"],
                schedule_end=data["schedule_end"],
                urgency=data["urgency"] or "",
                recipients=drafts,
            )
        except DomainError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("Đã lưu dự thảo."))
            return redirect("plans:detail", plan.pk)
    # The notes are stored in Vietnamese (documents.resolution.NOTES): shown in the reader's language.
    padded = recipients + [None] * (len(formset.forms) - len(recipients))
    rows = [
        (f, recipient, note_text(recipient.note) if recipient else "")
        for f, recipient in zip(formset.forms, padded, strict=False)
    ]
    context = {
        "plan": plan,
        "form": form,
        "formset": formset,
        "rows": rows,
        "recognition": selectors.plan_recognition(plan=plan),
        "last_return": selectors.last_return(plan=plan) if plan.state == Plan.State.RETURNED else None,
        "tasks": plan.tasks.select_related("lead_unit"),
        "attachments": selectors.plan_attachments(plan=plan),
        "reimport_form": forms.ReimportForm(),
        "attachment_form": forms.AttachmentForm(),
    }
    return render(request, "workflow/plan_edit.html", context)


TASKS_SHOWN = 20  # open tasks drawn on the plan page; the rest are in the person's queue and inbox


def _query_without(request: HttpRequest, *names: str) -> str:
    """The page's query string without `names` (for the links of one paginated block)."""
    query = request.GET.copy()
    for name in names:
        query.pop(name, None)
    return query.urlencode()


@login_required
def plan_detail(request: HttpRequest, plan_id: int) -> HttpResponse:
    """The plan page: the document, its recipients' status board, open tasks, the audit trail.

    Bounded whatever the number of recipients (issue 7: 3,300 units): the board is a page of
    50 units (`?state=`, `?overdue=1`, `?page=`) under counts for the whole plan, the trail a
    page of the newest 50 records (`?events=`; the CSV has them all), the Nơi nhận list a page
    of 50 lines (`?recipients=`), the person's open tasks the first 20 with their number.
    """
    plan = selectors.plan_get_for_user(user=request.user, plan_id=plan_id)
    is_issuer = selectors.user_is_issuer_member(user=request.user, plan=plan)
    my_deliveries = list(selectors.deliveries_for_user(user=request.user, plan=plan))
    tasks = flow_services.open_tasks_for_user(plan=plan, user=request.user, limit=TASKS_SHOWN + 1)
    tasks_total = len(tasks)
    if tasks_total > TASKS_SHOWN:
        tasks = tasks[:TASKS_SHOWN]
        tasks_total = flow_services.open_task_count_for_user(plan=plan, user=request.user)
    board_form = _board_filter(request)
    context = {
        "plan": plan,
        "is_issuer": is_issuer,
        "recipients_page": Paginator(plan.recipients.select_related("unit").order_by("position", "id"), 50).get_page(
            request.GET.get("recipients")
        ),
        "recipients_query": _query_without(request, "recipients"),
        "board_filter": board_form,
        "board_query": _query_without(request, "page"),
        "my_deliveries": my_deliveries,
        "tasks": tasks,
        "tasks_total": tasks_total,
        "can_withdraw": plan.is_open and has_unit_permission(request.user, UnitPermission.APPROVE, plan.issuer),
        "can_correct": plan.state == Plan.State.IN_EXECUTION
        and has_unit_permission(request.user, UnitPermission.REGISTER, plan.issuer),
        "withdraw_form": forms.WithdrawForm(),
        "attachments": selectors.plan_attachments(plan=plan),
        "tasks_of_plan": plan.tasks.select_related("lead_unit"),
        "last_return": selectors.last_return(plan=plan) if plan.state == Plan.State.RETURNED else None,
        "add_form": forms.RecipientAddForm(units=selectors.units_for_correction(plan=plan)),
    }
    if is_issuer:
        context["summary"] = selectors.plan_board_summary(plan=plan)
        context["board_page"] = selectors.plan_board_page(
            plan=plan, board_filter=board_form, page=request.GET.get("page")
        )
        context["board"] = context["board_page"].object_list
        context["timeline_page"] = selectors.plan_timeline_page(plan=plan, page=request.GET.get("events"))
        context["timeline"] = context["timeline_page"].object_list
        context["timeline_query"] = _query_without(request, "events")
    else:
        context["summary"] = None
        context["board"] = selectors.plan_board_rows_for_units(plan=plan, deliveries=my_deliveries)
    context["refused_pending"] = selectors.refused_awaiting_correction(plan=plan) if context["can_correct"] else []
    return render(request, "workflow/plan_detail.html", context)


def _board_filter(request: HttpRequest) -> selectors.BoardFilter:
    """The board's filters from the query string; an unknown state is ignored (the whole board)."""
    state = request.GET.get("state", "")
    return selectors.BoardFilter(
        state=state if state in Delivery.State.values else "",
        overdue=request.GET.get("overdue", "") in ("1", "on", "true"),
    )


@login_required
@require_POST
def plan_withdraw(request: HttpRequest, plan_id: int) -> HttpResponse:
    plan = selectors.plan_get_for_user(user=request.user, plan_id=plan_id)
    form = forms.WithdrawForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Hãy ghi lý do thu hồi."))
        return redirect("plans:detail", plan.pk)
    _perform(
        request,
        lambda: flow_services.plan_withdraw(plan=plan, actor=request.user, reason=form.cleaned_data["reason"]),
        _("Đã thu hồi kế hoạch."),
    )
    return redirect("plans:detail", plan.pk)


@login_required
@require_POST
def recipient_add(request: HttpRequest, plan_id: int) -> HttpResponse:
    plan = selectors.plan_get_for_user(user=request.user, plan_id=plan_id)
    if not has_unit_permission(request.user, UnitPermission.REGISTER, plan.issuer):
        raise PermissionDenied(_("Chỉ văn thư của đơn vị ban hành mới sửa nơi nhận được."))
    form = forms.RecipientAddForm(request.POST, units=selectors.units_for_correction(plan=plan))
    if form.is_valid():
        _perform(
            request,
            lambda: flow_services.recipient_add(
                plan=plan,
                actor=request.user,
                unit=form.cleaned_data["unit"],
                requires_report=form.cleaned_data["requires_report"],
                comment=form.cleaned_data["comment"],
            ),
            _("Đã bổ sung nơi nhận và gửi kế hoạch tới đơn vị."),
        )
    else:
        messages.error(request, _("Hãy chọn đơn vị cần bổ sung."))
    return redirect("plans:detail", plan.pk)


@login_required
@require_POST
def recipient_remove(request: HttpRequest, plan_id: int, delivery_id: int) -> HttpResponse:
    plan = selectors.plan_get_for_user(user=request.user, plan_id=plan_id)
    delivery = get_object_or_404(plan.deliveries, pk=delivery_id)
    _perform(
        request,
        lambda: document_services.recipient_remove_refused(
            delivery=delivery, actor=request.user, comment=request.POST.get("comment", "")
        ),
        _("Đã bỏ đơn vị khỏi nơi nhận."),
    )
    return redirect("plans:detail", plan.pk)


@login_required
def report_download(request: HttpRequest, report_id: int) -> FileResponse:
    """Download a report's file; the name may be Vietnamese (RFC 6266 `filename*`)."""
    report = selectors.report_get_for_user(user=request.user, report_id=report_id)
    if not report.attachment:
        raise Http404(_("Báo cáo không có tệp đính kèm."))
    name = report.attachment_name or report.attachment.name.rsplit("/", 1)[-1]
    return file_download(report.attachment.open("rb"), name)


@login_required
def plan_document(request: HttpRequest, plan_id: int, fmt: str) -> HttpResponse:
    if fmt not in ("docx", "pdf"):
        raise Http404(_("Chỉ có bản .docx và .pdf."))
    return _plan_document(request, plan_id, fmt)


def _plan_document(request: HttpRequest, plan_id: int, fmt: str) -> HttpResponse:
    """The registered plan as .docx or PDF, in the layout of Nghị định 30/2020/NĐ-CP, Phụ lục I."""
    plan = selectors.plan_get_for_user(user=request.user, plan_id=plan_id)
    try:
        if fmt == "docx":
            content = plan_to_docx(plan)
            content_type = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
        else:
            content, content_type = plan_to_pdf(plan), "application/pdf"
    except RenderingError as error:
        messages.error(request, str(error))
        return redirect("plans:detail", plan.pk)
    # Named as the office names the document, in Vietnamese like the document itself, whatever the
    # reader's language: "Kế hoạch 01-KH-MTTQ-BTT.docx", "Quyết định 05-QĐ-MTTQ-BTT.pdf".
    kind = DOC_TYPE_NAMES.get(plan.doc_type, plan.doc_type).capitalize()
    name = f"{kind} {plan.number_symbol.replace('/', '-')}.{fmt}"
    return file_download(io.BytesIO(content), name, content_type=content_type)


@login_required
def plan_audit_csv(request: HttpRequest, plan_id: int) -> HttpResponse:
    """The plan's audit trail as CSV (UTF-8 with BOM, so that Excel reads Vietnamese), for inspectors."""
    plan = selectors.plan_get_for_user(user=request.user, plan_id=plan_id)
    if not selectors.user_is_issuer_member(user=request.user, plan=plan):
        raise PermissionDenied(_("Chỉ đơn vị ban hành mới tải được nhật ký của kế hoạch."))
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    # The columns are in the reader's language, and so is the name.
    name = _("Nhật ký %(plan)s.csv") % {"plan": plan.number_symbol.replace("/", "-") or plan.pk}
    response["Content-Disposition"] = attachment_disposition(name)
    response.write("\ufeff")
    writer = csv.writer(response)
    writer.writerow(
        [
            _("Số"),
            _("Thời gian"),
            _("Người thực hiện"),
            _("Thay mặt"),
            _("Việc"),
            _("Đơn vị"),
            _("Từ"),
            _("Đến"),
            _("Ý kiến"),
            _("Địa chỉ máy"),
            _("Mã băm"),
        ]
    )
    for event in selectors.plan_timeline(plan=plan):
        writer.writerow(
            [
                event.sequence,
                timezone.localtime(event.created_at).strftime("%d/%m/%Y %H:%M:%S"),
                event.actor.get_username() if event.actor else _("hệ thống"),
                event.on_behalf_of.get_username() if event.on_behalf_of else "",
                event.get_action_display(),
                event.delivery.unit.name if event.delivery else "",
                event.from_label if event.from_state else "",
                event.to_label,
                event.comment,
                event.client_address or "",
                event.hash,
            ]
        )
    return response


@login_required
def task_open(request: HttpRequest, task_id: int) -> HttpResponse:
    """Take a task of the plan (if nobody holds it) and go to its form."""
    try:
        url = flow_services.task_url_for_user(task_id=task_id, user=request.user, take=request.method == "POST")
    except Task.DoesNotExist:
        raise Http404(_("Không tìm thấy việc này.")) from None
    except NotAllowedError as error:
        raise PermissionDenied(str(error)) from error
    return redirect(url)


# --- deputies of leaders (issue 6) -------------------------------------------------------


@login_required
def deputies(request: HttpRequest) -> HttpResponse:
    """A leader names a deputy for a range of dates and sees their current and future deputyships.

    Anyone signed in sees the deputyships that name them as deputy; only a leader gets the
    form, and a POST from anyone else answers 403 with nothing written. The rules are
    `documents.services.deputyship_create`'s; a refusal shows on the form (422).
    """
    led_units = Unit.objects.filter(pk__in=selectors.unit_ids_of(request.user, Membership.Role.LEADER)).order_by("name")
    is_leader = led_units.exists()
    status = 200
    form = None
    if is_leader:
        people = selectors.deputy_candidates(leader=request.user)
        form = forms.DeputyshipForm(request.POST or None, units=led_units, people=people)
    if request.method == "POST":
        if form is None:
            raise PermissionDenied(_("Chỉ lãnh đạo đơn vị mới giao được người thay mình."))
        if form.is_valid():
            data = form.cleaned_data
            try:
                document_services.deputyship_create(
                    unit=data["unit"],
                    leader=request.user,
                    deputy=data["deputy"],
                    starts_on=data["starts_on"],
                    ends_on=data["ends_on"],
                    reason=data["reason"],
                    actor=request.user,
                )
            except DomainError as error:
                form.add_error(None, str(error))
            else:
                messages.success(request, _("Đã giao người thay."))
                return redirect("plans:deputies")
        status = 422
    context = {
        "form": form,
        "named": selectors.deputyships_named_by(user=request.user) if is_leader else [],
        "standing_in": selectors.deputyships_of_deputy(user=request.user),
        "today": timezone.localdate(),
    }
    return render(request, "workflow/deputies.html", context, status=status)


@login_required
@require_POST
def deputy_revoke(request: HttpRequest, deputyship_id: int) -> HttpResponse:
    """Revoke one of the leader's deputyships (another person's answers 404)."""
    deputyship = selectors.deputyship_get_for_leader(user=request.user, deputyship_id=deputyship_id)
    _perform(
        request,
        lambda: document_services.deputyship_revoke(deputyship=deputyship, actor=request.user),
        _("Đã thu hồi việc giao thay."),
    )
    return redirect("plans:deputies")


# --- viewflow's own site, scoped -------------------------------------------------------


class ManagersOnlyMixin:
    """viewflow's dashboard and process/task lists show every plan of the flow: managers only.

    Everyone else is sent to our plan list, which is scoped by unit, and works from
    their inbox and queue (scoped by viewflow to their own tasks and unit permissions).
    """

    def dispatch(self, request, *args, **kwargs):
        if not self.flow_class.instance.has_manage_permission(request.user):
            return redirect("plans:list")
        return super().dispatch(request, *args, **kwargs)


class ScopedDashboardView(ManagersOnlyMixin, flow_views.DashboardView):
    pass


class ScopedProcessListView(ManagersOnlyMixin, flow_views.DashboardProcessListView):
    pass


class ScopedTaskListView(ManagersOnlyMixin, flow_views.DashboardTaskListView):
    pass


class ScopedProcessDetailView(flow_views.DetailProcessView):
    """viewflow's page of a plan's process (every task of every unit, the approval rounds), scoped.

    The issuing unit's members and managers see it (`PlanFlow.has_view_permission`); a
    recipient unit, which may see the plan but not the other units' steps, is sent to the plan
    page (its own row there); anyone else gets 404, as for a guessed plan id.
    """

    def dispatch(self, request, *args, **kwargs):
        try:
            process = self.get_object()
        except Http404:
            raise Http404(_("Không tìm thấy kế hoạch.")) from None
        flow = self.flow_class.instance
        if not flow.has_view_permission(request.user, obj=process):
            if request.user.is_authenticated and flow.plan_is_visible(request.user, process):
                return redirect("plans:detail", process.plan_id)
            raise Http404(_("Không tìm thấy kế hoạch."))
        return super().dispatch(request, *args, **kwargs)


class PlanTaskListFilter(FilterSet):
    """viewflow's `FlowUserTaskListFilter` without its "process" choice.

    viewflow offers every process that has a task in the list as a choice, drawn into the
    page as JSON (224 KB of a 248 KB queue page for an officer of 100 units, bench/queue.py).
    What remains: the kind of task (one DISTINCT over the list) and the creation date.
    """

    flow_task = ChoiceFilter()
    created = DateRangeFilter()

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.filters["flow_task"].field.choices = get_queryset_flow_task_choices(self.queryset)

    class Meta:
        model = Task
        fields = ("flow_task", "created")


def _queue_of(request: HttpRequest, flow_class):
    """The person's queue, built once per request (the page and the menu's count share it)."""
    cache = request.__dict__.setdefault("_planflow_queue", {})
    if flow_class not in cache:
        cache[flow_class] = workflow_selectors.task_queue_for_user(user=request.user, flow_class=flow_class)
    return cache[flow_class]


class BriefColumnMixin:
    """The task lists' "Brief" column with a translated header.

    viewflow names that column after the model attribute (`pretty_name("brief")`), which
    no catalog translates; as a view column its header goes through gettext ("Tóm tắt").
    """

    def brief(self, task: Task) -> str:
        return task.brief

    brief.short_description = gettext_lazy("Brief")


class PlanQueueView(BriefColumnMixin, flow_views.FlowQueueListView):
    """The tasks the person may take, by `workflow.selectors.task_queue_for_user`, 25 a page.

    Each row's summary shows the plan: process and plan come with the tasks (one statement
    for the page, whatever the units the person holds).
    """

    filterset_class = PlanTaskListFilter

    @viewprop
    def queryset(self):
        return workflow_selectors.task_list_rows(_queue_of(self.request, self.flow_class))


class PlanInboxView(BriefColumnMixin, flow_views.FlowInboxListView):
    """The tasks assigned to the person, by `workflow.selectors.task_inbox_for_user`, 25 a page."""

    filterset_class = PlanTaskListFilter

    @viewprop
    def queryset(self):
        return workflow_selectors.task_list_rows(
            workflow_selectors.task_inbox_for_user(user=self.request.user, flow_class=self.flow_class)
        )


class PlanArchiveView(BriefColumnMixin, flow_views.FlowArchiveListView):
    """viewflow's archive (the person's finished tasks), with translated "Brief" and "Process brief" headers."""

    def process_summary(self, task: Task) -> str:
        return super().process_summary(task)

    process_summary.short_description = gettext_lazy("Process brief")


class PlanFlowViewset(FlowAppViewset):
    """The Material frontend of `PlanFlow`: inbox, queue, archive and task forms, scoped."""

    # One shell for viewflow's pages and ours: the same drawer, top bar, notifications and language switch.
    base_template_name = "workflow/shell.html"
    dashboard_view_class = ScopedDashboardView
    process_list_view_class = ScopedProcessListView
    task_list_view_class = ScopedTaskListView
    process_detail_view_class = ScopedProcessDetailView
    queue_view_class = PlanQueueView
    inbox_view_class = PlanInboxView
    archive_view_class = PlanArchiveView

    def get_context_data(self, request):
        """The menu's inbox and queue counts, with our own queries (viewflow's grow with the units held)."""
        return {
            "user_inbox": workflow_selectors.task_inbox_for_user(user=request.user, flow_class=self._flow_class),
            "user_queue": _queue_of(request, self._flow_class),
        }


# --- error pages -----------------------------------------------------------------------
# viewflow ships 403.html, 404.html and 500.html of its own (English, Material lock screen),
# found before ours because `viewflow` comes first in INSTALLED_APPS: config/urls.py names
# these handlers so that Django's default views render our Vietnamese pages instead.


def permission_denied(request: HttpRequest, exception: Exception) -> HttpResponse:
    return defaults.permission_denied(request, exception, template_name="workflow/403.html")


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    return defaults.page_not_found(request, exception, template_name="workflow/404.html")


def server_error(request: HttpRequest) -> HttpResponse:
    """The 500 page: a template that needs no context and no database (it may be what failed)."""
    return defaults.server_error(request, template_name="workflow/500.html")


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    """The 400 page (a malformed request, a suspicious operation): nothing was changed."""
    return render(request, "workflow/400.html", status=400)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """The page of a refused form (CSRF_FAILURE_VIEW): stale page or no cookie; answers 403.

    Django's own page is English and addressed to developers; `reason` (English, technical)
    is logged by Django's CSRF middleware and not shown.
    """
    return render(request, "workflow/403_csrf.html", status=403)
