"""The components of a plan laid out as Nghị định 30/2020/NĐ-CP, Phụ lục I prescribes.

`PlanDocument.from_plan(plan)` reads a registered plan once and holds every
component of the standard layout (thể thức văn bản, Phụ lục I, Phần I, mục I),
already worded as it is printed: upper case where the decree says "in hoa",
numbers and dates written as the decree writes them, text in Unicode NFC. The
.docx and PDF renderers only place these strings; neither reads the plan.

Positions (ô số) follow the layout diagram of Phụ lục I, Phần I, mục IV:

    ┌ ô 2: parent body / ISSUING BODY ┐ ┌ ô 1: national name / motto ┐
    │ ô 3: Số: 01/KH-MTTQ-BTT          │ │ ô 4: place, date line       │
    │ ô 10b: urgency mark              │ └─────────────────────────────┘
    └──────────────────────────────────┘
                ô 5a: KẾ HOẠCH / summary
                ô 6: body
    ┌ ô 9a: Nơi nhận ┐                 ┌ ô 7a–7b: signer title / name ┐
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from documents.models import Plan, Recipient, Unit


class RenderingError(Exception):
    """A plan cannot be rendered: not registered yet, an unknown type, or a missing font.

    `str(error)` is a message in Vietnamese for the user or the operator.
    """


NATIONAL_NAME = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
MOTTO = "Độc lập - Tự do - Hạnh phúc"
RECIPIENTS_LABEL = "Nơi nhận:"

# Tên loại văn bản by the abbreviation used in the number and symbol
# (Nghị định 30/2020/NĐ-CP, Phụ lục III). A Công văn ("CV") has no type line but a
# "V/v" summary under its number: a different layout, not rendered here.
DOC_TYPE_NAMES: dict[str, str] = {
    "KH": "KẾ HOẠCH",
    "BC": "BÁO CÁO",
    "TB": "THÔNG BÁO",
    "HD": "HƯỚNG DẪN",
    "CTr": "CHƯƠNG TRÌNH",
    "PA": "PHƯƠNG ÁN",
    "ĐA": "ĐỀ ÁN",
    "QĐ": "QUYẾT ĐỊNH",
}

# Dấu chỉ độ khẩn: "HỎA TỐC", "THƯỢNG KHẨN", "KHẨN", in hoa, đứng, đậm, in a
# single-line frame (Phụ lục I, Phần I, mục III.10).
URGENCY_MARKS: dict[str, str] = {
    "khan": "KHẨN",
    "thuong_khan": "THƯỢNG KHẨN",
    "hoa_toc": "HỎA TỐC",
}

# The Vietnamese word for each kind of area, as written before its name in a
# heading ("TỈNH HẢI DƯƠNG", "HUYỆN KIM THÀNH"). Kept here rather than read from
# `Unit.AreaKind` labels, which are translated with the active language.
_AREA_WORDS: dict[str, str] = {
    "tinh": "tỉnh",
    "thanh_pho_tw": "thành phố",
    "thanh_pho": "thành phố",
    "thi_xa": "thị xã",
    "huyen": "huyện",
    "quan": "quận",
    "xa": "xã",
    "phuong": "phường",
    "thi_tran": "thị trấn",
}

_STANDING_BOARD = "ban thường trực "
_ROMAN_HEADING = re.compile(r"^[IVXLC]+\.\s")
# "Lưu", "Lưu: VT, BTT", "Lưu VT" — not "Lưu trữ tỉnh", which is an addressee.
_ARCHIVE = re.compile(r"^lưu(?:\s*:\s*(?P<rest>.*)|\s+(?P<vt>vt\b.*))?$", re.IGNORECASE)


def nfc(text: str) -> str:
    """`text` in Unicode NFC with runs of white space made one space and the ends trimmed."""
    return " ".join(unicodedata.normalize("NFC", text).split())


@dataclass(frozen=True)
class BodyParagraph:
    """One paragraph of the body (ô 6): its text, and whether it is a section heading.

    A heading is a line numbered with a Roman numeral ("I. MỤC ĐÍCH, YÊU CẦU");
    Phụ lục I, Phần I, mục III.6 prints the number and title of a mục in bold.
    """

    text: str
    heading: bool = False


@dataclass(frozen=True)
class PlanDocument:
    """Every component of a plan's standard layout, worded as printed.

    Shapes (the seed plan registered as number 1 on 10 December 2019):
        parent_body     ("ỦY BAN MTTQ VIỆT NAM", "TỈNH HẢI DƯƠNG")   ô 2, upright
        issuer_name     ("BAN THƯỜNG TRỰC",)                          ô 2, bold
        number_line     "Số: 01/KH-MTTQ-BTT"                          ô 3
        urgency         "" or "KHẨN" / "THƯỢNG KHẨN" / "HỎA TỐC"      ô 10b
        national_name   "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"          ô 1, bold
        motto           "Độc lập - Tự do - Hạnh phúc"                 ô 1, bold
        place_date      "Hải Dương, ngày 10 tháng 12 năm 2019"        ô 4, italic
        doc_type_name   "KẾ HOẠCH"                                    ô 5a, bold
        summary         "Thực hiện nhiệm vụ bảo vệ môi trường năm 2019" ô 5a, bold
        body            (BodyParagraph("I. MỤC ĐÍCH, YÊU CẦU", heading=True), …)  ô 6
        signer_title    ("TM. BAN THƯỜNG TRỰC", "PHÓ CHỦ TỊCH")       ô 7a, bold
        signer_name     "Trần Văn Hùng"                               ô 7b, bold
        recipients      ("- Sở Tài nguyên và Môi trường tỉnh;", …, "- Lưu: VT.")  ô 9a
    """

    parent_body: tuple[str, ...]
    issuer_name: tuple[str, ...]
    number_line: str
    place_date: str
    doc_type_name: str
    summary: str
    body: tuple[BodyParagraph, ...]
    signer_title: tuple[str, ...]
    signer_name: str
    recipients: tuple[str, ...]
    urgency: str = ""
    national_name: str = NATIONAL_NAME
    motto: str = MOTTO
    recipients_label: str = RECIPIENTS_LABEL
    title: str = field(default="", compare=False)

    @classmethod
    def from_plan(cls, plan: Plan) -> PlanDocument:
        """Lay out a registered plan; raises RenderingError when it has no number or date yet.

        Reads `plan.issuer` (and its parent) and the plan's recipients that were
        not removed, in position order: two queries at most.
        """
        if not plan.number_symbol or plan.issue_date is None:
            raise RenderingError(
                "Kế hoạch chưa vào sổ (chưa có số, ký hiệu và ngày ban hành): chưa in được theo thể thức."
            )
        doc_type_name = DOC_TYPE_NAMES.get(plan.doc_type)
        if doc_type_name is None:
            raise RenderingError(f"Chưa có mẫu trình bày cho loại văn bản “{plan.doc_type}”.")
        issuer = plan.issuer
        parent_body, issuer_name = issuer_heading(issuer)
        place = nfc(plan.place) or nfc(issuer.area_name) or nfc(issuer.province)
        if not place:
            raise RenderingError(f"Chưa có địa danh của {issuer.name}: hãy điền địa danh của kế hoạch.")
        recipients = plan.recipients.filter(removed_at__isnull=True).order_by("position", "id")
        summary = nfc(plan.title)
        return cls(
            parent_body=parent_body,
            issuer_name=issuer_name,
            number_line=f"Số: {nfc(plan.number_symbol)}",
            place_date=f"{place}, {date_words(plan.issue_date)}",
            urgency=URGENCY_MARKS.get(plan.urgency, ""),
            doc_type_name=doc_type_name,
            summary=summary,
            body=body_paragraphs(plan.body, legal_basis=plan.legal_basis),
            signer_title=signer_title_lines(plan.signer_title),
            signer_name=nfc(plan.signer_name),
            recipients=recipient_lines(recipients),
            title=f"{doc_type_name} {nfc(plan.number_symbol)}: {summary}",
        )

    def texts(self) -> list[str]:
        """Every string printed on the page, in reading order (for glyph checks and tests)."""
        return [
            *self.parent_body,
            *self.issuer_name,
            self.number_line,
            self.urgency,
            self.national_name,
            self.motto,
            self.place_date,
            self.doc_type_name,
            self.summary,
            *(p.text for p in self.body),
            self.recipients_label,
            *self.recipients,
            *self.signer_title,
            self.signer_name,
        ]


def issuer_heading(unit: Unit) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The parent body's lines and the issuing body's lines of ô 2, in upper case.

    Phụ lục I, Phần I, mục III.2: the name of the direct managing body (tên cơ quan
    chủ quản trực tiếp) above the name of the issuing body, both in upper case.

    A Front standing board ("Ban Thường trực Ủy ban MTTQ tỉnh Hải Dương") issues in
    the name of its committee, as the Front writes its own documents:
    ("ỦY BAN MTTQ VIỆT NAM", "TỈNH HẢI DƯƠNG") over ("BAN THƯỜNG TRỰC",). Its
    `parent` in the directory is the upper-level committee, which is not its
    managing body, so it is not used. Any other unit: its `parent`'s name (if
    any) over its own name.
    """
    name = nfc(unit.name)
    if unit.body == "mttq" and name.lower().startswith(_STANDING_BOARD):
        area_word = _AREA_WORDS.get(unit.area_kind, "")
        area = nfc(f"{area_word} {unit.area_name}")
        parent = ("ỦY BAN MTTQ VIỆT NAM", area.upper()) if area else (name[len(_STANDING_BOARD) :].upper(),)
        return parent, ("BAN THƯỜNG TRỰC",)
    parent_unit = unit.parent
    parent = (nfc(parent_unit.name).upper(),) if parent_unit is not None else ()
    return parent, (name.upper(),)


