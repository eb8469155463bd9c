"""A registered plan rendered to .docx and PDF in the layout of Nghị định 30/2020/NĐ-CP, Phụ lục I."""

from __future__ import annotations

import datetime as dt
import io
import shutil
import subprocess
import unicodedata
from collections.abc import Iterator
from pathlib import Path

import docx
import pytest
from django.utils import timezone
from docx.document import Document as WordDocument
from docx.oxml.ns import qn
from docx.shared import Pt
from docx.table import Table
from docx.text.paragraph import Paragraph
from pypdf import PdfReader

from documents import services
from documents.demo import DEPARTMENT_TNMT, PROVINCIAL_COMMITTEE, demo_unit, district_committee
from documents.models import Plan, Recipient, Unit, Urgency
from documents.rendering import PlanDocument, RenderingError, fonts, plan_to_docx, plan_to_pdf
from documents.rendering.layout import BodyParagraph, date_words, issuer_heading

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"

SIGNER_TITLE = "TM. Ban Thường trực / Phó Chủ tịch"
SIGNER_NAME = "Trần Văn Hùng"
ISSUE_DATE = dt.date(2019, 12, 10)

# What every rendering of the seed plan, registered as number 1 on 10/12/2019, prints.
EXPECTED_FIELDS = (
    "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
    "Độc lập - Tự do - Hạnh phúc",
    "ỦY BAN MTTQ VIỆT NAM",
    "TỈNH HẢI DƯƠNG",
    "BAN THƯỜNG TRỰC",
    "Số: 01/KH-MTTQ-BTT",
    "Hải Dương, ngày 10 tháng 12 năm 2019",
    "KẾ HOẠCH",
    "Thực hiện nhiệm vụ bảo vệ môi trường năm 2019",
    "Căn cứ quyết định số 4124/QĐ-UBND ngày 25/11/2019 của Uỷ ban nhân dân tỉnh;",
    "I. MỤC ĐÍCH, YÊU CẦU",
    "II. NỘI DUNG THỰC HIỆN",
    "III. TỔ CHỨC THỰC HIỆN",
    "Từ ngày 12 đến ngày 20/12/2019",
    "TM. BAN THƯỜNG TRỰC",
    "PHÓ CHỦ TỊCH",
    SIGNER_NAME,
    "Nơi nhận:",
    "- Sở Tài nguyên và Môi trường tỉnh;",
    "- Ban Thường trực Uỷ ban MTTQ tỉnh;",
    "- Ban Thường trực Uỷ ban MTTQ các huyện, thị xã;",
    "- Lưu: VT.",
)


def _nfc(text: str) -> str:
    return " ".join(unicodedata.normalize("NFC", text).split())


@pytest.fixture
def registered_plan(demo, user_of, seed_text) -> Plan:
    """The seed plan imported, signed, submitted, approved and registered on 10/12/2019."""
    issuer = demo_unit(PROVINCIAL_COMMITTEE)
    plan, _ = services.plan_import(issuer=issuer, drafter=user_of("chuyenvien"), text=seed_text)
    # The seed has no signature block; the drafter's form fills these in.
    Plan.objects.filter(pk=plan.pk).update(signer_title=SIGNER_TITLE, signer_name=SIGNER_NAME)
    services.plan_submit(plan=plan, actor=user_of("chuyenvien"))
    services.plan_approve(plan=plan, actor=user_of("lanhdao"))
    services.plan_register(plan=plan, actor=user_of("vanthu"), issue_date=ISSUE_DATE)
    return Plan.objects.select_related("issuer__parent").get(pk=plan.pk)


@pytest.fixture
def fresh_fonts() -> Iterator[None]:
    """Forget the registered font family before and after the test."""
    fonts.serif_family.cache_clear()
    yield
    fonts.serif_family.cache_clear()


# --- layout ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "words"),
    [
        (dt.date(2019, 12, 10), "ngày 10 tháng 12 năm 2019"),
        (dt.date(2020, 1, 5), "ngày 05 tháng 01 năm 2020"),
        (dt.date(2020, 2, 9), "ngày 09 tháng 02 năm 2020"),
        (dt.date(2020, 3, 15), "ngày 15 tháng 3 năm 2020"),
        (dt.date(2020, 10, 1), "ngày 01 tháng 10 năm 2020"),
    ],
)
def test_date_words_pad_days_below_10_and_months_1_and_2(day, words):
    assert date_words(day) == words


