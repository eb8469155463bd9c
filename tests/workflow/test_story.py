"""The seed plan from draft to completion, over HTTP, each step as the user who acts."""

from __future__ import annotations

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from documents.demo import DEPARTMENT_TNMT, PROVINCIAL_COMMITTEE, district_committee
from documents.models import Delivery, Plan, PlanEvent, Recipient, Report
from workflow import services as flow
from workflow.flows import PlanFlow

pytestmark = pytest.mark.django_db

GROUP = "Ban Thường trực Uỷ ban MTTQ các huyện, thị xã"
HUYEN_AND_THI_XA = {
    "mttq-tx-kinh-mon",
    "mttq-binh-giang",
    "mttq-cam-giang",
    "mttq-gia-loc",
    "mttq-kim-thanh",
    "mttq-nam-sach",
    "mttq-ninh-giang",
    "mttq-thanh-ha",
    "mttq-thanh-mien",
    "mttq-tu-ky",
}


def officer_of(delivery: Delivery) -> str:
    return "sotnmt" if delivery.unit.code == DEPARTMENT_TNMT else "cb-" + delivery.unit.code.removeprefix("mttq-")


def act(client, plan: Plan, node, data: dict, *, delivery: Delivery | None = None, files: dict | None = None):
    """Take the open task of `node` from the plan page, then post its form; returns the form response."""
    task = flow.open_task(plan=plan, node=node, delivery=delivery)
    assert task is not None, f"no open task {node.name}"
    taken = client.post(reverse("plans:task", args=[task.pk]))
    assert taken.status_code == 302, taken.status_code
    execute_url = taken["Location"]
    page = client.get(execute_url)
    assert page.status_code == 200
    response = client.post(execute_url, {**data, **(files or {})})
    assert response.status_code == 302, response.content.decode()[:2000]
    assert response["Location"] == reverse("plans:detail", args=[plan.pk])
    return response


