"""Switching to English and back in the browser, from our pages and from viewflow's, at desktop and phone width."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.e2e.conftest import PHONE
from tests.e2e.people import Person

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


def test_switch_to_english_and_back(browser, live_server, e2e_demo, problems):
    drafter = Person(browser, live_server.url, "chuyenvien", problems).login()
    page = drafter.page
    assert page.inner_text("h1").strip() == "Kế hoạch"

    # English from the top bar: the same page comes back in English, and stays English on other pages
    drafter.language("en")
    assert page.url.endswith(reverse("plans:list"))
    assert page.inner_text("h1").strip() == "Plans"
    assert page.inner_text("#main-nav #nav-import .mdc-list-item__content").strip() == "Import a plan"
    drafter.shot("lang-en-plan-list")
    drafter.nav("nav-import")
    assert "Import a plan from a document" in page.inner_text("main")
    assert page.locator("button:has-text('Recognise and create a draft')").count() == 1
    drafter.nav("nav-queue")  # a viewflow page
    assert page.inner_text("h1.vf-card__title").strip() == "Queue"
    assert "Việc" not in page.inner_text("#main-nav")
    drafter.shot("lang-en-queue")

    # and back to Vietnamese from viewflow's page
    drafter.language("vi")
    assert page.inner_text("h1.vf-card__title").strip() == "Việc chờ nhận"
    drafter.nav("nav-plans")
    assert page.inner_text("h1").strip() == "Kế hoạch"
    drafter.close()


def test_english_pages_fit_a_360_px_screen(browser, live_server, e2e_demo, problems):
    drafter = Person(browser, live_server.url, "chuyenvien", problems, viewport=PHONE).login()
    drafter.language("en")  # the switch is in the top bar, reachable without opening the menu
    overflowing = {}
    for name, url in (("plan-list", reverse("plans:list")), ("import", reverse("plans:import"))):
        drafter.goto(url)
        if drafter.horizontal_overflow():
            overflowing[name] = drafter.horizontal_overflow()
        drafter.shot(f"phone-en-{name}")
    drafter.nav("nav-notifications")
    assert drafter.page.inner_text("h1").strip() == "Notifications"
    drafter.close()
    assert overflowing == {}, f"pages wider than 360 px (overflow in px): {overflowing}"
