"""Playwright against Debian's chromium and pytest-django's live server.

The browser is the distribution's (`/usr/bin/chromium`, installed by `.ci/run` with apt-get),
never one downloaded by `playwright install`: a missing one fails every e2e test with a clear
message instead of skipping it. Each demo user works in a browser context of their own, like
people at their own computers; every page of every context is watched, and a test fails on
any JavaScript error, console error, failed request or response of 500 and above.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings

CHROMIUM = Path(os.environ.get("PLANFLOW_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
]
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 360, "height": 740}
TIMEOUT_MS = 15_000


def artifacts_dir() -> Path:
    """Where screenshots go: $PLANFLOW_TEST_ARTIFACTS/e2e (set by `make test`), else test-artifacts/e2e."""
    base = os.environ.get("PLANFLOW_TEST_ARTIFACTS")
    folder = Path(base) / "e2e" if base else Path(settings.BASE_DIR) / "test-artifacts" / "e2e"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


class Problems:
    """What went wrong in the browser; the test asserts `found()` is empty.

    `expect(url_part, status)` allows one response with that status (a 404 page the test asks
    for on purpose) and the console line Chromium writes about it. A download ends its request
    with net::ERR_ABORTED (the page stays where it was): not a failure.
    """

    def __init__(self) -> None:
        self.items: list[str] = []
        self.expected: list[tuple[str, int]] = []
        self.failed_requests: list[tuple[str, str, str]] = []
        self.downloads: set[str] = set()

    def expect(self, url_part: str, status: int) -> None:
        self.expected.append((url_part, status))

    def _is_expected(self, url: str, status: int) -> bool:
        return any(part in url and status == code for part, code in self.expected)

    def found(self) -> list[str]:
        failed = [
            f"{who}: request failed: {what}: {failure}"
            for who, what, failure in self.failed_requests
            if not (failure == "net::ERR_ABORTED" and what.split(" ", 1)[1] in self.downloads)
        ]
        return self.items + failed

    def watch(self, page, who: str) -> None:
        def on_console(message) -> None:
            if message.type != "error":
                return
            status = re.search(r"status of (\d{3})", message.text)
            url = (message.location or {}).get("url", "")
            if status and self._is_expected(url, int(status.group(1))):
                return
            self.items.append(f"{who}: console error on {page.url}: {message.text} ({url})")

        def on_response(response) -> None:
            if response.status >= 500 and not self._is_expected(response.url, response.status):
                self.items.append(f"{who}: HTTP {response.status} for {response.request.method} {response.url}")

        page.on("console", on_console)
        page.on("pageerror", lambda error: self.items.append(f"{who}: JavaScript error on {page.url}: {error}"))
        page.on(
            "requestfailed",
            lambda request: self.failed_requests.append((who, f"{request.method} {request.url}", request.failure)),
        )
        page.on("download", lambda download: self.downloads.add(download.url))
        page.on("response", on_response)


@pytest.fixture(scope="module")
def browser() -> Iterator:
    """Debian's chromium driven by Playwright, one per test module.

    Playwright's synchronous API keeps an asyncio loop open in this thread, which Django takes for
    an async context: DJANGO_ALLOW_ASYNC_UNSAFE lets the test read the database meanwhile (the
    server runs in its own thread). Both are undone when the module ends, so that later tests
    run as before.
    """
    if not CHROMIUM.exists():
        pytest.fail(
            f"{CHROMIUM} not found: the e2e tests drive Debian's chromium "
            "(apt-get install chromium; .ci/run installs it). They never download a browser.",
            pytrace=False,
        )
    from playwright.sync_api import sync_playwright

    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    playwright = sync_playwright().start()
    try:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        yield chromium
        chromium.close()
    finally:
        playwright.stop()
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def problems() -> Iterator[Problems]:
    found = Problems()
    yield found
    assert found.found() == [], "problems in the browser:\n" + "\n".join(found.found())


@pytest.fixture
def e2e_demo(transactional_db):
    """The demo directory in a database the live server shares (transactional: nothing is rolled back)."""
    from documents.demo import load_demo

    load_demo()


def act(plan, node, username: str, action: str, *, unit: str | None = None, **data) -> None:
    """Do a task of `plan` directly (not in the browser) as `username`: the steps a test skips past."""
    from django.contrib.auth import get_user_model

    from workflow import services as flow

    actor = get_user_model().objects.get(username=username)
    delivery = plan.deliveries.get(unit__code=unit) if unit else None
    task = flow.open_task(plan=plan, node=node, delivery=delivery)
    with flow.task_activation(task_id=task.pk, actor=actor) as activation:
        getattr(flow, action)(activation=activation, actor=actor, **data)
