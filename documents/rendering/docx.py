"""A plan as a Word document (.docx) in the standard layout (python-docx).

Nghị định 30/2020/NĐ-CP, Phụ lục I, Phần I: A4 portrait (mục II.1–2); margins
top and bottom 20 mm, left 30 mm, right 15 mm (mục II.3); Times New Roman,
Unicode (mục II.4), referenced by name: Word, LibreOffice and the font
substitution of any reader supply it; sizes and faces of each component as
mục III says, noted where each is built; page numbers from page 2 on, centred
in the top margin (mục II.7). The header (ô 1–4, 10b) and the closing block
(ô 7, 9a) are borderless two-column tables, as the decree's own templates are.
"""

from __future__ import annotations

import io

from docx import Document
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt
from docx.table import Table, _Cell
from docx.text.paragraph import Paragraph

from documents.rendering.layout import PlanDocument, RenderingError

FONT = "Times New Roman"
PAGE_WIDTH = Mm(210)
PAGE_HEIGHT = Mm(297)
MARGIN_TOP = Mm(20)
MARGIN_BOTTOM = Mm(20)
MARGIN_LEFT = Mm(30)
MARGIN_RIGHT = Mm(15)
TEXT_WIDTH = PAGE_WIDTH - MARGIN_LEFT - MARGIN_RIGHT
BODY_SIZE = Pt(14)
HEADER_COLUMNS = (int(TEXT_WIDTH * 0.38), int(TEXT_WIDTH * 0.62))
SIGNATURE_COLUMNS = (int(TEXT_WIDTH * 0.5), int(TEXT_WIDTH * 0.5))
RULE_EIGHTHS = 6  # border width in eighths of a point: 0.75 pt, the thin solid line

# Times New Roman widths are only needed to size the short lines under the
# issuer, the motto and the summary; without the PDF font a plain estimate
# (half an em a letter) does.
_ESTIMATED_EM = 0.5


def render_docx(document: PlanDocument) -> bytes:
    """Build the .docx of `document` and return its bytes."""
    word = Document()
    _page_setup(word)
    _header(word, document)
    _type_and_summary(word, document)
    for paragraph in document.body:
        _body_paragraph(word, paragraph.text, bold=paragraph.heading)
    _signature(word, document)
    properties = word.core_properties
    properties.title = document.title
    properties.subject = document.summary
    properties.author = " ".join((*document.parent_body, *document.issuer_name))
    properties.language = "vi-VN"
    buffer = io.BytesIO()
    word.save(buffer)
    return buffer.getvalue()


def _text_width(text: str, *, size: float, bold: bool) -> float:
    """Width in points of `text` in Times New Roman metrics, estimated when the font is absent."""
    from documents.rendering.fonts import text_width

    try:
        return text_width(text, size=size, bold=bold)
    except RenderingError:
        return len(text) * size * _ESTIMATED_EM


def _page_setup(word: Document) -> None:
    """A4 portrait, the decree's margins, Times New Roman 14 pt, Vietnamese, page numbers from page 2."""
    section = word.sections[0]
    section.page_width, section.page_height = PAGE_WIDTH, PAGE_HEIGHT
    section.top_margin, section.bottom_margin = MARGIN_TOP, MARGIN_BOTTOM
    section.left_margin, section.right_margin = MARGIN_LEFT, MARGIN_RIGHT
    section.header_distance = Mm(10)

    normal = word.styles["Normal"]
    normal.font.name = FONT
    normal.font.size = BODY_SIZE
    r_pr = normal.element.get_or_add_rPr()
    fonts = r_pr.get_or_add_rFonts()
    for attribute in ("w:ascii", "w:hAnsi", "w:cs", "w:eastAsia"):
        fonts.set(qn(attribute), FONT)
    language = OxmlElement("w:lang")
    language.set(qn("w:val"), "vi-VN")
    r_pr.append(language)
    normal.paragraph_format.space_before = Pt(0)
    normal.paragraph_format.space_after = Pt(0)
    normal.paragraph_format.line_spacing_rule = WD_LINE_SPACING.SINGLE

    # II.7: numbers from 1 in Arabic digits, centred in the top margin, none on page 1.
    section.different_first_page_header_footer = True
    number = section.header.paragraphs[0]
    number.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _page_field(number)