def test_seed_plan_goes_from_draft_to_completion_over_http(client_of, seed_text):
    drafter, leader, clerk = client_of("chuyenvien"), client_of("lanhdao"), client_of("vanthu")

    # given: the drafter imports the seed plan by pasting it
    from documents.demo import demo_unit

    issuer = demo_unit(PROVINCIAL_COMMITTEE)
    response = drafter.post(reverse("plans:import"), {"issuer": issuer.pk, "text": seed_text})
    assert response.status_code == 302
    plan = Plan.objects.get()
    assert response["Location"] == reverse("plans:edit", args=[plan.pk])
    assert plan.title == "Thực hiện nhiệm vụ bảo vệ môi trường năm 2019"
    assert plan.state == Plan.State.DRAFT
    assert [str(d) for d in (plan.schedule_start, plan.schedule_end)] == ["2019-12-12", "2019-12-20"]

    # the group phrase became one recipient per huyện / thị xã committee; "Lưu" is the archive copy
    group_rows = plan.recipients.filter(phrase=GROUP)
    assert {r.unit.code for r in group_rows} == HUYEN_AND_THI_XA
    assert all(r.requires_report for r in group_rows)
    archive = plan.recipients.get(purpose="archive")
    assert archive.unit is None and archive.phrase == "Lưu"
    department = plan.recipients.get(unit__code=DEPARTMENT_TNMT)
    assert department.requires_report is False
    edit_page = drafter.get(reverse("plans:edit", args=[plan.pk]))
    assert edit_page.status_code == 200
    assert "Thanh Miện" in edit_page.content.decode()

    # when: submit, return with a comment, edit, resubmit, approve
    act(drafter, plan, PlanFlow.submit, {"comment": ""})
    act(leader, plan, PlanFlow.approve, {"decision": "return", "comment": "Bổ sung thời hạn báo cáo."})
    plan.refresh_from_db()
    assert plan.state == Plan.State.RETURNED
    form = {
        "title": plan.title,
        "legal_basis": "\n".join(plan.legal_basis),
        "sections": "\n".join(plan.sections),
        "body": plan.body + "\nBáo cáo trước ngày 25/12/2019.",
        "schedule_start": "12/12/2019",
        "schedule_end": "20/12/2019",
        "urgency": "",
        "r-TOTAL_FORMS": plan.recipients.count(),
        "r-INITIAL_FORMS": plan.recipients.count(),
    }
    for i, r in enumerate(plan.recipients.order_by("position", "id")):
        form |= {
            f"r-{i}-phrase": r.phrase,
            f"r-{i}-unit": r.unit_id or "",
            f"r-{i}-purpose": r.purpose,
            f"r-{i}-keep": "on",
        }
        if r.requires_report:
            form[f"r-{i}-requires_report"] = "on"
    saved = drafter.post(reverse("plans:edit", args=[plan.pk]), form)
    assert saved.status_code == 302, saved.content.decode()[:3000]
    act(drafter, plan, PlanFlow.submit, {"comment": "Đã bổ sung."})
    act(leader, plan, PlanFlow.approve, {"decision": "approve", "comment": ""})
    plan.refresh_from_db()
    # the seed names no signer: the approving leader signs for the standing committee
    assert (plan.signer_title, plan.signer_name) == ("TM. BAN THƯỜNG TRỰC / PHÓ CHỦ TỊCH", "Trần Văn Hùng")

    # the clerk registers: the first number of the register of that year, with a leading zero
    act(clerk, plan, PlanFlow.register, {"issue_date": "10/12/2019", "place": "Hải Dương"})
    plan.refresh_from_db()
    assert (plan.number, plan.number_symbol, str(plan.issue_date)) == (1, "01/KH-MTTQ-BTT", "2019-12-10")
    act(clerk, plan, PlanFlow.dispatch, {"confirm": "on"})
    plan.refresh_from_db()
    assert plan.state == Plan.State.IN_EXECUTION
    assert {d.unit.code for d in plan.deliveries.select_related("unit")} == HUYEN_AND_THI_XA | {DEPARTMENT_TNMT}

    # each unit finds it in its queue; one refuses it as wrongly addressed
    refusing = district_committee("thanh-mien")
    for delivery in plan.deliveries.select_related("unit"):
        client = client_of(officer_of(delivery))
        assert client.get(reverse("plans:detail", args=[plan.pk])).status_code == 200
        if delivery.unit_id == refusing.pk:
            act(
                client,
                plan,
                PlanFlow.acknowledge,
                {"decision": "refuse", "reason": "Gửi nhầm đơn vị."},
                delivery=delivery,
            )
        else:
            act(client, plan, PlanFlow.acknowledge, {"decision": "acknowledge"}, delivery=delivery)

    # the clerk corrects the recipients: the refused unit's branch has ended, a new unit gets its own
    refused = plan.deliveries.get(unit=refusing)
    assert refused.state == Delivery.State.REFUSED
    assert flow.open_task(plan=plan, node=PlanFlow.report, delivery=refused) is None
    response = clerk.post(reverse("plans:recipient_remove", args=[plan.pk, refused.pk]), {"comment": "Gửi nhầm"})
    assert response.status_code == 302
    assert Recipient.objects.get(pk=refused.recipient_id).removed_at is not None
    chi_linh = district_committee("tp-chi-linh")
    response = clerk.post(
        reverse("plans:recipient_add", args=[plan.pk]),
        {"unit": chi_linh.pk, "requires_report": "on", "comment": ""},
    )
    assert response.status_code == 302
    added = plan.deliveries.get(unit=chi_linh)
    act(client_of("cb-tp-chi-linh"), plan, PlanFlow.acknowledge, {"decision": "acknowledge"}, delivery=added)

    # every district unit with duties reports (text + file); the issuer returns one, then accepts all
    to_report = list(
        plan.deliveries.filter(requires_report=True, state=Delivery.State.ACKNOWLEDGED).select_related("unit")
    )
    assert len(to_report) == 10
    for n, delivery in enumerate(to_report):
        client = client_of(officer_of(delivery))
        upload = SimpleUploadedFile("Báo cáo kết quả.docx", b"PK\x03\x04 fake docx bytes")
        act(
            client,
            plan,
            PlanFlow.report,
            {"text": f"Đã triển khai ({delivery.unit.name})."},
            files={"attachment": upload},
            delivery=delivery,
        )
        if n == 0:
            act(leader, plan, PlanFlow.review, {"decision": "return", "comment": "Bổ sung số liệu."}, delivery=delivery)
            delivery.refresh_from_db()
            assert delivery.state == Delivery.State.RETURNED
            act(client, plan, PlanFlow.report, {"text": "Đã tổ chức 2 hội nghị."}, delivery=delivery)
        act(drafter, plan, PlanFlow.review, {"decision": "accept", "comment": ""}, delivery=delivery)

    # then: the plan is completed; the board and the audit say who did what
    plan.refresh_from_db()
    assert plan.state == Plan.State.COMPLETED
    assert plan.process.status == "DONE"
    states = dict(plan.deliveries.values_list("unit__code", "state"))
    assert states[DEPARTMENT_TNMT] == Delivery.State.ACKNOWLEDGED
    assert states["mttq-thanh-mien"] == Delivery.State.REFUSED
    assert {code for code, state in states.items() if state == Delivery.State.ACCEPTED} == (
        HUYEN_AND_THI_XA - {"mttq-thanh-mien"} | {"mttq-tp-chi-linh"}
    )
    first = to_report[0]
    assert list(first.events.values_list("action", "actor__username")) == [
        ("acknowledge", officer_of(first)),
        ("report", officer_of(first)),
        ("return_report", "lanhdao"),
        ("report", officer_of(first)),
        ("accept_report", "chuyenvien"),
    ]
    assert Report.objects.filter(delivery=first).count() == 2
    actions = list(plan.events.filter(delivery__isnull=True).values_list("action", "actor__username"))
    assert actions == [
        ("create", "chuyenvien"),
        ("submit", "chuyenvien"),
        ("return", "lanhdao"),
        ("edit", "chuyenvien"),
        ("submit", "chuyenvien"),
        ("approve", "lanhdao"),
        ("register", "vanthu"),
        ("dispatch", "vanthu"),
        ("complete", None),
    ]
    board = leader.get(reverse("plans:detail", args=[plan.pk])).content.decode()
    assert board.count('data-unit="') == 12
    assert re.search(r'data-unit="mttq-thanh-mien">.*?Từ chối', board, re.S)
    assert "cb-thanh-mien" in board or "Cán bộ MTTQ Thanh Miện" in board
    report = Report.objects.filter(delivery=first).first()
    download = client_of(officer_of(first)).get(reverse("plans:report_file", args=[report.pk]))
    assert download.status_code == 200
    disposition = download["Content-Disposition"].lower()
    assert "filename*=utf-8''b%c3%a1o%20c%c3%a1o%20k%e1%ba%bft%20qu%e1%ba%a3.docx" in disposition
    document = leader.get(reverse("plans:document", args=[plan.pk, "pdf"]))
    assert document.status_code == 200 and document["Content-Type"] == "application/pdf"
    assert "k%e1%ba%bf%20ho%e1%ba%a1ch%2001-kh-mttq-btt.pdf" in document["Content-Disposition"].lower()
    outsider = client_of("cb-tp-hai-duong").get(reverse("plans:document", args=[plan.pk, "docx"]))
    assert outsider.status_code == 404


