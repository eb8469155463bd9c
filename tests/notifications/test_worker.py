"""Celery behaviour with real parts: a `celery worker` process, Redis as the broker, an SMTP sink.

These run in the PostgreSQL + Redis pass of `make test` (REDIS_URL set). On the SQLite pass
they skip: Celery runs eagerly there, inline in the test, which cannot show redelivery after a
crash, retries with countdowns, or two workers racing.

Each test starts its own worker subprocess (in its own process group, killed in `finally`)
against the test database and Redis db 15 (flushed before and after), and waits with
timeouts, never unbounded.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import datetime, timedelta
from email import message_from_bytes
from email import policy as email_policy
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from config.celery_app import app as celery_app
from documents.demo import load_demo
from documents.models import Delivery, Plan
from notifications.calendar import WorkingCalendar, end_of_day, local_date
from notifications.models import Notification, Obligation, OutboundEmail, Reminder
from notifications.reminders import Policies
from notifications.services.sweep import delivery_due_times_set, obligations_open_new
from notifications.steps import StepClock
from tests.notifications.smtp_sink import SmtpSink

ROOT = Path(__file__).resolve().parents[2]
CELERY = Path(os.environ.get("VIRTUAL_ENV", ROOT / ".venv")) / "bin" / "celery"

pytestmark = [
    pytest.mark.worker,
    pytest.mark.redis,
    pytest.mark.slow,
    pytest.mark.skipif(
        not os.environ.get("REDIS_URL"),
        reason=(
            "needs a real Redis broker and a worker process (REDIS_URL): this pass runs Celery eagerly, "
            "inline in the test, which cannot prove redelivery after a crash, retries or racing workers"
        ),
    ),
    pytest.mark.django_db(transaction=True),
]


# --- plumbing ------------------------------------------------------------------------------------


@pytest.fixture
def broker() -> Iterator[None]:
    """Redis db 15 flushed before and after; this process publishes there instead of running eagerly."""
    import redis

    client = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    client.flushdb()
    eager = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = False
    try:
        yield
    finally:
        celery_app.conf.task_always_eager = eager
        client.flushdb()
        client.close()


def _database_url() -> str:
    db = connection.settings_dict
    if connection.vendor == "postgresql":
        auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
        return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    return f"sqlite:///{db['NAME']}"


@dataclass
class Worker:
    process: subprocess.Popen
    log_path: Path

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")


@contextmanager
def worker(tmp_path: Path, *, smtp_port: int, concurrency: int = 1, name: str = "w") -> Iterator[Worker]:
    """A `celery -A config worker` subprocess on the test database; killed (its whole group) on exit."""
    log_path = tmp_path / f"worker-{name}-{time.monotonic_ns()}.log"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.notifications.worker_settings",
        "DATABASE_URL": _database_url(),
        "CELERY_TASK_ALWAYS_EAGER": "false",
        "PLANFLOW_TEST_SMTP_PORT": str(smtp_port),
        "PYTHONPATH": str(ROOT),
    }
    command = [
        str(CELERY), "-A", "config", "worker", "-l", "info", "-P", "prefork", "-c", str(concurrency),
        "-n", f"{name}-{os.getpid()}@%h", "--without-gossip", "--without-mingle", "--without-heartbeat",
    ]  # fmt: skip
    with log_path.open("wb") as log:
        process = subprocess.Popen(  # noqa: S603 (our own venv's celery, fixed arguments)
            command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
    try:
        wait_for(lambda: b"ready." in log_path.read_bytes() or process.poll() is not None, 60, "worker start")
        assert process.poll() is None, log_path.read_text(errors="replace")[-3000:]
        yield Worker(process, log_path)
    finally:
        kill(process)
        artifacts = os.environ.get("PLANFLOW_TEST_ARTIFACTS")
        if artifacts:
            Path(artifacts, log_path.name).write_bytes(log_path.read_bytes())


def kill(process: subprocess.Popen, sig: int = signal.SIGKILL) -> None:
    """Send `sig` to the worker's process group (the main process and its pool children)."""
    if process.poll() is None:
        with suppress(ProcessLookupError):
            os.killpg(process.pid, sig)
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=20)


