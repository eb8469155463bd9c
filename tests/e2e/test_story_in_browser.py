"""The seed story of issue 2 in a real browser, each step by clicking and typing as the user who acts.

Steps that only repeat what the browser already proved for another unit (the other district
committees acknowledging and reporting) go through `workflow.services`, as those units' own
clicks would, to keep the run short; every kind of step is done in the browser at least once.
"""

from __future__ import annotations

import re
import shutil

import pytest

from documents.models import Delivery, Plan, Report
from notifications.services import deadlines_sweep
from tests.conftest import SEED
from tests.e2e.people import Person
from workflow import services as flow
from workflow.flows import PlanFlow

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

REPORT_NAME = "Báo cáo kết quả.docx"


def officer_of(code: str) -> str:
    return "sotnmt" if code.startswith("so-") else "cb-" + code.removeprefix("mttq-")


def act_directly(plan: Plan, node, username: str, *, delivery: Delivery, action: str, **data) -> None:
    """What the unit's officer would do in the browser, through the same service call."""
    from django.contrib.auth import get_user_model

    actor = get_user_model().objects.get(username=username)
    task = flow.open_task(plan=plan, node=node, delivery=delivery)
    assert task is not None, (node.name, delivery.unit.code)
    with flow.task_activation(task_id=task.pk, actor=actor) as activation:
        getattr(flow, action)(activation=activation, actor=actor, **data)


