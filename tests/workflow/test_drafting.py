"""The drafter's side of import: what was recognised, re-import, attachments, and what a leader sees changed."""

from __future__ import annotations

import unicodedata
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from documents.models import Plan, PlanAttachment
from workflow import services as flow
from workflow.flows import PlanFlow

VN = ZoneInfo("Asia/Ho_Chi_Minh")

pytestmark = pytest.mark.django_db


def test_edit_page_shows_each_recognised_part_with_its_line(client_of, seed_plan, seed_text):
    lines = unicodedata.normalize("NFC", seed_text).split("\n")
    line_of = {text.strip(): n for n, text in enumerate(lines, 1)}

    page = client_of("chuyenvien").get(reverse("plans:edit", args=[seed_plan.pk])).content.decode()

    assert "Kết quả nhận dạng" in page
    assert f'I. MỤC ĐÍCH, YÊU CẦU</td><td class="muted">dòng {line_of["I. MỤC ĐÍCH, YÊU CẦU"]}</td>' in page
    assert f'Lưu</td><td class="muted">dòng {line_of["- Lưu."]}</td>' in page
    assert "Từ ngày 12 đến ngày 20/12/2019 → 12/12/2019 – 20/12/2019" in page


def test_a_refused_reimport_leaves_the_draft_as_it_was(client_of, seed_plan):
    before = (seed_plan.title, seed_plan.body, list(seed_plan.recipients.values_list("phrase", "unit_id")))
    events = seed_plan.events.count()
    client = client_of("chuyenvien")

    for upload in (
        SimpleUploadedFile("ke-hoach.doc", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600),
        SimpleUploadedFile("ke-hoach.txt", b""),
        SimpleUploadedFile("ke-hoach.txt", "Không phải kế hoạch".encode()),
    ):
        response = client.post(reverse("plans:reimport", args=[seed_plan.pk]), {"upload": upload}, follow=True)
        assert "Dự thảo được giữ nguyên" in response.content.decode() or "Hãy chọn" in response.content.decode()

    seed_plan.refresh_from_db()
    after = (seed_plan.title, seed_plan.body, list(seed_plan.recipients.values_list("phrase", "unit_id")))
    assert after == before
    assert seed_plan.events.count() == events


def test_reimport_replaces_the_drafts_content(client_of, seed_plan, seed_text):
    corrected = seed_text.replace("năm 2019\n---", "năm 2019 (sửa đổi)\n---", 1)
    upload = SimpleUploadedFile("ke-hoach-sua.txt", corrected.encode("utf-16"))

    client_of("chuyenvien").post(reverse("plans:reimport", args=[seed_plan.pk]), {"upload": upload})

    seed_plan.refresh_from_db()
    assert seed_plan.title == "Thực hiện nhiệm vụ bảo vệ môi trường năm 2019 (sửa đổi)"
    assert seed_plan.events.filter(action="edit", data__source="reimport").count() == 1


def test_attachment_names_never_reach_outside_the_storage_folder(client_of, seed_plan, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    upload = SimpleUploadedFile("../../../etc/Phụ lục 1.xlsx", b"PK\x03\x04 data")

    response = client_of("chuyenvien").post(reverse("plans:attachment_add", args=[seed_plan.pk]), {"file": upload})

    assert response.status_code == 302
    attachment = PlanAttachment.objects.get()
    stored = (tmp_path / "media" / attachment.file.name).resolve()
    assert stored.is_relative_to((tmp_path / "media").resolve()) and stored.exists()
    assert attachment.file.name.startswith(f"plans/{seed_plan.pk}/") and ".." not in attachment.file.name
    download = client_of("chuyenvien").get(reverse("plans:attachment", args=[attachment.pk]))
    assert download.status_code == 200
    assert "filename*=utf-8''ph%e1%bb%a5%20l%e1%bb%a5c%201.xlsx" in download["Content-Disposition"].lower()
    # nobody else sees a draft, nor its files
    for other in ("lanhdao", "cb-gia-loc"):
        assert client_of(other).get(reverse("plans:attachment", args=[attachment.pk])).status_code == 404


def test_a_leader_who_returned_a_plan_sees_what_changed(client_of, user_of, seed_plan, advance):
    leader = user_of("lanhdao")
    plan = advance(seed_plan, through="submit")
    task = flow.open_task(plan=plan, node=PlanFlow.approve)
    with flow.task_activation(task_id=task.pk, actor=leader) as activation:
        flow.decide(activation=activation, actor=leader, decision="return", comment="Bổ sung thời hạn báo cáo.")
    from documents import services

    plan.refresh_from_db()
    services.plan_update(
        plan=plan,
        actor=user_of("chuyenvien"),
        title=plan.title,
        legal_basis=plan.legal_basis,
        sections=plan.sections,
        body=plan.body + "\nCác đơn vị báo cáo trước ngày 25/12/2019.",
    )
    plan = advance(plan, through="submit")

    task = flow.open_task(plan=plan, node=PlanFlow.approve)
    taken = client_of("lanhdao").post(reverse("plans:task", args=[task.pk]))
    page = client_of("lanhdao").get(taken["Location"]).content.decode()

    assert "Những gì đã sửa từ bản bị trả lại" in page
    assert "+Các đơn vị báo cáo trước ngày 25/12/2019." in page
    assert plan.versions.count() == 2
    assert Plan.objects.get(pk=plan.pk).state == Plan.State.PENDING_APPROVAL


def test_the_next_address_of_a_form_cannot_leave_the_site(client_of, seed_plan):
    upload = SimpleUploadedFile("phu-luc.txt", b"Phu luc")

    response = client_of("chuyenvien").post(
        reverse("plans:attachment_add", args=[seed_plan.pk]), {"file": upload, "next": "https://evil.example/"}
    )

    assert response.status_code == 302
    assert response["Location"] == reverse("plans:detail", args=[seed_plan.pk])


def test_the_approval_page_warns_when_the_plans_period_has_already_ended(client_of, seed_plan, advance):
    # given the seed plan (implementation 12/12–20/12/2019) submitted for approval
    plan = advance(seed_plan, through="submit")
    task = flow.open_task(plan=plan, node=PlanFlow.approve)
    leader = client_of("lanhdao")
    url = leader.post(reverse("plans:task", args=[task.pk]))["Location"]

    # when the leader opens it on 19/12/2019, then no warning; on 21/12/2019, every unit would be late
    with time_machine.travel(datetime(2019, 12, 19, 9, tzinfo=VN), tick=False):
        assert 'id="schedule-ended"' not in leader.get(url).content.decode()
    with time_machine.travel(datetime(2019, 12, 21, 9, tzinfo=VN), tick=False):
        page = leader.get(url).content.decode()
    assert "Thời gian thực hiện đã kết thúc ngày 20/12/2019" in page
