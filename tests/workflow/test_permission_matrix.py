"""The permission matrix: every stage and action, for each kind of person who might try it.

For each action (issue 6): anonymous, a person with no role, the right role in another unit, the
right unit with a different role, and the right role in the right unit. A denial answers 403 or
404 (or sends an anonymous visitor to the login page) and leaves everything as it was: the plan's
state and fields, its audit records, notifications, viewflow's tasks, deliveries, reports,
recipients, attachments and urgings. The allowed person's attempt succeeds, so each row can fail
both ways. Guessed ids of another unit's plan, task, report or file answer 404.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.forms.models import model_to_dict
from django.test import Client
from django.urls import reverse
from viewflow.workflow.models import Process, Task

from documents.demo import district_committee
from documents.models import (
    Delivery,
    Membership,
    Plan,
    PlanAttachment,
    PlanEvent,
    Recipient,
    Report,
)
from documents.services import attachment_add, membership_grant
from notifications import services as notification_services
from notifications.forms import DeadlinesForm
from notifications.models import Notification, OutboundEmail, Reminder, Urge
from notifications.selectors import plan_deadlines_of
from workflow import services as flow
from workflow.flows import PlanFlow

pytestmark = pytest.mark.django_db

ANONYMOUS = "anonymous"
NO_ROLE = "khongvaitro"
# Extra people beside the demo directory: a drafter and a clerk in a district committee (a recipient).
DISTRICT_DRAFTER = "cv-gia-loc"
DISTRICT_CLERK = "vt-gia-loc"


@pytest.fixture
def people(demo):
    """Demo users plus one with no role, a district drafter and a district clerk."""
    user_model = get_user_model()
    user_model.objects.create_user(NO_ROLE, password="x-secret-123")
    gia_loc = district_committee("gia-loc")
    for username, role in ((DISTRICT_DRAFTER, Membership.Role.DRAFTER), (DISTRICT_CLERK, Membership.Role.CLERK)):
        membership_grant(user=user_model.objects.create_user(username), unit=gia_loc, role=role)


def client_for(username: str) -> Client:
    client = Client()
    if username != ANONYMOUS:
        client.force_login(get_user_model().objects.get(username=username))
    return client


# --- the world before and after ----------------------------------------------------------------


def snapshot(plan: Plan) -> dict:
    """Everything a denied attempt must leave as it was."""
    plan = Plan.objects.get(pk=plan.pk)
    fields = model_to_dict(plan)
    return {
        "plan": fields,
        "events": list(PlanEvent.objects.order_by("pk").values_list("pk", flat=True)),
        "notifications": list(Notification.objects.order_by("pk").values_list("pk", "read_at")),
        "emails": OutboundEmail.objects.count(),
        "reminders": Reminder.objects.count(),
        "urges": Urge.objects.count(),
        "processes": list(Process.objects.order_by("pk").values_list("pk", "status")),
        "tasks": list(Task.objects.order_by("pk").values_list("pk", "status", "owner_id")),
        "deliveries": list(Delivery.objects.order_by("pk").values_list("pk", "state", "acknowledged_by_id")),
        "reports": list(Report.objects.order_by("pk").values_list("pk", "decision", "text")),
        "recipients": list(Recipient.objects.order_by("pk").values_list("pk", "unit_id", "removed_at")),
        "attachments": PlanAttachment.objects.count(),
    }


def is_denial(response, username: str) -> bool:
    if response.status_code in (403, 404):
        return True
    return username == ANONYMOUS and response.status_code == 302 and response["Location"].startswith("/accounts/login/")


# --- stages --------------------------------------------------------------------------------------


def _run(plan: Plan, node_name: str, username: str, action: str, delivery: Delivery | None = None, **data) -> None:
    actor = get_user_model().objects.get(username=username)
    task = flow.open_task(plan=plan, node=getattr(PlanFlow, node_name), delivery=delivery)
    with flow.task_activation(task_id=task.pk, actor=actor) as activation:
        getattr(flow, action)(activation=activation, actor=actor, **data)


def _delivery(plan: Plan, district: str) -> Delivery:
    return plan.deliveries.get(unit=district_committee(district))


def bring_to(plan: Plan, stage: str) -> Plan:
    """Move the seed plan to `stage` as the demo users would."""
    steps = {
        "draft": 0,
        "pending_approval": 1,
        "approved": 2,
        "registered": 3,
    }
    sequence = [
        ("submit", "chuyenvien", "submit", {}),
        ("approve", "lanhdao", "decide", {"decision": "approve"}),
        ("register", "vanthu", "register", {}),
        ("dispatch", "vanthu", "dispatch", {}),
    ]
    for node_name, username, action, data in sequence[: steps.get(stage, 4)]:
        _run(plan, node_name, username, action, **data)
    if stage in ("acknowledged", "reported"):
        _run(plan, "acknowledge", "cb-gia-loc", "acknowledge", delivery=_delivery(plan, "gia-loc"))
    if stage == "reported":
        upload = SimpleUploadedFile("Báo cáo Gia Lộc.txt", "Đã thực hiện.".encode())
        _run(
            plan, "report", "cb-gia-loc", "report", delivery=_delivery(plan, "gia-loc"), text="Đã thực hiện.",
            attachment=upload,
        )  # fmt: skip
    if stage == "refused":
        delivery = _delivery(plan, "tu-ky")
        _run(plan, "acknowledge", "cb-tu-ky", "acknowledge", delivery=delivery, refuse=True, reason="Gửi nhầm.")
    plan.refresh_from_db()
    return plan


# --- actions -------------------------------------------------------------------------------------

Do = Callable[[Client, Plan], list]


def task_action(node_name: str, data: dict, district: str | None = None) -> Do:
    """Take the task from the plan page, then post its form; a refused take also tries the form's URL directly."""

    def do(client: Client, plan: Plan) -> list:
        delivery = _delivery(plan, district) if district else None
        task = flow.open_task(plan=plan, node=getattr(PlanFlow, node_name), delivery=delivery)
        execute = task.flow_task.reverse("execute", args=[task.process_id, task.pk])
        taken = client.post(reverse("plans:task", args=[task.pk]))
        if taken.status_code == 302 and taken["Location"] == execute:
            return [client.post(execute, data)]
        return [taken, client.post(execute, data), client.get(execute)]

    return do


