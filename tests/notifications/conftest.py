"""Fixtures of the notifications tests: plans moved through their stages at chosen times, sweeps."""

from __future__ import annotations

from datetime import datetime

import pytest

from config.settings import deadlines as deadline_settings
from notifications.calendar import VN_TZ


def vn(y: int, mo: int, d: int, h: int = 0, mi: int = 0, s: int = 0) -> datetime:
    """An aware local time in Vietnam."""
    return datetime(y, mo, d, h, mi, s, tzinfo=VN_TZ)


@pytest.fixture(autouse=True)
def _default_policy(settings) -> None:
    """The shipped deadline defaults, whatever the environment says; e-mails in memory."""
    settings.PLANFLOW_DEADLINES = deadline_settings.PLANFLOW_DEADLINES
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.PLANFLOW_SITE_URL = "https://planflow.example.vn/"


@pytest.fixture
def act(user_of):
    """Do a task of a plan as a user: `act(plan, "acknowledge", "cb-gia-loc", delivery=d)`."""
    from workflow import services as flow
    from workflow.flows import PlanFlow

    def run(plan, node_name: str, username: str, *, delivery=None, action: str | None = None, **data):
        actor = user_of(username)
        task = flow.open_task(plan=plan, node=getattr(PlanFlow, node_name), delivery=delivery)
        assert task is not None, f"no open {node_name} task"
        with flow.task_activation(task_id=task.pk, actor=actor) as activation:
            return getattr(flow, action or node_name)(activation=activation, actor=actor, **data)

    return run


@pytest.fixture
def december_plan(user_of, seed_text, at, act):
    """The seed plan (reports due Fri 20/12/2019), imported Mon 9/12/2019 08:30 and moved on as
    the demo users: submitted Mon 9/12 09:00, approved Wed 11/12 15:00, registered Thu 12/12
    09:00, dispatched Thu 12/12 10:00 (stops after `through`)."""
    from documents.demo import PROVINCIAL_COMMITTEE, demo_unit
    from workflow import services as flow

    def run(*, through: str = "dispatch", overrides: dict | None = None):
        with at(vn(2019, 12, 9, 8, 30)):
            seed_plan, _ = flow.plan_import_and_start(
                issuer=demo_unit(PROVINCIAL_COMMITTEE), drafter=user_of("chuyenvien"), text=seed_text
            )
        if overrides:
            seed_plan.deadline_overrides = overrides
            seed_plan.save(update_fields=["deadline_overrides"])
        steps = [
            ("submit", "chuyenvien", "submit", {}, vn(2019, 12, 9, 9, 0)),
            ("approve", "lanhdao", "decide", {"decision": "approve"}, vn(2019, 12, 11, 15, 0)),
            ("register", "vanthu", "register", {}, vn(2019, 12, 12, 9, 0)),
            ("dispatch", "vanthu", "dispatch", {}, vn(2019, 12, 12, 10, 0)),
        ]
        for node, user, action, data, moment in steps:
            with at(moment):
                act(seed_plan, node, user, action=action, **data)
            if node == through:
                break
        seed_plan.refresh_from_db()
        return seed_plan

    return run
