"""Shared fixtures: the demo directory, logged-in clients, the seed plan text."""

from __future__ import annotations

from pathlib import Path

import pytest
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
