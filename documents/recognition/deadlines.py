"""Deadlines of tasks (corpus/README.md, "deadlines"): where they are written and what text to keep.

Sources, in order of precedence for one paragraph:

1. a schedule section ("IV. THỜI GIAN THỰC HIỆN"): every dated item is a deadline;
2. a labelled line: "Thời gian thực hiện: …", "Thời gian hoàn thành: …", "Thời hạn: …",
   "Đợt 1: …" (the label is kept in the text; an empty label takes the list items or the
   paragraph that follow it);
3. a sub-heading that states a span ("1. Nội dung tuyên truyền xuyên suốt từ nay đến …");
4. a time phrase in a sentence: "trước/chậm nhất ngày <date>", "từ <date> (cho) đến …",
   "trong 24-48 giờ sau khi …", a sentence opening with "Hằng năm …". When the phrase ends a
   one-clause item the whole item is the deadline text, else only the phrase;
5. a parenthesised timing remark after a task ("(trong năm 2013)", "(hoàn thành chậm nhất ngày …)").

Sections about purpose and requirements are skipped: their dates are background, not tasks.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from documents.recognition.dates import has_time_expression, periods, resolve
from documents.recognition.layout import Para
from documents.recognition.model import Deadline
from documents.recognition.sections import PURPOSE_TITLE, TIME_TITLE, Heading, classify, owner, top_owner
from documents.recognition.units import responsible, strip_label, subject

# "Thời gian thực hiện: …", "Tiến độ, thời gian thực hiện: …", "Thời hạn hoàn thành: …", "Đợt 2: …".
_LABEL = re.compile(
    r"^(?P<label>(?:Thời\s+gian|Thời\s+hạn|Tiến\s+độ|Hạn\s+(?:hoàn\s+thành|chót|nộp|gửi|báo\s+cáo))"
    r"(?:[^\W\d_]|[\s,])*?|Đợt\s+\d+|Giai\s+đoạn\s+\d+)\s*:\s*(?P<value>.*)$",
    re.IGNORECASE,
)
# "Thời gian thực hiện sau khi …" (a label without colon, corpus doc 09).
_LABEL_NO_COLON = re.compile(
    r"^(?P<label>Thời\s+gian\s+(?:thực\s+hiện|hoàn\s+thành))\s+(?P<value>(?:sau|trước|từ|trong|theo|đến|vào|"
    r"hoàn\s+thành|ngay|chậm\s+nhất)\b.*)$",
    re.IGNORECASE,
)
_WINDOW_LABEL = re.compile(r"^(?:Đợt|Giai\s+đoạn)\b", re.IGNORECASE)
_DATE = r"\d{1,2}\s*/\s*\d{1,2}\s*/\s*\d{4}|\d{1,2}\s+tháng\s+\d{1,2}\s+năm\s+\d{4}"
_CLOCK = r"\d{1,2}\s*(?:giờ|h)\s*(?:\d{1,2}\s*(?:phút)?)?\s*,?\s*"
_BEFORE = re.compile(
    rf"(?<!\w)(?:[Tt]rước|[Cc]hậm\s+nhất(?:\s+là)?(?:\s+vào)?|[Hh]ạn\s+chót|[Kk]hông\s+muộn\s+hơn)\s+(?:{_CLOCK})?"
    rf"(?:ngày\s+)?(?:{_DATE}|\d{{1,2}}\s+(?:hằng|hàng)\s+tháng)"
)
_FROM = re.compile(rf"(?<!\w)[Tt]ừ\s+(?:{_CLOCK})?(?:ngày\s+)?(?:{_DATE})")
_RELATIVE = re.compile(
    r"(?<!\w)trong\s+(?:vòng\s+)?\d+(?:\s*[-–]\s*\d+)?\s*(?:giờ|ngày|tuần|tháng)\s+(?:sau\s+khi|kể\s+từ)"
)
_RECURRING_OPENING = re.compile(r"(?:^|(?<=[.!?]\s))(?:Hằng|Hàng)\s+(?:năm|tháng|quý|tuần)\b")
_ROUTING = re.compile(r"\s(?:qua|thông qua|để)\s")
_SPAN_HEADING = re.compile(r"\btừ\s+nay\s+đến\b", re.IGNORECASE)
_PAREN_GROUP = re.compile(r"\(([^()]*)\)")
_PAREN_START = re.compile(
    r"^(?:trong|quý|năm|tháng|từ|trước|hoàn thành|chậm nhất|hạn|thời hạn|thời gian|dự kiến|đến)\b", re.IGNORECASE
)
_PAREN_KEYWORD = re.compile(r"trước ngày|chậm nhất|thời hạn|kể từ|hoàn thành trước", re.IGNORECASE)
_SENTENCE_BREAK = re.compile(r"(?<!\.)[.!?]\s+(?=[A-ZĐÀ-Ỹ])")
_TRAILING = " .;,:"


@dataclass
class Region:
    """A stretch of paras to scan (main body, attached plan) and its headings."""

    start: int
    end: int
    headings: list[Heading]


@dataclass
class Extractor:
    """Finds the deadlines of the regions of one document (see module docstring)."""

    paras: list[Para]
    skip: set[int] = field(default_factory=set)
    found: list[Deadline] = field(default_factory=list)
    owners: list[tuple[Deadline, Region, int | None]] = field(default_factory=list)

    def run(self, regions: list[Region]) -> list[Deadline]:
        """Deadlines of every region, in reading order (also kept in `found`, with owners in `owners`)."""
        for region in regions:
            self._region(region)
        return self.found

    def _add(
        self,
        region: Region,
        index: int,
        text: str,
        *,
        source: str,
        unit: tuple[str | None, str | None],
        window: bool = False,
        line: int | None = None,
    ) -> None:
        text = text.strip().rstrip(_TRAILING) if not text.endswith(")") else text.strip()
        start, end, kind = resolve(text, window=window)
        deadline = Deadline(text, start, end, unit[0], kind, line or self.paras[index].line, source, unit[1])
        self.found.append(deadline)
        self.owners.append((deadline, region, owner(region.headings, index)))

    def _unit(
        self, region: Region, index: int, body: str, *, use_subject: bool, parent: bool
    ) -> tuple[str | None, str | None]:
        """(lead unit, how it was found: "subject" of the sentence, or "block" labels/heading)."""
        if use_subject and (unit := subject(body)):
            return unit, "subject"
        position = owner(region.headings, index)
        if parent and position is not None and region.headings[position].index == index:
            position = region.headings[position].parent
        unit = responsible(self.paras, region.headings, position)
        return unit, ("block" if unit else None)

    def _region(self, region: Region) -> None:
        headings = {h.index: h for h in region.headings}
        for i in range(region.start, region.end):
            para = self.paras[i]
            if i in self.skip or not para.is_text:
                continue
            top = top_owner(region.headings, i)
            if top is not None and PURPOSE_TITLE.match(top.title):
                continue
            heading = headings.get(i)
            body = para.text if heading is None or heading.kind in ("paren",) else _unlabel(para.text, heading)
            if top is not None and TIME_TITLE.match(top.title) and top.title.isupper() and heading is not top:
                if self._labelled(region, i, body, is_heading=heading is not None):
                    continue
                if has_time_expression(body):
                    self._add(
                        region,
                        i,
                        body,
                        source="schedule",
                        unit=self._unit(region, i, body, use_subject=True, parent=False),
                    )
                continue
            if self._labelled(region, i, body, is_heading=heading is not None):
                continue
            if (
                heading is not None
                and heading.parent is not None
                and _SPAN_HEADING.search(body)
                and len(body.split()) <= 20
            ):
                self._add(
                    region, i, body, source="heading", unit=self._unit(region, i, body, use_subject=False, parent=True)
                )
                continue
            if self._sentences(region, i, body):
                continue
            self._parentheses(region, i, body)

    def _labelled(self, region: Region, i: int, body: str, *, is_heading: bool) -> bool:
        m = _LABEL.match(body) or _LABEL_NO_COLON.match(body)
        if not m:
            return False
        label, value = m.group("label").strip(), m.group("value").strip()
        window = bool(_WINDOW_LABEL.match(label))
        unit = self._unit(region, i, body, use_subject=False, parent=True)
        if value:
            # The deadline is the first sentence: "Thời gian: Duy trì thường xuyên … bầu cử. Đặc biệt, …".
            if cut := _SENTENCE_BREAK.search(body, m.start("value")):
                body = body[: cut.start()]
                value = body[m.start("value") :]
            # A composite "Tiến độ, thời gian thực hiện:" label introduces the phrase (corpus doc 000);
            # a plain "Thời gian …:" label is part of the deadline text (docs 01-12).
            text = value if label.lower().startswith("tiến độ") else body
            self._add(region, i, text, source="label", unit=unit, window=window)
            return True
        following = self._following(i, region.end)
        if following and self.paras[following[0]].bullet:
            for j in following:
                item = self.paras[j].text
                sub = _LABEL.match(item)
                item_window = window or bool(sub and _WINDOW_LABEL.match(sub.group("label")))
                self._add(region, j, item, source="list", unit=unit, window=item_window)
                self.skip.add(j)
            return True
        if following:
            j = following[0]
            self._add(
                region,
                j,
                f"{label}: {self.paras[j].text}",
                source="label",
                unit=unit,
                window=window,
                line=self.paras[i].line,
            )
            self.skip.add(j)
            return True
        return True

    def _following(self, i: int, end: int) -> list[int]:
        """The list items (or the single paragraph) that complete an empty label at para `i`."""
        items: list[int] = []
        for j in range(i + 1, min(end, i + 30)):
            para = self.paras[j]
            if para.kind == "blank":
                continue
            if not para.is_text:
                break
            if classify(para.text) and not para.bullet:
                break
            if items and not para.bullet:
                break
            items.append(j)
            if not para.bullet:
                break
        return items

    def _sentences(self, region: Region, i: int, body: str) -> bool:
        masked = _mask_parens(body)
        added = False
        for pattern, whole_ok in ((_BEFORE, True), (_RELATIVE, True), (_FROM, False)):
            for m in pattern.finditer(masked):
                if whole_ok:
                    phrase_end = m.end()
                    if pattern is _RELATIVE:
                        phrase_end = _clause_end(masked, m.end())
                    text = _whole_or_phrase(body, masked, m.start(), phrase_end)
                else:
                    text = body[m.start() : _clause_end(masked, m.end())]
                unit = self._unit(region, i, body, use_subject=True, parent=False)
                self._add(region, i, text, source="sentence", unit=unit)
                added = True
        for m in _RECURRING_OPENING.finditer(masked):
            end = _clause_end(masked, m.end())
            routing = _ROUTING.search(masked, m.end(), end)
            text = body[m.start() : routing.start() if routing else end]
            self._add(
                region, i, text, source="sentence", unit=self._unit(region, i, body, use_subject=True, parent=False)
            )
            added = True
        return added

    def _parentheses(self, region: Region, i: int, body: str) -> None:
        for m in _PAREN_GROUP.finditer(body):
            content = m.group(1).strip()
            timed = bool(periods(content.lower())) or bool(_PAREN_KEYWORD.search(content))
            if (_PAREN_START.match(content) and (timed or has_time_expression(content))) or _PAREN_KEYWORD.search(
                content
            ):
                self._add(
                    region,
                    i,
                    m.group(0),
                    source="parenthesis",
                    unit=self._unit(region, i, body, use_subject=False, parent=False),
                )


def _unlabel(text: str, heading: Heading) -> str:
    """Heading text without its "1." / "a)" / "I." label."""
    stripped = strip_label(text)
    if stripped == text and heading.kind in ("roman", "letter"):
        return heading.title
    return stripped


def _mask_parens(text: str) -> str:
    previous = None
    while previous != text:
        previous = text
        text = _PAREN_GROUP.sub(lambda m: "\x00" * len(m.group(0)), text)
    return text


def _clause_end(masked: str, start: int) -> int:
    """End of the clause containing `start`: ";", a sentence end, a parenthesis, or the end."""
    candidates = [len(masked.rstrip(_TRAILING + "\x00"))]
    if (semicolon := masked.find(";", start)) >= 0:
        candidates.append(semicolon)
    if m := _SENTENCE_BREAK.search(masked, start):
        candidates.append(m.start())
    if (nul := masked.find("\x00", start)) >= 0:
        candidates.append(nul)
    return max(start, min(candidates))


def _whole_or_phrase(body: str, masked: str, start: int, end: int) -> str:
    """The whole item when the phrase ends a one-clause item, else the phrase alone."""
    main_end = len(masked.rstrip(_TRAILING + "\x00 "))
    before = masked[:start]
    one_clause = ";" not in before and not _SENTENCE_BREAK.search(before)
    if end >= main_end and one_clause:
        return body[:end]
    return body[start:end]
