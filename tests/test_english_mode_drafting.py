"""English mode on the import and draft edit pages: recognition warnings and recipient notes.

Warnings are recomputed from the plan's text for each page and read in the page's language;
recipient notes are stored in Vietnamese (the catalog's msgids, language-free) and translated
when shown, so rows written before this change read in English too.
"""

import html
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation

from documents.demo import PROVINCIAL_COMMITTEE, demo_unit
from documents.models import Plan, Recipient
from documents.recognition import RecognitionWarning, recognize
from documents.resolution import (
    NOTE_AMBIGUOUS,
    NOTE_ARCHIVE,
    NOTE_EMPTY_GROUP,
    NOTE_ISSUER,
    NOTE_NOT_FOUND,
    note_text,
)

pytestmark = pytest.mark.django_db

DEADLINE = "Từ ngày 12 đến ngày 20/12/2019"


def _english(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def _text(response) -> str:
    assert response.status_code == 200, response.status_code
    return html.unescape(response.content.decode())


def test_edit_page_shows_the_recognition_warnings_in_english(client_of, seed_plan):
    page = _text(_english(client_of("chuyenvien")).get(reverse("plans:edit", args=[seed_plan.pk])))

    for english in (
        'No "Số:" line (the document\'s number and symbol) was found.',
        "The signer's title was not recognised.",
        # the deadline is a phrase of the document: quoted as written
        f'Line 29: The lead unit for the deadline "{DEADLINE}" is not clear.',
    ):
        assert english in page, english
    for vietnamese in ("Không thấy dòng", "Không nhận ra chức vụ người ký", "Không rõ đơn vị chủ trì"):
        assert vietnamese not in page, vietnamese


def test_edit_page_shows_the_recognition_warnings_in_vietnamese_by_default(client_of, seed_plan):
    page = _text(client_of("chuyenvien").get(reverse("plans:edit", args=[seed_plan.pk])))

    assert f'Dòng 29: Không rõ đơn vị chủ trì của thời hạn "{DEADLINE}".' in page
    assert "Không nhận ra chức vụ người ký." in page
    assert "The signer's title" not in page


def test_a_warning_keeps_its_vietnamese_text_and_reads_in_the_active_language(seed_text):
    warning = next(w for w in recognize(seed_text).warnings if w.field == "deadlines")

    assert warning.text == 'Không rõ đơn vị chủ trì của thời hạn "%(deadline)s".'
    assert warning.params == {"deadline": DEADLINE}
    assert warning.line == 29
    with translation.override("en"):
        assert warning.message == str(warning) == f'The lead unit for the deadline "{DEADLINE}" is not clear.'
    with translation.override("vi"):
        assert warning.message == f'Không rõ đơn vị chủ trì của thời hạn "{DEADLINE}".'
    # the old positional form still builds a warning without placeholders
    assert RecognitionWarning("title", "Không nhận ra trích yếu.", 3).message == "Không nhận ra trích yếu."


@pytest.mark.parametrize(
    ("doc_type", "english"),
    [
        ("CÔNG VĂN", "This document is an official letter (công văn), not a plan: check the file."),
        ("BÁO CÁO", "This document is a report (báo cáo), not a plan: check the file."),
    ],
)
def test_a_document_that_is_not_a_plan_is_named_in_english(doc_type, english):
    text = f"ỦY BAN MTTQ TỈNH HẢI DƯƠNG\nSố: 12/BC-MTTQ\n{doc_type}\nVề việc thử\n\nNội dung.\n"
    warnings = {w.field: w for w in recognize(text).warnings}

    with translation.override("en"):
        assert warnings["doc_type"].message == english


def test_recognition_reads_its_warnings_without_django_settings():
    """documents.recognition stays usable alone (bench/recognition.py): Vietnamese, no error."""
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    code = (
        "from documents.recognition import recognize\n"
        "print('|'.join(w.message for w in recognize('Một đoạn văn bản bất kỳ.').warnings[:2]))\n"
    )
    done = subprocess.run(  # noqa: S603 (our own interpreter, a fixed script)
        [sys.executable, "-c", code],
        cwd=Path(settings.BASE_DIR),
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == (
        'Không thấy dòng "Số:" (số và ký hiệu văn bản).|'
        "Không thấy tên cơ quan ban hành ở góc trái phần đầu văn bản: lấy theo đơn vị soạn thảo."
    )


def test_notes_are_stored_in_vietnamese_even_when_the_drafter_imports_in_english(client_of, seed_text):
    client = _english(client_of("chuyenvien"))

    response = client.post(reverse("plans:import"), {"issuer": demo_unit(PROVINCIAL_COMMITTEE).pk, "text": seed_text})

    assert response.status_code == 302
    plan = Plan.objects.get()
    notes = dict(plan.recipients.exclude(note="").values_list("phrase", "note"))
    assert notes == {"Ban Thường trực Uỷ ban MTTQ tỉnh": NOTE_ISSUER, "Lưu": NOTE_ARCHIVE}
    assert NOTE_ISSUER == "Đơn vị ban hành (bản lưu nội bộ)" and NOTE_ARCHIVE == "Bản lưu, không phát hành"
    page = _text(client.get(response["Location"]))
    assert "The issuing unit (internal archive copy)" in page
    assert "Archive copy, not sent" in page
    assert NOTE_ISSUER not in page and NOTE_ARCHIVE not in page


def test_stored_notes_of_earlier_rows_read_in_english(client_of, seed_plan):
    # given rows as earlier versions stored them: the Vietnamese text, values filled in
    sent = list(seed_plan.recipients.filter(unit__isnull=False).order_by("position"))
    Recipient.objects.filter(pk=sent[0].pk).update(note="Trùng tên với nhiều đơn vị: Sở Y tế; Sở Y tế tỉnh")
    Recipient.objects.filter(pk=sent[1].pk).update(note="Ghi chú viết tay")

    page = _text(_english(client_of("chuyenvien")).get(reverse("plans:edit", args=[seed_plan.pk])))

    assert "Several units have this name: Sở Y tế; Sở Y tế tỉnh" in page
    assert "Trùng tên với nhiều đơn vị" not in page
    assert "Ghi chú viết tay" in page  # a note of no known form is shown as it is


def test_note_text_translates_every_note_a_resolution_writes():
    with translation.override("en"):
        assert [note_text(n) for n in (NOTE_ARCHIVE, NOTE_ISSUER, NOTE_EMPTY_GROUP, NOTE_NOT_FOUND)] == [
            "Archive copy, not sent",
            "The issuing unit (internal archive copy)",
            "No unit of the directory belongs to this group",
            "No such unit in the directory; the clerk has to choose a unit or send it outside the system",
        ]
        ambiguous = NOTE_AMBIGUOUS % {"units": "Sở A; Sở B"}
        assert ambiguous == "Trùng tên với nhiều đơn vị: Sở A; Sở B"
        assert note_text(ambiguous) == "Several units have this name: Sở A; Sở B"
        # Recipient.note keeps 255 characters: a list cut short still reads in English
        assert note_text(ambiguous[:30]) == "Several units have this name: Sở"
        assert note_text("") == ""
    with translation.override("vi"):
        assert note_text(ambiguous) == ambiguous
        assert note_text(NOTE_NOT_FOUND) == NOTE_NOT_FOUND


def test_import_page_refuses_a_file_in_english(client_of):
    client = _english(client_of("chuyenvien"))
    issuer = demo_unit(PROVINCIAL_COMMITTEE).pk

    old_word = SimpleUploadedFile("ke-hoach.doc", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600)

    refused = _text(client.post(reverse("plans:import"), {"issuer": issuer, "upload": old_word}))
    untitled = _text(client.post(reverse("plans:import"), {"issuer": issuer, "text": "Một đoạn văn bản bất kỳ."}))

    assert "Old Word files (.doc, Word 97–2003) cannot be read" in refused
    assert "The plan's summary was not recognised" in untitled
    assert "Tệp Word đời cũ" not in refused and "Không nhận ra trích yếu" not in untitled
    assert not Plan.objects.exists()