def _page_field(paragraph: Paragraph) -> None:
    run = paragraph.add_run()
    for kind, text in (("begin", None), (None, "PAGE"), ("separate", None), (None, "2"), ("end", None)):
        if kind:
            element = OxmlElement("w:fldChar")
            element.set(qn("w:fldCharType"), kind)
            run._r.append(element)
        elif text == "PAGE":
            instruction = OxmlElement("w:instrText")
            instruction.set(qn("xml:space"), "preserve")
            instruction.text = " PAGE "
            run._r.append(instruction)
        else:
            value = OxmlElement("w:t")
            value.text = text
            run._r.append(value)


def _line(
    container: Document | _Cell,
    text: str,
    *,
    size: float,
    bold: bool = False,
    italic: bool = False,
    align: WD_ALIGN_PARAGRAPH = WD_ALIGN_PARAGRAPH.CENTER,
    paragraph: Paragraph | None = None,
) -> Paragraph:
    """One paragraph of one run, or fill `paragraph` (a table cell's first one)."""
    paragraph = paragraph if paragraph is not None else container.add_paragraph()
    paragraph.alignment = align
    run = paragraph.add_run(text)
    run.font.size = Pt(size)
    run.bold = bold
    run.italic = italic
    return paragraph


def _rule(container: Document | _Cell, *, width_pt: float, column_emu: int, after: float = 0) -> Paragraph:
    """A centred thin solid line `width_pt` long under the paragraph before it.

    An empty paragraph 4 pt high with a bottom border and indents: the line then
    sits clear of the marks under the line above (ạ, ệ) in Word and LibreOffice alike.
    """
    paragraph = container.add_paragraph()
    indent = max(0, (column_emu - Pt(width_pt)) // 2)
    form = paragraph.paragraph_format
    form.left_indent = form.right_indent = indent
    form.space_after = Pt(after)
    form.line_spacing = Pt(4)
    form.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    borders = OxmlElement("w:pBdr")
    line = OxmlElement("w:bottom")
    for name, value in (("w:val", "single"), ("w:sz", str(RULE_EIGHTHS)), ("w:space", "0"), ("w:color", "000000")):
        line.set(qn(name), value)
    borders.append(line)
    paragraph._p.get_or_add_pPr().append(borders)
    return paragraph


def _borderless(table: Table, widths: tuple[int, ...]) -> None:
    """No borders, fixed column widths, no cell side padding."""
    table.autofit = False
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    properties = table._tbl.tblPr
    borders = OxmlElement("w:tblBorders")
    for edge in ("top", "left", "bottom", "right", "insideH", "insideV"):
        element = OxmlElement(f"w:{edge}")
        element.set(qn("w:val"), "nil")
        borders.append(element)
    properties.append(borders)
    layout = OxmlElement("w:tblLayout")
    layout.set(qn("w:type"), "fixed")
    properties.append(layout)
    margins = OxmlElement("w:tblCellMar")
    for side in ("left", "right"):
        element = OxmlElement(f"w:{side}")
        element.set(qn("w:w"), "0")
        element.set(qn("w:type"), "dxa")
        margins.append(element)
    properties.append(margins)
    for row in table.rows:
        for cell, width in zip(row.cells, widths, strict=True):
            cell.width = width
    for column, width in zip(table.columns, widths, strict=True):
        column.width = width


def _header(word: Document, document: PlanDocument) -> None:
    """Ô 1–4 and 10b: a borderless table, issuer and number at the left, nation and date at the right."""
    table = word.add_table(rows=2, cols=2)
    _borderless(table, HEADER_COLUMNS)
    (left, right), (number_cell, date_cell) = (row.cells for row in table.rows)

    # III.2: parent body upper case 12–13 pt upright; issuing body upper case bold; a line 1/3–1/2 as long.
    first = left.paragraphs[0]
    for line in document.parent_body:
        _line(left, line, size=12.5, paragraph=first)
        first = None
    for line in document.issuer_name:
        _line(left, line, size=12.5, bold=True, paragraph=first)
        first = None
    longest = max(_text_width(line, size=12.5, bold=True) for line in document.issuer_name)
    _rule(left, width_pt=min(longest, HEADER_COLUMNS[0] / Pt(1)) * 0.45, column_emu=HEADER_COLUMNS[0])

    # III.1: national name upper case 12–13 pt bold; motto 13–14 pt bold; a line as long as the motto.
    _line(right, document.national_name, size=12.5, bold=True, paragraph=right.paragraphs[0])
    _line(right, document.motto, size=13, bold=True)
    _rule(right, width_pt=_text_width(document.motto, size=13, bold=True), column_emu=HEADER_COLUMNS[1])

    # III.3: "Số:" and the symbol 13 pt upright. III.10: urgency upper case bold, in a frame.
    number = _line(number_cell, document.number_line, size=13, paragraph=number_cell.paragraphs[0])
    number.paragraph_format.space_before = Pt(4)
    number.paragraph_format.space_after = Pt(4)
    if document.urgency:
        width = int(Pt(_text_width(document.urgency, size=13, bold=True) + 14))
        mark = number_cell.add_table(rows=1, cols=1)
        mark.style = word.styles["Table Grid"]
        mark.alignment = WD_TABLE_ALIGNMENT.CENTER
        mark.autofit = False
        mark.columns[0].width = mark.cell(0, 0).width = width
        _line(mark.cell(0, 0), document.urgency, size=13, bold=True, paragraph=mark.cell(0, 0).paragraphs[0])

    # III.4: place and date 13–14 pt italic, centred under the motto.
    date = _line(date_cell, document.place_date, size=14, italic=True, paragraph=date_cell.paragraphs[0])
    date.paragraph_format.space_before = Pt(4)


def _type_and_summary(word: Document, document: PlanDocument) -> None:
    """Ô 5a: type name upper case 14 pt bold, summary 14 pt bold, a line 1/3–1/2 as long (III.5)."""
    kind = _line(word, document.doc_type_name, size=14, bold=True)
    kind.paragraph_format.space_before = Pt(18)
    _line(word, document.summary, size=14, bold=True)
    width = min(_text_width(document.summary, size=14, bold=True), TEXT_WIDTH / Pt(1)) * 0.4
    _rule(word, width_pt=width, column_emu=TEXT_WIDTH, after=12)


def _body_paragraph(word: Document, text: str, *, bold: bool) -> None:
    """III.6: 14 pt, justified, first line indented 1 cm, 6 pt between paragraphs, 1.15 lines."""
    paragraph = _line(word, text, size=14, bold=bold, align=WD_ALIGN_PARAGRAPH.JUSTIFY)
    form = paragraph.paragraph_format
    form.first_line_indent = Mm(10)
    form.space_after = Pt(6)
    form.line_spacing = 1.15


def _signature(word: Document, document: PlanDocument) -> None:
    """Ô 9a at the left, ô 7a–7b at the right; "Nơi nhận" level with the title's first line (III.7, III.9)."""
    table = word.add_table(rows=1, cols=2)
    _borderless(table, SIGNATURE_COLUMNS)
    left, right = table.rows[0].cells
    # III.9: "Nơi nhận:" 12 pt bold italic; entries 11 pt upright at the left margin.
    label = _line(left, document.recipients_label, size=12, bold=True, italic=True, paragraph=left.paragraphs[0])
    label.alignment = WD_ALIGN_PARAGRAPH.LEFT
    label.paragraph_format.space_before = Pt(6)
    for entry in document.recipients:
        _line(left, entry, size=11, align=WD_ALIGN_PARAGRAPH.LEFT)
    # III.7: authority and title upper case 14 pt bold; the name 14 pt bold, under the signature space.
    first = right.paragraphs[0]
    first.paragraph_format.space_before = Pt(6)
    for line in document.signer_title:
        _line(right, line, size=14, bold=True, paragraph=first)
        first = None
    if document.signer_name:
        for _ in range(4):
            right.add_paragraph()
        _line(right, document.signer_name, size=14, bold=True)
    word.paragraphs[-1].paragraph_format.keep_with_next = True
