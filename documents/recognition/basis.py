"""Legal basis (căn cứ ban hành): the instruments a plan cites in its preamble.

Nghị định 30/2020/NĐ-CP, Phụ lục I writes one "Căn cứ …;" per instrument, but
real preambles also run several instruments into one paragraph ("Căn cứ Luật …
ngày …; Luật … và Luật …; Chỉ thị …"), start with "Thực hiện …", or cite
"căn cứ" in the middle of a sentence. Each instrument is cut down to its type,
name (laws), number, date and issuer as written; its subject ("về việc …",
"quy định …", "ban hành …") is dropped, and instruments named inside a subject,
inside parentheses (amending acts) or inside quotes are not separate items.
"""

from __future__ import annotations

import re

from documents.recognition.dates import make_date
from documents.recognition.layout import Para
from documents.recognition.model import BasisItem
from documents.recognition.normalize import collapse

# Instrument types that need a number to count (an unnumbered "chương trình công tác" is not a basis).
_TYPES = (
    r"Nghị quyết liên tịch|Thông tư liên tịch|Nghị quyết|Nghị định|Quyết định|Chỉ thị|Thông tư|Thông tri|"
    r"Kế hoạch|Hướng dẫn|Công văn|Văn bản|Thông báo|Kết luận|Quy định|Quy chế|Chương trình|Đề án|Công điện|"
    r"Pháp lệnh|Lệnh|Sắc lệnh|Báo cáo"
)
# Laws keep their name even without number or date (corpus/README.md, legal_basis).
_LAWS = r"Bộ luật|Luật|Hiến pháp"
_START = re.compile(rf"(?P<type>{_LAWS}|{_TYPES})\b", re.IGNORECASE)
_LAW = re.compile(rf"^(?:{_LAWS})$", re.IGNORECASE)
# Where an instrument may start inside a clause: after the opening verb, "tại", "bởi" or a mid-sentence "căn cứ".
_LEAD = re.compile(r"\s*(?:(?:Căn cứ|Thực hiện|Theo)\s+)?", re.IGNORECASE)
_INNER_LEAD = re.compile(rf"\b(?:căn cứ|tại|bởi)\s+(?=(?:{_LAWS}|{_TYPES})\b)", re.IGNORECASE)
# Between two instruments: "và", ", ", "và được sửa đổi, bổ sung (một số điều) tại/bởi".
_CONNECT = re.compile(
    rf"\s*,?\s*(?:và\s+)?(?:được\s+)?(?:sửa\s+đổi,?\s*(?:bổ\s+sung)?(?:\s+một\s+số\s+điều)?\s+(?:tại|bởi|theo)\s+)?"
    rf"(?=(?:{_LAWS}|{_TYPES})\b)",
    re.IGNORECASE,
)
_NUMBER = re.compile(r"\s*(?:số\s*)?(?P<number>\d+[\w.&]*(?:\s?[/\-–]\s?[\w.&]+)+)", re.IGNORECASE)
_DATE = re.compile(
    r"\s*,?\s*ngày\s+(?P<date>(?P<d1>\d{1,2})\s*/\s*(?P<m1>\d{1,2})\s*/\s*(?P<y1>\d{4})"
    r"|(?P<d2>\d{1,2})\s+tháng\s+(?P<m2>\d{1,2})\s+năm\s+(?P<y2>\d{4}))",
    re.IGNORECASE,
)
_NAMED_NUMBER = re.compile(r"(?P<name>(?:\s+[^\W\d_]+){1,4}?)(?=\s+số\s*\d)", re.IGNORECASE)
_OF = re.compile(r"\s*,?\s*của\s+", re.IGNORECASE)
# Words that end the issuer and start the subject. Case-insensitive ones never occur in a body's name;
# the lower-case-only ones do occur capitalised in names ("Ủy ban Kiểm tra", "Ban Chỉ đạo", "Ban Tổ chức").
_STOP_ANY_CASE = re.compile(
    r"\s(?:về|v/v|quy định|hướng dẫn|ban hành|phê duyệt|sửa đổi|thực hiện|triển khai|thành lập|phân bổ|"
    r"điều chỉnh|bổ sung|giao|ban hành kèm theo)\b",
    re.IGNORECASE,
)
_STOP_LOWER = re.compile(r"\s(?:tổ chức|chỉ đạo|kiểm tra|xây dựng|đề ra|tại|kèm theo|lãnh đạo|nghị định|nhằm)\b")
_MASKABLE = re.compile(r"\([^()]*\)|“[^”]*”|\"[^\"]*\"")
_OPENERS = re.compile(r"^\s*(?:Căn cứ|Thực hiện)\b", re.IGNORECASE)
_MID_OPENER = re.compile(r"[;,]\s*căn cứ\s", re.IGNORECASE)


def _mask(text: str) -> str:
    """Replace parenthesised and quoted parts by NUL characters (same length) so they are skipped."""
    previous = None
    while previous != text:
        previous = text
        text = _MASKABLE.sub(lambda m: "\x00" * len(m.group(0)), text)
    return text


def _clauses(masked: str) -> list[tuple[int, int]]:
    spans = []
    start = 0
    for m in re.finditer(r";|\.\s+(?=[A-ZĐÀ-Ỹ])", masked):
        spans.append((start, m.start()))
        start = m.end()
    spans.append((start, len(masked)))
    return spans