def edit_draft(client: Client, plan: Plan) -> list:
    recipients = list(plan.recipients.order_by("position", "id"))
    form = {
        "title": plan.title + " (sửa)",
        "legal_basis": "\n".join(plan.legal_basis),
        "sections": "\n".join(plan.sections),
        "body": plan.body,
        "schedule_start": "12/12/2019",
        "schedule_end": "20/12/2019",
        "urgency": "",
        "r-TOTAL_FORMS": len(recipients),
        "r-INITIAL_FORMS": len(recipients),
    }
    for i, r in enumerate(recipients):
        form |= {f"r-{i}-phrase": r.phrase, f"r-{i}-unit": r.unit_id or "", f"r-{i}-purpose": r.purpose}
        form |= {f"r-{i}-keep": "on"} | ({f"r-{i}-requires_report": "on"} if r.requires_report else {})
    return [client.post(reverse("plans:edit", args=[plan.pk]), form)]


def set_deadlines(client: Client, plan: Plan) -> list:
    data = {k: v for k, v in DeadlinesForm.initial_from(plan_deadlines_of(plan)).items() if v is not None}
    data["approve_working_days"] = 9
    data = {k: ("on" if v is True else v) for k, v in data.items() if v is not False}
    return [client.post(reverse("notifications:deadlines", args=[plan.pk]), data)]


def upload_attachment(client: Client, plan: Plan) -> list:
    upload = SimpleUploadedFile("Phụ lục.txt", "Biểu mẫu".encode())
    return [client.post(reverse("plans:attachment_add", args=[plan.pk]), {"file": upload})]


def add_attachment(plan: Plan) -> None:
    attachment_add(plan=plan, actor=plan.drafter, upload=SimpleUploadedFile("Phụ lục.txt", b"x"))


def download_attachment(client: Client, plan: Plan) -> list:
    return [client.get(reverse("plans:attachment", args=[plan.attachments.get().pk]))]


def get(name: str, **kwargs) -> Do:
    def do(client: Client, plan: Plan) -> list:
        return [client.get(reverse(name, kwargs={"plan_id": plan.pk, **kwargs}))]

    return do


def download_report_file(client: Client, plan: Plan) -> list:
    report = Report.objects.get(delivery__plan=plan)
    return [client.get(reverse("plans:report_file", args=[report.pk]))]


def withdraw(client: Client, plan: Plan) -> list:
    return [client.post(reverse("plans:withdraw", args=[plan.pk]), {"reason": "Thu hồi để sửa."})]


def add_recipient(client: Client, plan: Plan) -> list:
    unit = district_committee("tp-hai-duong")
    data = {"unit": unit.pk, "comment": "Bổ sung thành phố."}
    return [client.post(reverse("plans:recipient_add", args=[plan.pk]), data)]


