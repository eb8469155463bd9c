"""Shared fixtures: the demo directory, logged-in clients, the seed plan text."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.test import Client

from documents.demo import load_demo

CORPUS = Path(__file__).resolve().parent.parent.parent / "shared" / "corpus"
SEED = CORPUS / "000-seed-ke-hoach-bvmt-2019.txt"


@pytest.fixture
def seed_text() -> str:
    """The seed plan as shipped (not NFC: it mixes decomposed diacritics)."""
    assert SEED.exists(), f"the corpus must be beside the repository: {SEED}"
    return SEED.read_text(encoding="utf-8")


@pytest.fixture
def demo(db) -> None:
    """The demo directory and accounts."""
    load_demo()


@pytest.fixture
def user_of(demo):
    def get(username: str):
        return get_user_model().objects.get(username=username)

    return get


@pytest.fixture
def client_of(user_of):
    """A Django test client logged in as a demo user."""

    def make(username: str) -> Client:
        client = Client()
        client.force_login(user_of(username))
        return client

    return make


@pytest.fixture
def at():
    """`with at(moment):` freezes the clock there (no ticking), for the flow and the sweep alike."""

    def travel(moment: datetime):
        return time_machine.travel(moment, tick=False)

    return travel


@pytest.fixture
def sweep(at, django_capture_on_commit_callbacks):
    """Run the beat's deadline sweep at a moment (deliveries' due times, obligations, reminders),
    with what it hands to Celery delivered eagerly after commit."""
    from notifications import services

    def run(moment: datetime, **kwargs):
        with at(moment), django_capture_on_commit_callbacks(execute=True):
            return services.deadlines_sweep(now=moment, fire_timers=False, **kwargs)

    return run


# The stages before the recipients' branches, as (node, demo user, workflow.services action, form data).
STEPS_TO_DISPATCH = (
    ("submit", "chuyenvien", "submit", {}),
    ("approve", "lanhdao", "decide", {"decision": "approve"}),
    ("register", "vanthu", "register", {}),
    ("dispatch", "vanthu", "dispatch", {}),
)


@pytest.fixture
def seed_plan(user_of, seed_text):
    """The seed plan imported by the demo drafter as a draft of the provincial committee."""
    from documents.demo import PROVINCIAL_COMMITTEE, demo_unit
    from workflow import services as flow

    plan, _ = flow.plan_import_and_start(
        issuer=demo_unit(PROVINCIAL_COMMITTEE), drafter=user_of("chuyenvien"), text=seed_text
    )
    return plan


@pytest.fixture
def advance(user_of):
    """Move a plan through its first tasks as the demo users, up to and including `through`."""
    from workflow import services as flow
    from workflow.flows import PlanFlow

    def run(plan, *, through: str):
        for node_name, username, action_name, data in STEPS_TO_DISPATCH:
            actor = user_of(username)
            task = flow.open_task(plan=plan, node=getattr(PlanFlow, node_name))
            with flow.task_activation(task_id=task.pk, actor=actor) as activation:
                getattr(flow, action_name)(activation=activation, actor=actor, **data)
            if node_name == through:
                break
        plan.refresh_from_db()
        return plan

    return run