def test_officer_of_another_unit_gets_404_or_403_everywhere(client_of, seed_plan, advance):
    # given: a dispatched plan, and a unit that is not among its recipients (thành phố Hải Dương)
    plan = advance(seed_plan, through="dispatch")
    delivery = plan.deliveries.select_related("unit").first()
    task = flow.open_task(plan=plan, node=PlanFlow.acknowledge, delivery=delivery)
    outsider = client_of("cb-tp-hai-duong")
    events_before = PlanEvent.objects.count()

    # when / then: every page and action of the plan is refused
    assert outsider.get(reverse("plans:detail", args=[plan.pk])).status_code == 404
    assert outsider.get(reverse("plans:edit", args=[plan.pk])).status_code == 404
    assert outsider.post(reverse("plans:withdraw", args=[plan.pk]), {"reason": "x"}).status_code == 404
    assert outsider.post(reverse("plans:recipient_add", args=[plan.pk]), {"unit": delivery.unit_id}).status_code == 404
    assert outsider.post(reverse("plans:recipient_remove", args=[plan.pk, delivery.pk])).status_code == 404
    assert outsider.post(reverse("plans:task", args=[task.pk])).status_code in (403, 404)
    execute_url = PlanFlow.acknowledge.reverse("execute", args=[plan.process.pk, task.pk])
    assert outsider.get(execute_url).status_code in (403, 404)
    assert outsider.post(execute_url, {"decision": "acknowledge"}).status_code in (403, 404)
    assert plan.title not in outsider.get(reverse("plans:list")).content.decode()
    # an officer of a recipient unit cannot act for another recipient unit either
    other_officer = client_of(officer_of(plan.deliveries.exclude(pk=delivery.pk).select_related("unit").first()))
    assert other_officer.post(reverse("plans:task", args=[task.pk])).status_code == 403
    assert PlanEvent.objects.count() == events_before
    delivery.refresh_from_db()
    assert delivery.state == Delivery.State.SENT