@pytest.mark.django_db
def test_issuer_heading_names_the_managing_body_above_the_issuer(demo):
    # A Front standing board issues under its committee, whatever its parent in the directory.
    assert issuer_heading(district_committee("kim-thanh")) == (
        ("ỦY BAN MTTQ VIỆT NAM", "HUYỆN KIM THÀNH"),
        ("BAN THƯỜNG TRỰC",),
    )
    assert issuer_heading(district_committee("tx-kinh-mon")) == (
        ("ỦY BAN MTTQ VIỆT NAM", "THỊ XÃ KINH MÔN"),
        ("BAN THƯỜNG TRỰC",),
    )
    # Any other body: its parent's name, if it has one, over its own.
    assert issuer_heading(demo_unit(DEPARTMENT_TNMT)) == ((), ("SỞ TÀI NGUYÊN VÀ MÔI TRƯỜNG TỈNH HẢI DƯƠNG",))
    province = Unit(name="Ủy ban nhân dân tỉnh Hải Dương", body=Unit.Body.PEOPLES_COMMITTEE)
    department = Unit(name="Sở Tư pháp", body=Unit.Body.DEPARTMENT, parent=province)
    assert issuer_heading(department) == (("ỦY BAN NHÂN DÂN TỈNH HẢI DƯƠNG",), ("SỞ TƯ PHÁP",))


@pytest.mark.django_db
def test_layout_of_the_registered_seed_plan(registered_plan):
    # when
    document = PlanDocument.from_plan(registered_plan)

    # then
    assert document.parent_body == ("ỦY BAN MTTQ VIỆT NAM", "TỈNH HẢI DƯƠNG")
    assert document.issuer_name == ("BAN THƯỜNG TRỰC",)
    assert document.number_line == "Số: 01/KH-MTTQ-BTT"
    assert document.place_date == "Hải Dương, ngày 10 tháng 12 năm 2019"
    assert document.urgency == ""
    assert (document.national_name, document.motto) == (
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc",
    )
    assert (document.doc_type_name, document.summary) == ("KẾ HOẠCH", "Thực hiện nhiệm vụ bảo vệ môi trường năm 2019")
    assert [p.text for p in document.body if p.heading] == [
        "I. MỤC ĐÍCH, YÊU CẦU",
        "II. NỘI DUNG THỰC HIỆN",
        "III. TỔ CHỨC THỰC HIỆN",
    ]
    assert document.body[0] == BodyParagraph(
        "Căn cứ quyết định số 4124/QĐ-UBND ngày 25/11/2019 của Uỷ ban nhân dân tỉnh;"
    )
    assert document.body[-1].text.startswith("Trên đây là kế hoạch thực hiện nhiệm vụ bảo vệ môi trường năm 2019")
    assert document.signer_title == ("TM. BAN THƯỜNG TRỰC", "PHÓ CHỦ TỊCH")
    assert document.signer_name == SIGNER_NAME
    # The group phrase stands for ten units but is one entry; the archive line is last.
    assert document.recipients == (
        "- Sở Tài nguyên và Môi trường tỉnh;",
        "- Ban Thường trực Uỷ ban MTTQ tỉnh;",
        "- Ban Thường trực Uỷ ban MTTQ các huyện, thị xã;",
        "- Lưu: VT.",
    )
    assert all(unicodedata.is_normalized("NFC", text) for text in document.texts())


@pytest.mark.django_db
def test_layout_leaves_out_removed_recipients_and_keeps_a_written_archive_line(registered_plan):
    # given
    registered_plan.recipients.filter(unit__code="so-tnmt-hai-duong").update(removed_at=timezone.now())
    registered_plan.recipients.filter(purpose="archive").update(phrase="Lưu: VT, BTT.", position=0)
    Recipient.objects.create(plan=registered_plan, position=99, phrase="Lưu trữ lịch sử tỉnh", purpose="information")

    # when
    document = PlanDocument.from_plan(registered_plan)

    # then
    assert document.recipients == (
        "- Ban Thường trực Uỷ ban MTTQ tỉnh;",
        "- Ban Thường trực Uỷ ban MTTQ các huyện, thị xã;",
        "- Lưu trữ lịch sử tỉnh;",
        "- Lưu: VT, BTT.",
    )


@pytest.mark.django_db
def test_unregistered_plan_is_refused(demo, user_of, seed_text):
    plan, _ = services.plan_import(
        issuer=demo_unit(PROVINCIAL_COMMITTEE), drafter=user_of("chuyenvien"), text=seed_text
    )

    with pytest.raises(RenderingError, match="chưa vào sổ"):
        plan_to_pdf(plan)
    with pytest.raises(RenderingError, match="chưa vào sổ"):
        plan_to_docx(plan)


# --- .docx -------------------------------------------------------------------------


def _docx_paragraphs(container: WordDocument | Table) -> Iterator[Paragraph]:
    """Every paragraph in reading order, tables (and tables in cells) included."""
    for block in container.iter_inner_content() if isinstance(container, WordDocument) else [container]:
        if isinstance(block, Paragraph):
            yield block
            continue
        for row in block.rows:
            for cell in row.cells:
                for inner in cell.iter_inner_content():
                    yield from [inner] if isinstance(inner, Paragraph) else _docx_paragraphs(inner)