def _issuer_end(masked: str, start: int, end: int) -> tuple[int, bool]:
    """End of an issuer starting at `start`; True when a subject word stopped it."""
    found = (_STOP_ANY_CASE.search(masked, start, end), _STOP_LOWER.search(masked, start, end))
    stops = [m.start() for m in found if m]
    nul = masked.find("\x00", start, end)
    sentence = re.search(r"\.\s", masked[start:end])
    hard = [x for x in (nul if nul >= 0 else None, start + sentence.start() if sentence else None) if x is not None]
    cut = min([*stops, *hard, end])
    return cut, bool(stops) and cut in stops


def _law_name_end(masked: str, start: int, end: int, amending: bool) -> int:
    """End of a law's name: number, date, "(", a following law ("và Luật …") unless it is an amending law."""
    candidates = [end]
    for pattern in (r"\s+số\s*\d", r",?\s+ngày\s+\d", r"\s*\x00", r"\s+được\s+sửa\s+đổi", r"\s+về\s"):
        if m := re.compile(pattern, re.IGNORECASE).search(masked, start, end):
            candidates.append(m.start())
    if not amending and (m := re.compile(rf"(?:\s+và\s+|,\s*)(?={_LAWS})", re.IGNORECASE).search(masked, start, end)):
        candidates.append(m.start())
    return min(candidates)


def _parse_instrument(text: str, masked: str, pos: int, end: int) -> tuple[BasisItem | None, int, bool]:
    """Parse one instrument starting at `pos`; returns (item or None, end offset, subject_cut)."""
    m = _START.match(masked, pos)
    if not m:
        return None, pos, True
    kind = m.group("type")
    cursor = m.end()
    number = None
    date = None
    if _LAW.match(kind):
        amending = bool(re.match(r"\s+sửa\s+đổi", masked[cursor:end], re.IGNORECASE))
        cursor = _law_name_end(masked, cursor, end, amending)
        nm = _NUMBER.match(masked, cursor, end)
        if nm and re.match(r"\s*số", masked[cursor:end], re.IGNORECASE):
            number, cursor = nm.group("number"), nm.end()
    else:
        if joint := re.match(r"\s+liên\s+tịch", masked[cursor:end], re.IGNORECASE):
            cursor += joint.end()
        # "Thông báo kết luận số 12-TB/TU", "Kế hoạch hành động số 15/KH-…": a short name before "số".
        if named := _NAMED_NUMBER.match(masked, cursor, end):
            cursor = named.end("name")
        nm = _NUMBER.match(masked, cursor, end)
        if not nm:
            return None, cursor, True
        number, cursor = nm.group("number"), nm.end()
    if dm := _DATE.match(masked, cursor, end):
        day, month, year = (
            (dm.group("d1") or dm.group("d2")),
            (dm.group("m1") or dm.group("m2")),
            (dm.group("y1") or dm.group("y2")),
        )
        date = make_date(int(day), int(month), int(year))
        cursor = dm.end()
    issuer = None
    subject_cut = False
    if om := _OF.match(masked, cursor, end):
        stop, subject_cut = _issuer_end(masked, om.end(), end)
        issuer = collapse(text[om.end() : stop]).rstrip(" ,.;:") or None
        if issuer:
            cursor = om.end() + len(text[om.end() : stop].rstrip(" ,.;:"))
    else:
        rest = masked[cursor:end]
        subject_cut = bool(rest.strip(" ,.")) and not _CONNECT.match(rest)
    item_text = collapse(text[pos:cursor]).rstrip(" ,.;:")
    return BasisItem(item_text, 0, kind=kind, number=number, date=date, issuer=issuer), cursor, subject_cut


def parse_basis(paragraph: str) -> list[BasisItem]:
    """Instruments cited in one preamble paragraph, in order (see module docstring).

    Args:
        paragraph: the text of one preamble paragraph ("Căn cứ …; …").

    Returns:
        BasisItems with `text` as written (whitespace collapsed); `line` is left 0.
    """
    masked = _mask(paragraph)
    items: list[BasisItem] = []
    for start, end in _clauses(masked):
        lead = _LEAD.match(masked, start, end)
        cursor = lead.end() if lead else start
        if not _START.match(masked, cursor, end):
            inner = _INNER_LEAD.search(masked, cursor, end)
            if not inner:
                continue
            cursor = inner.end()
        while cursor < end:
            item, after, subject_cut = _parse_instrument(paragraph, masked, cursor, end)
            if item is None:
                break
            items.append(item)
            if subject_cut:
                break
            connect = _CONNECT.match(masked, after, end)
            if not connect:
                break
            cursor = connect.end()
    return items


def is_basis_paragraph(text: str) -> bool:
    """True for a preamble paragraph that cites instruments ("Căn cứ …", "Thực hiện …", "…; căn cứ …")."""
    return bool(_OPENERS.match(text) or _MID_OPENER.search(text))


def legal_basis(paras: list[Para], start: int, end: int) -> list[BasisItem]:
    """Basis items of the preamble paras `start`..`end` (exclusive), with their lines."""
    items: list[BasisItem] = []
    for para in paras[start:end]:
        if not para.is_text or not is_basis_paragraph(para.text):
            continue
        for item in parse_basis(para.text):
            item.line = para.line
            items.append(item)
    return items