def test_leader_withdraws_a_plan_in_execution_and_every_branch_ends(user_of, client_of, seed_plan, advance):
    plan = advance(seed_plan, through="dispatch")
    first = plan.deliveries.select_related("unit").first()
    task = flow.open_task(plan=plan, node=PlanFlow.acknowledge, delivery=first)
    with flow.task_activation(task_id=task.pk, actor=user_of(officer_of(first))) as activation:
        flow.acknowledge(activation=activation, actor=user_of(officer_of(first)))

    # the clerk may not withdraw; the leader may
    assert client_of("vanthu").post(reverse("plans:withdraw", args=[plan.pk]), {"reason": "x"}).status_code == 403
    response = client_of("lanhdao").post(reverse("plans:withdraw", args=[plan.pk]), {"reason": "Ban hành nhầm."})
    assert response.status_code == 302

    plan.refresh_from_db()
    assert plan.state == Plan.State.WITHDRAWN
    assert set(plan.deliveries.values_list("state", flat=True)) == {Delivery.State.WITHDRAWN}
    assert plan.process.status == "DONE"
    assert not plan.process.task_set.exclude(status__in=["DONE"]).exists()
    assert plan.process.task_set.filter(flow_task=PlanFlow.withdrawn).count() == 1


@pytest.mark.parametrize(
    ("through", "stage"),
    [(None, "draft"), ("submit", "pending_approval"), ("approve", "approved"), ("register", "registered")],
)
def test_withdraw_at_each_stage_before_dispatch_ends_the_process(user_of, seed_plan, advance, through, stage):
    plan = advance(seed_plan, through=through) if through else seed_plan
    assert plan.state == stage

    flow.plan_withdraw(plan=plan, actor=user_of("lanhdao"), reason="Không còn phù hợp.")

    plan.refresh_from_db()
    assert plan.state == Plan.State.WITHDRAWN
    assert plan.process.status == "DONE"
    assert not plan.process.task_set.exclude(status="DONE").exists()


def test_recipient_units_find_the_plan_in_their_queue_and_others_do_not(client_of, seed_plan, advance):
    # the drafter finds "Trình duyệt" in the inbox (assigned to them)
    inbox = client_of("chuyenvien").get(reverse("plan:inbox"))
    assert inbox.status_code == 200
    assert str(flow.open_task(plan=seed_plan, node=PlanFlow.submit).pk) in inbox.content.decode()
    plan = advance(seed_plan, through="dispatch")
    gia_loc = plan.deliveries.get(unit__code="mttq-gia-loc")
    task = flow.open_task(plan=plan, node=PlanFlow.acknowledge, delivery=gia_loc)
    task_link = PlanFlow.acknowledge.reverse("index", args=[plan.process.pk, task.pk])

    queue = client_of("cb-gia-loc").get(reverse("plan:queue"))
    assert queue.status_code == 200
    assert task_link in queue.content.decode()
    other_queue = client_of("cb-tp-hai-duong").get(reverse("plan:queue")).content.decode()
    assert task_link not in other_queue
    neighbour_queue = client_of("cb-nam-sach").get(reverse("plan:queue")).content.decode()
    assert task_link not in neighbour_queue

    # viewflow's process page is the issuer's; a recipient is sent to the plan page; its flow-wide
    # lists are for managers only
    process_url = reverse("plan:process_detail", args=[plan.process.pk])
    assert client_of("lanhdao").get(process_url).status_code == 200
    assert client_of("cb-gia-loc").get(process_url)["Location"] == reverse("plans:detail", args=[plan.pk])
    assert client_of("cb-tp-hai-duong").get(process_url).status_code == 404
    for name in ("plan:process_list", "plan:task_list", "plan:index"):
        response = client_of("cb-gia-loc").get(reverse(name), follow=True)
        assert response.redirect_chain[-1][0] == reverse("plans:list")
        assert plan.title in response.content.decode()
        assert "Thực hiện nhiệm vụ" not in client_of("cb-tp-hai-duong").get(reverse(name), follow=True).content.decode()


def test_every_task_page_of_a_dispatched_plan_opens_and_lists_say_which_plan(client_of, seed_plan, advance):
    plan = advance(seed_plan, through="dispatch")
    leader = client_of("lanhdao")

    for task in plan.process.task_set.all():
        url = reverse(f"plan:{task.flow_task.name}:detail", args=[plan.process.pk, task.pk])
        assert leader.get(url).status_code == 200, task.flow_task.name

    queue = client_of("cb-gia-loc").get(reverse("plan:queue")).content.decode()
    assert "Ban Thường trực Ủy ban MTTQ huyện Gia Lộc – 01/KH-MTTQ-BTT – Thực hiện nhiệm vụ" in queue
    delivery = plan.deliveries.get(unit__code="mttq-gia-loc")
    task = flow.open_task(plan=plan, node=PlanFlow.acknowledge, delivery=delivery)
    form = client_of("cb-gia-loc").get(client_of("cb-gia-loc").post(reverse("plans:task", args=[task.pk]))["Location"])
    assert "Ghi nhận</span>" in form.content.decode()