def wait_for(condition: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def email_state() -> str | None:
    return OutboundEmail.objects.values_list("state", flat=True).first()


@pytest.fixture
def one_due_reminder(seed_text) -> Obligation:
    """The seed plan dispatched now, with one obligation due for a reminder to one person.

    Gia Lộc's acknowledgement is made overdue (due 3 working days ago); escalation is off for
    the plan, so its one officer (cb-gia-loc) is the only recipient. Every other obligation
    is silent.
    """
    from django.contrib.auth import get_user_model

    from documents.demo import PROVINCIAL_COMMITTEE, demo_unit
    from workflow import services as flow
    from workflow.flows import PlanFlow

    load_demo()
    users = get_user_model().objects.in_bulk(["chuyenvien", "lanhdao", "vanthu"], field_name="username")
    plan, _ = flow.plan_import_and_start(
        issuer=demo_unit(PROVINCIAL_COMMITTEE), drafter=users["chuyenvien"], text=seed_text
    )
    for node, user, action, data in (
        ("submit", "chuyenvien", "submit", {}),
        ("approve", "lanhdao", "decide", {"decision": "approve"}),
        ("register", "vanthu", "register", {}),
        ("dispatch", "vanthu", "dispatch", {}),
    ):
        task = flow.open_task(plan=plan, node=getattr(PlanFlow, node))
        with flow.task_activation(task_id=task.pk, actor=users[user]) as activation:
            getattr(flow, action)(activation=activation, actor=users[user], **data)
    no_escalation = {"escalate_to_unit_leader_from_overdue_day": 0, "escalate_to_issuer_leader_from_overdue_day": 0}
    Plan.objects.filter(pk=plan.pk).update(deadline_overrides={"reminders": no_escalation})
    now = timezone.now()
    # Built by hand below, as the sweep does it: the deliveries' due times, then the obligations (without
    # the new-task notices, tested in test_new_task_notice.py).
    delivery_due_times_set(now=now, calendar=WorkingCalendar(), policies=Policies())
    obligations_open_new(now=now, clock=StepClock(WorkingCalendar()), policies=Policies(), notify=False)
    calendar = WorkingCalendar()
    due_at: datetime = end_of_day(calendar.add_working_days(local_date(now), -3))
    Obligation.objects.update(next_reminder_at=None)
    obligation = Obligation.objects.get(plan=plan, unit__code="mttq-gia-loc")
    Obligation.objects.filter(pk=obligation.pk).update(
        due_at=due_at, opened_at=due_at - timedelta(days=5), next_reminder_at=now - timedelta(minutes=1), last_step=""
    )
    Delivery.objects.filter(pk=obligation.delivery_id).update(acknowledge_due_at=due_at)
    return obligation


def sweep_in_worker() -> None:
    from notifications.tasks import sweep_deadlines_task

    sweep_deadlines_task.apply_async()


def assert_exactly_one_delivered(sink: SmtpSink) -> None:
    assert len(sink.messages) == 1
    assert b"To: cb-gia-loc@planflow.local" in sink.messages[0]
    assert Reminder.objects.count() == 1
    assert list(Notification.objects.values_list("recipient__username", flat=True)) == ["cb-gia-loc"]
    assert OutboundEmail.objects.get().state == OutboundEmail.State.SENT


# --- the tests -------------------------------------------------------------------------------------


def test_a_due_reminder_gives_exactly_one_email_and_one_notification(broker, one_due_reminder, tmp_path):
    with SmtpSink() as sink, worker(tmp_path, smtp_port=sink.port):
        sweep_in_worker()
        wait_for(lambda: email_state() == OutboundEmail.State.SENT, 30, "the e-mail to be sent")
        time.sleep(2)  # room for a duplicate to show up
        assert_exactly_one_delivered(sink)
    email = OutboundEmail.objects.get()
    assert email.attempts == 1
    received = message_from_bytes(sink.messages[0], policy=email_policy.default)
    assert received["Subject"].strip().startswith("[planflow] Kế hoạch số 01/KH-MTTQ-BTT – hạn tiếp nhận hết ngày ")
    assert received["Message-ID"] == email.message_id


def test_sweeps_run_at_once_by_two_worker_processes_and_this_one_still_send_once(broker, one_due_reminder, tmp_path):
    from notifications import services

    with SmtpSink() as sink, worker(tmp_path, smtp_port=sink.port, concurrency=2):
        # two sweeps for the same minute to two pool processes, and a third here, at once
        sweep_in_worker()
        sweep_in_worker()
        services.deadlines_sweep(fire_timers=False)
        wait_for(lambda: email_state() == OutboundEmail.State.SENT, 30, "the e-mail to be sent")
        sweep_in_worker()  # and once more, later in the same minute
        time.sleep(3)
        assert_exactly_one_delivered(sink)


def test_a_worker_killed_in_the_middle_of_sending_sends_exactly_once_after_restart(broker, one_due_reminder, tmp_path):
    # given a mail server that holds the first conversation at DATA
    with SmtpSink(stall_on_data_once=True) as sink:
        with worker(tmp_path, smtp_port=sink.port, name="first") as first:
            sweep_in_worker()
            # when the worker is in the middle of sending, it is SIGKILLed with its pool
            assert sink.state.stalled.wait(30), "the worker never reached the mail server"
            assert Notification.objects.count() == 1  # the in-app part was committed before
            assert email_state() == OutboundEmail.State.SENDING
            kill(first.process, signal.SIGKILL)
        sink.state.release.set()
        assert sink.messages == []

        # then a restarted worker gets the message back from Redis (acks_late) and sends it once
        with worker(tmp_path, smtp_port=sink.port, name="second"):
            wait_for(lambda: email_state() == OutboundEmail.State.SENT, 45, "the e-mail to be sent after restart")
            time.sleep(3)
            assert_exactly_one_delivered(sink)
    email = OutboundEmail.objects.get()
    assert email.attempts == 2  # the killed attempt, and the one that went through


@pytest.mark.parametrize("server", ["refusing", "unreachable"])
def test_a_failing_mail_server_is_retried_with_backoff_then_marked_failed_for_the_admin(
    broker, one_due_reminder, tmp_path, admin_client, server
):
    with SmtpSink(refuse=True) as sink:
        port = sink.port if server == "refusing" else free_port()
        with worker(tmp_path, smtp_port=port) as celery_worker:
            sweep_in_worker()
            wait_for(lambda: email_state() == OutboundEmail.State.FAILED, 45, "the e-mail to be marked failed")
            time.sleep(2)
            log = celery_worker.log()
        # the batch's attempt failed and handed the e-mail over with a backoff countdown; Celery
        # retried it once more with its own backoff; the last attempt gave up
        assert re.search(r"reminder \d+: e-mail goes on alone in \d+ s", log)
        assert len(re.findall(r"send_reminder_task\[[^\]]+\] retry: Retry in \d+s", log)) == 1
        assert "raised unexpected: EmailGaveUp" in log
        email = OutboundEmail.objects.get()
        # three attempts (max_attempts in worker_settings), each one a Celery retry with a countdown
        assert email.attempts == 3
        if server == "refusing":
            assert len(sink.mail_commands) == 3
            assert "SMTPSenderRefused" in email.last_error and "Refused by the test sink" in email.last_error
        else:
            assert sink.mail_commands == []
            assert "ConnectionRefusedError" in email.last_error
        assert "lần 3/3" in email.last_error
    # the in-app notification went out anyway, once
    assert Notification.objects.count() == 1
    page = admin_client.get(reverse("admin:notifications_reminder_changelist") + "?email__state__exact=failed")
    html = page.content.decode()
    assert page.status_code == 200 and "Gửi lỗi" in html and "lần 3/3" in html
