"""Who is responsible: the lead unit (chủ trì) and cooperating units (phối hợp) of a task.

A plan names them in labelled lines ("Đơn vị chủ trì: …", "Cơ quan phối hợp: …",
"Cơ quan thực hiện: Sở Nội vụ chủ trì …"), in a heading that is just a unit name
under "TỔ CHỨC THỰC HIỆN" ("1. Ban Thường trực Ủy ban MTTQ tỉnh"), or as the
subject of the sentence ("Các sở, ban, ngành … căn cứ Kế hoạch này, xây dựng …").
"""

from __future__ import annotations

import re

from documents.recognition.layout import Para
from documents.recognition.sections import Heading, classify

# "Đơn vị chủ trì: …", "Cơ quan chủ trì", "Chủ trì thực hiện" (a combined "chủ trì, phối hợp" is a heading only).
LEAD_LABEL = re.compile(
    r"^(?:(?:Đơn vị|Cơ quan)\s+)?chủ\s+trì(?:\s+thực\s+hiện)?(?!\s*,)\s*(?::\s*(?P<value>.*))?$", re.IGNORECASE
)
PARTNER_LABEL = re.compile(r"^(?:(?:Đơn vị|Cơ quan)\s+)?phối\s+hợp(?!\s*,)\s*(?::\s*(?P<value>.*))?$", re.IGNORECASE)
DOER_LABEL = re.compile(r"^(?:Đơn vị|Cơ quan)\s+thực\s+hiện\s*:\s*(?P<value>.*)$", re.IGNORECASE)
_LABEL_PREFIX = re.compile(r"^(?:[a-zđ]\)|\d{1,2}(?:\.\d{1,2})*[.)/]|\d{1,2}(?:\.\d{1,2})+|\d{1,2}\s?[-–])\s+")
# A unit name starts with a body or office word ("các" and a person's office may come first).
UNIT_START = re.compile(
    r"^(?:(?:[Tt]hủ trưởng|[Ll]ãnh đạo|[Tt]hường trực)\s+)?(?:[Cc]ác\s+)?"
    r"(?:Ban|Ủy ban|Uỷ ban|UBND|UBMTTQ|UB|Sở|sở|Phòng|Bộ|Công an|Văn phòng|Trung tâm|Hội(?!\s+nghị)|"
    r"Đoàn(?!\s+(?:kiểm|giám|công tác))|Chủ tịch|Phó Chủ tịch|Giám đốc|Hiệu trưởng|Trưởng|Cơ quan|cơ quan|"
    r"Đơn vị|đơn vị|Chi cục|Cục|Thường trực|Mặt trận|MTTQ|BTT|Đảng ủy|Đảng uỷ|Tổ(?!\s+chức)|Đồng chí|Viện|"
    r"Trường|Báo(?!\s+cáo)|Đài|Kho bạc|Bảo hiểm|Ngân hàng|Liên đoàn|Hội đồng|Tiểu ban|HĐND|Huyện ủy|Tỉnh ủy|Thành ủy|"
    r"Chi bộ|Bí thư|Chánh|Cán bộ|Chuyên viên|Bộ phận|Địa phương|địa phương|(?<=[Cc]ác\s)tổ chức)\b"
)
# Verbs that end the subject of a task sentence (lower case: capitalised forms are parts of names,
# "Ủy ban Kiểm tra", "Ban Chỉ đạo").
SUBJECT_END = re.compile(
    r"\s(?:có trách nhiệm|chịu trách nhiệm|căn cứ|chủ trì|dự kiến|xây dựng|theo dõi|thực hiện|triển khai|"
    r"phối hợp|tham mưu|báo cáo|hướng dẫn|chỉ đạo|rà soát|giám sát|bố trí|chủ động|tiếp tục|nghiên cứu|"
    r"ban hành|lập|gửi|cử|tham gia|đôn đốc|giúp|đề xuất|thành lập|kiểm tra|tổng hợp|phụ trách|quán triệt|"
    r"nắm|vận động|tuyên truyền|sử dụng|tăng cường|thẩm định|đảm bảo|bảo đảm|là|được|sẽ|cần|phải|tập trung|"
    r"khẩn trương|nghiêm túc|tổ chức(?!\s+(?:chính trị|thành viên|xã hội|cơ sở|đoàn thể|hội\b|có liên quan|,)))\b"
)
_LEADING_BASIS = re.compile(r"^Căn cứ\s[^,]{0,200}?,\s*", re.IGNORECASE)
_LEADING_VERB = re.compile(r"^(?:Đề nghị|Giao|Yêu cầu)\s+")


