"""Vietnamese first: the browser's language does not switch planflow to English; the person's choice does."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_pages_are_vietnamese_even_for_an_english_browser(client_of):
    response = client_of("chuyenvien").get(reverse("plans:list"), HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert response.status_code == 200
    assert response["Content-Language"] == "vi"
    assert '<html lang="vi">' in response.content.decode()


def test_a_person_who_chooses_english_gets_english(client_of):
    client = client_of("chuyenvien")
    chosen = client.post(reverse("set_language"), {"language": "en", "next": reverse("plans:list")})
    assert chosen.status_code == 302

    response = client.get(reverse("plans:list"))
    assert response["Content-Language"] == "en"
