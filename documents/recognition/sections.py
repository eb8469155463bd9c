"""Headings of the body and their tree.

Vietnamese administrative texts number their parts I. → 1. → 1.1. → a) → (1)
(Nghị định 30/2020/NĐ-CP, Phụ lục I, "Bố cục"); large plans put letters A. B. C.
above the Roman numerals (corpus doc 06), decisions use articles "Điều 1.", and a
công văn often has only Arabic items. Each heading para is classified by its label,
then nested by rank; the top-level list is what the corpus calls `sections`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from documents.recognition.layout import Para
from documents.recognition.model import Section

# rank: smaller is higher. Letters sit above Roman numerals; articles are top-level in a decision.
RANKS = {"letter": 0, "roman": 1, "article": 1, "arabic": 2, "arabic2": 3, "arabic3": 4, "lower": 5, "paren": 6}

_ROMAN_VALUE = re.compile(r"^(?:X{0,3})(?:IX|IV|V?I{0,3})$")
# Labels end with ".", ")" or ":" ("I.", "1)"); older texts also write "I/ ", "I - ", "1/ ", "1- ".
_END = r"(?:[.):]|/(?=\s)|\s?[-–](?=\s))"
_ROMAN = re.compile(rf"^(?P<n>[IVXL]{{1,6}})\s*{_END}\s*(?P<t>\S.*)$")
_LETTER = re.compile(r"^(?P<n>[A-HĐ])\s*(?:\.|/(?=\s)|\s?[-–](?=\s))\s+(?P<t>\S.*)$")
_ARTICLE = re.compile(r"^Điều\s+(?P<n>\d{1,3})\s*[.:]?\s*(?P<t>.*)$")
_ARABIC_MULTI = re.compile(r"^(?P<n>\d{1,2}(?:\.\d{1,2}){1,3})\.?\s+(?P<t>\S.*)$")
_ARABIC = re.compile(rf"^(?P<n>\d{{1,2}})\s*{_END}\s*(?P<t>[^\d\s].*)$")
_LOWER = re.compile(r"^(?P<n>[a-zđ])\s*\)\s*(?P<t>\S.*)$")
_PAREN = re.compile(r"^\((?P<n>\d{1,2}|[a-zđ])\)\s*(?P<t>\S.*)$")
# Top-level sections about purpose and requirements hold no task deadlines (corpus/README.md, deadlines).
PURPOSE_TITLE = re.compile(r"^(?:MỤC ĐÍCH|YÊU CẦU|MỤC TIÊU|QUAN ĐIỂM|SỰ CẦN THIẾT|CĂN CỨ)", re.IGNORECASE)
TIME_TITLE = re.compile(r"^(?:THỜI GIAN|TIẾN ĐỘ)", re.IGNORECASE)


@dataclass
class Heading:
    """A heading para: its index, classification and (after `build_tree`) its extent."""

    index: int
    kind: str
    number: str
    title: str
    text: str
    line: int
    end: int = 0  # index after the last para of its block
    parent: int | None = None  # index (into the heading list) of the enclosing heading


def classify(text: str) -> tuple[str, str, str] | None:
    """(kind, number, title) of a heading text, or None when it is not a numbered heading."""
    if m := _ARTICLE.match(text):
        return "article", m.group("n"), m.group("t")
    if (m := _ROMAN.match(text)) and _ROMAN_VALUE.match(m.group("n")) and m.group("t")[0].isupper():
        return "roman", m.group("n"), m.group("t")
    if (m := _LETTER.match(text)) and _upper_share(m.group("t")) >= 0.8:
        return "letter", m.group("n"), m.group("t")
    if m := _ARABIC_MULTI.match(text):
        depth = m.group("n").count(".")
        return ("arabic2" if depth == 1 else "arabic3"), m.group("n"), m.group("t")
    if m := _ARABIC.match(text):
        return "arabic", m.group("n"), m.group("t")
    if m := _LOWER.match(text):
        return "lower", m.group("n"), m.group("t")
    if m := _PAREN.match(text):
        return "paren", m.group("n"), m.group("t")
    return None


def _upper_share(text: str) -> float:
    letters = [ch for ch in text if ch.isalpha()]
    return sum(ch.isupper() for ch in letters) / len(letters) if letters else 0.0


def find_headings(paras: list[Para], start: int, end: int) -> list[Heading]:
    """Headings among paras[start:end], nested by rank (each gets `parent` and `end`).

    Letter headings count only when at least two of them appear (A., B.); a single
    "A." line is a list item of something else.
    """
    found: list[Heading] = []
    for i in range(start, end):
        para = paras[i]
        if not para.is_text or para.bullet:
            continue
        if (c := classify(para.text)) is None:
            continue
        kind, number, title = c
        text = f"Điều {number}." if kind == "article" else para.text
        found.append(Heading(i, kind, number, title, text, para.line))
    if sum(h.kind == "letter" for h in found) < 2:
        found = [h for h in found if h.kind != "letter"]
    stack: list[int] = []
    for k, heading in enumerate(found):
        rank = RANKS[heading.kind]
        while stack and RANKS[found[stack[-1]].kind] >= rank:
            found[stack.pop()].end = heading.index
        heading.parent = stack[-1] if stack else None
        stack.append(k)
    for k in stack:
        found[k].end = end
    return found


def tree(headings: list[Heading]) -> list[Section]:
    """Section objects (with children and levels) from nested headings."""
    sections: list[Section | None] = [None] * len(headings)
    roots: list[Section] = []
    for k, heading in enumerate(headings):
        parent = sections[heading.parent] if heading.parent is not None else None
        level = parent.level + 1 if parent else 1
        section = Section(heading.number, heading.title, heading.text, level, heading.kind, heading.line)
        sections[k] = section
        (parent.children if parent else roots).append(section)
    return roots


def top_level(headings: list[Heading], doc_type: str | None) -> list[Heading]:
    """The headings the corpus calls `sections`.

    Letters when present, else Roman numerals, else articles; Arabic items only in a công văn
    (which has no Roman structure) or when they are all-caps section titles.
    """
    roots = [h for h in headings if h.parent is None]
    for kinds in (("letter",), ("roman",), ("article",)):
        chosen = [h for h in roots if h.kind in kinds]
        if chosen:
            return chosen
    arabic = [h for h in roots if h.kind == "arabic"]
    if arabic and (doc_type == "CV" or all(_upper_share(h.title) >= 0.8 for h in arabic)):
        return arabic
    return []


def owner(headings: list[Heading], index: int) -> int | None:
    """Position (in `headings`) of the deepest heading whose block contains para `index`."""
    best = None
    for k, heading in enumerate(headings):
        if heading.index <= index < heading.end:
            best = k
        elif heading.index > index:
            break
    return best


def top_owner(headings: list[Heading], index: int) -> Heading | None:
    """The top-level heading whose block contains para `index`."""
    k = owner(headings, index)
    while k is not None and headings[k].parent is not None:
        k = headings[k].parent
    return headings[k] if k is not None else None
