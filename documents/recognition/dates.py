"""Dates and periods in Vietnamese administrative text, and how a deadline phrase resolves to dates.

Resolution rules (corpus/README.md, "start/end"): an exact day is that day; "trước
ngày …"/"chậm nhất ngày …" end on that day; a single month, quarter or year given as
a completion time ends on the last day of the period (start unknown); a range goes
from the first day of the first period to the last day of the last one, the two ends
sharing month and year when only the last end writes them ("Từ ngày 12 đến ngày
20/12/2019"); open-ended phrases ("… và các năm tiếp theo", "… trở đi", "… và
thường xuyên") have no end; recurring, relative and conditional phrases ("hằng năm",
"định kỳ", "05 ngày kể từ …", "sau khi … ban hành", "theo kế hoạch riêng") have no
dates at all. Clock times ("17 giờ 00") are dropped.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass

# "17 giờ 00", "13 giờ", "8h30", "05 giờ 00 phút": dropped before dates are read.
_CLOCK = re.compile(
    r"\b\d{1,2}\s*(?:giờ|h(?=\d|\s|,|$))\s*(?:\d{1,2}\s*(?:phút|')?)?(?:\s*(?:sáng|chiều|tối))?,?", re.IGNORECASE
)
_FULL_NUMERIC = re.compile(r"\b(\d{1,2})\s*[/.\-]\s*(\d{1,2})\s*[/.\-]\s*(\d{4})\b")
_FULL_WORDS = re.compile(r"\bngày\s+(\d{1,2})\s+tháng\s+(\d{1,2})\s*(?:,\s*)?năm\s+(\d{4})\b", re.IGNORECASE)
# "ngày 12" with month and year given by a later date ("Từ ngày 12 đến ngày 20/12/2019").
_DAY_ONLY = re.compile(r"\bngày\s+(\d{1,2})\b(?!\s*[/.\-]\s*\d)(?!\s+tháng)", re.IGNORECASE)
# "ngày 01/6" whose year comes from a later date ("Từ ngày 01/6 đến ngày 30/6/2024").
_DAY_MONTH = re.compile(r"\bngày\s+(\d{1,2})\s*/\s*(\d{1,2})\b(?!\s*/\s*\d)", re.IGNORECASE)
# "tháng 11/2025", "tháng 11 năm 2025", "Tháng 11, 12/2013" (months sharing one year).
_MONTHS = re.compile(r"\btháng\s+(\d{1,2}(?:\s*(?:,|và|-|–)\s*\d{1,2})*)\s*(?:/|năm\s+)\s*(\d{4})\b", re.IGNORECASE)
# "tháng 01" whose year comes from a later period ("Từ tháng 01 đến ngày bầu cử 15/3/2026").
_MONTH_ONLY = re.compile(r"\btháng\s+(\d{1,2})\b(?!\s*(?:/|năm|,\s*\d))", re.IGNORECASE)
_QUARTER = re.compile(r"\bquý\s+(IV|I{1,3}|[1-4])\s*(?:/|năm\s+)\s*(\d{4})\b", re.IGNORECASE)
_YEAR = re.compile(r"\bnăm\s+(\d{4})\b", re.IGNORECASE)
_BARE_YEAR = re.compile(r"^\s*(\d{4})\s*$")
_ROMAN_QUARTER = {"I": 1, "II": 2, "III": 3, "IV": 4}

# Markers deciding how a phrase resolves (lower-case NFC text).
_RECURRING = re.compile(r"\b(?:hằng|hàng)\s+(?:năm|tháng|quý|tuần|ngày)\b|\bđịnh kỳ\b|\bmỗi\s+(?:năm|tháng|quý)\b")
_OPEN = re.compile(r"tiếp theo|trở đi|thường xuyên|cho đến khi|đến khi có|lâu dài|liên tục")
_RELATIVE = re.compile(
    r"sau khi|kể từ|khi có|theo (?:kế hoạch|lộ trình|tiến độ|quy định|hướng dẫn|yêu cầu)|trước ngày bầu cử|\bngay\b"
)
_BEFORE = re.compile(r"(?:\btrước|chậm nhất(?: là)?(?: vào)?|hạn chót|không (?:quá|muộn hơn))\s+(?:[^\W\d_]+\s+){0,2}$")
_FROM_NOW = re.compile(r"\btừ nay\b")
# These look at the few words just before the first date: "Sau ngày bầu cử 15/3/2026", "chậm nhất ngày …".
_AFTER = re.compile(r"\bsau\s+(?!khi\b)(?:[^\W\d_]+\s+){0,4}$")
_FROM = re.compile(r"\btừ\s+(?:[^\W\d_]+\s+){0,3}$")
_PAREN = re.compile(r"\([^()]*\)")

_NUMBER_WORDS = {
    "không": 0,
    "một": 1,
    "mốt": 1,
    "hai": 2,
    "ba": 3,
    "bốn": 4,
    "tư": 4,
    "năm": 5,
    "lăm": 5,
    "nhăm": 5,
    "sáu": 6,
    "bảy": 7,
    "bẩy": 7,
    "tám": 8,
    "chín": 9,
}
_MONTH_NAMES = {"giêng": 1, "chạp": 12}


@dataclass(frozen=True)
class Period:
    """A day, month, quarter or year mentioned in a phrase, in textual order."""

    first: dt.date
    last: dt.date
    granularity: str  # "day" | "month" | "quarter" | "year"
    position: int


def last_day(year: int, month: int) -> dt.date:
    """Last day of a month (calendar.monthrange)."""
    return dt.date(year, month, calendar.monthrange(year, month)[1])


def make_date(day: int, month: int, year: int) -> dt.date | None:
    """A valid date or None (31/02 is a typo, not a crash)."""
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


def words_to_int(words: str) -> int | None:
    """Vietnamese number in words or digits ("hai mươi lăm" → 25, "hai nghìn không trăm hai mươi" → 2020).

    Returns None when a word is not a number word.
    """
    words = words.strip().lower()
    if words.isdigit():
        return int(words)
    if words in _MONTH_NAMES:
        return _MONTH_NAMES[words]
    total = hundreds = current = 0
    seen = False
    for word in words.replace("-", " ").split():
        if word in ("nghìn", "ngàn"):
            total += (hundreds + current or 1) * 1000
            hundreds = current = 0
        elif word == "trăm":
            hundreds, current = current * 100, 0
        elif word == "mươi":
            current *= 10
        elif word == "mười":
            current += 10
        elif word in ("linh", "lẻ"):
            pass
        elif word in _NUMBER_WORDS:
            current += _NUMBER_WORDS[word]
        else:
            return None
        seen = True
    return total + hundreds + current if seen else None


def _mask(text: str, start: int, end: int) -> str:
    return text[:start] + "\x00" * (end - start) + text[end:]


def periods(text: str) -> list[Period]:
    """Every day, month, quarter and year named in `text`, in textual order.

    Partial days ("ngày 12") and months ("tháng 01") take month/year from the next
    complete period; they are dropped when there is none.
    """
    text = _CLOCK.sub(" ", text)
    found: list[Period] = []
    partial_days: list[tuple[int, int]] = []
    partial_months: list[tuple[int, int]] = []
    for pattern in (_FULL_WORDS, _FULL_NUMERIC):
        for m in pattern.finditer(text):
            day, month, year = (int(g) for g in m.groups())
            if (date := make_date(day, month, year)) is not None:
                found.append(Period(date, date, "day", m.start()))
            text = _mask(text, m.start(), m.end())
    for m in _MONTHS.finditer(text):
        year = int(m.group(2))
        for k, month_text in enumerate(re.split(r"\s*(?:,|và|-|–)\s*", m.group(1))):
            month = int(month_text)
            if 1 <= month <= 12:
                found.append(Period(dt.date(year, month, 1), last_day(year, month), "month", m.start() + k))
        text = _mask(text, m.start(), m.end())
    for m in _QUARTER.finditer(text):
        q = m.group(1).upper()
        quarter = _ROMAN_QUARTER.get(q) or int(q)
        year = int(m.group(2))
        found.append(Period(dt.date(year, 3 * quarter - 2, 1), last_day(year, 3 * quarter), "quarter", m.start()))
        text = _mask(text, m.start(), m.end())
    for m in _YEAR.finditer(text):
        year = int(m.group(1))
        found.append(Period(dt.date(year, 1, 1), dt.date(year, 12, 31), "year", m.start()))
        text = _mask(text, m.start(), m.end())
    if not found and (m := _BARE_YEAR.match(text)):
        year = int(m.group(1))
        found.append(Period(dt.date(year, 1, 1), dt.date(year, 12, 31), "year", 0))
    partial_day_months: list[tuple[int, int, int]] = []
    for m in _DAY_MONTH.finditer(text):
        partial_day_months.append((int(m.group(1)), int(m.group(2)), m.start()))
        text = _mask(text, m.start(), m.end())
    for m in _DAY_ONLY.finditer(text):
        partial_days.append((int(m.group(1)), m.start()))
    for m in _MONTH_ONLY.finditer(text):
        partial_months.append((int(m.group(1)), m.start()))
    found.sort(key=lambda p: p.position)
    for day, position in partial_days:
        later = next((p for p in found if p.position > position and p.granularity in ("day", "month")), None)
        if later and (date := make_date(day, later.first.month, later.first.year)):
            found.append(Period(date, date, "day", position))
    for day, month, position in partial_day_months:
        later = next((p for p in found if p.position > position), None)
        if later and (date := make_date(day, month, later.first.year)):
            found.append(Period(date, date, "day", position))
    for month, position in partial_months:
        later = next((p for p in found if p.position > position), None)
        if later and 1 <= month <= 12:
            year = later.first.year
            found.append(Period(dt.date(year, month, 1), last_day(year, month), "month", position))
    found.sort(key=lambda p: p.position)
    return found


def _without_conditions(text: str) -> str:
    """Drop parenthesised remarks ("(sau khi … ban hành)") unless the whole phrase is one."""
    stripped = text.strip()
    if stripped.startswith("(") and stripped.endswith(")") and _PAREN.fullmatch(stripped):
        return stripped[1:-1]
    return _PAREN.sub(" ", text)


def resolve(text: str, *, window: bool = False) -> tuple[dt.date | None, dt.date | None, str]:
    """Resolve a deadline phrase to (start, end, kind).

    Args:
        text: the phrase as written (label included or not).
        window: True for a phase ("Đợt 1: Trong tháng 12/2025"): a single period then spans
            from its first to its last day instead of being a completion time.

    Returns:
        (start, end, kind) with kind one of "single", "before", "range", "month", "quarter",
        "year", "open", "periodic", "relative". See the module docstring for the rules.
    """
    phrase = _CLOCK.sub(" ", _without_conditions(text).lower())
    found = periods(phrase)
    recurring = bool(_RECURRING.search(phrase))
    open_ended = bool(_OPEN.search(phrase))
    if not found:
        if recurring or "thường xuyên" in phrase:
            return None, None, "periodic"
        return None, None, "relative"
    first, last = found[0], found[-1]
    before_first = re.sub(r"\s+", " ", phrase[: first.position].replace("\x00", " ")).rstrip() + " "
    if _AFTER.search(before_first):
        return first.last + dt.timedelta(days=1), None, "open"
    if open_ended or recurring:
        return first.first, None, "open"
    if _FROM_NOW.search(phrase):
        return None, last.last, "range" if len(found) > 1 else last.granularity
    if len(found) > 1:
        return first.first, last.last, "range"
    if first.granularity == "day":
        if _BEFORE.search(before_first):
            return None, first.last, "before"
        if _FROM.search(before_first):
            return first.first, None, "open"
        return first.first, first.last, "single"
    if window or _FROM.search(before_first):
        return first.first, first.last, first.granularity
    return None, first.last, first.granularity


def has_time_expression(text: str) -> bool:
    """True when `text` names a date or period, or a recurring/relative time ("hằng tháng", "kể từ")."""
    lowered = text.lower()
    return bool(periods(lowered) or _RECURRING.search(lowered) or _RELATIVE.search(lowered))
