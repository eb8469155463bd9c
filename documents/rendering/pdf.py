"""A plan as a PDF in the standard layout, with its serif font embedded (ReportLab).

Nghị định 30/2020/NĐ-CP, Phụ lục I, Phần I: A4 portrait (mục II.1–2); margins
top and bottom 20 mm, left 30 mm, right 15 mm (mục II.3, the lower ends of
20–25, 30–35 and 15–20 mm); Times New Roman metrics (mục II.4, see `fonts`);
sizes and faces of each component as mục III says, noted where each is built;
page numbers from page 2 on, centred in the top margin (mục II.7).

The font is Liberation Serif 2 (`fonts.FONT_DIRS`); ReportLab embeds the subset
of glyphs used as TrueType (/FontFile2) with a ToUnicode map, so the text can be
searched and copied. Text is NFC (see `layout`), so precomposed Vietnamese
letters need no shaping.
"""

from __future__ import annotations

import io
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_JUSTIFY, TA_LEFT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable, KeepTogether, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle
from reportlab.platypus.flowables import HRFlowable

from documents.rendering.fonts import FontFamily, serif_family, text_width
from documents.rendering.layout import PlanDocument, RenderingError

PAGE_SIZE = A4
MARGIN_TOP = 20 * mm
MARGIN_BOTTOM = 20 * mm
MARGIN_LEFT = 30 * mm
MARGIN_RIGHT = 15 * mm
TEXT_WIDTH = PAGE_SIZE[0] - MARGIN_LEFT - MARGIN_RIGHT

BODY_SIZE = 14
# The header's left column (ô 2, 3, 10b) and right column (ô 1, 4), as the
# decree's diagram draws them: the national name fits the right one on one line.
HEADER_COLUMNS = (0.38 * TEXT_WIDTH, 0.62 * TEXT_WIDTH)
# Nơi nhận (ô 9a) at the left, the signature (ô 7) at the right.
SIGNATURE_COLUMNS = (0.5 * TEXT_WIDTH, 0.5 * TEXT_WIDTH)
RULE = 0.6  # points, the thin solid line under the issuer, the motto and the summary


def render_pdf(document: PlanDocument) -> bytes:
    """Lay `document` out on A4 pages and return the PDF; raises RenderingError.

    Raises RenderingError when the font is missing or lacks a character the
    document uses (rather than printing an empty box in an official document).
    """
    family = serif_family()
    missing = family.missing_glyphs("".join(document.texts()))
    if missing:
        raise RenderingError(f"Phông chữ {family.directory} không có các ký tự: {missing}")
    styles = _Styles(family)
    buffer = io.BytesIO()
    template = SimpleDocTemplate(
        buffer,
        pagesize=PAGE_SIZE,
        leftMargin=MARGIN_LEFT,
        rightMargin=MARGIN_RIGHT,
        topMargin=MARGIN_TOP,
        bottomMargin=MARGIN_BOTTOM,
        title=document.title,
        author=" ".join((*document.parent_body, *document.issuer_name)),
        subject=document.summary,
        creator="planflow",
        lang="vi-VN",
        invariant=True,  # no timestamp or random id: the same plan gives the same bytes
        # Each page's initial font is ours too, or ReportLab names Helvetica there, unembedded.
        initialFontName=family.regular,
        initialFontSize=BODY_SIZE,
    )

    def number_page(canvas: Canvas, doc: SimpleDocTemplate) -> None:
        canvas.setFont(family.regular, BODY_SIZE)
        canvas.drawCentredString(MARGIN_LEFT + TEXT_WIDTH / 2, PAGE_SIZE[1] - MARGIN_TOP / 2 - 4, str(doc.page))

    story = [
        _header(document, styles),
        Spacer(1, 10),
        *_type_and_summary(document, styles),
        *(_paragraph(p.text, styles.heading if p.heading else styles.body) for p in document.body),
        Spacer(1, 10),
        _signature(document, styles),
    ]
    template.build(story, onLaterPages=number_page)
    return buffer.getvalue()


class _Styles:
    """Paragraph styles of each component (sizes from Phụ lục I, Phần I, mục III)."""

    def __init__(self, family: FontFamily) -> None:
        self.family = family

        def style(name: str, font: str, size: float, **options: object) -> ParagraphStyle:
            settings: dict[str, object] = {"leading": size * 1.2, "alignment": TA_CENTER, **options}
            return ParagraphStyle(name, fontName=font, fontSize=size, **settings)

        # III.1: national name in upper case 12–13 pt bold; motto 13–14 pt bold.
        self.national_name = style("national_name", family.bold, 12.5)
        self.motto = style("motto", family.bold, 13)
        # III.2: parent body upright, issuing body bold, both upper case 12–13 pt.
        self.parent_body = style("parent_body", family.regular, 12.5)
        self.issuer_name = style("issuer_name", family.bold, 12.5)
        # III.3: "Số" and the symbol 13 pt upright. III.4: place and date 13–14 pt italic.
        self.number = style("number", family.regular, 13)
        self.place_date = style("place_date", family.italic, 14)
        # III.10: urgency in upper case 13–14 pt bold.
        self.urgency = style("urgency", family.bold, 13)
        # III.5: type name in upper case 13–14 pt bold; summary 14 pt bold.
        self.doc_type = style("doc_type", family.bold, 14)
        self.summary = style("summary", family.bold, 14)
        # III.6: body 13–14 pt, justified, first line indented 1–1.27 cm, at least
        # 6 pt between paragraphs, line spacing from single to 1.5 lines.
        self.body = style(
            "body",
            family.regular,
            BODY_SIZE,
            alignment=TA_JUSTIFY,
            firstLineIndent=10 * mm,
            spaceAfter=6,
            leading=BODY_SIZE * 1.25,
        )
        self.heading = ParagraphStyle("heading", parent=self.body, fontName=family.bold)
        # III.7: authority and title upper case 13–14 pt bold; name 13–14 pt bold.
        self.signer_title = style("signer_title", family.bold, 14)
        self.signer_name = style("signer_name", family.bold, 14)
        # III.9: "Nơi nhận:" 12 pt bold italic; entries 11 pt upright, at the left margin.
        self.recipients_label = style("recipients_label", family.bold_italic, 12, alignment=TA_LEFT)
        self.recipient = style("recipient", family.regular, 11, alignment=TA_LEFT, leading=13)