def date_words(day: dt.date) -> str:
    """`ngày 05 tháng 01 năm 2020` for a date, as Phụ lục I, Phần I, mục I.4 writes it.

    Days below 10 and the months 1 and 2 get a leading zero; other months do not
    ("ngày 15 tháng 3 năm 2020", "ngày 10 tháng 12 năm 2019").
    """
    month = f"{day.month:02d}" if day.month <= 2 else str(day.month)
    return f"ngày {day.day:02d} tháng {month} năm {day.year}"


def body_paragraphs(body: str, *, legal_basis: Iterable[str] = ()) -> tuple[BodyParagraph, ...]:
    """Split the body into paragraphs, one a line; blank lines are dropped.

    Lines numbered with a Roman numeral ("I.", "II.") are the headings of mục and
    are printed bold (Phụ lục I, Phần I, mục III.6). The legal basis (căn cứ) opens
    the content of the document (Phụ lục I, Phần I, mục I.6); import keeps it apart
    from the body, so each item becomes a paragraph "Căn cứ …;" before it, unless
    the body already opens with "Căn cứ".
    """
    paragraphs = []
    for line in unicodedata.normalize("NFC", body).splitlines():
        text = nfc(line)
        if text:
            paragraphs.append(BodyParagraph(text, heading=bool(_ROMAN_HEADING.match(text))))
    if paragraphs and paragraphs[0].text.lower().startswith("căn cứ"):
        return tuple(paragraphs)
    basis = []
    for item in legal_basis:
        text = nfc(str(item)).rstrip(";,. ")
        if text:
            text = text if text.lower().startswith("căn cứ") else f"Căn cứ {text}"
            basis.append(BodyParagraph(f"{text};"))
    return (*basis, *paragraphs)


