"""What a new user's trial saw in chromium, measured in the browser: names and dates that were cut
or broken, a raw dict on the claim page, the message after taking a task.

At 1280 px: no date or time on the status board breaks across lines, nor a column header inside a
word; the draft editor's unit selects show whole unit names. At 360 px: the task queue shows the
task and plan names whole, the notifications' times stay on one line; nothing scrolls sideways.
"""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from documents import services as document_services
from documents.demo import PROVINCIAL_COMMITTEE, demo_unit
from notifications.models import Notification
from notifications.services import deadlines_sweep
from tests.conftest import SEED
from tests.e2e.conftest import PHONE, act, artifacts_dir
from tests.e2e.people import Person
from workflow import services as flow
from workflow.flows import PlanFlow

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

# Elements drawn on more than one line box (a date broken inside, a header broken inside a word).
MULTI_LINE = """(selector) => Array.from(document.querySelectorAll(selector)).filter((e) => {
  const range = document.createRange(); range.selectNodeContents(e);
  return new Set(Array.from(range.getClientRects(), (r) => Math.round(r.top))).size > 1;
}).map((e) => e.textContent.trim())"""

# On the board: every date and time, the one-word headers of the due and urge columns.
BOARD_ONE_LINERS = "#board time, #board thead th.col-urge, #board thead th.col-due"

# Selects whose chosen option's text is wider than the select can show (measured with its own font).
CUT_SELECTS = """(selector) => { const ctx = document.createElement('canvas').getContext('2d');
  return Array.from(document.querySelectorAll(selector)).filter((s) => s.value).filter((s) => {
    const cs = getComputedStyle(s); ctx.font = `${cs.fontWeight} ${cs.fontSize} ${cs.fontFamily}`;
    const room = s.clientWidth - parseFloat(cs.paddingLeft) - parseFloat(cs.paddingRight) - 20;  // the arrow
    return ctx.measureText(s.options[s.selectedIndex].text).width > room;
  }).map((s) => s.options[s.selectedIndex].text); }"""

# Cells of viewflow's task lists whose text is cut ("Tiếp nhận …").
CUT_CELLS = """() => Array.from(document.querySelectorAll('.vf-list__table tbody td'))
  .filter((td) => td.scrollWidth > td.clientWidth + 1).map((td) => td.textContent.trim())"""


@pytest.fixture
def plans(e2e_demo):
    """The seed plan in execution with reports in (the trial's board), and a draft of it."""
    text = SEED.read_text(encoding="utf-8")
    issuer, drafter = demo_unit(PROVINCIAL_COMMITTEE), get_user_model().objects.get(username="chuyenvien")
    running, draft = (flow.plan_import_and_start(issuer=issuer, drafter=drafter, text=text)[0] for _ in range(2))
    act(running, PlanFlow.submit, "chuyenvien", "submit")
    act(running, PlanFlow.approve, "lanhdao", "decide", decision="approve")
    act(running, PlanFlow.register, "vanthu", "register", place="Hải Dương")
    act(running, PlanFlow.dispatch, "vanthu", "dispatch")
    deadlines_sweep(fire_timers=False)
    for code in ("mttq-gia-loc", "mttq-tx-kinh-mon", "mttq-tu-ky"):
        act(running, PlanFlow.acknowledge, "cb-" + code.removeprefix("mttq-"), "acknowledge", unit=code)
    act(running, PlanFlow.report, "cb-gia-loc", "report", unit="mttq-gia-loc", text="Đã triển khai tới 100% xã. " * 4)
    act(running, PlanFlow.review, "lanhdao", "review", unit="mttq-gia-loc", accept=True, comment="")
    act(running, PlanFlow.report, "cb-tx-kinh-mon", "report", unit="mttq-tx-kinh-mon", text="Đã triển khai.")
    act(
        running,
        PlanFlow.acknowledge,
        "cb-thanh-mien",
        "acknowledge",
        unit="mttq-thanh-mien",
        refuse=True,
        reason="Nhầm.",
    )
    document_services.recipient_remove_refused(
        delivery=running.deliveries.get(unit__code="mttq-thanh-mien"),
        actor=get_user_model().objects.get(username="vanthu"),
    )
    # a notice for the officer of the trial's phone (the sweep's go to whoever the policy names)
    Notification.objects.create(
        recipient=get_user_model().objects.get(username="cb-cam-giang"),
        plan=running,
        title=f"Việc mới: Kế hoạch “{running.title}” ({running.number_symbol}): tiếp nhận",
        body="Ban Thường trực Ủy ban MTTQ huyện Cẩm Giàng có việc mới: tiếp nhận kế hoạch.",
        url=reverse("plans:detail", args=[running.pk]),
    )
    return {"running": running, "draft": draft}