def remove_refused(client: Client, plan: Plan) -> list:
    delivery = _delivery(plan, "tu-ky")
    url = reverse("plans:recipient_remove", args=[plan.pk, delivery.pk])
    return [client.post(url, {"comment": "Bỏ đơn vị gửi nhầm."})]


def urge(client: Client, plan: Plan) -> list:
    data = {"delivery": _delivery(plan, "gia-loc").pk, "level": "remind", "message": "Đề nghị tiếp nhận ngay."}
    return [client.post(reverse("notifications:urge", args=[plan.pk]), data)]


def notify_officer(plan: Plan) -> None:
    officer = get_user_model().objects.get(username="cb-gia-loc")
    url = reverse("plans:detail", args=[plan.pk])
    Notification.objects.create(recipient=officer, plan=plan, title="Kế hoạch mới", url=url)


def open_notification(client: Client, plan: Plan) -> list:
    notification = Notification.objects.get(plan=plan)
    return [client.post(reverse("notifications:read", args=[notification.pk]), {"open": "1"})]


# --- what success looks like ---------------------------------------------------------------------


def plan_state(state: str) -> Callable[[Plan, list], bool]:
    return lambda plan, responses: plan.state == state


def delivery_state(district: str, state: str) -> Callable[[Plan, list], bool]:
    return lambda plan, responses: _delivery(plan, district).state == state


def answered(content_type: str) -> Callable[[Plan, list], bool]:
    return lambda plan, responses: (
        responses[-1].status_code == 200 and responses[-1]["Content-Type"].startswith(content_type)
    )


@dataclass(frozen=True)
class Row:
    """One action of the matrix: the stage it is tried at, who may do it, who may not, and its effect."""

    stage: str
    do: Do
    allowed: str
    denied: tuple[str, ...]
    done: Callable[[Plan, list], bool]
    prepare: Callable[[Plan], None] | None = None


ISSUER_DRAFT_DENIED = (ANONYMOUS, NO_ROLE, DISTRICT_DRAFTER, "lanhdao", "vanthu")