def clean_unit(value: str) -> str:
    """A unit value without final punctuation."""
    return value.strip().rstrip(" .;,:")


def strip_label(text: str) -> str:
    """Text without a leading list label ("a)", "2.", "1.1.")."""
    return _LABEL_PREFIX.sub("", text, count=1)


def subject(text: str) -> str | None:
    """The unit that is the subject of a task sentence, or None.

    "Các Sở, ban, ngành, UBND xã, phường … căn cứ Kế hoạch này, xây dựng …" → "Các Sở, ban, ngành,
    UBND xã, phường …"; a leading "Căn cứ …," clause and "Đề nghị"/"Giao" are skipped.
    """
    body = strip_label(text)
    body = _LEADING_BASIS.sub("", body, count=1)
    body = _LEADING_VERB.sub("", body, count=1)
    if not UNIT_START.match(body):
        return None
    stop = SUBJECT_END.search(body)
    if not stop:
        return None
    unit = clean_unit(body[: stop.start()])
    if not unit or len(unit.split()) > 30 or re.search(r"[.!?]\s", unit):
        return None
    return unit


def heading_unit(text: str) -> str | None:
    """The unit a heading names: a bare unit name ("1. Sở Y tế:") or the subject of the heading."""
    body = _LEADING_VERB.sub("", strip_label(text), count=1)
    if UNIT_START.match(body) and not SUBJECT_END.search(body) and len(body.split()) <= 18:
        return clean_unit(body)
    return subject(text)


def _value_or_next(paras: list[Para], index: int, end: int, value: str | None) -> str | None:
    if value and value.strip(" .;,:"):
        return clean_unit(value)
    for j in range(index + 1, min(end, index + 4)):
        para = paras[j]
        if not para.is_text:
            continue
        if classify(para.text) and not para.bullet:
            return None
        return clean_unit(para.text)
    return None


def _first_unit(value: str) -> str:
    """The first of several executing units ("Sở Nội vụ chủ trì …", "A; B; C", "A, các sở …")."""
    parts = re.split(r"\s+chủ\s+trì\b", value, maxsplit=1)
    if len(parts) == 2:
        return clean_unit(parts[0])
    for separator in (";", ","):
        if separator in value:
            return clean_unit(value.split(separator, 1)[0])
    return clean_unit(value)


def lead_in_block(paras: list[Para], start: int, end: int) -> str | None:
    """The lead unit named by labels in paras[start:end]: "chủ trì" first, else the first executing unit."""
    doer = None
    for j in range(start, end):
        para = paras[j]
        if not para.is_text:
            continue
        text = strip_label(para.text)
        if m := LEAD_LABEL.match(text):
            if unit := _value_or_next(paras, j, end, m.group("value")):
                return unit
        elif doer is None and (m := DOER_LABEL.match(text)) and m.group("value").strip():
            doer = _first_unit(m.group("value"))
    return doer


def partners_in_block(paras: list[Para], start: int, end: int) -> list[str]:
    """Cooperating units (phối hợp) named by labels in paras[start:end]."""
    for j in range(start, end):
        para = paras[j]
        if not para.is_text:
            continue
        if m := PARTNER_LABEL.match(strip_label(para.text)):
            value = _value_or_next(paras, j, end, m.group("value"))
            if value:
                return [clean_unit(part) for part in re.split(r";\s*", value) if clean_unit(part)]
    return []


def responsible(paras: list[Para], headings: list[Heading], position: int | None) -> str | None:
    """Lead unit for the block of heading `position` (labels first, then the heading's own unit)."""
    while position is not None:
        heading = headings[position]
        unit = lead_in_block(paras, heading.index + 1, heading.end) or heading_unit(paras[heading.index].text)
        if unit:
            return unit
        # "(1) …" and "a) …" items belong to the task of the numbered item above them.
        if heading.kind not in ("paren", "lower"):
            return None
        position = heading.parent
    return None
