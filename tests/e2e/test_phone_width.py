"""The key pages at 360 px wide (a phone): nothing scrolls sideways, nothing fails in the browser."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from documents.demo import PROVINCIAL_COMMITTEE, demo_unit
from tests.conftest import SEED
from tests.e2e.conftest import PHONE, act
from tests.e2e.people import Person
from workflow import services as flow
from workflow.flows import PlanFlow

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


@pytest.fixture
def plans(e2e_demo):
    """A plan in execution (acknowledged, refused, reported), and one at each stage before it."""
    text = SEED.read_text(encoding="utf-8")
    issuer, drafter = demo_unit(PROVINCIAL_COMMITTEE), get_user_model().objects.get(username="chuyenvien")
    running, pending, approved, registered, draft = (
        flow.plan_import_and_start(issuer=issuer, drafter=drafter, text=text)[0] for _ in range(5)
    )
    for plan in (running, approved, registered):
        act(plan, PlanFlow.submit, "chuyenvien", "submit")
        act(plan, PlanFlow.approve, "lanhdao", "decide", decision="approve")
    act(registered, PlanFlow.register, "vanthu", "register", place="Hải Dương")
    act(running, PlanFlow.register, "vanthu", "register", place="Hải Dương")
    act(running, PlanFlow.dispatch, "vanthu", "dispatch")
    act(running, PlanFlow.acknowledge, "cb-gia-loc", "acknowledge", unit="mttq-gia-loc")
    act(running, PlanFlow.acknowledge, "cb-tx-kinh-mon", "acknowledge", unit="mttq-tx-kinh-mon")
    act(running, PlanFlow.report, "cb-tx-kinh-mon", "report", unit="mttq-tx-kinh-mon", text="Đã triển khai " * 40)
    act(
        running,
        PlanFlow.acknowledge,
        "cb-thanh-mien",
        "acknowledge",
        unit="mttq-thanh-mien",
        refuse=True,
        reason="Gửi nhầm đơn vị.",
    )
    act(pending, PlanFlow.submit, "chuyenvien", "submit", comment="Kính trình.")
    return {"running": running, "pending": pending, "approved": approved, "registered": registered, "draft": draft}


def test_key_pages_fit_a_360_px_screen(browser, live_server, e2e_demo, plans, problems):
    overflowing: dict[str, int] = {}
    people: dict[str, Person] = {}

    def as_user(username: str) -> Person:
        if username not in people:
            people[username] = Person(browser, live_server.url, username, problems, viewport=PHONE).login()
        return people[username]

    def check(person: Person, name: str) -> None:
        person.page.wait_for_load_state("load")
        overflow = person.horizontal_overflow()
        if overflow > 0:
            overflowing[f"{name} ({person.page.url})"] = overflow
        person.shot(f"phone-{name}")

    running, pending, draft = plans["running"], plans["pending"], plans["draft"]
    approved, registered = plans["approved"], plans["registered"]

    # the login page, before anyone logs in
    anonymous = Person(browser, live_server.url, "anonymous", problems, viewport=PHONE)
    anonymous.page.goto(live_server.url + "/accounts/login/")
    anonymous.page.wait_for_selector("input[name=username]")
    check(anonymous, "login")

    drafter = as_user("chuyenvien")
    check(drafter, "plan-list")
    drafter.goto(reverse("plans:import"))
    check(drafter, "import")
    drafter.goto(reverse("plans:edit", args=[draft.pk]))
    check(drafter, "edit")
    drafter.take_task(draft.pk, "Trình")
    check(drafter, "task-submit")

    leader = as_user("lanhdao")
    leader.open_plan(running.pk)
    check(leader, "plan-board")
    leader.take_task(pending.pk, "Duyệt")
    check(leader, "task-approve")
    leader.take_task(running.pk, "Xem xét", "Kinh Môn")
    check(leader, "task-review")
    leader.goto(reverse("dashboard"))
    check(leader, "dashboard")
    leader.goto(reverse("plans:list") + "?q=thanh+ha&overdue=on")
    check(leader, "plan-list-filtered")
    leader.goto(reverse("plan:inbox"))
    check(leader, "inbox")
    leader.goto(reverse("notifications:list"))
    check(leader, "notifications")
    leader.goto(reverse("plan:archive"))
    check(leader, "archive")

    clerk = as_user("vanthu")
    clerk.take_task(approved.pk, "Vào sổ")
    check(clerk, "task-register")
    clerk.take_task(registered.pk, "Phát hành")
    check(clerk, "task-dispatch")

    officer = as_user("cb-gia-loc")
    officer.open_plan(running.pk)
    check(officer, "plan-as-recipient")
    officer.take_task(running.pk, "Báo cáo")
    check(officer, "task-report")
    officer.goto(reverse("plan:queue"))
    check(officer, "queue")
    thanh_ha = as_user("cb-thanh-ha")
    thanh_ha.take_task(running.pk, "Tiếp nhận")
    check(thanh_ha, "task-acknowledge")

    # error pages: a guessed plan id (404) and a page for leaders only (403)
    problems.expect("/plans/999999/", 404)
    assert officer.page.goto(live_server.url + "/plans/999999/").status == 404
    check(officer, "404")
    problems.expect(reverse("dashboard"), 403)
    assert officer.page.goto(live_server.url + reverse("dashboard")).status == 403
    check(officer, "403")

    for person in [anonymous, *people.values()]:
        person.close()
    assert overflowing == {}, f"pages wider than 360 px (overflow in px): {overflowing}"