def signer_title_lines(signer_title: str) -> tuple[str, ...]:
    """The authority and title lines of ô 7a in upper case: "TM. BAN THƯỜNG TRỰC / PHÓ CHỦ TỊCH".

    Lines are separated by " / " or a line break (Phụ lục I, Phần I, mục III.7:
    quyền hạn và chức vụ in hoa, đứng, đậm).
    """
    parts = re.split(r"\s+/\s+|\n", unicodedata.normalize("NFC", signer_title))
    return tuple(nfc(part).upper() for part in parts if nfc(part))


def recipient_lines(recipients: Iterable[Recipient]) -> tuple[str, ...]:
    """The entries of ô 9a: "- <phrase>;" in order, then the archive line "- Lưu: VT…." last.

    Phụ lục I, Phần I, mục III.9: each entry on its own line, a dash at the left
    margin and a semicolon at its end; the last line is "Lưu" and a colon, "VT",
    a comma and the drafting unit's abbreviation, ending with a full stop. A group
    phrase resolved to many units is one entry; a bare "Lưu" becomes "Lưu: VT.";
    a plan without an archive row still gets "- Lưu: VT.".
    """
    from documents.models import Purpose

    entries: list[str] = []
    archive = ""
    for recipient in recipients:
        phrase = nfc(recipient.phrase).lstrip("-–+• ").rstrip(";.,: ")
        if not phrase:
            continue
        archived = _ARCHIVE.match(phrase)
        if recipient.purpose == Purpose.ARCHIVE or archived:
            if not archive:
                rest = (archived.group("rest") or archived.group("vt") or "").strip() if archived else ""
                archive = f"- Lưu: {rest or 'VT'}."
            continue
        line = f"- {phrase};"
        if line not in entries:
            entries.append(line)
    return (*entries, archive or "- Lưu: VT.")
