"""The header of an administrative document (Nghị định 30/2020/NĐ-CP, Điều 8 and Phụ lục I).

Left column: parent body, issuing body, "Số: 15/KH-UBND", for a công văn the
"V/v …" summary; right column: national motto ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT
NAM" / "Độc lập - Tự do - Hạnh phúc", or "ĐẢNG CỘNG SẢN VIỆT NAM", "ĐOÀN TNCS HỒ
CHÍ MINH" for Party and Youth Union bodies) and "<place>, ngày … tháng … năm …".
Then the type of document ("KẾ HOẠCH") and its summary (trích yếu). The columns
may come one after the other, side by side on one line, or as table cells.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from documents.recognition.dates import make_date, words_to_int
from documents.recognition.layout import Para
from documents.recognition.normalize import fold

TYPE_HEADINGS = {"KẾ HOẠCH": "KH", "QUYẾT ĐỊNH": "QĐ", "BÁO CÁO": "BC", "TỜ TRÌNH": "TTr", "CÔNG VĂN": "CV"}
# Other kinds of administrative document (Nghị định 30/2020/NĐ-CP, Phụ lục III): a heading, but not a
# type planflow imports; recognised so that their summary is still read.
OTHER_HEADINGS = {
    "THÔNG BÁO",
    "HƯỚNG DẪN",
    "CHƯƠNG TRÌNH",
    "CHỈ THỊ",
    "NGHỊ QUYẾT",
    "QUY CHẾ",
    "QUY ĐỊNH",
    "ĐỀ ÁN",
    "PHƯƠNG ÁN",
    "BIÊN BẢN",
    "CÔNG ĐIỆN",
    "THÔNG TRI",
    "KẾT LUẬN",
    "GIẤY MỜI",
    "DỰ ÁN",
    "PHỤ LỤC",
}
# Type abbreviations in a number's symbol (Nghị định 30/2020/NĐ-CP, Phụ lục III): "15/KH-UBND", "225-KH/TWĐTN".
SYMBOL_TYPES = {"KH": "KH", "QĐ": "QĐ", "TTR": "TTr", "BC": "BC"}

# "Số: 16/KH-MTTQ-BTT", "Số 16/KH", "Số:" with the number on the next line; not "Số hiệu:" (web metadata).
_NUMBER_LINE = re.compile(r"^Số\s*(?:[:.]\s*(?P<value>.*)|\s+(?P<bare>\d.*))$")
_NUMBER_VALUE = re.compile(r"^(?P<digits>\d+)?\s*[-–/]")
_NUMBER_TAIL = re.compile(r"\s{2,}|\bV/[vV]\b|\bVề việc\b")
# "<place>, ngày 18 tháng 11 năm 2025" (day/month/year in digits or words, day may be left blank in drafts).
_DATE_LINE = re.compile(
    r"^(?P<place>[^\d,;:()/|]{2,60}?)\s*,\s*ngày\s*(?P<d>.*?)\s*tháng\s+(?P<m>.+?)\s*năm\s+(?P<y>[\w\s]+?)\s*\.?$",
    re.IGNORECASE,
)
# Some offices write the date in figures: "Hải Dương, ngày 05/3/2024".
_DATE_LINE_NUMERIC = re.compile(
    r"^(?P<place>[^\d,;:()/|]{2,60}?)\s*,\s*ngày\s+(?P<d>\d{1,2})\s*[/.\-]\s*(?P<m>\d{1,2})\s*[/.\-]\s*(?P<y>\d{4})\s*\.?$",
    re.IGNORECASE,
)
_VV = re.compile(r"^(?:V/[vV]|Về việc)\b")
_ADDRESSEE = re.compile(r"^Kính\s+gửi\s*:?\s*(?P<value>.*)$", re.IGNORECASE)
_STARTER = re.compile(
    r"^(?:Căn cứ|Thực hiện|Theo đề nghị|Xét đề nghị|Để |Do |Nhằm |Trên cơ sở|Kính gửi|Qua |Hiện nay|Sau khi|"
    r"I\.\s|1\.\s|A\.\s|Điều\s+\d)",
    re.IGNORECASE,
)
_URGENCY = re.compile(r"^(?:do khan\s*:\s*)?(hoa toc|thuong khan|khan)(?: hen gio)?$")
_URGENCY_NAMES = {"hoa toc": "Hỏa tốc", "thuong khan": "Thượng khẩn", "khan": "Khẩn"}
# Words that start the name of a body; a header line that starts with none continues the previous line
# ("ỦY BAN NHÂN DÂN" / "TỈNH NGHỆ AN" is one body, "UBND THÀNH PHỐ ĐÀ NẴNG" / "SỞ GIÁO DỤC …" two).
_BODY_START = re.compile(
    r"^(?:ỦY BAN|UỶ BAN|UBND|UB\b|BAN\b|SỞ\b|BỘ\b|TỔNG CỤC|CỤC\b|CHI CỤC|VỤ\b|VIỆN\b|PHÒNG\b|TRUNG TÂM|TRƯỜNG\b|"
    r"HỘI\b|ĐOÀN\b|ĐẢNG\b|ĐẢNG ỦY|ĐẢNG UỶ|HUYỆN ỦY|TỈNH ỦY|THÀNH ỦY|CÔNG AN|BỘ CHỈ HUY|VĂN PHÒNG|TIỂU BAN|"
    r"HỘI ĐỒNG|TÒA ÁN|TOÀ ÁN|KHO BẠC|BẢO HIỂM|CHÍNH PHỦ|THANH TRA|LIÊN ĐOÀN|MẶT TRẬN|CÔNG TY|TẬP ĐOÀN|"
    r"ĐẠI HỌC|HỌC VIỆN|BỆNH VIỆN|TỔ\b|HĐND|MTTQ|BCH\b)"
)
_MOTTO_KEYS = (
    "cong hoa xa hoi chu nghia",
    "doc lap - tu do",
    "doc lap – tu do",
    "dang cong san viet nam",
    "doan tncs ho chi minh",
    "doan thanh nien cong san ho chi minh",
)


@dataclass
class Header:
    """The header parts and where they are (indices into the para list)."""

    number: str | None = None
    number_blank: bool = False
    number_index: int | None = None
    symbol_type: str | None = None
    issuer_lines: list[str] = field(default_factory=list)
    issuer_index: int | None = None
    place: str | None = None
    issue_date: dt.date | None = None
    date_blank: bool = False
    date_index: int | None = None
    summary: str | None = None
    summary_index: int | None = None
    summary_end: int | None = None
    type_index: int | None = None
    type_name: str | None = None
    doc_type: str | None = None
    title: str | None = None
    title_index: int | None = None
    title_end: int | None = None
    urgency: str | None = None
    addressees: list[str] = field(default_factory=list)
    addressee_end: int | None = None

    @property
    def end(self) -> int:
        """Index of the first para after the header, summary and addressees."""
        ends = [i + 1 for i in (self.number_index, self.date_index, self.type_index) if i is not None]
        ends += [i for i in (self.title_end, self.summary_end, self.addressee_end) if i is not None]
        return max(ends, default=0)


def is_motto(text: str) -> bool:
    """True for the national motto lines and their Party/Youth Union equivalents."""
    key = fold(text)
    return any(k in key for k in _MOTTO_KEYS)


def upper_ratio(text: str) -> float:
    """Share of upper-case letters among the letters of `text` (1.0 for an all-caps heading)."""
    letters = [ch for ch in text if ch.isalpha()]
    return sum(ch.isupper() for ch in letters) / len(letters) if letters else 0.0


def type_heading(text: str) -> str | None:
    """The document-type heading in `text` ("KẾ HOẠCH", also letter-spaced "K Ế  H O Ạ C H"), else None.

    A line holding only the name in another case ("Kế hoạch") counts too: text converted from a
    legacy capital font (".VnTimeH") loses its capitals.
    """
    compact = re.sub(r"\s+", "", text.rstrip(":").strip()).upper()
    for name in (*TYPE_HEADINGS, *OTHER_HEADINGS):
        if compact == name.replace(" ", ""):
            return name
    return None


def parse_number(value: str) -> tuple[str | None, bool, str | None]:
    """Read the value of a "Số:" line.

    Returns:
        (number with whitespace removed or None, True when the number is left blank, type code of the symbol).
    """
    value = _NUMBER_TAIL.split(value, maxsplit=1)[0]
    compact = re.sub(r"\s+", "", value).replace("–", "-").rstrip(".,;")
    symbol_type = None
    # State style "15/KH-UBND" (type after the slash) or Party style "225-KH/TWĐTN-CTTN" (before it).
    if (m := re.match(r"^\d*-?([A-Za-zĐđ]+)/", compact)) or (m := re.match(r"^[^/]*/([A-Za-zĐđ]+)", compact)):
        symbol_type = SYMBOL_TYPES.get(m.group(1).upper())
    if not compact:
        return None, True, None
    m = _NUMBER_VALUE.match(compact)
    if not m or not m.group("digits"):
        return None, True, symbol_type
    return compact, False, symbol_type


def _clean_issuer_line(text: str) -> str:
    text = re.sub(r"^[^\w(]+", "", text)
    text = re.sub(r"[\s\-–—_=*~.·•]+$", "", text)
    return text.strip()


def _issuer_lines(paras: list[Para], start: int) -> tuple[list[str], int | None]:
    """Walk up from the para before `start` collecting the issuer lines (see module docstring).

    The motto and column separators of the same physical line are skipped (columns side by side,
    PDF text); a separator line of its own, a blank line or prose ends the block.
    """
    lines: list[str] = []
    first: int | None = None
    i = start - 1
    while i >= 0 and len(lines) < 6:
        para = paras[i]
        text = para.text
        if not para.is_text:
            inline = para.kind == "sep" and any(
                0 <= j < len(paras) and paras[j].is_text and paras[j].line == para.line for j in (i - 1, i + 1)
            )
            if lines and not inline:
                break
        elif is_motto(text) or _DATE_LINE.match(text) or text.startswith("Số") or _VV.match(text):
            if lines and not para.cell:
                break
        else:
            cleaned = _clean_issuer_line(text)
            if not cleaned or len(cleaned) > 120 or upper_ratio(cleaned) < 0.7 or cleaned.endswith(":"):
                break
            lines.insert(0, cleaned)
            first = i
        i -= 1
    return lines, first


def split_issuer(lines: list[str]) -> tuple[str | None, str | None]:
    """Split header lines into (parent body, issuing body) — Nghị định 30/2020/NĐ-CP, Điều 8.3.

    A line that starts with a body word ("SỞ", "BAN", "ỦY BAN", …) starts a new body; other lines
    ("TỈNH NGHỆ AN", "XÃ LƯƠNG MINH") continue the previous one. The last body is the issuing body.
    """
    bodies: list[str] = []
    for line in lines:
        if bodies and not _BODY_START.match(line.upper()):
            bodies[-1] = f"{bodies[-1]} {line}"
        else:
            bodies.append(line)
    if not bodies:
        return None, None
    parent = " ".join(bodies[:-1]) or None
    return parent, bodies[-1]


def _date_value(match: re.Match[str]) -> tuple[dt.date | None, bool]:
    day = words_to_int(match.group("d") or "") if (match.group("d") or "").strip(" .…") else None
    month = words_to_int(match.group("m"))
    year = words_to_int(match.group("y"))
    if day is None:
        return None, True
    if month is None or year is None:
        return None, False
    return make_date(day, month, year), False


def parse_header(paras: list[Para]) -> Header:
    """Find number, issuer, place and date, type heading, summary, urgency and addressees.

    Args:
        paras: the document's paras (layout.build_paras).

    Returns:
        A Header; parts not found stay None/empty.
    """
    header = Header()
    texts = [(i, p.text) for i, p in enumerate(paras) if p.is_text]
    for i, text in texts[:250]:
        if (m := _NUMBER_LINE.match(text)) is None:
            continue
        value = m.group("value") if m.group("value") is not None else m.group("bare")
        if not value.strip():
            nxt = next((j for j in range(i + 1, min(i + 4, len(paras))) if paras[j].is_text), None)
            if nxt is not None and re.match(r"^\d+\s*[-/]", paras[nxt].text):
                value = paras[nxt].text
        header.number, header.number_blank, header.symbol_type = parse_number(value)
        header.number_index = i
        break
    window = (
        range(max(0, header.number_index - 12), min(len(paras), header.number_index + 14))
        if header.number_index is not None
        else range(min(len(paras), 40))
    )
    for i in window:
        if paras[i].is_text and (m := _DATE_LINE.match(paras[i].text) or _DATE_LINE_NUMERIC.match(paras[i].text)):
            header.place = m.group("place").strip()
            header.issue_date, header.date_blank = _date_value(m)
            header.date_index = i
            break
    anchor = header.number_index
    if anchor is None:
        anchor = next((i for i in window if paras[i].is_text and is_motto(paras[i].text)), None)
    if anchor is not None:
        header.issuer_lines, header.issuer_index = _issuer_lines(paras, anchor)
    if header.number_index is not None:
        _summary(paras, header)
    _type_and_title(paras, header)
    _urgency(paras, header)
    _addressees(paras, header)
    return header


def _summary(paras: list[Para], header: Header) -> None:
    """The "V/v …" summary of a công văn, under the number (possibly wrapped)."""
    start = header.number_index or 0
    for i in range(start + 1, min(start + 5, len(paras))):
        if paras[i].is_text and _VV.match(paras[i].text):
            parts = [paras[i].text]
            j = i + 1
            while j < len(paras) and paras[j].is_text and len(parts) < 4:
                text = paras[j].text
                if is_motto(text) or _DATE_LINE.match(text) or _ADDRESSEE.match(text) or upper_ratio(text) > 0.8:
                    break
                parts.append(text)
                j += 1
            header.summary = " ".join(parts)
            header.summary_index, header.summary_end = i, j
            return


def _type_and_title(paras: list[Para], header: Header) -> None:
    starts = [i + 1 for i in (header.number_index, header.date_index) if i is not None]
    start = max(starts, default=0)
    seen = 0
    for i in range(start, len(paras)):
        if not paras[i].is_text:
            continue
        seen += 1
        if seen > 60:
            break
        if name := type_heading(paras[i].text):
            header.type_index, header.type_name = i, name
            break
    if header.type_index is not None:
        header.doc_type = TYPE_HEADINGS.get(header.type_name or "")
        header.title, header.title_index, header.title_end = read_title(paras, header.type_index + 1)
    if header.doc_type is None and header.summary:
        header.doc_type = "CV"
    if header.doc_type is None and header.type_name is None and header.symbol_type:
        header.doc_type = header.symbol_type


def read_title(paras: list[Para], start: int) -> tuple[str | None, int | None, int]:
    """The summary (trích yếu) lines after a type heading, joined with one space.

    Stops at a blank line or separator after the first line, at a preamble opening ("Căn cứ",
    "Thực hiện"), a heading, the motto, or when the case changes (an all-caps authority line
    under a mixed-case title, a mixed-case preamble under an all-caps title).

    Returns:
        (title or None, index of its first para, index after its last para).
    """
    lines: list[str] = []
    first: int | None = None
    first_upper = False
    i = start
    while i < len(paras) and len(lines) < 8:
        para = paras[i]
        if not para.is_text:
            if lines:
                break
            i += 1
            continue
        text = para.text
        if lines:
            upper = upper_ratio(text) >= 0.8
            if (
                _STARTER.match(text)
                or is_motto(text)
                or _DATE_LINE.match(text)
                or type_heading(text)
                or upper != first_upper
                or len(text) > 300
                or para.bullet
            ):
                break
        else:
            if type_heading(text) or is_motto(text) or _ADDRESSEE.match(text):
                break
            first = i
            first_upper = upper_ratio(text) >= 0.8
        lines.append(text)
        i += 1
    return (" ".join(lines) or None), first, i


def _urgency(paras: list[Para], header: Header) -> None:
    stop = (header.title_end or header.end or 0) + 3
    for para in paras[: max(stop, 30)]:
        if para.is_text and len(para.text) < 30 and (m := _URGENCY.match(fold(para.text))):
            header.urgency = _URGENCY_NAMES[m.group(1)]
            return


def _addressees(paras: list[Para], header: Header) -> None:
    """The "Kính gửi:" list of a công văn or tờ trình (inline or one unit per line)."""
    start = max(header.end, 0)
    for i in range(max(0, start - 2), min(len(paras), start + 12)):
        if not paras[i].is_text or not (m := _ADDRESSEE.match(paras[i].text)):
            continue
        names: list[str] = []
        if m.group("value").strip():
            names.append(m.group("value").strip(" ;,."))
        j = i + 1
        while j < len(paras) and len(names) < 40:
            para = paras[j]
            if para.kind == "sep" and not names:
                j += 1
                continue
            if not para.is_text or _STARTER.match(para.text) or len(para.text) > 200:
                break
            names.append(para.text.strip(" ;,."))
            j += 1
        header.addressees = [n for n in names if n]
        header.addressee_end = j
        return