def test_seed_story_by_each_user_in_the_browser(browser, live_server, e2e_demo, problems, tmp_path):
    people: dict[str, Person] = {}

    def as_user(username: str) -> Person:
        if username not in people:
            people[username] = Person(browser, live_server.url, username, problems).login()
        return people[username]

    # the drafter imports the seed plan by uploading its file
    drafter = as_user("chuyenvien")
    drafter.nav("nav-import")
    drafter.page.wait_for_selector("input[name=upload]")
    drafter.page.set_input_files("input[name=upload]", str(SEED))
    drafter.shot("01-import")
    drafter.follow("button:has-text('Nhận dạng và tạo dự thảo')")
    match = re.search(r"/plans/(\d+)/edit/$", drafter.page.url)
    assert match, drafter.page.url
    plan_id = int(match.group(1))
    recognition = drafter.page.inner_text("#recognition")
    assert "Thực hiện nhiệm vụ bảo vệ môi trường năm 2019" in recognition
    assert "Ban Thường trực Uỷ ban MTTQ các huyện, thị xã" in recognition
    assert drafter.page.locator("select[name$='-unit'] option:checked", has_text="Thanh Miện").count() == 1
    drafter.shot("02-recognition")

    # submit; the leader returns it with a comment
    drafter.follow("a:has-text('Quay lại')")
    drafter.take_task(plan_id, "Trình")
    drafter.page.fill("textarea[name=comment]", "Kính trình lãnh đạo.")
    drafter.submit_task("Trình lãnh đạo duyệt")
    assert drafter.state() == "Chờ duyệt"

    leader = as_user("lanhdao")
    leader.take_task(plan_id, "Duyệt")
    leader.shot("03-approval")
    leader.choose("decision", "return")
    leader.page.fill("textarea[name=comment]", "Bổ sung thời hạn báo cáo.")
    leader.submit_task("Ghi ý kiến")
    assert leader.state() == "Bị trả lại để sửa"

    # the drafter reads the comment, edits the body and resubmits
    drafter.open_plan(plan_id)
    assert "Bổ sung thời hạn báo cáo." in drafter.page.inner_text("#return-comment")
    drafter.follow("a:has-text('Sửa dự thảo')")
    body = drafter.page.locator("textarea[name=body]")
    body.fill(body.input_value() + "\nBáo cáo kết quả trước ngày 25/12/2019.")
    drafter.follow("button:has-text('Lưu dự thảo')")
    assert "Đã lưu dự thảo." in drafter.page.inner_text(".messages")
    drafter.take_task(plan_id, "Trình")
    drafter.page.fill("textarea[name=comment]", "Đã bổ sung thời hạn báo cáo.")
    drafter.submit_task("Trình lãnh đạo duyệt")

    # the leader sees what changed since the return, and approves
    leader.take_task(plan_id, "Duyệt")
    assert "+Báo cáo kết quả trước ngày 25/12/2019." in leader.page.inner_text("#changes")
    leader.shot("04-approval-after-return")
    leader.choose("decision", "approve")
    leader.submit_task("Ghi ý kiến")
    assert leader.state() == "Đã duyệt, chờ vào sổ"

    # the clerk registers it (number and date) and dispatches it
    clerk = as_user("vanthu")
    clerk.take_task(plan_id, "Vào sổ")
    clerk.page.fill("input[name=issue_date]", "10/12/2019")
    clerk.page.fill("input[name=place]", "Hải Dương")
    clerk.submit_task("Vào sổ và cấp số")
    assert "Số: 01/KH-MTTQ-BTT" in clerk.page.inner_text("main")
    clerk.take_task(plan_id, "Phát hành")
    assert "Ban Thường trực Ủy ban MTTQ huyện Thanh Miện" in clerk.page.inner_text("main")
    clerk.page.check("input[name=confirm]")
    clerk.submit_task("Phát hành")
    assert clerk.state() == "Đang thực hiện"
    assert "Đang tính hạn" in clerk.page.inner_text("#board tr[data-unit='mttq-gia-loc'] td.due")
    # the beat's sweep (each minute) writes every unit's due times; the board shows them
    assert deadlines_sweep(fire_timers=False).due_times_set == 11
    clerk.open_plan(plan_id)
    due = clerk.page.inner_text("#board tr[data-unit='mttq-gia-loc'] td.due")
    assert re.search(r"Tiếp nhận: \d\d/\d\d/\d{4} \d\d:\d\d", due) and "Báo cáo: " in due, due
    assert "Báo cáo" not in clerk.page.inner_text("#board tr[data-unit='so-tnmt-hai-duong'] td.due")

    # units acknowledge from their own plan page; Thanh Miện refuses it as wrongly addressed
    plan = Plan.objects.get(pk=plan_id)
    deliveries = {d.unit.code: d for d in plan.deliveries.select_related("unit")}
    assert len(deliveries) == 11
    in_browser = ("mttq-gia-loc", "so-tnmt-hai-duong", "mttq-tx-kinh-mon")
    for code in in_browser:
        officer = as_user(officer_of(code))
        officer.nav("nav-plans")
        officer.follow("#plan-table a:has-text('Thực hiện nhiệm vụ bảo vệ môi trường')")
        officer.take_task(plan_id, "Tiếp nhận")
        officer.choose("decision", "acknowledge")
        officer.submit_task("Ghi nhận")
    thanh_mien = as_user("cb-thanh-mien")
    thanh_mien.take_task(plan_id, "Tiếp nhận")
    thanh_mien.choose("decision", "refuse")
    thanh_mien.page.fill("textarea[name=reason]", "Gửi nhầm đơn vị: huyện không có mô hình điểm.")
    thanh_mien.submit_task("Ghi nhận")
    for code, delivery in deliveries.items():
        if code not in (*in_browser, "mttq-thanh-mien"):
            act_directly(plan, PlanFlow.acknowledge, officer_of(code), delivery=delivery, action="acknowledge")

    # the clerk removes the refused unit and adds Chí Linh, which acknowledges
    clerk.open_plan(plan_id)
    assert "Gửi nhầm đơn vị" in clerk.page.inner_text("#refused")
    clerk.page.once("dialog", lambda dialog: dialog.accept())
    clerk.follow("tr[data-unit='mttq-thanh-mien'] button:has-text('Bỏ khỏi nơi nhận')")
    assert "Đã bỏ đơn vị khỏi nơi nhận." in clerk.page.inner_text(".messages")
    clerk.page.select_option("select[name=unit]", label="Ban Thường trực Ủy ban MTTQ thành phố Chí Linh")
    assert clerk.page.is_checked("input[name=requires_report]")
    clerk.follow("button:has-text('Bổ sung và gửi')")
    assert "Đã bổ sung nơi nhận" in clerk.page.inner_text(".messages")
    chi_linh = as_user("cb-tp-chi-linh")
    chi_linh.take_task(plan_id, "Tiếp nhận")
    chi_linh.choose("decision", "acknowledge")
    chi_linh.submit_task("Ghi nhận")

    # Gia Lộc reports with a file; the leader returns it, Gia Lộc completes it, the drafter accepts it
    report_file = tmp_path / REPORT_NAME
    shutil.copyfile(SEED, report_file)
    gia_loc = as_user("cb-gia-loc")
    gia_loc.take_task(plan_id, "Báo cáo")
    gia_loc.page.fill("textarea[name=text]", "Đã tổ chức hội nghị triển khai tại 3 khu dân cư.")
    gia_loc.page.set_input_files("input[type=file][name=attachment]", str(report_file))
    gia_loc.submit_task("Gửi báo cáo")
    leader.take_task(plan_id, "Xem xét", "Gia Lộc")
    assert REPORT_NAME in leader.page.inner_text("main")
    leader.choose("decision", "return")
    leader.page.fill("textarea[name=comment]", "Bổ sung số liệu người tham gia.")
    leader.submit_task("Ghi kết luận")
    gia_loc.take_task(plan_id, "Báo cáo")
    text = gia_loc.page.locator("textarea[name=text]")
    assert text.input_value() == "Đã tổ chức hội nghị triển khai tại 3 khu dân cư."
    text.fill(text.input_value() + " Có 450 người tham gia.")
    gia_loc.submit_task("Gửi báo cáo")
    drafter.take_task(plan_id, "Xem xét", "Gia Lộc")
    drafter.choose("decision", "accept")
    drafter.submit_task("Ghi kết luận")

    # the other units with duties report, and are accepted, as above
    for delivery in plan.deliveries.filter(requires_report=True, state=Delivery.State.ACKNOWLEDGED):
        delivery.refresh_from_db()
        code = delivery.unit.code
        act_directly(plan, PlanFlow.report, officer_of(code), delivery=delivery, action="report", text="Đã triển khai.")
        act_directly(plan, PlanFlow.review, "chuyenvien", delivery=delivery, action="review", accept=True)

    # the plan is completed; the leader checks the board, downloads the report file
    leader.open_plan(plan_id)
    assert leader.state() == "Hoàn thành"
    board = leader.page.locator("#board")
    assert board.locator("tr[data-unit]").count() == 12
    assert "Từ chối" in board.locator("tr[data-unit='mttq-thanh-mien']").inner_text()
    assert "Báo cáo được chấp nhận" in board.locator("tr[data-unit='mttq-tp-chi-linh']").inner_text()
    gia_loc_row = board.locator("tr[data-unit='mttq-gia-loc']")
    assert "Bổ sung số liệu người tham gia." in gia_loc_row.inner_text()
    assert gia_loc_row.locator("text=Trả lại, bổ sung").count() == 1
    leader.shot("05-board")
    with leader.page.expect_download() as download_info:
        gia_loc_row.locator(f"a:has-text('{REPORT_NAME}')").first.click()
    assert download_info.value.suggested_filename == REPORT_NAME
    assert Report.objects.filter(delivery__plan=plan, delivery__unit__code="mttq-gia-loc").count() == 2

    # the leader's dashboard from the header, and the list searched without diacritics
    leader.nav("dashboard-link")
    leader.page.wait_for_selector("h1:has-text('Tổng hợp')")
    assert "Hoàn thành: 1" in leader.page.inner_text("#plans-by-state")
    assert leader.page.locator("#rates tr[data-unit='mttq-gia-loc']").count() == 1
    assert leader.page.locator("#chart svg").count() >= 1
    leader.shot("06-dashboard")
    leader.nav("nav-plans")
    leader.page.fill("input[name=q]", "thanh ha bao ve moi truong")
    leader.follow("#plan-filters button:has-text('Lọc')")
    assert leader.page.locator("#plan-table tr[data-plan]").count() == 1
    leader.page.fill("input[name=q]", "dai doan ket")
    leader.follow("#plan-filters button:has-text('Lọc')")
    assert leader.page.locator("#plan-table tr[data-plan]").count() == 0

    for person in people.values():
        person.close()
