"""Nơi nhận (recipients) and the signature block (Nghị định 30/2020/NĐ-CP, Điều 8.7–8.9, Phụ lục I).

Nơi nhận is a dash list ending with the archive copy "Lưu: VT, <drafting unit>".
Next to it (right column) stands the signature block: authority lines ("TM.",
"KT.", "Q.", "TL.", "TUQ."), the signer's title, the signature and the name.
Linearised, the right column follows the left one; OCR may interleave the two
line by line ("Nơi nhận: GIÁM ĐỐC", "Như trên; (Đã ký và đóng dấu)"), and web
tables flatten everything into one row ("| Nơi nhận: - A; - B. - Lưu: VT | CHỦ
TỊCH [người ký] |").
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from documents.recognition.header import upper_ratio
from documents.recognition.layout import Para
from documents.recognition.model import RecipientEntry

_LABEL = re.compile(r"^Nơi\s+nhận\s*:?\s*(?P<rest>.*)$", re.IGNORECASE)
_ARCHIVE = re.compile(r"^Lưu\b", re.IGNORECASE)
# Inline items of a flattened table row: a dash at the start or after ";", "," or "." ("…; - Lưu: VT").
_INLINE_ITEM = re.compile(r"(?:^|(?<=[;.,]))\s*[-–]\s+")
# Nghị định 30/2020/NĐ-CP, Điều 8.7: "TM.", "KT.", "Q.", "TL.", "TUQ."; Party documents write "T/M", "K/T", "T/L".
_AUTHORITY = re.compile(r"^(?:(?:TM|KT|Q|TL|TUQ)\s*\.|(?:T/M|K/T|T/L|T/U)\b)", re.IGNORECASE)
# Words a signer's title starts with; used to split a title run written on one line.
_TITLE_HEAD = re.compile(
    r"(?<![\w./])(?:TM\.|KT\.|Q\.|TL\.|TUQ\.|T/M\s|K/T\s|T/L\s|PHÓ\s|CHỦ TỊCH|GIÁM ĐỐC|TRƯỞNG\s|BÍ THƯ|"
    r"CHÁNH\s|TỔNG\s|BỘ TRƯỞNG|THỨ TRƯỞNG|HIỆU TRƯỞNG|THỦ TRƯỞNG|VIỆN TRƯỞNG|CỤC TRƯỞNG|CHI CỤC TRƯỞNG)"
)
_PLACEHOLDER_NAME = re.compile(r"\[[^\]]*\]")
_SIGNED = re.compile(r"^\((?:Đã\s+ký|ký|Ký)[^)]*\)$", re.IGNORECASE)
# A person's name: 2-6 capitalised words (Nguyễn Văn An), no digits.
_PERSON = re.compile(r"^(?:[A-ZĐÀ-Ỹ][a-zđà-ỹ]*\s+){1,5}[A-ZĐÀ-Ỹ][a-zđà-ỹ]*$")
_PURPOSES = (
    (re.compile(r"\b(?:b/c|báo\s+cáo)\b", re.IGNORECASE), "để b/c"),
    (re.compile(r"\b(?:t/h|th/h|thực\s+hiện)\b", re.IGNORECASE), "để thực hiện"),
    (re.compile(r"\b(?:p/h|phối\s+hợp)\b", re.IGNORECASE), "để phối hợp"),
    (re.compile(r"\b(?:đ/b|để\s+biết|biết)\b", re.IGNORECASE), "để biết"),
)
# The purpose is written last: "(để b/c)", "( Thực hiện)", "… để thực hiện".
_PURPOSE_GROUP = re.compile(
    r"\(([^()]*)\)\s*$|\b(để\s+(?:thực\s+hiện|biết|phối\s+hợp|b/c|báo\s+cáo))\s*$", re.IGNORECASE
)


@dataclass
class Signature:
    """The signature block: title lines (authority lines included), signer name and where it ends."""

    titles: list[str] = field(default_factory=list)
    name: str | None = None
    line: int | None = None
    end: int | None = None


def is_authority(text: str) -> bool:
    """A line that signs on behalf of someone: "TM. ỦY BAN NHÂN DÂN", "KT. CHỦ TỊCH", "T/M BAN THƯỜNG VỤ"."""
    return bool(_AUTHORITY.match(text))


def is_title_line(text: str) -> bool:
    """An all-caps signature line ("TM. ỦY BAN NHÂN DÂN", "PHÓ CHỦ TỊCH")."""
    if any(ch.isdigit() for ch in text):
        return False
    return bool(_AUTHORITY.match(text)) or (upper_ratio(text) >= 0.9 and len(text) <= 80 and len(text.split()) >= 2)


def is_signature_noise(text: str) -> bool:
    """Signature-column text that is not a recipient: "(Đã ký)", "[người ký]", a title, a name."""
    text = text.strip()
    return bool(_SIGNED.match(text) or _PLACEHOLDER_NAME.fullmatch(text) or is_title_line(text) or _PERSON.match(text))


def split_titles(run: str) -> list[str]:
    """Split a title run written on one line: "TRƯỞNG BAN PHÓ THỦ TƯỚNG" → ["TRƯỞNG BAN", "PHÓ THỦ TƯỚNG"]."""
    starts = [m.start() for m in _TITLE_HEAD.finditer(run)]
    if not starts or starts[0] != 0:
        starts = [0, *starts]
    parts = []
    for a, b in zip(starts, [*starts[1:], len(run)], strict=True):
        part = run[a:b].strip()
        if part:
            parts.append(part)
    merged: list[str] = []
    for part in parts:
        # "KT." / "TM." alone belongs to the words after it; "PHÓ" never ends a title.
        if merged and (_AUTHORITY.fullmatch(merged[-1].strip()) or merged[-1].endswith("PHÓ")):
            merged[-1] = f"{merged[-1]} {part}"
        else:
            merged.append(part)
    return merged


def purpose_of(text: str) -> str | None:
    """The written purpose of a recipient entry ("(để b/c)", "( Thực hiện)", "(T/h)") as a phrase."""
    m = _PURPOSE_GROUP.search(text)
    if not m:
        return None
    words = m.group(1) or m.group(2) or ""
    for pattern, purpose in _PURPOSES:
        if pattern.search(words):
            return purpose
    return None


def _clean_item(text: str) -> str:
    text = re.sub(r"^[-–+•*]\s*", "", text.strip())
    return text.rstrip(" ;,.").strip()


def _entry(text: str, line: int) -> RecipientEntry:
    text = _clean_item(text)
    return RecipientEntry(text, line, purpose_of(text), bool(_ARCHIVE.match(text)))


def find_label(paras: list[Para], start: int) -> int | None:
    """Index of the "Nơi nhận" para at or after `start`."""
    for i in range(start, len(paras)):
        if paras[i].is_text and _LABEL.match(paras[i].text):
            return i
    return None


def read_recipients(paras: list[Para], label: int) -> tuple[list[RecipientEntry], Signature, int]:
    """Read the Nơi nhận list starting at para `label` and the signature block next to it.

    Returns:
        (entries, signature, index after the list and the signature block).
    """
    entries: list[RecipientEntry] = []
    signature = Signature()
    rest = _LABEL.match(paras[label].text).group("rest").strip()
    line = paras[label].line
    if rest:
        if _INLINE_ITEM.match(rest) or ";" in rest:
            for item in _INLINE_ITEM.split(rest):
                if item.strip():
                    entries.append(_entry(item, line))
        elif is_title_line(rest):
            signature.titles.append(rest)
            signature.line = line
        else:
            entries.append(_entry(rest, line))
    i = label + 1
    raw = [e.text for e in entries]  # entries as written, for joining wrapped lines
    dashed: bool | None = None
    after_blank = False
    while i < len(paras) and not (entries and entries[-1].is_archive and not entries[-1].text.endswith(":")):
        para = paras[i]
        if para.kind == "blank":
            after_blank = True
            i += 1
            continue
        if para.kind == "sep":
            break
        text = para.text
        if dashed is None:
            dashed = bool(para.bullet)
        if dashed and not para.bullet:
            previous = entries[-1] if entries else None
            continuation = previous and not after_blank and not paras[i - 1].text.rstrip().endswith((";", "."))
            if continuation and not is_title_line(text):
                raw[-1] = f"{raw[-1]} {text}"
                previous.text = _clean_item(raw[-1])
                previous.purpose = purpose_of(previous.text)
                previous.is_archive = bool(_ARCHIVE.match(previous.text))
                i += 1
                continue
            break
        if not dashed:
            if is_title_line(text) and not _ARCHIVE.match(text):
                break
            item, _, noise = text.partition(";")
            if noise.strip() and is_signature_noise(noise):
                _signature_part(signature, noise.strip())
                text = item
        entries.append(_entry(text, para.line))
        raw.append(text)
        after_blank = False
        i += 1
    end = _read_signature(paras, i, signature)
    return [e for e in entries if e.text], signature, end


def _signature_part(signature: Signature, text: str) -> None:
    if _PLACEHOLDER_NAME.fullmatch(text) or _PERSON.match(text):
        signature.name = signature.name or text
    elif is_title_line(text):
        signature.titles.append(text)


def _read_signature(paras: list[Para], start: int, signature: Signature) -> int:
    """Signature lines after the list (possibly in the next table cell); returns the index after them."""
    i = start
    skipped = 0
    while i < len(paras) and i < start + 12:
        para = paras[i]
        if not para.is_text:
            if signature.name:
                break
            i += 1
            continue
        text = para.text
        if signature.name is None and (m := _PLACEHOLDER_NAME.search(text)):
            head = text[: m.start()].strip()
            if head:
                signature.titles.extend(split_titles(head))
            signature.name = m.group(0)
            signature.line = signature.line or para.line
            i += 1
            continue
        if signature.name is None and is_title_line(text) and not _ARCHIVE.match(text):
            if len(text.split()) > 6 and not _AUTHORITY.match(text):
                signature.titles.extend(split_titles(text))
            else:
                signature.titles.append(text)
            signature.line = signature.line or para.line
            i += 1
            continue
        if signature.name is None and signature.titles and (_PERSON.match(text) or _SIGNED.match(text)):
            if _PERSON.match(text):
                signature.name = text
            i += 1
            continue
        if not signature.titles and signature.name is None and skipped < 2 and len(text) < 40:
            skipped += 1  # a stray line between Nơi nhận and the signature ("08 KH": copies printed)
            i += 1
            continue
        break
    signature.end = i
    return i


def find_signature(paras: list[Para], start: int, end: int) -> Signature | None:
    """A signature block without Nơi nhận: authority/title lines followed by a name, near the end."""
    for i in range(start, end):
        para = paras[i]
        if para.is_text and _AUTHORITY.match(para.text):
            signature = Signature()
            _read_signature(paras, i, signature)
            if signature.titles:
                return signature
    return None
