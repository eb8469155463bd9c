"""Download names: an ASCII `filename` for every client plus RFC 6266 `filename*` for the real name.

The rendered plan keeps its Vietnamese name in either language (the document is Vietnamese);
the audit CSV, whose columns follow the reader's language, is named in that language.
"""

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from documents.models import Plan, PlanAttachment
from workflow.downloads import ascii_filename, attachment_disposition

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("name", "fallback"),
    [
        ("Kế hoạch 01-KH-MTTQ-BTT.docx", "Ke hoach 01-KH-MTTQ-BTT.docx"),
        ("Đề án Đổi mới.pdf", "De an Doi moi.pdf"),
        ('Báo cáo "quý 1"; bản\tcuối.xlsx', "Bao cao _quy 1_ ban_cuoi.xlsx"),
        ("Phụ lục\r\nSet-Cookie: x=1.txt", "Phu luc_Set-Cookie_ x_1.txt"),
        ("日本語.pdf", "tep.pdf"),
        ("report.csv", "report.csv"),
    ],
)
def test_ascii_fallback_names(name, fallback):
    assert ascii_filename(name) == fallback


def test_disposition_gives_the_fallback_and_the_real_name():
    assert attachment_disposition("Kế hoạch 01.docx") == (
        "attachment; filename=\"Ke hoach 01.docx\"; filename*=utf-8''K%E1%BA%BF%20ho%E1%BA%A1ch%2001.docx"
    )
    # a plain ASCII name needs no filename*
    assert attachment_disposition("report.csv") == 'attachment; filename="report.csv"'
    # no line break or quote of a name reaches the header
    header = attachment_disposition('a"b\r\nX-Evil: 1.txt')
    assert "\r" not in header and "\n" not in header and header.count('"') == 2


def _english(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def test_attachment_download_names(client_of, seed_plan, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    upload = SimpleUploadedFile("Phụ lục 1.xlsx", b"PK\x03\x04 data")
    client_of("chuyenvien").post(reverse("plans:attachment_add", args=[seed_plan.pk]), {"file": upload})

    download = _english(client_of("chuyenvien")).get(
        reverse("plans:attachment", args=[PlanAttachment.objects.get().pk])
    )

    assert download.status_code == 200
    assert download["Content-Disposition"] == (
        "attachment; filename=\"Phu luc 1.xlsx\"; filename*=utf-8''Ph%E1%BB%A5%20l%E1%BB%A5c%201.xlsx"
    )


@pytest.mark.parametrize("language", ["vi", "en"])
def test_rendered_plan_is_named_for_its_type_and_number_in_vietnamese(client_of, seed_plan, advance, language):
    advance(seed_plan, through="register")
    client = client_of("lanhdao")
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language

    kehoach = client.get(reverse("plans:document", args=[seed_plan.pk, "docx"]))
    Plan.objects.filter(pk=seed_plan.pk).update(doc_type="BC")
    baocao = client.get(reverse("plans:document", args=[seed_plan.pk, "docx"]))

    assert kehoach.status_code == baocao.status_code == 200
    assert kehoach["Content-Disposition"] == (
        'attachment; filename="Ke hoach 01-KH-MTTQ-BTT.docx"; '
        "filename*=utf-8''K%E1%BA%BF%20ho%E1%BA%A1ch%2001-KH-MTTQ-BTT.docx"
    )
    assert baocao["Content-Disposition"].startswith('attachment; filename="Bao cao 01-KH-MTTQ-BTT.docx"; ')
    assert kehoach["Content-Type"] == "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def test_audit_csv_is_named_in_the_readers_language(client_of, seed_plan):
    url = reverse("plans:audit_csv", args=[seed_plan.pk])

    english = _english(client_of("chuyenvien")).get(url)
    vietnamese = client_of("chuyenvien").get(url)

    assert english.status_code == vietnamese.status_code == 200
    assert english["Content-Disposition"] == f'attachment; filename="Audit trail {seed_plan.pk}.csv"'
    assert english.content.decode("utf-8-sig").startswith("No.,Time,")
    quoted = f"Nh%E1%BA%ADt%20k%C3%BD%20{seed_plan.pk}.csv"
    assert vietnamese["Content-Disposition"] == (
        f"attachment; filename=\"Nhat ky {seed_plan.pk}.csv\"; filename*=utf-8''{quoted}"
    )