def _paragraph(text: str, style: ParagraphStyle) -> Paragraph:
    return Paragraph(escape(text), style)


def _table_style(styles: _Styles, *commands: tuple) -> TableStyle:
    """Table commands; cells centre what is narrower than them (the lines, the urgency frame) and use
    our font (ReportLab's default, Helvetica, would be named in the PDF, unembedded)."""
    return TableStyle(
        [("FONTNAME", (0, 0), (-1, -1), styles.family.regular), ("ALIGN", (0, 0), (-1, -1), "CENTER"), *commands]
    )


def _rule(width: float, *, before: float = 4, after: float = 2) -> HRFlowable:
    """A thin solid centred line `width` long, clear of the marks under the line above (ạ, ệ)."""
    return HRFlowable(
        width=width,
        thickness=RULE,
        color=colors.black,
        spaceBefore=before,
        spaceAfter=after,
        hAlign="CENTER",
        lineCap="butt",
    )


def _header(document: PlanDocument, styles: _Styles) -> Table:
    """Ô 1–4 and 10b as a borderless two-column table."""
    left: list[Flowable] = [_paragraph(line, styles.parent_body) for line in document.parent_body]
    left += [_paragraph(line, styles.issuer_name) for line in document.issuer_name]
    # III.2: a line under the issuing body, 1/3 to 1/2 of its length, centred.
    longest = max(text_width(line, size=styles.issuer_name.fontSize, bold=True) for line in document.issuer_name)
    left.append(_rule(min(longest, HEADER_COLUMNS[0]) * 0.45))

    right: list[Flowable] = [
        _paragraph(document.national_name, styles.national_name),
        _paragraph(document.motto, styles.motto),
        # III.1: a line under the motto as long as the motto.
        _rule(text_width(document.motto, size=styles.motto.fontSize, bold=True)),
    ]

    number: list[Flowable] = [_paragraph(document.number_line, styles.number)]
    if document.urgency:
        # III.10: the urgency mark in a single-line rectangular frame, under the number.
        mark_width = text_width(document.urgency, size=styles.urgency.fontSize, bold=True) + 12
        mark = Table([[_paragraph(document.urgency, styles.urgency)]], colWidths=[mark_width], hAlign="CENTER")
        mark.setStyle(_table_style(styles, ("BOX", (0, 0), (-1, -1), 0.8, colors.black)))
        number += [Spacer(1, 6), mark]
    date = [_paragraph(document.place_date, styles.place_date)]

    table = Table([[left, right], [number, date]], colWidths=HEADER_COLUMNS)
    table.setStyle(
        _table_style(
            styles,
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("LEFTPADDING", (0, 0), (-1, -1), 0),
            ("RIGHTPADDING", (0, 0), (-1, -1), 0),
            ("TOPPADDING", (0, 0), (-1, -1), 0),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
            ("TOPPADDING", (0, 1), (-1, 1), 4),
        )
    )
    return table


def _type_and_summary(document: PlanDocument, styles: _Styles) -> list[Flowable]:
    """Ô 5a: the type name, the summary under it, and a short line under the summary."""
    summary_width = min(text_width(document.summary, size=styles.summary.fontSize, bold=True), TEXT_WIDTH)
    return [
        Spacer(1, 8),
        _paragraph(document.doc_type_name, styles.doc_type),
        _paragraph(document.summary, styles.summary),
        # III.5: the line under the summary is 1/3 to 1/2 of its length, centred.
        _rule(summary_width * 0.4, after=14),
    ]


def _signature(document: PlanDocument, styles: _Styles) -> Flowable:
    """Ô 9a (Nơi nhận) at the left and ô 7a–7b (title, signature space, name) at the right.

    III.9: "Nơi nhận" stands level with the first line of the signer's title.
    """
    left: list[Flowable] = [_paragraph(document.recipients_label, styles.recipients_label)]
    left += [_paragraph(line, styles.recipient) for line in document.recipients]
    right: list[Flowable] = [_paragraph(line, styles.signer_title) for line in document.signer_title]
    if document.signer_name:
        right += [Spacer(1, 80), _paragraph(document.signer_name, styles.signer_name)]
    table = Table([[left, right]], colWidths=SIGNATURE_COLUMNS)
    table.setStyle(
        _table_style(
            styles,
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("LEFTPADDING", (0, 0), (-1, -1), 0),
            ("RIGHTPADDING", (0, 0), (-1, -1), 0),
            ("TOPPADDING", (0, 0), (-1, -1), 0),
        )
    )
    return KeepTogether([table])
