"""Text of a .docx file in reading order, as a drafter sees it in Word.

python-docx gives paragraphs and tables separately; a plan mixes them (the
two-column header table of Nghị định 30/2020/NĐ-CP, Phụ lục I, the Nơi nhận /
signature table, task tables of an appendix), so the body is walked in order.
Automatic list numbering lives in numbering.xml, not in the text: it is rendered
here ("I.", "1.", "1.1.", "a)") because the section parser reads those labels.

Tables come out one cell after the other, each row as ``|``, cell lines, ``|``,
cell lines, ``|`` (the layout of table pages saved from the web, which the
recogniser already reads): a header table gives the left cell lines (issuer,
"Số:") and then the right cell lines (national motto, place and date).
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from documents.recognition.legacy import tcvn3_to_unicode, vni_to_unicode

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def _tag(element: Any) -> str:
    tag = element.tag
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _attr(element: Any, name: str) -> str | None:
    if element is None:
        return None
    return element.get(f"{_W}{name}")


def _child(element: Any, name: str) -> Any:
    if element is None:
        return None
    return element.find(f"{_W}{name}")


# --- numbering ------------------------------------------------------------------------------------

_ROMAN = (
    (1000, "M"),
    (900, "CM"),
    (500, "D"),
    (400, "CD"),
    (100, "C"),
    (90, "XC"),
    (50, "L"),
    (40, "XL"),
    (10, "X"),
    (9, "IX"),
    (5, "V"),
    (4, "IV"),
    (1, "I"),
)
# Bullet characters of symbol fonts (Symbol, Wingdings) sit in the private use area; show them as "-",
# the bullet Vietnamese administrative texts write (Nghị định 30/2020/NĐ-CP, Phụ lục I).
_DASH_BULLETS = {"-", "–", "—", "+", "*", "•"}


def roman(number: int) -> str:
    """Upper-case Roman numeral of a positive integer."""
    out = []
    for value, letters in _ROMAN:
        while number >= value:
            out.append(letters)
            number -= value
    return "".join(out)


def letters(number: int) -> str:
    """Word's letter numbering: a, b, …, z, aa, bb, …"""
    index = (number - 1) % 26
    return chr(ord("a") + index) * ((number - 1) // 26 + 1)


def format_number(number: int, fmt: str) -> str:
    """Render a list counter in a Word numFmt (decimal, upperRoman, lowerLetter, …)."""
    if fmt == "decimalZero":
        return f"{number:02d}"
    if fmt == "upperRoman":
        return roman(number)
    if fmt == "lowerRoman":
        return roman(number).lower()
    if fmt == "upperLetter":
        return letters(number).upper()
    if fmt == "lowerLetter":
        return letters(number)
    if fmt == "none":
        return ""
    return str(number)


@dataclass
class _Level:
    start: int = 1
    fmt: str = "decimal"
    text: str = "%1."
    legal: bool = False


@dataclass
class Numbering:
    """Numbering definitions of a document and the running counters while it is read."""

    levels: dict[str, dict[int, _Level]] = field(default_factory=dict)
    counters: dict[str, dict[int, int]] = field(default_factory=dict)

    @classmethod
    def from_document(cls, document: Any) -> Numbering:
        """Read numbering.xml (abstract definitions, per-list overrides); empty when absent."""
        numbering = cls()
        try:
            root = document.part.numbering_part.element
        except (KeyError, NotImplementedError, AttributeError):
            return numbering
        abstract: dict[str, dict[int, _Level]] = {}
        for element in root.findall(f"{_W}abstractNum"):
            abstract[_attr(element, "abstractNumId") or ""] = {
                int(_attr(lvl, "ilvl") or 0): _parse_level(lvl) for lvl in element.findall(f"{_W}lvl")
            }
        for num in root.findall(f"{_W}num"):
            num_id = _attr(num, "numId") or ""
            base = abstract.get(_attr(_child(num, "abstractNumId"), "val") or "", {})
            levels = {ilvl: _Level(lvl.start, lvl.fmt, lvl.text, lvl.legal) for ilvl, lvl in base.items()}
            for override in num.findall(f"{_W}lvlOverride"):
                ilvl = int(_attr(override, "ilvl") or 0)
                if (lvl := _child(override, "lvl")) is not None:
                    levels[ilvl] = _parse_level(lvl)
                if (start := _attr(_child(override, "startOverride"), "val")) is not None:
                    levels.setdefault(ilvl, _Level()).start = int(start)
            numbering.levels[num_id] = levels
        return numbering

    def label(self, num_id: str, ilvl: int) -> str:
        """Advance the counter of list `num_id` at level `ilvl` and return the rendered label."""
        levels = self.levels.get(num_id)
        if not levels or ilvl not in levels:
            return ""
        counters = self.counters.setdefault(num_id, {})
        level = levels[ilvl]
        counters[ilvl] = counters.get(ilvl, level.start - 1) + 1
        for deeper in [k for k in counters if k > ilvl]:
            del counters[deeper]
        if level.fmt == "bullet":
            char = level.text.strip()
            return char if char in _DASH_BULLETS else "-"
        text = level.text
        for k in range(9):
            placeholder = f"%{k + 1}"
            if placeholder in text:
                sub = levels.get(k, _Level())
                value = counters.get(k, sub.start)
                fmt = "decimal" if level.legal and k != ilvl else sub.fmt
                text = text.replace(placeholder, format_number(value, fmt))
        return text.strip()


def _parse_level(lvl: Any) -> _Level:
    return _Level(
        start=int(_attr(_child(lvl, "start"), "val") or 1),
        fmt=_attr(_child(lvl, "numFmt"), "val") or "decimal",
        text=_attr(_child(lvl, "lvlText"), "val") or "",
        legal=_child(lvl, "isLgl") is not None,
    )


# --- styles ---------------------------------------------------------------------------------------


@dataclass
class _Styles:
    by_id: dict[str, Any]
    default_font: str | None

    @classmethod
    def from_document(cls, document: Any) -> _Styles:
        """Paragraph styles by id and the document's default font."""
        root = document.styles.element
        by_id = {_attr(style, "styleId") or "": style for style in root.findall(f"{_W}style")}
        default = root.find(f"{_W}docDefaults/{_W}rPrDefault/{_W}rPr/{_W}rFonts")
        return cls(by_id, _font_name(default))

    def chain(self, style_id: str | None) -> Iterator[Any]:
        """The style and the styles it is based on, nearest first."""
        seen = set()
        while style_id and style_id in self.by_id and style_id not in seen:
            seen.add(style_id)
            style = self.by_id[style_id]
            yield style
            style_id = _attr(_child(style, "basedOn"), "val")

    def font(self, style_id: str | None) -> str | None:
        """Font name a paragraph style gives its runs (inherited, then document default)."""
        for style in self.chain(style_id):
            if name := _font_name(style.find(f"{_W}rPr/{_W}rFonts")):
                return name
        return self.default_font

    def num_pr(self, style_id: str | None) -> Any:
        """List numbering a paragraph style applies (w:numPr), or None."""
        for style in self.chain(style_id):
            if (num_pr := style.find(f"{_W}pPr/{_W}numPr")) is not None:
                return num_pr
        return None


def _font_name(fonts: Any) -> str | None:
    if fonts is None:
        return None
    return _attr(fonts, "ascii") or _attr(fonts, "hAnsi") or _attr(fonts, "cs")


def legacy_font_kind(font: str | None) -> str | None:
    """``"tcvn3"``/``"tcvn3-upper"`` for ".Vn…" fonts, ``"vni"`` for "VNI-…" fonts, else None.

    TCVN3 fonts whose name ends in "H" (".VnTimeH", ".VnArialH") show lower-case codes as capitals.
    """
    if not font:
        return None
    name = font.strip().lower()
    if name.startswith(".vn"):
        return "tcvn3-upper" if name.endswith("h") else "tcvn3"
    if name.startswith("vni"):
        return "vni"
    return None


def convert_run(text: str, kind: str | None) -> str:
    """Convert the text of one run typed with a legacy font (see `legacy_font_kind`)."""
    if kind == "tcvn3":
        return tcvn3_to_unicode(text)
    if kind == "tcvn3-upper":
        return tcvn3_to_unicode(text).upper()
    if kind == "vni":
        return vni_to_unicode(text)
    return text


# --- reader ---------------------------------------------------------------------------------------


class DocxReader:
    """Walk a python-docx Document and produce its lines (see module docstring)."""

    def __init__(self, document: Any) -> None:
        self.numbering = Numbering.from_document(document)
        self.styles = _Styles.from_document(document)
        self.lines: list[str] = []
        self.legacy_runs = 0

    def read(self, body: Any) -> list[str]:
        """Lines of the document body (w:body) in reading order."""
        self._block(body)
        return self.lines

    def _block(self, container: Any) -> None:
        for child in container.iterchildren():
            tag = _tag(child)
            if tag == "p":
                self.lines.extend(self._paragraph(child))
            elif tag == "tbl":
                self._table(child)
            elif tag == "sdt":
                content = _child(child, "sdtContent")
                if content is not None:
                    self._block(content)

    def _paragraph(self, p: Any) -> list[str]:
        p_pr = _child(p, "pPr")
        style_id = _attr(_child(p_pr, "pStyle"), "val")
        style_font = self.styles.font(style_id)
        parts: list[str] = []
        for run in p.iter(f"{_W}r"):
            if any(_tag(a) in ("del", "moveFrom") for a in run.iterancestors()):
                continue
            kind = legacy_font_kind(_font_name(run.find(f"{_W}rPr/{_W}rFonts")) or style_font)
            chunk: list[str] = []
            for node in run:
                name = _tag(node)
                if name == "t":
                    chunk.append(node.text or "")
                elif name == "tab":
                    chunk.append("\t")
                elif name in ("br", "cr"):
                    chunk.append("\n")
                elif name == "noBreakHyphen":
                    chunk.append("-")
            text = "".join(chunk)
            if kind and text.strip():
                self.legacy_runs += 1
            parts.append(convert_run(text, kind))
        text = "".join(parts)
        label = self._label(p_pr, style_id)
        if label:
            text = f"{label} {text.lstrip()}"
        return text.split("\n")

    def _label(self, p_pr: Any, style_id: str | None) -> str:
        num_pr = _child(p_pr, "numPr")
        if num_pr is None:
            num_pr = self.styles.num_pr(style_id)
        if num_pr is None:
            return ""
        num_id = _attr(_child(num_pr, "numId"), "val")
        if not num_id or num_id == "0":
            return ""
        ilvl = int(_attr(_child(num_pr, "ilvl"), "val") or 0)
        return self.numbering.label(num_id, ilvl)

    def _table(self, tbl: Any) -> None:
        for tr in tbl.findall(f"{_W}tr"):
            self.lines.append("|")
            for tc in tr.findall(f"{_W}tc"):
                v_merge = tc.find(f"{_W}tcPr/{_W}vMerge")
                before = len(self.lines)
                self._block(tc)
                cell = self.lines[before:]
                if v_merge is not None and _attr(v_merge, "val") != "restart" and not "".join(cell).strip():
                    del self.lines[before:]
                    continue
                # Empty paragraphs inside a cell are layout, not text.
                self.lines[before:] = [line for line in cell if line.strip()]
                self.lines.append("|")


def docx_lines(data: bytes) -> tuple[list[str], int]:
    """Lines of a .docx file and the number of runs typed in a legacy font.

    Raises:
        ValueError / KeyError / zipfile.BadZipFile from python-docx on a damaged file (the caller
        turns them into a RecognitionError).
    """
    import docx  # python-docx; imported here so the package imports without it

    document = docx.Document(io.BytesIO(data))
    reader = DocxReader(document)
    return reader.read(document.element.body), reader.legacy_runs
