"""Vietnamese first: the browser's language does not switch planflow to English; the person's choice does.

With the English cookie, our own pages (plan list, plan page, import, task forms, notifications,
dashboard) and viewflow's read in English; without it, in Vietnamese. Dates stay dd/mm/yyyy in
both languages (the office's convention; templates format them explicitly).
"""

import datetime as dt
import re

import pytest
import time_machine
from django.conf import settings
from django.urls import reverse

from workflow import services as flow
from workflow.flows import PlanFlow

pytestmark = pytest.mark.django_db


def _html(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def _english(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def test_pages_are_vietnamese_even_for_an_english_browser(client_of):
    response = client_of("chuyenvien").get(reverse("plans:list"), HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert response.status_code == 200
    assert response["Content-Language"] == "vi"
    assert re.search(r'<html lang="vi"[ >]', response.content.decode())


def test_a_person_who_chooses_english_gets_english(client_of):
    client = client_of("chuyenvien")
    chosen = client.post(reverse("set_language"), {"language": "en", "next": reverse("plans:list")})
    assert chosen.status_code == 302
    assert chosen["Location"] == reverse("plans:list")

    response = client.get(reverse("plans:list"))
    assert response["Content-Language"] == "en"
    html = _html(response)
    assert re.search(r'<html lang="en"[ >]', html)
    assert "<h1>Plans</h1>" in html

    # and back
    client.post(reverse("set_language"), {"language": "vi", "next": reverse("plans:list")})
    assert "<h1>Kế hoạch</h1>" in _html(client.get(reverse("plans:list")))


# (url, English that must show, Vietnamese that must not) per page; the same page without the
# cookie shows the Vietnamese and not the English.
PLAN_LIST = (
    ["<h1>Plans</h1>", "Number and symbol", "Issuing unit", "Only plans with overdue units", "Log out"],
    ["<h1>Kế hoạch</h1>", "Số, ký hiệu", "Đơn vị ban hành", "Chỉ kế hoạch có đơn vị quá hạn", "Đăng xuất"],
)


def test_plan_list_in_english_and_in_vietnamese(client_of, seed_plan):
    english, vietnamese = PLAN_LIST
    html = _html(_english(client_of("chuyenvien")).get(reverse("plans:list")))
    for text in [*english, "Import a plan", "Draft", "1 plan"]:
        assert text in html, text
    for text in vietnamese:
        assert text not in html, text

    html = _html(client_of("chuyenvien").get(reverse("plans:list")))
    for text in vietnamese:
        assert text in html, text
    for text in ("<h1>Plans</h1>", "Number and symbol", "Log out"):
        assert text not in html, text


def test_plan_page_in_english(client_of, seed_plan, advance):
    plan = advance(seed_plan, through="dispatch")

    html = _html(_english(client_of("lanhdao")).get(reverse("plans:detail", args=[plan.pk])))
    for text in ("PLAN<br>", "In execution", "Legal basis", "Recipients", "Download Word (.docx)", "Withdraw the plan"):
        assert text in html, text
    vietnamese = ("KẾ HOẠCH<br>", "Đang thực hiện", "<h3>Căn cứ</h3>", "<h2>Nơi nhận</h2>", "Tải bản Word", "Thu hồi")
    for text in vietnamese:
        assert text not in html, text
    # the document's own text is not translated, and dates keep dd/mm/yyyy
    assert plan.title in html
    assert re.search(r"Execution period: \d\d/\d\d/\d{4} – \d\d/\d\d/\d{4}", html)

    html = _html(client_of("lanhdao").get(reverse("plans:detail", args=[plan.pk])))
    assert "Đang thực hiện" in html and "Thu hồi kế hoạch" in html
    assert "In execution" not in html and "Withdraw the plan" not in html


def test_import_page_in_english(client_of):
    html = _html(_english(client_of("chuyenvien")).get(reverse("plans:import")))
    for text in ("Import a plan from a document", "Plan file (.txt, .docx, .pdf)", "Or paste the text", "Recognise"):
        assert text in html, text
    for text in ("Nhập kế hoạch từ văn bản", "Hoặc dán nội dung", "Nhận dạng và tạo dự thảo"):
        assert text not in html, text


def test_refusal_of_a_form_is_in_english(client_of):
    response = _english(client_of("chuyenvien")).post(reverse("plans:import"), {"text": ""})
    html = response.content.decode()
    assert "Choose a file or paste the text of the plan." in html
    assert "Hãy chọn một tệp" not in html


def test_task_form_in_english(client_of, user_of, seed_plan, advance):
    # given: a submitted plan; the leader opens the approval form
    plan = advance(seed_plan, through="submit")
    task = flow.open_task(plan=plan, node=PlanFlow.approve)
    client = _english(client_of("lanhdao"))
    form_url = client.post(reverse("plans:task", args=[task.pk]))["Location"]

    html = _html(client.get(form_url))
    for text in ("Approve the plan", "Decision", "Comment", "Record decision", "Back to the plan", "Inbox", "Queue"):
        assert text in html, text
    for text in ("Duyệt kế hoạch", "Ghi ý kiến", "Quay lại kế hoạch", "Việc của tôi", "Việc chờ nhận"):
        assert text not in html, text

    # a refused form answers in English too
    refused = client.post(form_url, {"decision": "return", "comment": ""})
    assert refused.status_code == 422
    assert "Write a comment so that the drafter knows what to change." in refused.content.decode()


def test_queue_in_english(client_of, seed_plan, advance):
    # given: a submitted plan, whose approval waits in the leaders' queue
    advance(seed_plan, through="submit")
    html = _html(_english(client_of("lanhdao")).get(reverse("plan:queue")))
    assert "Approve the plan" in html and "Queue" in html and "Dashboard" in html
    assert "Việc chờ nhận" not in html and "Duyệt kế hoạch" not in html


def test_notifications_list_in_english(client_of):
    html = _html(_english(client_of("chuyenvien")).get(reverse("notifications:list")))
    for text in ("<h1>Notifications</h1>", "No notifications yet.", "Notification settings, calendar"):
        assert text in html, text
    for text in ("<h1>Thông báo</h1>", "Chưa có thông báo nào."):
        assert text not in html, text
    html = _html(client_of("chuyenvien").get(reverse("notifications:list")))
    assert "<h1>Thông báo</h1>" in html and "No notifications yet." not in html


def test_dashboard_in_english(client_of, seed_plan, advance):
    advance(seed_plan, through="dispatch")
    html = _html(_english(client_of("lanhdao")).get(reverse("dashboard")))
    for text in ("Progress overview", "Plans by state", "On-time rate per recipient unit", "In execution: 1"):
        assert text in html, text
    for text in ("Tổng hợp tình hình thực hiện", "Kế hoạch theo trạng thái", "Đang thực hiện: 1"):
        assert text not in html, text
    html = _html(client_of("lanhdao").get(reverse("dashboard")))
    assert "Tổng hợp tình hình thực hiện" in html and "Progress overview" not in html


def test_error_pages_in_english(client_of):
    client = _english(client_of("cb-tp-hai-duong"))
    response = client.get("/plans/999999/")
    assert response.status_code == 404
    assert "404 – Not found" in response.content.decode()
    response = client.get(reverse("dashboard"))
    assert response.status_code == 403
    assert "403 – Not allowed" in response.content.decode()


@pytest.mark.parametrize(
    ("language", "brief", "pager"), [("vi", "Tóm tắt", "1–1 trong số 1"), ("en", "Brief", "1–1 of 1")]
)
def test_task_lists_write_dates_day_first_in_both_languages(client_of, seed_plan, advance, language, brief, pager):
    # given: a task in the leader's queue, created at a time whose day and month differ
    with time_machine.travel(dt.datetime(2026, 3, 2, 9, 5, tzinfo=dt.UTC), tick=False):
        advance(seed_plan, through="submit")
    client = client_of("lanhdao")
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language

    html = _html(client.get(reverse("plan:queue")))

    assert "02/03/2026 16:05" in html  # Asia/Ho_Chi_Minh, dd/mm/yyyy
    assert brief in html  # the column header viewflow leaves untranslated
    assert pager in html and "1-1 of 1" not in html  # and its pager's summary
    if language == "vi":
        assert "Brief" not in html