def _docx_paragraph(paragraphs: list[Paragraph], text: str) -> Paragraph:
    [found] = [p for p in paragraphs if _nfc(p.text) == text]
    return found


@pytest.mark.django_db
def test_docx_has_every_component_in_the_decree_layout(registered_plan):
    # when
    word = docx.Document(io.BytesIO(plan_to_docx(registered_plan)))

    # then: A4 portrait, margins top/bottom 20 mm, left 30 mm, right 15 mm (Phụ lục I, II.1–3)
    section = word.sections[0]
    sizes = (section.page_width, section.page_height)
    margins = (section.top_margin, section.bottom_margin, section.left_margin, section.right_margin)
    assert [round(length.mm) for length in (*sizes, *margins)] == [210, 297, 20, 20, 30, 15]
    assert word.styles["Normal"].font.name == "Times New Roman"
    assert word.styles["Normal"].font.size == Pt(14)

    paragraphs = list(_docx_paragraphs(word))
    texts = [_nfc(p.text) for p in paragraphs if p.text.strip()]
    for field in EXPECTED_FIELDS:
        assert any(field in text for text in texts), field
    assert texts[:5] == [
        "ỦY BAN MTTQ VIỆT NAM",
        "TỈNH HẢI DƯƠNG",
        "BAN THƯỜNG TRỰC",
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc",
    ]
    assert texts[-8:] == [
        "Nơi nhận:",
        "- Sở Tài nguyên và Môi trường tỉnh;",
        "- Ban Thường trực Uỷ ban MTTQ tỉnh;",
        "- Ban Thường trực Uỷ ban MTTQ các huyện, thị xã;",
        "- Lưu: VT.",
        "TM. BAN THƯỜNG TRỰC",
        "PHÓ CHỦ TỊCH",
        SIGNER_NAME,
    ]

    def faces(text: str) -> tuple[bool, bool, float | None]:
        run = _docx_paragraph(paragraphs, text).runs[0]
        return bool(run.bold), bool(run.italic), run.font.size.pt if run.font.size else None

    assert faces("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM") == (True, False, 12.5)
    assert faces("Độc lập - Tự do - Hạnh phúc") == (True, False, 13)
    assert faces("TỈNH HẢI DƯƠNG") == (False, False, 12.5)
    assert faces("BAN THƯỜNG TRỰC") == (True, False, 12.5)
    assert faces("Số: 01/KH-MTTQ-BTT") == (False, False, 13)
    assert faces("Hải Dương, ngày 10 tháng 12 năm 2019") == (False, True, 14)
    assert faces("KẾ HOẠCH") == (True, False, 14)
    assert faces("Thực hiện nhiệm vụ bảo vệ môi trường năm 2019") == (True, False, 14)
    assert faces("II. NỘI DUNG THỰC HIỆN") == (True, False, 14)
    assert faces("2. Công tác tuyên truyền BVMT.") == (False, False, 14)
    assert faces("PHÓ CHỦ TỊCH") == (True, False, 14)
    assert faces(SIGNER_NAME) == (True, False, 14)
    assert faces("Nơi nhận:") == (True, True, 12)
    assert faces("- Lưu: VT.") == (False, False, 11)

    # The header is a borderless two-column table: issuer at the left, the nation at the right.
    header = word.tables[0]
    assert len(header.columns) == 2
    assert _nfc(header.cell(0, 0).text) == "ỦY BAN MTTQ VIỆT NAM TỈNH HẢI DƯƠNG BAN THƯỜNG TRỰC"
    assert _nfc(header.cell(0, 1).text) == "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM Độc lập - Tự do - Hạnh phúc"
    assert _nfc(header.cell(1, 0).text) == "Số: 01/KH-MTTQ-BTT"
    assert _nfc(header.cell(1, 1).text) == "Hải Dương, ngày 10 tháng 12 năm 2019"
    borders = header._tbl.tblPr.find(qn("w:tblBorders"))
    assert [(b.tag.rsplit("}", 1)[1], b.get(qn("w:val"))) for b in borders] == [
        (edge, "nil") for edge in ("top", "left", "bottom", "right", "insideH", "insideV")
    ]


@pytest.mark.django_db
def test_docx_and_pdf_show_the_urgency_mark(registered_plan):
    # given
    Plan.objects.filter(pk=registered_plan.pk).update(urgency=Urgency.VERY_URGENT)
    registered_plan.refresh_from_db()

    # when
    word = docx.Document(io.BytesIO(plan_to_docx(registered_plan)))
    pdf_text = _nfc(PdfReader(io.BytesIO(plan_to_pdf(registered_plan))).pages[0].extract_text())

    # then
    assert "THƯỢNG KHẨN" in [_nfc(p.text) for p in _docx_paragraphs(word)]
    assert "THƯỢNG KHẨN" in pdf_text


