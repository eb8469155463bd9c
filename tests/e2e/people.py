"""A demo user at a browser: log in, open a plan, take and fill a task form, take screenshots."""

from __future__ import annotations

import re
from pathlib import Path

from documents.demo import DEMO_PASSWORD
from tests.e2e.conftest import DESKTOP, TIMEOUT_MS, Problems, artifacts_dir


class Person:
    """One demo user in a browser context of their own (own cookies), watched for problems."""

    def __init__(self, browser, base_url: str, username: str, problems: Problems, *, viewport=DESKTOP) -> None:
        self.username = username
        self.base_url = base_url
        self.problems = problems
        self.context = browser.new_context(
            viewport=viewport, locale="vi-VN", timezone_id="Asia/Ho_Chi_Minh", accept_downloads=True
        )
        self.context.set_default_timeout(TIMEOUT_MS)
        self.page = self.context.new_page()
        problems.watch(self.page, username)
        self.logged_in = False

    def url(self, path: str) -> str:
        return self.base_url + path

    def login(self) -> Person:
        """Log in on viewflow's login page (a Turbo form); it lands on the plan list."""
        page = self.page
        page.goto(self.url("/accounts/login/"))
        page.fill("input[name=username]", self.username)
        page.fill("input[name=password]", DEMO_PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(re.compile(r"/plans/$"))
        page.wait_for_selector("h1:has-text('Kế hoạch')")
        self.logged_in = True
        return self

    def goto(self, path: str):
        if not self.logged_in:
            self.login()
        response = self.page.goto(self.url(path))
        assert response is not None and response.status == 200, (path, response and response.status)
        return response

    def follow(self, selector: str) -> None:
        """Click a link or button that loads another page, and wait for that page."""
        with self.page.expect_navigation():
            self.page.click(selector)

    def nav(self, link_id: str) -> None:
        """Follow a link of the navigation drawer (workflow/shell.html), opening the drawer first on a phone."""
        link = self.page.locator(f"#main-nav #{link_id}")
        if not link.is_visible():
            self.page.click("button.vf-page__menu-toggle")
            link.wait_for(state="visible")
        with self.page.expect_navigation():
            link.click()

    def language(self, code: str) -> None:
        """Choose the interface language with the switch in the top bar; the same page comes back."""
        with self.page.expect_navigation():
            self.page.click(f"#language-switch button[value={code}]")
        self.page.wait_for_selector(f"html[lang={code}]")

    def open_plan(self, plan_id: int) -> None:
        self.goto(f"/plans/{plan_id}/")
        self.page.wait_for_selector("#plan-state")

    def state(self) -> str:
        return self.page.inner_text("#plan-state").strip()

    def take_task(self, plan_id: int, title: str, unit: str | None = None) -> None:
        """On the plan page, press the button of the open task `title` (for `unit`): its form opens."""
        self.open_plan(plan_id)
        row = self.page.locator("#tasks li", has_text=title)
        if unit:
            row = row.filter(has_text=unit)
        assert row.count() == 1, f"{self.username}: {row.count()} open tasks '{title}' {unit or ''}"
        with self.page.expect_navigation():
            row.locator("button").click()
        self.page.wait_for_selector("form.vf-form button[type=submit]")

    def submit_task(self, label: str) -> None:
        """Press the task form's button; it answers with the plan page (a refused form stays open)."""
        with self.page.expect_navigation():
            self.page.click(f"form.vf-form button[type=submit]:has-text('{label}')")
        if self.page.url.endswith("/execute/"):
            errors = self.page.locator("form.vf-form").inner_text()
            raise AssertionError(f"{self.username}: the form was refused: {errors}")
        self.page.wait_for_selector("#plan-state")

    def choose(self, name: str, value: str) -> None:
        self.page.check(f"input[name={name}][value={value}]")

    def shot(self, name: str, *, full_page: bool = True) -> Path:
        path = artifacts_dir() / f"{name}.png"
        self.page.screenshot(path=str(path), full_page=full_page)
        return path

    def horizontal_overflow(self) -> int:
        """How many CSS pixels the page is wider than the window (0: no sideways scrolling)."""
        width = self.page.evaluate("document.documentElement.scrollWidth")
        return max(0, width - self.page.viewport_size["width"])

    def close(self) -> None:
        self.context.close()