def test_board_and_editor_at_desktop_width(browser, live_server, plans, problems):
    running, draft = plans["running"], plans["draft"]
    clerk = Person(browser, live_server.url, "vanthu", problems).login()
    clerk.open_plan(running.pk)
    clerk.page.locator("#board").screenshot(path=str(artifacts_dir() / "trial-board-vi.png"))
    assert clerk.page.evaluate(MULTI_LINE, BOARD_ONE_LINERS) == []
    removed = clerk.page.locator("#board tr[data-unit='mttq-thanh-mien']")
    assert "Đã bỏ khỏi nơi nhận" in removed.inner_text()
    assert removed.locator("td.due").inner_text().strip() == "—"
    assert "Tổng: 10 đơn vị" in clerk.page.inner_text("#board-summary")
    clerk.language("en")
    assert clerk.page.evaluate(MULTI_LINE, BOARD_ONE_LINERS) == []
    clerk.page.locator("#board").screenshot(path=str(artifacts_dir() / "trial-board-en.png"))
    # the plan list: dates and numbers and symbols on one line
    clerk.goto(reverse("plans:list"))
    assert clerk.page.evaluate(MULTI_LINE, "#plan-table tbody td:nth-child(1), #plan-table tbody td:nth-child(5)") == []
    clerk.close()

    drafter = Person(browser, live_server.url, "chuyenvien", problems).login()
    drafter.goto(reverse("plans:edit", args=[draft.pk]))
    assert drafter.page.locator("#recipients select.unit-select").count() >= 11
    assert drafter.page.evaluate(CUT_SELECTS, "#recipients select.unit-select, #recipients select.purpose-select") == []
    drafter.shot("trial-editor")
    drafter.close()


def test_claim_page_queue_and_notifications_on_a_phone(browser, live_server, plans, problems):
    running = plans["running"]
    officer = Person(browser, live_server.url, "cb-cam-giang", problems, viewport=PHONE).login()

    officer.goto(reverse("plan:queue"))
    officer.page.wait_for_selector(".vf-list__table tbody td")
    assert officer.page.evaluate(CUT_CELLS) == []
    row = officer.page.inner_text(".vf-list__table tbody tr")
    assert "Tiếp nhận kế hoạch" in row and "Ban Thường trực Ủy ban MTTQ huyện Cẩm Giàng" in row, row
    assert officer.horizontal_overflow() == 0
    officer.shot("trial-queue-phone")

    task = flow.open_task(
        plan=running, node=PlanFlow.acknowledge, delivery=running.deliveries.get(unit__code="mttq-cam-giang")
    )
    officer.goto(reverse("plan:acknowledge:assign", args=[task.process_id, task.pk]))
    panel = officer.page.inner_text("main")
    assert "delivery_id" not in panel
    assert "Ban Thường trực Ủy ban MTTQ huyện Cẩm Giàng" in officer.page.inner_text("#task-unit")
    officer.shot("trial-claim-phone")
    officer.follow("button[name=_continue]")
    officer.page.wait_for_selector("#task-due")
    assert officer.page.inner_text("#task-due").startswith("Hạn tiếp nhận: ")
    message = officer.page.locator("vf-snackbar").inner_text()
    expected = "Đã nhận xử lý: Tiếp nhận kế hoạch (Ban Thường trực Ủy ban MTTQ huyện Cẩm Giàng), kế hoạch "
    assert message.startswith(expected + running.number_symbol), message
    officer.shot("trial-acknowledge-phone", full_page=False)

    officer.goto(reverse("notifications:list"))
    officer.page.wait_for_selector("#notifications td.when")
    assert officer.page.evaluate(MULTI_LINE, "#notifications time") == []
    assert officer.horizontal_overflow() == 0
    officer.shot("trial-notifications-phone")
    officer.close()