# --- PDF -----------------------------------------------------------------------------


def _pdf_fonts(reader: PdfReader) -> dict[str, dict]:
    """Every font of every page by its /BaseFont, with its descriptor."""
    found = {}
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            found[str(font["/BaseFont"])] = font["/FontDescriptor"].get_object()
    return found


@pytest.mark.django_db
def test_pdf_text_has_every_field_with_vietnamese_marks(registered_plan):
    # when
    reader = PdfReader(io.BytesIO(plan_to_pdf(registered_plan)))

    # then
    text = _nfc("\n".join(page.extract_text() for page in reader.pages))
    for field in EXPECTED_FIELDS:
        assert _nfc(field) in text, field
    assert reader.pages[0].mediabox.width == pytest.approx(595.27, abs=0.1)
    assert reader.pages[0].mediabox.height == pytest.approx(841.89, abs=0.1)
    assert reader.metadata.title == "KẾ HOẠCH 01/KH-MTTQ-BTT: Thực hiện nhiệm vụ bảo vệ môi trường năm 2019"


@pytest.mark.django_db
def test_pdf_embeds_its_fonts(registered_plan):
    # when
    reader = PdfReader(io.BytesIO(plan_to_pdf(registered_plan)))

    # then: every font is an embedded TrueType subset of Liberation Serif, no standard-14 font
    used = _pdf_fonts(reader)
    assert used
    for name, descriptor in used.items():
        assert "LiberationSerif" in name, name
        assert "/FontFile2" in descriptor, name
        assert len(descriptor["/FontFile2"].get_object().get_data()) > 1000, name
    assert {name.split("+", 1)[1] for name in used} == {
        "LiberationSerif",
        "LiberationSerif-Bold",
        "LiberationSerif-Italic",
        "LiberationSerif-BoldItalic",
    }


@pytest.mark.django_db
def test_pdf_page_one_as_png_for_a_person_to_look_at(registered_plan, tmp_path):
    # given: poppler-utils is installed by .ci/run; a missing tool fails the test, no skip
    pdftoppm = shutil.which("pdftoppm")
    assert pdftoppm, "pdftoppm is missing: apt-get install -y poppler-utils (see .ci/run)"
    pdf = tmp_path / "plan.pdf"
    pdf.write_bytes(plan_to_pdf(registered_plan))
    ARTIFACTS.mkdir(exist_ok=True)
    png = ARTIFACTS / "plan-01-KH-MTTQ-BTT-page1.png"
    png.unlink(missing_ok=True)

    # when
    subprocess.run(  # noqa: S603 (a fixed tool and our own paths)
        [pdftoppm, "-png", "-r", "100", "-f", "1", "-l", "1", "-singlefile", str(pdf), str(png.with_suffix(""))],
        check=True,
        capture_output=True,
        timeout=60,
    )

    # then: an A4 page at 100 dpi
    header = png.read_bytes()[:24]
    assert header[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = int.from_bytes(header[16:20], "big"), int.from_bytes(header[20:24], "big")
    assert (width, height) == (827, 1170)


@pytest.mark.django_db
def test_pdf_without_the_font_raises_a_clear_error(registered_plan, fresh_fonts, tmp_path, monkeypatch):
    # given: no font directory has the faces
    monkeypatch.setattr(fonts, "FONT_DIRS", (tmp_path,))

    # when / then
    with pytest.raises(RenderingError, match="fonts-liberation2") as error:
        plan_to_pdf(registered_plan)
    assert str(tmp_path / "LiberationSerif-Regular.ttf") in str(error.value)


@pytest.mark.django_db
def test_pdf_refuses_a_font_without_every_vietnamese_letter(registered_plan, fresh_fonts, monkeypatch):
    # given: a letter no Liberation Serif face has (as Liberation 1.07 lacks "ạ", "ệ", …)
    monkeypatch.setattr(fonts, "VIETNAMESE_LETTERS", fonts.VIETNAMESE_LETTERS + "\ue000")

    # when / then
    with pytest.raises(RenderingError, match="thiếu chữ tiếng Việt"):
        plan_to_pdf(registered_plan)


@pytest.mark.django_db
def test_pdf_refuses_text_the_font_cannot_draw(registered_plan):
    # given
    Plan.objects.filter(pk=registered_plan.pk).update(title="Trồng cây 🌳 năm 2019")
    registered_plan.refresh_from_db()

    # when / then
    with pytest.raises(RenderingError, match="không có các ký tự: 🌳"):
        plan_to_pdf(registered_plan)
