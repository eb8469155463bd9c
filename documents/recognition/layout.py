"""Physical lines → logical paragraphs ("paras") the other modules read.

Real plan texts arrive in several layouts (corpus/README.md): one paragraph per
line (Word), Markdown from legal-document sites with lines hard-wrapped at ~80
characters, table cells one per line between "|" lines, two header columns on one
line separated by many spaces, literal "\\r\\n" escapes. This module undoes those so
that a heading, a list item or a cell is one `Para`, and remembers the physical
line each came from. Markdown emphasis (``**``, ``*``) is removed from the text, as
the corpus comparison rules do.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from itertools import pairwise

from documents.recognition.normalize import collapse

# A line made only of table pipes, dashes and colons is a cell/row separator ("|", "|---|---|").
_SEP_LINE = re.compile(r"\s*\|[\s|:\-]*")
# Two header columns flattened onto one line keep a wide gap between them (doc 14, PDF layout text).
_WIDE_GAP = re.compile(r"(?<=\S)\s{6,}(?=\S)")
# List bullets: "-", "–", "+", "•", "*-*" (Markdown-escaped dash), "* " (star and space).
_BULLET = re.compile(r"^\s*(?:\*-\*|[-–+•▪●◦](?!-)|\*(?=\s))\s*")
# A star bullet ("* Thời gian thực hiện:") or a Markdown-escaped dash ("*-* Bộ Y tế") before emphasis is removed.
_STAR_BULLET = re.compile(r"^\s*(?:\*-\*|\*(?=\s))\s*")
# A bare list label left alone on its line by a wrap ("6.", "1.", "III.", "a)").
_BARE_LABEL = re.compile(r"^(?:\d{1,2}(?:\.\d{1,2})*\.?|[IVXL]{1,5}\.|[a-zđ]\))$")
# Start of a list item or heading: the next line is a new paragraph, not a wrapped continuation.
_ITEM_START = re.compile(
    r"^(?:\d{1,2}(?:\.\d{1,2})*[.)/]\s|\d{1,2}\.\d{1,2}\s|\d{1,2}\s?[-–]\s|[a-zđ]\)\s|[IVXL]{1,5}[./]\s|"
    r"[IVXL]{1,5}\s?[-–]\s|\(\d{1,2}\)\s|[A-ZĐ]\.\s|Điều\s+\d)"
)
_EMPHASIS = re.compile(r"\*+")
_MD_HEADING = re.compile(r"^#{1,6}\s*")
_LITERAL_CRLF = "\\r\\n"
_DECORATION = re.compile(r"[\s\-–—_=*~.·•|]*")


@dataclass
class Para:
    """A logical paragraph.

    Attributes:
        text: cleaned text (emphasis removed, bullet removed, whitespace collapsed).
        line: 1-based physical line where it starts; `end` where it ends.
        kind: "text", "blank" or "sep" (a "|" separator between table cells / rows).
        bullet: the list bullet it started with ("-", "+", "*"), "" when none.
        cell: True when it comes from a "| a | b |" row written on one line.
    """

    text: str
    line: int
    end: int
    kind: str = "text"
    bullet: str = ""
    cell: bool = False

    @property
    def is_text(self) -> bool:
        """True for a paragraph with text (not a blank line or a separator)."""
        return self.kind == "text"


@dataclass
class _Piece:
    raw: str
    line: int
    end: int
    kind: str
    cell: bool = False


def is_decoration(text: str) -> bool:
    """True for rules and ornaments under a header ("-------", "***", "|---|")."""
    return bool(_DECORATION.fullmatch(text))


def _emphasis_open(raw: str) -> bool:
    """True when `raw` opens bold/italic Markdown emphasis it does not close (a wrapped heading)."""
    body = _BULLET.sub("", raw, count=1) if raw.lstrip().startswith(("* ", "*-*")) else raw
    doubles = body.count("**")
    singles = len(re.findall(r"(?<!\*)\*(?!\*)", body))
    return doubles % 2 == 1 or singles % 2 == 1


def clean(raw: str) -> str:
    """Text of a raw piece without Markdown emphasis/heading marks, whitespace collapsed."""
    text = _EMPHASIS.sub("", raw)
    text = _MD_HEADING.sub("", text.strip())
    return collapse(text)


def _split_physical(lines: list[str]) -> list[_Piece]:
    pieces: list[_Piece] = []
    for number, line in enumerate(lines, start=1):
        raw = line.rstrip()
        if not raw.strip():
            pieces.append(_Piece("", number, number, "blank"))
        elif _SEP_LINE.fullmatch(raw):
            pieces.append(_Piece("|", number, number, "sep"))
        elif "|" in raw:
            # "| issuer | motto |" or "Số: … | Hà Nội, ngày …": every cell becomes a piece between seps.
            pieces.append(_Piece("|", number, number, "sep"))
            for cell in raw.split("|"):
                if cell.strip():
                    pieces.append(_Piece(cell.strip(), number, number, "text", cell=True))
                    pieces.append(_Piece("|", number, number, "sep"))
        elif _WIDE_GAP.search(raw.strip()):
            columns = _WIDE_GAP.split(raw.strip())
            for k, column in enumerate(columns):
                if k:
                    pieces.append(_Piece("|", number, number, "sep"))
                pieces.append(_Piece(column, number, number, "text", cell=True))
        else:
            pieces.append(_Piece(raw, number, number, "text"))
    return pieces


def _starts_lower(text: str) -> bool:
    return bool(text) and text[0].isalpha() and text[0].islower()


def _is_hard_wrapped(pieces: list[_Piece]) -> bool:
    """A text is hard-wrapped when many lines continue on a line starting in lower case (doc 07-12)."""
    texts = continued = 0
    for a, b in pairwise(pieces):
        if a.kind != "text":
            continue
        texts += 1
        b_text = clean(b.raw)
        if b.kind == "text" and not _BULLET.match(b.raw) and not _ITEM_START.match(b_text) and _starts_lower(b_text):
            continued += 1
    return continued >= 3 and continued >= 0.12 * texts


def _continues(a: _Piece, b: _Piece, wrapped: bool) -> bool:
    """Should piece `b` be appended to piece `a` (same paragraph)?"""
    if b.kind != "text" or a.kind != "text" or a.cell or b.cell:
        return False
    if _emphasis_open(a.raw):
        return True
    a_text, b_text = clean(a.raw), clean(b.raw)
    if _BARE_LABEL.fullmatch(a_text):
        return True
    if not wrapped or not b_text or _BULLET.match(b.raw) or _ITEM_START.match(b_text):
        return False
    if a.raw.rstrip().endswith("*"):
        return False  # a closed bold/italic line is a heading of its own
    if _starts_lower(b_text):
        return True
    if b_text[0].isdigit():
        # "214/NQ-CP ngày …" continues "Thực hiện Nghị quyết số"; "08 KH" after "Lưu: VT, CT." does not.
        return not a_text.endswith((".", ";", "!", "?", ":"))
    last = a_text[-1:]
    return bool(last) and ((last.isalpha() and last.islower()) or last == ",") and b_text[0].isupper()


def build_paras(text: str) -> list[Para]:
    """Split normalised `text` into logical paragraphs (see module docstring).

    Args:
        text: NFC text with "\\n" line ends (`normalize_text`).

    Returns:
        Paras in document order; blank lines and "|" separators are kept as paras of kind
        "blank"/"sep" because headers, titles and tables end at them.
    """
    if text.count(_LITERAL_CRLF) >= 3:
        text = text.replace(_LITERAL_CRLF, " ")
    pieces = _split_physical(text.split("\n"))
    wrapped = _is_hard_wrapped(pieces)
    merged: list[_Piece] = []
    for piece in pieces:
        if merged and _continues(merged[-1], piece, wrapped) and merged[-1].end - merged[-1].line < 12:
            last = merged[-1]
            merged[-1] = _Piece(f"{last.raw} {piece.raw}", last.line, piece.end, "text", last.cell)
        else:
            merged.append(piece)
    paras: list[Para] = []
    for piece in merged:
        if piece.kind != "text":
            paras.append(Para(piece.raw if piece.kind == "sep" else "", piece.line, piece.end, piece.kind))
            continue
        bullet = ""
        raw = piece.raw
        if m := _STAR_BULLET.match(raw):
            bullet = "-" if "-" in m.group(0) else "*"
            raw = raw[m.end() :]
        cleaned = clean(raw)
        if not bullet and (m := _BULLET.match(cleaned)):
            marker = m.group(0).strip()
            bullet = "+" if marker == "+" else "-"
            cleaned = cleaned[m.end() :].strip()
        if not cleaned or (is_decoration(cleaned) and not bullet):
            paras.append(Para("", piece.line, piece.end, "blank"))
            continue
        paras.append(Para(cleaned, piece.line, piece.end, "text", bullet, piece.cell))
    return paras