MATRIX: dict[str, Row] = {
    "edit draft": Row(
        "draft", edit_draft, "chuyenvien", ISSUER_DRAFT_DENIED, lambda p, r: p.title.endswith("(sửa)")
    ),
    "deadlines form": Row(
        "draft", set_deadlines, "chuyenvien", ISSUER_DRAFT_DENIED,
        lambda p, r: p.deadline_overrides.get("approve_working_days") == 9,
    ),
    "attachment upload": Row(
        "draft", upload_attachment, "chuyenvien", ISSUER_DRAFT_DENIED, lambda p, r: p.attachments.count() == 1
    ),
    "attachment download": Row(
        "draft", download_attachment, "chuyenvien", ISSUER_DRAFT_DENIED, answered("text/plain"),
        add_attachment,
    ),
    "plan page of a draft": Row(
        "draft", get("plans:detail"), "chuyenvien", ISSUER_DRAFT_DENIED, answered("text/html")
    ),
    "submit": Row(
        "draft", task_action("submit", {"comment": ""}), "chuyenvien", ISSUER_DRAFT_DENIED,
        plan_state("pending_approval"),
    ),
    "approve": Row(
        "pending_approval", task_action("approve", {"decision": "approve", "comment": ""}), "lanhdao",
        (ANONYMOUS, NO_ROLE, "ld-gia-loc", "chuyenvien", "vanthu"), plan_state("approved"),
    ),
    "return": Row(
        "pending_approval", task_action("approve", {"decision": "return", "comment": "Sửa mục II."}), "lanhdao",
        (NO_ROLE, "ld-gia-loc", "chuyenvien"), plan_state("returned"),
    ),
    "reject": Row(
        "pending_approval", task_action("approve", {"decision": "reject", "comment": "Không cần."}), "lanhdao",
        (NO_ROLE, "ld-gia-loc", "vanthu"), plan_state("rejected"),
    ),
    "register": Row(
        "approved", task_action("register", {"issue_date": "10/12/2019", "place": "Hải Dương"}), "vanthu",
        (ANONYMOUS, NO_ROLE, DISTRICT_CLERK, "chuyenvien", "lanhdao"), plan_state("registered"),
    ),
    "dispatch": Row(
        "registered", task_action("dispatch", {"confirm": "on"}), "vanthu",
        (ANONYMOUS, NO_ROLE, DISTRICT_CLERK, "chuyenvien", "lanhdao"), plan_state("in_execution"),
    ),
    "plan page before dispatch": Row(
        "registered", get("plans:detail"), "lanhdao", (ANONYMOUS, NO_ROLE, "cb-gia-loc", "ld-gia-loc"),
        answered("text/html"),
    ),
    "document .docx before dispatch": Row(
        "registered", get("plans:document", fmt="docx"), "chuyenvien", (ANONYMOUS, NO_ROLE, "cb-gia-loc"),
        answered("application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    ),
    "document .pdf": Row(
        "in_execution", get("plans:document", fmt="pdf"), "cb-gia-loc",
        (ANONYMOUS, NO_ROLE, "cb-tp-hai-duong"), answered("application/pdf"),
    ),
    "plan page": Row(
        "in_execution", get("plans:detail"), "cb-gia-loc", (ANONYMOUS, NO_ROLE, "cb-tp-hai-duong", "ld-tp-hai-duong"),
        answered("text/html"),
    ),
    "audit CSV": Row(
        "in_execution", get("plans:audit_csv"), "vanthu", (ANONYMOUS, NO_ROLE, "cb-gia-loc", "cb-tp-hai-duong"),
        answered("text/csv"),
    ),
    "acknowledge": Row(
        "in_execution", task_action("acknowledge", {"decision": "acknowledge"}, "gia-loc"), "cb-gia-loc",
        (ANONYMOUS, NO_ROLE, "cb-tu-ky", "cb-tp-hai-duong", DISTRICT_DRAFTER, "vanthu"),
        delivery_state("gia-loc", "acknowledged"),
    ),
    "refuse": Row(
        "in_execution", task_action("acknowledge", {"decision": "refuse", "reason": "Gửi nhầm."}, "gia-loc"),
        "cb-gia-loc", (NO_ROLE, "cb-tu-ky", DISTRICT_DRAFTER), delivery_state("gia-loc", "refused"),
    ),
    "report": Row(
        "acknowledged", task_action("report", {"text": "Đã tổ chức ra quân."}, "gia-loc"), "cb-gia-loc",
        (ANONYMOUS, NO_ROLE, "cb-tu-ky", DISTRICT_DRAFTER, "chuyenvien"), delivery_state("gia-loc", "reported"),
    ),
    "review": Row(
        "reported", task_action("review", {"decision": "accept", "comment": ""}, "gia-loc"), "lanhdao",
        (ANONYMOUS, NO_ROLE, "ld-gia-loc", "vanthu", "cb-gia-loc"), delivery_state("gia-loc", "accepted"),
    ),
    "report file download": Row(
        "reported", download_report_file, "cb-gia-loc", (ANONYMOUS, NO_ROLE, "cb-tu-ky", "cb-tp-hai-duong"),
        answered("text/plain"),
    ),
    "withdraw": Row(
        "in_execution", withdraw, "lanhdao", (ANONYMOUS, NO_ROLE, "ld-gia-loc", "chuyenvien", "vanthu"),
        plan_state("withdrawn"),
    ),
    "recipient add": Row(
        "in_execution", add_recipient, "vanthu", (ANONYMOUS, NO_ROLE, DISTRICT_CLERK, "lanhdao", "chuyenvien"),
        lambda p, r: p.deliveries.filter(unit=district_committee("tp-hai-duong")).exists(),
    ),
    "recipient remove": Row(
        "refused", remove_refused, "vanthu", (ANONYMOUS, NO_ROLE, DISTRICT_CLERK, "lanhdao", "cb-tu-ky"),
        lambda p, r: p.recipients.filter(unit=district_committee("tu-ky"), removed_at__isnull=False).exists(),
    ),
    "urge": Row(
        "in_execution", urge, "lanhdao", (ANONYMOUS, NO_ROLE, "ld-gia-loc", "chuyenvien", "vanthu"),
        lambda p, r: p.urges.count() == 1,
    ),
    "notification link": Row(
        "in_execution", open_notification, "cb-gia-loc", (ANONYMOUS, NO_ROLE, "cb-tu-ky", DISTRICT_CLERK),
        lambda p, r: Notification.objects.get().read_at is not None, notify_officer,
    ),
}  # fmt: skip

CASES = [
    pytest.param(action, username, id=f"{action}-{username}")
    for action, row in MATRIX.items()
    for username in (row.allowed, *row.denied)
]


@pytest.mark.parametrize(("action", "username"), CASES)
def test_permission_matrix(action, username, people, seed_plan):
    # given: the plan at the stage of the action
    row = MATRIX[action]
    plan = bring_to(seed_plan, row.stage)
    if row.prepare:
        row.prepare(plan)
    client = client_for(username)
    before = snapshot(plan)

    # when
    responses = row.do(client, plan)

    # then
    plan.refresh_from_db()
    if username == row.allowed:
        assert all(r.status_code in (200, 302) for r in responses), [r.status_code for r in responses]
        assert not any(r.status_code == 302 and r["Location"].startswith("/accounts/login/") for r in responses)
        assert row.done(plan, responses), f"{action} by {username} did not take effect"
        return
    assert all(is_denial(r, username) for r in responses), [(r.status_code, r.get("Location")) for r in responses]
    assert snapshot(plan) == before


# --- guessed ids ---------------------------------------------------------------------------------


def test_guessed_ids_of_another_units_items_answer_404(people, seed_plan):
    # given: a plan in execution with a report (and its file) of Gia Lộc, and an attachment
    plan = bring_to(seed_plan, "reported")
    attachment = PlanAttachment.objects.create(
        plan=plan, name="Phụ lục.txt", uploaded_by=plan.drafter, file=SimpleUploadedFile("a.txt", b"x")
    )
    report = Report.objects.get(delivery__plan=plan)
    task = Task.objects.filter(process__planprocess__plan=plan, status="NEW", flow_task_type="HUMAN").first()
    assert task is not None
    before = snapshot(plan)

    # when: a unit that never received the plan guesses each id
    outsider = client_for("cb-tp-hai-duong")
    urls = [
        reverse("plans:detail", args=[plan.pk]),
        reverse("plans:edit", args=[plan.pk]),
        reverse("plans:document", args=[plan.pk, "pdf"]),
        reverse("plans:audit_csv", args=[plan.pk]),
        reverse("plans:attachment", args=[attachment.pk]),
        reverse("plans:report_file", args=[report.pk]),
        reverse("plans:task", args=[task.pk]),
        reverse("notifications:urge", args=[plan.pk]),
        reverse("notifications:deadlines", args=[plan.pk]),
        reverse("notifications:lateness") + f"?plan={plan.pk}",
    ]
    answers = {url: outsider.get(url).status_code for url in urls}
    answers[f"POST {urls[6]}"] = outsider.post(urls[6]).status_code

    # then
    assert answers == dict.fromkeys(answers, 404)
    assert snapshot(plan) == before


def test_a_guessed_or_stale_calendar_token_answers_404(people):
    officer = get_user_model().objects.get(username="cb-gia-loc")
    old = notification_services.ical_token_regenerate(user=officer)
    new = notification_services.ical_token_regenerate(user=officer)
    anonymous = Client()

    assert anonymous.get(reverse("notifications:calendar_feed", args=[new])).status_code == 200
    assert anonymous.get(reverse("notifications:calendar_feed", args=[old])).status_code == 404
    guessed = secrets.token_urlsafe(32)
    assert anonymous.get(reverse("notifications:calendar_feed", args=[guessed])).status_code == 404
    notification_services.ical_token_revoke(user=officer)
    assert anonymous.get(reverse("notifications:calendar_feed", args=[new])).status_code == 404


# --- viewflow's own pages of a plan's process ----------------------------------------------------


def test_viewflow_process_and_task_pages_show_a_recipient_only_its_own_part(people, seed_plan):
    # given: the seed plan acknowledged by Gia Lộc (with its report open), sent to Tứ Kỳ too
    plan = bring_to(seed_plan, "reported")
    process_url = reverse("plan:process_detail", args=[plan.process.pk])
    tasks = Task.objects.filter(process__planprocess__plan=plan, flow_task_type="HUMAN")

    def task_url(task: Task) -> str:
        return reverse(f"plan:{task.flow_task.name}:detail", args=[task.process_id, task.pk])

    gia_loc = district_committee("gia-loc").pk
    own = tasks.filter(flow_task=PlanFlow.acknowledge, data__delivery_id=plan.deliveries.get(unit_id=gia_loc).pk).get()
    others = tasks.filter(flow_task=PlanFlow.acknowledge).exclude(pk=own.pk).first()
    approval = tasks.filter(flow_task=PlanFlow.approve).first()

    # when / then: the issuing unit's people see the whole process
    assert client_for("vanthu").get(process_url).status_code == 200
    # a recipient officer is sent to the plan page, sees its own task, not another unit's nor the approval
    officer = client_for("cb-gia-loc")
    response = officer.get(process_url)
    assert response.status_code == 302 and response["Location"] == reverse("plans:detail", args=[plan.pk])
    assert officer.get(task_url(own)).status_code == 200
    assert officer.get(task_url(others)).status_code == 403
    assert officer.get(task_url(approval)).status_code == 403
    # a unit the plan was never sent to learns nothing, not even that the plan or task exists
    outsider = client_for("cb-tp-hai-duong")
    assert outsider.get(process_url).status_code == 404
    assert outsider.get(task_url(own)).status_code == 404
    assert outsider.get(reverse("plan:process_detail", args=[999_999])).status_code == 404
